"""The shape of a normalised statement, read with PostgreSQL's own parser (pglast).

For each statement: what kind it is, which tables it reads, and which of their columns it filters
on by equality or range, joins on, sorts by, searches with ``LIKE``, groups to take a ``max()``
("latest row"), and whether it pages with ``OFFSET``. Column references are resolved to tables
through each query level's ``FROM`` aliases, and unqualified names through the schema model (a
column name only one of the level's tables has). What cannot be resolved is left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from dbaudit.model.schema import SchemaModel

Col = tuple[str, str]  # (schema.table, column)

_KINDS = {"SelectStmt": "select", "InsertStmt": "insert", "UpdateStmt": "update", "DeleteStmt": "delete",
          "MergeStmt": "merge"}
_RANGE_OPS = frozenset({"<", ">", "<=", ">="})
_LIKE_OPS = frozenset({"~~", "~~*", "!~~", "!~~*"})
_UNWRAP_FUNCS = frozenset({"lower", "upper"})


@dataclass
class QueryShape:
    kind: str = "utility"
    tables: list[str] = field(default_factory=list)
    equality: list[Col] = field(default_factory=list)
    ranges: list[Col] = field(default_factory=list)
    joins: list[tuple[Col, Col]] = field(default_factory=list)
    order_by: list[Col] = field(default_factory=list)
    like: list[Col] = field(default_factory=list)
    ilike: set[Col] = field(default_factory=set)
    latest: list[tuple[str, tuple[str, ...], str]] = field(default_factory=list)
    offset: bool = False

    def columns_of(self, table: str) -> dict[str, list[str]]:
        """The table's columns by role: ``equality``, ``join``, ``range``, ``order``, ``like``."""
        out: dict[str, list[str]] = {"equality": [], "join": [], "range": [], "order": [], "like": []}
        for key, cols in (("equality", self.equality), ("range", self.ranges), ("order", self.order_by),
                          ("like", self.like)):
            for t, c in cols:
                if t == table and c not in out[key]:
                    out[key].append(c)
        for left, right in self.joins:
            for t, c in (left, right):
                if t == table and c not in out["join"]:
                    out["join"].append(c)
        return out


def parse_shape(query: str, model: SchemaModel) -> QueryShape | None:
    """The statement's shape, or ``None`` when pglast cannot parse it."""
    from pglast import parse_sql  # noqa: PLC0415

    try:
        statements = parse_sql(query)
    except Exception:  # a statement text pg_stat_statements truncated, or newer syntax
        return None
    if len(statements) != 1:
        return None
    root = statements[0].stmt
    shape = QueryShape(kind=_KINDS.get(type(root).__name__, "utility"))
    if shape.kind == "utility":
        return shape
    _Walker(model, shape).statement(root)
    shape.tables = list(dict.fromkeys(shape.tables))
    return shape


