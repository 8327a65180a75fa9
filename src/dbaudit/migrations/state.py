"""Replays the statements of all revisions over a small schema state, giving each statement its facts.

The state knows what the migrations themselves created: tables, column types, NOT NULL columns,
partitioned tables and their partitions, and which columns a validated ``CHECK (c IS NOT NULL)``
proves. A table the migrations did not create in the same revision is "existing": it may be large.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pglast import ast
from pglast.enums import AlterTableType, ConstrType, NullTestType, ObjectType, VariableSetKind

from dbaudit.migrations.parse.statements import Statement
from dbaudit.migrations.source import MigrationSet, Revision
from dbaudit.migrations.sqlfacts import (
    TypeSpec,
    functions_in,
    names_to_qualified,
    rel_name,
    statement_lock,
    target_table,
    type_spec,
)


@dataclass
class TableState:
    name: str
    created_in: str
    columns: dict[str, TypeSpec] = field(default_factory=dict)
    not_null: set[str] = field(default_factory=set)
    proven_not_null: set[str] = field(default_factory=set)
    partitioned: bool = False
    partitions: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TableFacts:
    """A frozen copy of what is known about a table just before a statement runs."""

    name: str
    created_in: str
    columns: tuple[tuple[str, TypeSpec], ...]
    not_null: frozenset[str]
    proven_not_null: frozenset[str]
    partitioned: bool
    partitions: tuple[str, ...]

    def column_type(self, column: str) -> TypeSpec | None:
        return dict(self.columns).get(column)


@dataclass(frozen=True, slots=True)
class StatementFacts:
    statement: Statement
    table: str | None
    table_new: bool  # created earlier in the same revision: empty, nobody else uses it yet
    table_info: TableFacts | None
    lock: str | None
    lock_timeout: bool  # a lock_timeout is in force when the statement runs


@dataclass(frozen=True, slots=True)
class AnalyzedRevision:
    revision: Revision
    facts: tuple[StatementFacts, ...]
    lock_timeout_in_env: bool = False


class SchemaState:
    def __init__(self) -> None:
        self.tables: dict[str, TableState] = {}
        self.pending_checks: dict[str, tuple[str, str]] = {}  # NOT VALID "c IS NOT NULL" checks

    def facts(self, name: str | None) -> TableFacts | None:
        t = self.tables.get(name) if name else None
        if t is None:
            return None
        return TableFacts(t.name, t.created_in, tuple(t.columns.items()), frozenset(t.not_null),
                          frozenset(t.proven_not_null), t.partitioned, tuple(t.partitions))

    def apply(self, node: Any, rev_id: str) -> None:
        if isinstance(node, ast.CreateStmt):
            self._create(node, rev_id)
        elif isinstance(node, ast.AlterTableStmt) and node.relation is not None:
            table = self.tables.get(rel_name(node.relation))
            for cmd in node.cmds or ():
                self._alter(table, rel_name(node.relation), cmd)
        elif isinstance(node, ast.RenameStmt):
            self._rename(node)
        elif isinstance(node, ast.DropStmt) and node.removeType == ObjectType.OBJECT_TABLE:
            for names in node.objects or ():
                self.tables.pop(names_to_qualified(names), None)

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

    def _alter(self, table: TableState | None, name: str, cmd: Any) -> None:
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
            self._add_constraint(table, cmd.def_)
        elif sub == AlterTableType.AT_ValidateConstraint and cmd.name in self.pending_checks:
            owner, column = self.pending_checks.pop(cmd.name)
            if owner == name:
                table.proven_not_null.add(column)

    def _add_constraint(self, table: TableState, con: Any) -> None:
        if con.contype == ConstrType.CONSTR_PRIMARY:
            table.not_null.update(k.sval for k in con.keys or ())
        elif con.contype == ConstrType.CONSTR_CHECK:
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


def lock_timeout_change(st: Statement) -> bool | None:
    """True when the statement sets a non-zero lock_timeout, False when it clears it."""
    node = st.node
    if isinstance(node, ast.VariableSetStmt) and node.name == "lock_timeout":
        if node.kind != VariableSetKind.VAR_SET_VALUE:
            return False
        value = node.args[0].val if node.args else None
        text = str(getattr(value, "sval", getattr(value, "ival", "0")))
        return text.strip() not in {"0", "0ms", "0s"}
    if isinstance(node, ast.SelectStmt) and "set_config" in functions_in(node) and "lock_timeout" in st.sql:
        return True
    return None


def lock_target(node: Any) -> str | None:
    """The table whose lock matters: the parent for CREATE TABLE ... PARTITION OF."""
    if isinstance(node, ast.CreateStmt) and node.partbound is not None and node.inhRelations:
        return rel_name(node.inhRelations[0])
    return target_table(node)


def _is_new(node: Any, info: TableFacts | None, rev_id: str) -> bool:
    if isinstance(node, ast.CreateStmt) and node.partbound is None:
        return True  # the statement creates the table itself
    return info is not None and info.created_in == rev_id


def analyze(migrations: MigrationSet) -> Iterator[AnalyzedRevision]:
    """Every revision in order, each statement with its facts; the state carries across revisions."""
    state = SchemaState()
    for rev in migrations.revisions:
        facts: list[StatementFacts] = []
        timeout = False
        local = False
        for st in rev.statements:
            if local and not st.in_transaction:
                timeout = local = False
            change = lock_timeout_change(st)
            if change is not None:
                timeout = change
                local = bool(getattr(st.node, "is_local", False))
            name = lock_target(st.node)
            info = state.facts(name)
            facts.append(StatementFacts(
                statement=st, table=name, table_new=_is_new(st.node, info, rev.id),
                table_info=info, lock=statement_lock(st.node), lock_timeout=timeout,
            ))
            state.apply(st.node, rev.id)
        yield AnalyzedRevision(rev, tuple(facts), migrations.lock_timeout_in_env)
