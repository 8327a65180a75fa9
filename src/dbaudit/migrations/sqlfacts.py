"""Small facts read off one parsed statement: its table, types, functions, and the lock it takes.

Lock modes follow the PostgreSQL manual ("Explicit Locking", and each ALTER TABLE sub-command's
documented lock level). They are what the statement *asks for*; tracing records what it really held.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pglast import ast
from pglast.enums import AlterTableType, ConstrType, ObjectType

from dbaudit.messages import msg

DEFAULT_SCHEMA = "public"

# Weakest to strongest; the index is the "strength" used to pick the strongest of several.
LOCK_MODES = (
    "AccessShareLock", "RowShareLock", "RowExclusiveLock", "ShareUpdateExclusiveLock",
    "ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock",
)
# What each mode keeps other sessions from doing while it is held (or queued).
BLOCKS: dict[str, str] = {
    "AccessShareLock": msg("ACCESS EXCLUSIVE only (DROP, TRUNCATE, most ALTER TABLE)"),
    "RowShareLock": msg("EXCLUSIVE and ACCESS EXCLUSIVE locks"),
    "RowExclusiveLock": msg("CREATE INDEX (non-concurrent) and stronger DDL"),
    "ShareUpdateExclusiveLock": msg("DDL only (other ALTER TABLE, CREATE INDEX CONCURRENTLY, VACUUM); reads and "
                                    "writes go on"),
    "ShareLock": msg("writes (INSERT/UPDATE/DELETE) and DDL; reads go on"),
    "ShareRowExclusiveLock": msg("writes (INSERT/UPDATE/DELETE) and DDL; reads go on"),
    "ExclusiveLock": msg("writes and SELECT FOR UPDATE/SHARE; plain reads go on"),
    "AccessExclusiveLock": msg("reads and writes (every SELECT, INSERT, UPDATE, DELETE) and DDL"),
}
WRITE_BLOCKING = LOCK_MODES.index("ShareLock")

_SUE_SUBCOMMANDS = {
    AlterTableType.AT_ValidateConstraint, AlterTableType.AT_SetStatistics, AlterTableType.AT_ClusterOn,
    AlterTableType.AT_DropCluster, AlterTableType.AT_SetRelOptions, AlterTableType.AT_ResetRelOptions,
    AlterTableType.AT_AttachPartition,
}
_SRE_SUBCOMMANDS = {AlterTableType.AT_EnableTrig, AlterTableType.AT_DisableTrig}


def rel_name(rv: Any) -> str:
    """``schema.table`` for a pglast RangeVar (unqualified names are taken as ``public``)."""
    return f"{rv.schemaname or DEFAULT_SCHEMA}.{rv.relname}"


def names_to_qualified(names: tuple[Any, ...]) -> str:
    parts = [n.sval for n in names]
    return ".".join(parts) if len(parts) > 1 else f"{DEFAULT_SCHEMA}.{parts[0]}"


def target_table(node: Any) -> str | None:
    """The table a statement works on, as ``schema.table`` (None when it has none)."""
    if isinstance(node, ast.AlterTableStmt | ast.IndexStmt | ast.CreateStmt | ast.RenameStmt
                  | ast.InsertStmt | ast.UpdateStmt | ast.DeleteStmt | ast.CreateTrigStmt):
        rv = node.relation
        return rel_name(rv) if rv is not None else None
    if isinstance(node, ast.DropStmt) and node.removeType == ObjectType.OBJECT_TABLE and node.objects:
        return names_to_qualified(node.objects[0])
    return None


@dataclass(frozen=True, slots=True)
class TypeSpec:
    """A column type reduced to what decides binary compatibility."""

    name: str  # canonical: int4, int8, varchar, text, numeric, timestamp, timestamptz, ...
    mods: tuple[int, ...] = ()
    array: bool = False

    def __str__(self) -> str:
        mods = f"({','.join(str(m) for m in self.mods)})" if self.mods else ""
        return f"{self.name}{mods}{'[]' if self.array else ''}"


_ALIASES = {
    "integer": "int4", "int": "int4", "serial": "int4", "serial4": "int4", "bigint": "int8",
    "bigserial": "int8", "serial8": "int8", "smallint": "int2", "smallserial": "int2", "serial2": "int2",
    "boolean": "bool", "decimal": "numeric", "character varying": "varchar", "character": "bpchar",
    "char": "bpchar", "double precision": "float8", "real": "float4", "float": "float8",
    "timestamp with time zone": "timestamptz", "timestamp without time zone": "timestamp",
    "time without time zone": "time", "time with time zone": "timetz",
}


def type_spec(tn: Any) -> TypeSpec:
    raw = tn.names[-1].sval.lower()
    mods = tuple(int(m.val.ival or 0) for m in (tn.typmods or ()) if isinstance(m, ast.A_Const)
                 and isinstance(m.val, ast.Integer))
    return TypeSpec(_ALIASES.get(raw, raw), mods, bool(tn.arrayBounds))


def is_serial(tn: Any) -> bool:
    return tn.names[-1].sval.lower() in {"serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"}


def walk(node: Any) -> Iterator[Any]:
    """Every node under ``node`` (itself included), depth first; lists and tuples are entered."""
    todo = [node]
    while todo:
        current = todo.pop()
        if isinstance(current, tuple | list):
            todo.extend(reversed(current))
        elif isinstance(current, ast.Node):
            yield current
            slots: Any = getattr(type(current), "__slots__", ())
            for attr in reversed(slots):
                value = getattr(current, attr, None)
                if isinstance(value, ast.Node | tuple | list):
                    todo.append(value)


def functions_in(node: Any) -> list[str]:
    """Names of the functions an expression calls (``CURRENT_TIMESTAMP`` and friends as ``now``)."""
    names: list[str] = []
    for n in walk(node):
        if isinstance(n, ast.FuncCall):
            funcname: Any = n.funcname
            names.append(funcname[-1].sval.lower())
        elif isinstance(n, ast.SQLValueFunction):
            names.append("now")  # stable, like now()
    return names


def constraints_of(coldef: Any) -> tuple[Any, ...]:
    return tuple(coldef.constraints or ())


def column_has(coldef: Any, contype: ConstrType) -> bool:
    return any(c.contype == contype for c in constraints_of(coldef))


def default_expr(coldef: Any) -> Any:
    for c in constraints_of(coldef):
        if c.contype == ConstrType.CONSTR_DEFAULT:
            return c.raw_expr
    return None


def alter_lock(node: Any) -> str:
    """The lock an ALTER TABLE asks for: the strongest of its sub-commands' documented levels."""
    strongest = 0
    for cmd in node.cmds or ():
        strongest = max(strongest, LOCK_MODES.index(_subcommand_lock(cmd)))
    return LOCK_MODES[strongest]


