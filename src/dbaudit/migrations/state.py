"""Replays the statements of all revisions over a small schema state, giving each statement its facts.

The state knows what the migrations themselves created: tables, column types, NOT NULL columns,
partitioned tables and their partitions, indexes and the table each belongs to, functions and their
declared volatility, and which columns a validated ``CHECK (c IS NOT NULL)`` proves. Tables the
migrations never created (a baseline, a table made by hand) are tracked from their first mention, so
that a ``NOT VALID`` CHECK validated on them still proves its column. A table the migrations did not
create in the same revision is "existing": it may be large.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pglast import ast
from pglast.enums import AlterTableType, ConstrType, NullTestType, ObjectType, ReindexObjectType, VariableSetKind

from dbaudit.messages import msg
from dbaudit.migrations.parse.statements import Statement
from dbaudit.migrations.source import MigrationSet, Revision
from dbaudit.migrations.sqlfacts import (
    LockRequest,
    TypeSpec,
    functions_in,
    names_to_qualified,
    referenced_tables,
    rel_name,
    relations_of,
    statement_lock,
    target_table,
    type_spec,
    walk,
)

# The oldest PostgreSQL major version still supported upstream when no --target-version is given.
DEFAULT_TARGET_VERSION = 13


@dataclass(frozen=True, slots=True)
class LintContext:
    """What a lint knows beyond the SQL: the server it targets and the settings around the revisions.

    ``together``: revisions that one ``upgrade`` runs in a row (the linted ones); with Alembic's
    default (``transaction_per_migration`` off) they share one transaction.
    ``volatility``: function name -> volatile, as looked up on a database (``--database``).
    """

    target_version: int | None = None
    lock_timeout_in_env: bool = False
    statement_timeout_in_env: bool = False
    together: frozenset[str] = frozenset()
    volatility: dict[str, bool] = field(default_factory=dict)

    @property
    def version(self) -> int:
        return self.target_version or DEFAULT_TARGET_VERSION

    @property
    def version_text(self) -> str:
        if self.target_version is None:
            return msg("PostgreSQL {default_target_version}+ assumed (no --target-version)",
                       default_target_version=DEFAULT_TARGET_VERSION)
        return f"PostgreSQL {self.target_version}"


@dataclass
class TableState:
    name: str
    created_in: str | None  # None: the migrations never created it (baseline, made by hand)
    columns: dict[str, TypeSpec] = field(default_factory=dict)
    not_null: set[str] = field(default_factory=set)
    proven_not_null: set[str] = field(default_factory=set)
    partitioned: bool = False
    partitions: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TableFacts:
    """A frozen copy of what is known about a table just before a statement runs."""

    name: str
    created_in: str | None
    columns: tuple[tuple[str, TypeSpec], ...]
    not_null: frozenset[str]
    proven_not_null: frozenset[str]
    partitioned: bool
    partitions: tuple[str, ...]

    def column_type(self, column: str) -> TypeSpec | None:
        return dict(self.columns).get(column)


@dataclass(frozen=True, slots=True)
class LockOn:
    """A lock the statement asks for, and whether its table may hold rows and users already."""

    table: str
    mode: str
    role: str  # "target", "referenced", "parent", "index" (the table of the index is unknown)
    existing: bool


@dataclass(frozen=True, slots=True)
class NotValidAdded:
    """A constraint added ``NOT VALID`` earlier: where and in which transaction."""

    name: str
    table: str
    revision: str
    line: int
    tx: int | None
    kind: str  # "foreign key" or "check"


@dataclass(frozen=True, slots=True)
class StatementFacts:
    statement: Statement
    table: str | None
    table_new: bool  # created earlier in the same revision: empty, nobody else uses it yet
    table_info: TableFacts | None
    lock: str | None
    lock_timeout: bool  # a lock_timeout is in force when the statement runs
    locks: tuple[LockOn, ...] = ()
    statement_timeout: bool = False  # a statement_timeout is set in the revision before it
    validates: tuple[NotValidAdded, ...] = ()  # VALIDATE CONSTRAINT of constraints added NOT VALID
    new_enum_values_used: tuple[str, ...] = ()  # enum values added in this transaction, used by it


@dataclass(frozen=True, slots=True)
class AnalyzedRevision:
    revision: Revision
    facts: tuple[StatementFacts, ...]
    lock_timeout_in_env: bool = False
    context: LintContext = field(default_factory=LintContext)
    functions: tuple[tuple[str, bool], ...] = ()  # functions the migrations declared: name, volatile

    def volatile(self, function: str) -> bool | None:
        """True/False when the database or the migrations say; None when nobody knows."""
        if function in self.context.volatility:
            return self.context.volatility[function]
        return dict(self.functions).get(function)


class SchemaState:
    def __init__(self) -> None:
        self.tables: dict[str, TableState] = {}
        self.indexes: dict[str, tuple[str, str | None]] = {}  # schema.index -> (table, revision)
        self.pending_checks: dict[str, tuple[str, str]] = {}  # NOT VALID "c IS NOT NULL" checks
        self.not_valid: dict[str, NotValidAdded] = {}  # constraint name -> where it was added
        self.functions: dict[str, bool] = {}  # function name -> volatile, as declared
        self.new_enum_values: dict[str, int] = {}  # value added by ALTER TYPE ... ADD VALUE -> tx

    def facts(self, name: str | None) -> TableFacts | None:
        t = self.tables.get(name) if name else None
        if t is None:
            return None
        return TableFacts(t.name, t.created_in, tuple(t.columns.items()), frozenset(t.not_null),
                          frozenset(t.proven_not_null), t.partitioned, tuple(t.partitions))

    def existing(self, table: str, rev_id: str) -> bool:
        known = self.tables.get(table)
        return known is None or known.created_in != rev_id

    def index_table(self, index: str) -> str | None:
        known = self.indexes.get(index)
        return known[0] if known else None

    def locks(self, node: Any, rev_id: str) -> tuple[LockOn, ...]:
        out: list[LockOn] = []
        for req in self.requests(node):
            out.append(LockOn(req.table, req.mode, req.role,
                              req.role == "index" or self.existing(req.table, rev_id)))
        return tuple(out)

    def requests(self, node: Any) -> list[LockRequest]:
        """The table locks a statement asks for, with index names resolved to their tables."""
        out: list[LockRequest] = []
        mode = statement_lock(node)
        if isinstance(node, ast.CreateStmt) and node.partbound is not None and node.inhRelations:
            out.append(LockRequest(rel_name(node.inhRelations[0]), "AccessExclusiveLock", "parent"))
        elif mode is not None:
            for table in self._lock_tables(node):
                role = "index" if table.startswith("index ") else "target"
                out.append(LockRequest(table.removeprefix("index "), mode, role))
        out.extend(LockRequest(ref, "ShareRowExclusiveLock", "referenced") for ref in referenced_tables(node))
        return out

    def _lock_tables(self, node: Any) -> list[str]:
        by_index = (isinstance(node, ast.DropStmt) and node.removeType == ObjectType.OBJECT_INDEX) or (
            isinstance(node, ast.ReindexStmt) and node.kind == ReindexObjectType.REINDEX_OBJECT_INDEX) or (
            isinstance(node, ast.RenameStmt) and node.renameType == ObjectType.OBJECT_INDEX)
        names = relations_of(node)
        if not by_index:
            return names
        return [self.index_table(n) or f"index {n}" for n in names]

    def apply(self, node: Any, st: Statement, rev_id: str) -> None:
        if isinstance(node, ast.CreateStmt):
            self._create(node, rev_id)
        elif isinstance(node, ast.AlterTableStmt) and node.relation is not None:
            name = rel_name(node.relation)
            table = self.tables.get(name)
            if table is None and node.objtype == ObjectType.OBJECT_TABLE:
                table = self.tables[name] = TableState(name, None)  # predates the migrations
            for cmd in node.cmds or ():
                self._alter(table, name, cmd, st, rev_id)
        elif isinstance(node, ast.RenameStmt):
            self._rename(node)
        elif isinstance(node, ast.IndexStmt) and node.relation is not None:
            indexed = rel_name(node.relation)
            if node.idxname:
                self.indexes[f"{indexed.partition('.')[0]}.{node.idxname}"] = (indexed, rev_id)
        elif isinstance(node, ast.DropStmt) and node.removeType == ObjectType.OBJECT_TABLE:
            for names in node.objects or ():
                self.tables.pop(names_to_qualified(names), None)
        elif isinstance(node, ast.DropStmt) and node.removeType == ObjectType.OBJECT_INDEX:
            for names in node.objects or ():
                self.indexes.pop(names_to_qualified(names), None)
        elif isinstance(node, ast.ViewStmt) and not node.replace:
            self.tables[rel_name(node.view)] = TableState(rel_name(node.view), rev_id)
        elif isinstance(node, ast.CreateFunctionStmt):
            funcname: Any = node.funcname
            self.functions[funcname[-1].sval.lower()] = _declared_volatile(node)
        elif isinstance(node, ast.AlterEnumStmt) and node.newVal is not None and st.tx is not None:
            self.new_enum_values[node.newVal] = st.tx

    def _create(self, node: Any, rev_id: str) -> None:
        name = rel_name(node.relation)
        table = TableState(name, rev_id, partitioned=node.partspec is not None)
        for elt in node.tableElts or ():
            if isinstance(elt, ast.ColumnDef):
                _add_column(table, elt)
            elif isinstance(elt, ast.Constraint) and elt.contype == ConstrType.CONSTR_PRIMARY:
                table.not_null.update(k.sval for k in elt.keys or ())
        if node.partbound is not None and node.inhRelations:
            parent = self.tables.get(rel_name(node.inhRelations[0]))
            if parent is not None:
                parent.partitions.append(name)
                table.columns = dict(parent.columns) | table.columns
                table.not_null |= parent.not_null
        self.tables[name] = table

    def _alter(self, table: TableState | None, name: str, cmd: Any, st: Statement, rev_id: str) -> None:
        sub = cmd.subtype
        if sub == AlterTableType.AT_AttachPartition and table is not None:
            table.partitions.append(rel_name(cmd.def_.name))
        if table is None:
            return
        if sub == AlterTableType.AT_AddColumn:
            _add_column(table, cmd.def_)
        elif sub == AlterTableType.AT_DropColumn:
            table.columns.pop(cmd.name, None)
            table.not_null.discard(cmd.name)
        elif sub == AlterTableType.AT_AlterColumnType:
            table.columns[cmd.name] = type_spec(cmd.def_.typeName)
        elif sub == AlterTableType.AT_SetNotNull:
            table.not_null.add(cmd.name)
        elif sub == AlterTableType.AT_DropNotNull:
            table.not_null.discard(cmd.name)
            table.proven_not_null.discard(cmd.name)
        elif sub == AlterTableType.AT_AddConstraint:
            self._add_constraint(table, cmd.def_, st, rev_id)
        elif sub == AlterTableType.AT_ValidateConstraint:
            self.not_valid.pop(cmd.name, None)
            if cmd.name in self.pending_checks:
                owner, column = self.pending_checks.pop(cmd.name)
                if owner == name:
                    table.proven_not_null.add(column)

    def _add_constraint(self, table: TableState, con: Any, st: Statement, rev_id: str) -> None:
        if con.contype == ConstrType.CONSTR_PRIMARY:
            table.not_null.update(k.sval for k in con.keys or ())
            if con.conname and not con.indexname:
                self.indexes[f"{table.name.partition('.')[0]}.{con.conname}"] = (table.name, rev_id)
        elif con.contype == ConstrType.CONSTR_UNIQUE and con.conname and not con.indexname:
            self.indexes[f"{table.name.partition('.')[0]}.{con.conname}"] = (table.name, rev_id)
        if con.contype in (ConstrType.CONSTR_FOREIGN, ConstrType.CONSTR_CHECK) and con.skip_validation \
                and con.conname:
            kind = "foreign key" if con.contype == ConstrType.CONSTR_FOREIGN else "check"
            self.not_valid[con.conname] = NotValidAdded(con.conname, table.name, rev_id, st.line, st.tx, kind)
        if con.contype == ConstrType.CONSTR_CHECK:
            column = not_null_check_column(con.raw_expr)
            if column is None:
                return
            if con.skip_validation and con.conname:
                self.pending_checks[con.conname] = (table.name, column)
            elif not con.skip_validation:
                table.proven_not_null.add(column)

    def _rename(self, node: Any) -> None:
        if node.relation is None:
            return
        old = rel_name(node.relation)
        if node.renameType == ObjectType.OBJECT_INDEX and old in self.indexes:
            self.indexes[f"{old.partition('.')[0]}.{node.newname}"] = self.indexes.pop(old)
            return
        table = self.tables.get(old)
        if table is None:
            return
        if node.renameType == ObjectType.OBJECT_TABLE:
            new = f"{old.partition('.')[0]}.{node.newname}"
            table.name = new
            self.tables[new] = self.tables.pop(old)
        elif node.renameType == ObjectType.OBJECT_COLUMN and node.subname in table.columns:
            table.columns[node.newname] = table.columns.pop(node.subname)
            for group in (table.not_null, table.proven_not_null):
                if node.subname in group:
                    group.discard(node.subname)
                    group.add(node.newname)

    def validated(self, node: Any) -> tuple[NotValidAdded, ...]:
        if not isinstance(node, ast.AlterTableStmt):
            return ()
        return tuple(self.not_valid[cmd.name] for cmd in node.cmds or ()
                     if cmd.subtype == AlterTableType.AT_ValidateConstraint and cmd.name in self.not_valid)

    def enum_values_used(self, st: Statement) -> tuple[str, ...]:
        """Enum values added in the statement's own transaction that it mentions as a literal."""
        if st.tx is None or not self.new_enum_values or isinstance(st.node, ast.AlterEnumStmt):
            return ()
        fresh = {v for v, tx in self.new_enum_values.items() if tx == st.tx}
        if not fresh:
            return ()
        used = {n.val.sval for n in walk(st.node)
                if isinstance(n, ast.A_Const) and isinstance(n.val, ast.String) and n.val.sval in fresh}
        return tuple(sorted(used))