class _Walker:
    """Walks every query level (SELECT, subqueries, CTEs, DML) with its own alias scope."""

    def __init__(self, model: SchemaModel, shape: QueryShape) -> None:
        self.model = model
        self.shape = shape
        self.ctes: set[str] = set()

    # -- levels ----------------------------------------------------------------------------------

    def statement(self, node: Any) -> None:
        from pglast import ast  # noqa: PLC0415

        with_clause = getattr(node, "withClause", None)
        for cte in getattr(with_clause, "ctes", None) or ():
            self.ctes.add(cte.ctename)
            self.statement(cte.ctequery)
        if isinstance(node, ast.SelectStmt):
            self.select(node)
        elif isinstance(node, ast.InsertStmt):
            self._table(node.relation, {})
            if node.selectStmt is not None:
                self.statement(node.selectStmt)
        elif isinstance(node, ast.UpdateStmt | ast.DeleteStmt):
            scope: dict[str, str] = {}
            self._table(node.relation, scope)
            for item in getattr(node, "fromClause", None) or getattr(node, "usingClause", None) or ():
                self._from(item, scope)
            self._where(node.whereClause, scope)

    def select(self, node: Any) -> None:
        if node.op is not None and getattr(node.op, "name", "") != "SETOP_NONE":
            for part in (node.larg, node.rarg):
                if part is not None:
                    self.select(part)
            return
        scope: dict[str, str] = {}
        for item in node.fromClause or ():
            self._from(item, scope)
        self._where(node.whereClause, scope)
        for sort in node.sortClause or ():
            col = self._column(sort.node, scope)
            if col is not None:
                self.shape.order_by.append(col)
        if node.limitOffset is not None:
            self.shape.offset = True
        self._latest(node, scope)
        for expr in self._subqueries(node.whereClause, node.targetList):
            self.statement(expr)

    def _subqueries(self, *nodes: Any) -> Iterable[Any]:
        """Sub-selects in WHERE (EXISTS, IN) and the target list, each a level of its own."""
        from pglast import ast  # noqa: PLC0415

        stack = [n for n in nodes if n is not None]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.SubLink):
                yield node.subselect
                continue
            if isinstance(node, tuple | list):
                stack.extend(node)
            elif isinstance(node, ast.Node):
                stack.extend(v for v in (getattr(node, f, None) for f in node) if v is not None)

    # -- FROM --------------------------------------------------------------------------------------

    def _from(self, item: Any, scope: dict[str, str]) -> None:
        from pglast import ast  # noqa: PLC0415

        if isinstance(item, ast.RangeVar):
            self._table(item, scope)
        elif isinstance(item, ast.JoinExpr):
            self._from(item.larg, scope)
            self._from(item.rarg, scope)
            self._where(item.quals, scope)
        elif isinstance(item, ast.RangeSubselect):
            self.statement(item.subquery)
            alias: Any = item.alias
            if alias is not None:
                scope[str(alias.aliasname)] = ""  # a derived table: its columns are not a table's

    def _table(self, rv: Any, scope: dict[str, str]) -> None:
        if rv is None:
            return
        name = self._resolve(rv.schemaname, rv.relname)
        alias = rv.alias.aliasname if rv.alias is not None else rv.relname
        scope[alias] = name or ""
        if name:
            self.shape.tables.append(name)

    def _resolve(self, schema: str | None, name: str) -> str | None:
        if schema:
            return f"{schema}.{name}" if self.model.table(f"{schema}.{name}") is not None else None
        if name in self.ctes:
            return None
        if self.model.table(f"public.{name}") is not None:
            return f"public.{name}"
        matches = [t.qualified_name for t in self.model.tables if t.name == name]
        return matches[0] if len(matches) == 1 else None

    # -- predicates --------------------------------------------------------------------------------

    def _where(self, node: Any, scope: dict[str, str]) -> None:
        from pglast import ast  # noqa: PLC0415
        from pglast.enums import A_Expr_Kind  # noqa: PLC0415

        if node is None:
            return
        if isinstance(node, ast.BoolExpr):
            for arg in node.args or ():
                self._where(arg, scope)
            return
        if not isinstance(node, ast.A_Expr):
            return
        op = node.name[-1].sval if node.name else ""
        left, right = self._column(node.lexpr, scope), self._column(node.rexpr, scope)
        kind = node.kind
        if kind in (A_Expr_Kind.AEXPR_LIKE, A_Expr_Kind.AEXPR_ILIKE) or op in _LIKE_OPS:
            if left is not None:
                self.shape.like.append(left)
                if kind == A_Expr_Kind.AEXPR_ILIKE or op.endswith("*"):
                    self.shape.ilike.add(left)
        elif kind in (A_Expr_Kind.AEXPR_IN, A_Expr_Kind.AEXPR_OP_ANY) or (kind == A_Expr_Kind.AEXPR_OP and op == "="):
            if left is not None and right is not None and left[0] != right[0]:
                self.shape.joins.append((left, right))
            elif left is not None and right is None:
                self.shape.equality.append(left)
            elif right is not None and left is None:
                self.shape.equality.append(right)
        elif kind == A_Expr_Kind.AEXPR_BETWEEN or (kind == A_Expr_Kind.AEXPR_OP and op in _RANGE_OPS):
            for col in (left, right):
                if col is not None:
                    self.shape.ranges.append(col)

    def _column(self, node: Any, scope: dict[str, str]) -> tuple[str, str] | None:
        from pglast import ast  # noqa: PLC0415

        while isinstance(node, ast.TypeCast):
            node = node.arg
        if isinstance(node, ast.FuncCall) and len(_args(node)) == 1 and _func_name(node) in _UNWRAP_FUNCS:
            node = _args(node)[0]
        if not isinstance(node, ast.ColumnRef):
            return None
        fields: Any = node.fields or ()
        names = [str(f.sval) for f in fields if isinstance(f, ast.String) and f.sval]
        if len(names) != len(fields) or not names:
            return None
        column = names[-1]
        if len(names) >= 2:
            table = scope.get(names[-2])
            return (table, column) if table else None
        owners = [t for t in dict.fromkeys(scope.values()) if t and self._has_column(t, column)]
        return (owners[0], column) if len(owners) == 1 else None

    def _has_column(self, table: str, column: str) -> bool:
        found = self.model.table(table)
        return found is not None and found.column(column) is not None

    def _latest(self, node: Any, scope: dict[str, str]) -> None:
        """``GROUP BY keys`` with ``max(time)`` in the target list: the "latest row per key" shape."""
        from pglast import ast  # noqa: PLC0415

        keys = [c for g in node.groupClause or () if (c := self._column(g, scope)) is not None]
        if not keys:
            return
        for target in node.targetList or ():
            value = getattr(target, "val", None)
            if isinstance(value, ast.FuncCall) and _func_name(value) == "max" and len(_args(value)) == 1:
                time = self._column(_args(value)[0], scope)
                if time is not None and all(k[0] == time[0] for k in keys):
                    self.shape.latest.append((time[0], tuple(k[1] for k in keys), time[1]))


def _func_name(node: Any) -> str:
    names = node.funcname or ()
    return str(names[-1].sval) if names else ""


def _args(node: Any) -> list[Any]:
    return list(node.args or ())