def _subcommand_lock(cmd: Any) -> str:
    if cmd.subtype in _SUE_SUBCOMMANDS:
        return "ShareUpdateExclusiveLock"
    if cmd.subtype in _SRE_SUBCOMMANDS:
        return "ShareRowExclusiveLock"
    if cmd.subtype == AlterTableType.AT_AddConstraint and cmd.def_.contype == ConstrType.CONSTR_FOREIGN:
        return "ShareRowExclusiveLock"
    if cmd.subtype == AlterTableType.AT_DetachPartition and getattr(cmd.def_, "concurrent", False):
        return "ShareUpdateExclusiveLock"
    return "AccessExclusiveLock"


def statement_lock(node: Any) -> str | None:
    """The table-level lock a statement asks for on its target table (None: none worth naming)."""
    if isinstance(node, ast.AlterTableStmt):
        return alter_lock(node)
    if isinstance(node, ast.IndexStmt):
        return "ShareUpdateExclusiveLock" if node.concurrent else "ShareLock"
    if isinstance(node, ast.RenameStmt):
        # ALTER INDEX ... RENAME takes SHARE UPDATE EXCLUSIVE since PostgreSQL 12
        return "ShareUpdateExclusiveLock" if node.renameType == ObjectType.OBJECT_INDEX else "AccessExclusiveLock"
    if isinstance(node, ast.TruncateStmt | ast.ClusterStmt):
        return "AccessExclusiveLock"
    if isinstance(node, ast.DropStmt):
        if node.removeType == ObjectType.OBJECT_INDEX:
            return "ShareUpdateExclusiveLock" if node.concurrent else "AccessExclusiveLock"
        if node.removeType in _DROPPED_RELATIONS or node.removeType == ObjectType.OBJECT_TRIGGER:
            return "AccessExclusiveLock"
        return None
    if isinstance(node, ast.CreateTrigStmt):
        return "ShareRowExclusiveLock"
    if isinstance(node, ast.CreateStmt) and node.partbound is not None:
        return "AccessExclusiveLock"  # CREATE TABLE ... PARTITION OF locks the parent
    if isinstance(node, ast.VacuumStmt):
        return "AccessExclusiveLock" if vacuum_full(node) else "ShareUpdateExclusiveLock"
    if isinstance(node, ast.ReindexStmt):
        return "ShareUpdateExclusiveLock" if is_concurrent(node) else "ShareLock"
    if isinstance(node, ast.LockStmt):
        return LOCK_MODES[max(0, min(int(node.mode or len(LOCK_MODES)), len(LOCK_MODES)) - 1)]
    if isinstance(node, ast.RefreshMatViewStmt):
        return "ExclusiveLock" if node.concurrent else "AccessExclusiveLock"
    if isinstance(node, ast.ViewStmt) and node.replace:
        return "AccessExclusiveLock"
    return None