def _declared_volatile(node: Any) -> bool:
    for opt in node.options or ():
        if opt.defname == "volatility" and opt.arg is not None:
            return str(opt.arg.sval).lower() == "volatile"
    return True  # VOLATILE is the default


def _add_column(table: TableState, coldef: Any) -> None:
    table.columns[coldef.colname] = type_spec(coldef.typeName)
    for con in coldef.constraints or ():
        if con.contype in (ConstrType.CONSTR_NOTNULL, ConstrType.CONSTR_PRIMARY):
            table.not_null.add(coldef.colname)


def not_null_check_column(expr: Any) -> str | None:
    """``c IS NOT NULL`` -> ``c``: the CHECK that lets SET NOT NULL skip its scan (PostgreSQL 12+)."""
    if (isinstance(expr, ast.NullTest) and expr.nulltesttype == NullTestType.IS_NOT_NULL
            and isinstance(expr.arg, ast.ColumnRef) and expr.arg.fields and len(expr.arg.fields) == 1
            and isinstance(expr.arg.fields[0], ast.String)):
        return str(expr.arg.fields[0].sval)
    return None


_ZERO = frozenset({"0", "0ms", "0s", "0min"})


def setting_change(st: Statement, setting: str) -> bool | None:
    """True when the statement sets ``setting`` to a non-zero value, False when it clears it."""
    node = st.node
    if isinstance(node, ast.VariableSetStmt) and node.name == setting:
        if node.kind != VariableSetKind.VAR_SET_VALUE:
            return False
        value = node.args[0].val if node.args else None
        text = str(getattr(value, "sval", getattr(value, "ival", "0")))
        return text.strip().lower() not in _ZERO
    if isinstance(node, ast.SelectStmt) and setting in st.sql and "set_config" in functions_in(node):
        return True
    return None


def lock_timeout_change(st: Statement) -> bool | None:
    """True when the statement sets a non-zero lock_timeout, False when it clears it."""
    return setting_change(st, "lock_timeout")


def lock_target(node: Any) -> str | None:
    """The table whose lock matters: the parent for CREATE TABLE ... PARTITION OF."""
    if isinstance(node, ast.CreateStmt) and node.partbound is not None and node.inhRelations:
        return rel_name(node.inhRelations[0])
    return target_table(node)


def _is_new(node: Any, info: TableFacts | None, rev_id: str) -> bool:
    if isinstance(node, ast.CreateStmt) and node.partbound is None:
        return True  # the statement creates the table itself
    return info is not None and info.created_in == rev_id


class _Setting:
    """A session setting (lock_timeout, statement_timeout) as it stands statement after statement."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.on = False
        self.local = False

    def step(self, st: Statement) -> bool:
        if self.local and not st.in_transaction:
            self.on = self.local = False
        change = setting_change(st, self.name)
        if change is not None:
            self.on = change
            self.local = bool(getattr(st.node, "is_local", False))
        return self.on


def analyze(migrations: MigrationSet, context: LintContext | None = None) -> Iterator[AnalyzedRevision]:
    """Every revision in order, each statement with its facts; the state carries across revisions."""
    context = context or LintContext(lock_timeout_in_env=migrations.lock_timeout_in_env)
    state = SchemaState()
    for rev in migrations.revisions:
        facts: list[StatementFacts] = []
        lock_timeout, statement_timeout = _Setting("lock_timeout"), _Setting("statement_timeout")
        for st in rev.statements:
            name = lock_target(st.node)
            info = state.facts(name)
            facts.append(StatementFacts(
                statement=st, table=name, table_new=_is_new(st.node, info, rev.id),
                table_info=info, lock=statement_lock(st.node), lock_timeout=lock_timeout.step(st),
                locks=state.locks(st.node, rev.id), statement_timeout=statement_timeout.step(st),
                validates=state.validated(st.node), new_enum_values_used=state.enum_values_used(st),
            ))
            state.apply(st.node, st, rev.id)
        yield AnalyzedRevision(rev, tuple(facts), context.lock_timeout_in_env, context,
                               tuple(sorted(state.functions.items())))