_DROPPED_RELATIONS = frozenset({ObjectType.OBJECT_TABLE, ObjectType.OBJECT_VIEW, ObjectType.OBJECT_MATVIEW})


@dataclass(frozen=True, slots=True)
class LockRequest:
    """A table-level lock a statement asks for; ``role`` says why it is taken on that table."""

    table: str
    mode: str
    role: str = "target"  # "target", "referenced" (by a new foreign key), "parent" (of a partition)


def option_on(params: Any, name: str) -> bool:
    """``(NAME)`` or ``(NAME true)`` in an option list is on; ``(NAME false)``/``(NAME off)``/``0`` is off."""
    for p in params or ():
        if p.defname != name:
            continue
        arg = p.arg
        if arg is None:
            return True
        if isinstance(arg, ast.Boolean):
            return bool(arg.boolval)
        if isinstance(arg, ast.Integer):
            return bool(arg.ival)
        return str(getattr(arg, "sval", "")).lower() not in {"false", "off", "0", "no"}
    return False


def vacuum_full(node: Any) -> bool:
    return isinstance(node, ast.VacuumStmt) and bool(node.is_vacuumcmd) and option_on(node.options, "full")


def referenced_tables(node: Any) -> list[str]:
    """Tables that foreign keys added by the statement reference (CREATE TABLE or ALTER TABLE)."""
    cons: list[Any] = []
    if isinstance(node, ast.CreateStmt):
        for elt in node.tableElts or ():
            if isinstance(elt, ast.Constraint):
                cons.append(elt)
            elif isinstance(elt, ast.ColumnDef):
                cons.extend(constraints_of(elt))
    elif isinstance(node, ast.AlterTableStmt):
        for cmd in node.cmds or ():
            if cmd.subtype == AlterTableType.AT_AddConstraint and isinstance(cmd.def_, ast.Constraint):
                cons.append(cmd.def_)
            elif cmd.subtype == AlterTableType.AT_AddColumn and isinstance(cmd.def_, ast.ColumnDef):
                cons.extend(constraints_of(cmd.def_))
    out = []
    for con in cons:
        if con.contype == ConstrType.CONSTR_FOREIGN and con.pktable is not None:
            name = rel_name(con.pktable)
            if name not in out:
                out.append(name)
    return out


def relations_of(node: Any) -> list[str]:
    """Every table a statement names as its object(s): several for TRUNCATE, LOCK, VACUUM, DROP."""
    if isinstance(node, ast.TruncateStmt | ast.LockStmt):
        return [rel_name(rv) for rv in node.relations or ()]
    if isinstance(node, ast.VacuumStmt):
        return [rel_name(vr.relation) for vr in node.rels or () if vr.relation is not None]
    if isinstance(node, ast.ClusterStmt | ast.RefreshMatViewStmt) and node.relation is not None:
        return [rel_name(node.relation)]
    if isinstance(node, ast.ReindexStmt) and node.relation is not None:
        return [rel_name(node.relation)]
    if isinstance(node, ast.ViewStmt):
        return [rel_name(node.view)]
    if isinstance(node, ast.DropStmt):
        if node.removeType in _DROPPED_RELATIONS or node.removeType == ObjectType.OBJECT_INDEX:
            return [names_to_qualified(names) for names in node.objects or ()]
        if node.removeType == ObjectType.OBJECT_TRIGGER:  # (schema?, table, trigger)
            return [names_to_qualified(names[:-1]) for names in node.objects or () if len(names) >= 2]
    table = target_table(node)
    return [table] if table else []


def needs_autocommit(node: Any) -> str | None:
    """What makes a statement impossible inside a transaction block (None: it can run in one)."""
    if is_concurrent(node):
        return "CONCURRENTLY"
    if isinstance(node, ast.VacuumStmt) and node.is_vacuumcmd:
        return "VACUUM"
    return None


def is_concurrent(node: Any) -> bool:
    """Statements that cannot run inside a transaction block because of CONCURRENTLY.

    ``REINDEX (CONCURRENTLY false)`` is not concurrent.
    """
    if isinstance(node, ast.IndexStmt | ast.DropStmt):
        return bool(node.concurrent)
    if isinstance(node, ast.ReindexStmt):
        return option_on(node.params, "concurrently")
    if isinstance(node, ast.AlterTableStmt):
        return any(c.subtype == AlterTableType.AT_DetachPartition and getattr(c.def_, "concurrent", False)
                   for c in node.cmds or ())
    if isinstance(node, ast.RefreshMatViewStmt):
        return False  # REFRESH ... CONCURRENTLY runs fine inside a transaction
    return False
