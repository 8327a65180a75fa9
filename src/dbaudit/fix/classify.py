"""Read a finding's fix SQL with PostgreSQL's parser and say, per statement, how a safe plan runs it.

A statement is accepted only when its lock is brief or does not block writes, and when the planner
can undo it: ``CREATE INDEX CONCURRENTLY``, ``ON ONLY`` parent indexes and ``ATTACH``, constraints
added ``NOT VALID`` (or ``USING INDEX``) then ``VALIDATE``, binary-compatible type widening, drops of
indexes, columns, constraints and triggers, renames, new partitions and triggers. Anything that
rewrites or scans a table under a strong lock (``ALTER TYPE bigint``, a validating ``ADD
CONSTRAINT``, a plain ``CREATE INDEX``) raises :class:`Unsupported` with the reason: the finding is
reported as not fixable by a generated revision rather than fixed dangerously. ``SET``/``RESET``
of ``lock_timeout`` are dropped (the plan sets its own); data changes are marked, never run.
"""

from __future__ import annotations

import re
from typing import Any

from pglast import ast
from pglast.enums import AlterTableType, ConstrType, ObjectType

from dbaudit.errors import SourceError
from dbaudit.fix import catalog
from dbaudit.fix.steps import Classified, Effect, Phase, Stmt, Unsupported
from dbaudit.migrations.parse.statements import parse_statements
from dbaudit.model.schema import Column, SchemaModel, Table, TableKind

_VOLATILE = re.compile(r"\b(random|gen_random_uuid|uuid_generate_v\w*|clock_timestamp|timeofday|nextval)\s*\(", re.I)
_CONCURRENT_INDEX = re.compile(r"^(CREATE (?:UNIQUE )?INDEX CONCURRENTLY )(?!IF NOT EXISTS )", re.I)
_CONCURRENT_DROP = re.compile(r"^(DROP INDEX CONCURRENTLY )(?!IF EXISTS )", re.I)


def split(sql: str, *, where: str) -> list[tuple[str, Any]]:
    """The statements of a fix script with their parse trees (comments dropped)."""
    try:
        raws = parse_statements(sql, where=where)
    except SourceError as exc:
        raise Unsupported(str(exc)) from None
    return [(raw.sql.rstrip().rstrip(";").rstrip() + ";", raw.node) for raw in raws]


def classify_script(sql: str, model: SchemaModel, *, where: str) -> list[Classified]:
    """Every statement of ``sql`` classified; raises :class:`Unsupported` on the first one refused."""
    out = []
    for text, node in split(sql, where=where):
        item = classify(text, node, model)
        if item is not None:
            out.append(item)
    return out


def classify(sql: str, node: Any, model: SchemaModel) -> Classified | None:
    """One statement; ``None`` for the ``SET``/``RESET lock_timeout`` a plan replaces with its own."""
    if isinstance(node, ast.VariableSetStmt):
        if node.name in ("lock_timeout", "statement_timeout"):
            return None
        raise Unsupported(f"sets {node.name}: a generated fix sets only its own lock_timeout")
    if isinstance(node, ast.UpdateStmt | ast.DeleteStmt | ast.InsertStmt):
        return Classified(Stmt(sql, "plain"), Phase.BUILD, (), frozenset(), data_change=True)
    handler = _HANDLERS.get(type(node).__name__)
    if handler is None:
        raise Unsupported(f"{_kind(node)} is not a statement a generated fix runs")
    classified: Classified = handler(sql, node, model)
    return classified


def _object_name(kind: Any) -> str:
    try:
        return str(ObjectType(kind).name).removeprefix("OBJECT_")
    except ValueError:
        return "object"


_STATEMENT_NAMES = {"AlterSeqStmt": "ALTER SEQUENCE", "DoStmt": "DO", "ExplainStmt": "EXPLAIN",
                    "CreateSeqStmt": "CREATE SEQUENCE", "ClusterStmt": "CLUSTER", "ReindexStmt": "REINDEX"}


def _kind(node: Any) -> str:
    name = type(node).__name__
    return _STATEMENT_NAMES.get(name) or re.sub(r"(?<!^)(?=[A-Z])", " ", name.removesuffix("Stmt")).upper()


def relation(rv: Any, model: SchemaModel) -> tuple[str, str]:
    """(schema, name) of a RangeVar; an unqualified name is looked up in the model (else ``public``)."""
    if rv.schemaname:
        return str(rv.schemaname), str(rv.relname)
    matches = [t.schema for t in model.tables if t.name == rv.relname]
    return (matches[0] if len(matches) == 1 else "public"), str(rv.relname)


def _keys(*items: tuple[str, str, str]) -> frozenset[str]:
    return frozenset(f"{kind}:{schema}.{name}" for kind, schema, name in items)


# --- indexes --------------------------------------------------------------------------------------


def _index(sql: str, node: Any, model: SchemaModel) -> Classified:
    schema, table = relation(node.relation, model)
    if not node.idxname:
        raise Unsupported("CREATE INDEX without a name cannot be undone by name")
    name = str(node.idxname)
    keys = _keys(("table", schema, table), ("index", schema, name))
    columns = tuple(str(p.name) for p in node.indexParams or () if p.name is not None)
    plain = columns if len(columns) == len(node.indexParams or ()) else ()
    covering = bool(node.accessMethod == "btree" and node.whereClause is None)
    if node.concurrent:
        text = _CONCURRENT_INDEX.sub(r"\1IF NOT EXISTS ", sql, count=1)
        return Classified(Stmt(text, "concurrent", catalog.index_exists(schema, name)), Phase.BUILD,
                          (Effect("index+", schema, table, name, value=signature(node), keys=plain,
                                  covering=covering),), keys)
    target = model.table(f"{schema}.{table}")
    if not node.relation.inh and target is not None and target.kind is TableKind.PARTITIONED_TABLE:
        return Classified(Stmt(sql, "locking", catalog.index_exists(schema, name)), Phase.BUILD,
                          (Effect("index+", schema, table, name, flag=True, keys=plain, covering=covering),),
                          keys)
    raise Unsupported("CREATE INDEX without CONCURRENTLY blocks writes for the whole build")


def _drop(sql: str, node: Any, model: SchemaModel) -> Classified:
    kind = node.removeType
    names = [tuple(str(part.sval) for part in obj) for obj in node.objects or ()]
    if kind == ObjectType.OBJECT_INDEX:
        effects: list[Effect] = []
        keys: set[str] = set()
        for parts in names:
            schema, name = (parts[0], parts[1]) if len(parts) == 2 else ("public", parts[0])
            owner = index_table(model, schema, name)
            effects.append(Effect("index-", schema, owner.name if owner else None, name))
            keys.add(f"index:{schema}.{name}")
            if owner is not None:
                keys.add(f"table:{schema}.{owner.name}")
        done = catalog.both(*(catalog.relation_absent(e.schema, str(e.name)) for e in effects))
        if node.concurrent:
            text = _CONCURRENT_DROP.sub(r"\1IF EXISTS ", sql, count=1)
            return Classified(Stmt(text, "concurrent", done), Phase.DROP, tuple(effects), frozenset(keys))
        return Classified(Stmt(sql, "locking", done), Phase.DROP, tuple(effects), frozenset(keys))
    if kind == ObjectType.OBJECT_TRIGGER:
        triggers = []
        for parts in names:
            schema, table, trigger = parts if len(parts) == 3 else ("public", *parts)
            triggers.append(Effect("trigger-", schema, table, trigger))
        done = catalog.both(*(catalog.trigger_absent(e.schema, str(e.table), str(e.name)) for e in triggers))
        return Classified(Stmt(sql, "locking", done), Phase.DROP, tuple(triggers),
                          frozenset(f"table:{e.schema}.{e.table}" for e in triggers))
    raise Unsupported(f"DROP {_object_name(kind)} would lose data or cannot be undone")


KEY_SEPARATOR = "\x1f"


def signature(node: Any) -> str | None:
    """What makes two index builds the same index: a plain btree's key columns (one whose keys lead
    another's is served by it), else the whole definition without its name."""
    plain = plain_keys(node)
    if plain is not None:
        return plain
    from pglast.stream import RawStream  # noqa: PLC0415

    copy = ast.IndexStmt(**{k: getattr(node, k) for k in node})
    copy.idxname, copy.concurrent, copy.if_not_exists = None, False, False
    return "=" + str(RawStream()(copy))


def plain_keys(node: Any) -> str | None:
    """The columns of a plain btree index (no UNIQUE, WHERE, INCLUDE, expression or ordering), joined by
    a separator no name holds; None otherwise. Two such indexes where one's keys lead the other's
    serve the same lookups: a plan building both keeps the longer."""
    if node.unique or node.whereClause is not None or node.indexIncludingParams or node.accessMethod != "btree":
        return None
    names = []
    for param in node.indexParams or ():
        if param.name is None or param.collation or param.opclass or param.ordering or param.nulls_ordering:
            return None
        names.append(str(param.name))
    return KEY_SEPARATOR.join(names) or None


def index_table(model: SchemaModel, schema: str, name: str) -> Table | None:
    return next((t for t in model.tables if t.schema == schema and any(i.name == name for i in t.indexes)), None)


# --- ALTER TABLE / ALTER INDEX ----------------------------------------------------------------------


def _alter(sql: str, node: Any, model: SchemaModel) -> Classified:
    schema, table = relation(node.relation, model)
    if node.objtype == ObjectType.OBJECT_INDEX:
        return _alter_index(sql, node, model, schema, table)
    if node.objtype != ObjectType.OBJECT_TABLE:
        raise Unsupported(f"ALTER {_object_name(node.objtype)} is not run by a generated fix")
    target = model.table(f"{schema}.{table}")
    effects: list[Effect] = []
    phases: list[Phase] = []
    keys = {f"table:{schema}.{table}"}
    plain = True
    for cmd in node.cmds or ():
        phase, effect, extra_keys, is_plain = _command(cmd, schema, table, target, model)
        phases.append(phase)
        effects.append(effect)
        keys |= extra_keys
        plain = plain and is_plain
    # DROP x, ADD x in one statement (a key redefined): no catalog state says "done" by name alone
    keys_seen = [(e.name, e.column) for e in effects if e.kind in ("constraint+", "constraint-")]
    redefined = len(keys_seen) != len(set(keys_seen))
    done = None if redefined or not effects else catalog.both(
        *(d for e in effects if (d := done_condition(e)) is not None))
    return Classified(Stmt(sql, "plain" if plain else "locking", done or None), max(phases), tuple(effects),
                      frozenset(keys))


def _alter_index(sql: str, node: Any, model: SchemaModel, schema: str, name: str) -> Classified:
    cmds: list[Any] = list(node.cmds or ())
    if len(cmds) != 1 or cmds[0].subtype != AlterTableType.AT_AttachPartition:
        raise Unsupported("ALTER INDEX other than ATTACH PARTITION is not run by a generated fix")
    child_schema, child = relation(cmds[0].def_.name, model)
    effect = Effect("attach", schema, None, name, column=child_schema, value=child)
    keys = frozenset({f"index:{schema}.{name}", f"index:{child_schema}.{child}"})
    return Classified(Stmt(sql, "locking"), Phase.BUILD, (effect,), keys)


def _command(cmd: Any, schema: str, table: str, target: Table | None, model: SchemaModel,
             ) -> tuple[Phase, Effect, set[str], bool]:
    sub = cmd.subtype
    constraint = {f"constraint:{schema}.{cmd.name}"}
    if sub == AlterTableType.AT_AddConstraint:
        return _add_constraint(cmd.def_, schema, table, target, model)
    if sub == AlterTableType.AT_ValidateConstraint:
        return Phase.VALIDATE, Effect("validate", schema, table, str(cmd.name)), constraint, True
    if sub == AlterTableType.AT_DropConstraint:
        return Phase.DROP, Effect("constraint-", schema, table, str(cmd.name)), constraint, False
    if sub == AlterTableType.AT_DropColumn:
        return Phase.DROP, Effect("column-", schema, table, column=str(cmd.name)), set(), False
    if sub == AlterTableType.AT_SetNotNull:
        return Phase.VALIDATE, Effect("not-null", schema, table, column=str(cmd.name)), set(), False
    if sub == AlterTableType.AT_AlterColumnType:
        column = target.column(str(cmd.name)) if target is not None else None
        printed = widened(column, cmd.def_) if column is not None else None
        if printed is None:
            raise Unsupported(f"ALTER COLUMN {cmd.name} TYPE is not a binary-compatible widening: it rewrites or "
                              "scans the table under an ACCESS EXCLUSIVE lock")
        return Phase.ADD, Effect("type", schema, table, column=str(cmd.name), value=printed), set(), False
    if sub == AlterTableType.AT_AddColumn:
        return _add_column(cmd.def_, schema, table)
    if sub in (AlterTableType.AT_EnableRowSecurity, AlterTableType.AT_ForceRowSecurity):
        forced = sub == AlterTableType.AT_ForceRowSecurity
        return Phase.ADD, Effect("row-security", schema, table, flag=forced), set(), False
    raise Unsupported(f"ALTER TABLE {AlterTableType(sub).name.removeprefix('AT_')} is not run by a generated fix")


def _add_constraint(con: Any, schema: str, table: str, target: Table | None, model: SchemaModel,
                    ) -> tuple[Phase, Effect, set[str], bool]:
    if not con.conname:
        raise Unsupported("a constraint without a name cannot be undone by name")
    name = str(con.conname)
    keys = {f"constraint:{schema}.{name}"}
    if con.contype == ConstrType.CONSTR_FOREIGN:
        ref_schema, ref = relation(con.pktable, model)
        keys.add(f"table:{ref_schema}.{ref}")
        if con.skip_validation:
            return Phase.ADD, Effect("constraint+", schema, table, name), keys, False
        if target is not None and target.kind is TableKind.PARTITIONED_TABLE:
            # PostgreSQL (up to 17) has no NOT VALID foreign keys on a partitioned table: once every
            # partition holds a validated one, adding it to the parent attaches them without a scan.
            return Phase.VALIDATE, Effect("constraint+", schema, table, name, flag=True), keys, False
        raise Unsupported("ADD FOREIGN KEY without NOT VALID scans the table while blocking writes")
    if con.contype == ConstrType.CONSTR_CHECK:
        if con.skip_validation:
            return Phase.ADD, Effect("constraint+", schema, table, name), keys, False
        raise Unsupported("ADD CHECK without NOT VALID scans the table under an ACCESS EXCLUSIVE lock")
    if con.contype in (ConstrType.CONSTR_UNIQUE, ConstrType.CONSTR_PRIMARY) and con.indexname:
        keys.add(f"index:{schema}.{con.indexname}")
        return Phase.ADD, Effect("constraint+", schema, table, name, value=str(con.indexname), flag=True), keys, False
    raise Unsupported("ADD UNIQUE / PRIMARY KEY without USING INDEX builds the index while blocking writes")


def _add_column(col: Any, schema: str, table: str) -> tuple[Phase, Effect, set[str], bool]:
    from pglast.stream import RawStream  # noqa: PLC0415

    defaults = [c for c in col.constraints or () if c.contype == ConstrType.CONSTR_DEFAULT]
    if defaults and _VOLATILE.search(RawStream()(defaults[0].raw_expr)):
        raise Unsupported(f"ADD COLUMN {col.colname} with a volatile default rewrites the table")
    return Phase.ADD, Effect("column+", schema, table, column=str(col.colname)), set(), False


def widened(column: Column, def_: Any) -> str | None:
    """How the new type prints when ``ALTER TYPE`` only widens a character type (no rewrite), else None."""
    type_name = def_.typeName
    if def_.raw_default is not None or type_name.arrayBounds or column.type.array_dims:
        return None  # USING or arrays: not a plain relabel
    base = str(type_name.names[-1].sval)
    mods = [m.val.ival for m in type_name.typmods or () if isinstance(getattr(m, "val", None), ast.Integer)]
    old = column.type.name
    if base == "text" and old in ("varchar", "text"):
        return "text"
    if base == "varchar" and old == "varchar":
        if not mods:
            return "character varying"
        if column.type.length is not None and mods[0] >= column.type.length:
            return f"character varying({mods[0]})"
    return None


# --- renames, partitions, triggers ---------------------------------------------------------------------

_RENAMED = {
    ObjectType.OBJECT_INDEX: "index", ObjectType.OBJECT_SEQUENCE: "sequence", ObjectType.OBJECT_TABLE: "table",
    ObjectType.OBJECT_COLUMN: "column", ObjectType.OBJECT_TABCONSTRAINT: "constraint",
}


def _rename(sql: str, node: Any, model: SchemaModel) -> Classified:
    what = _RENAMED.get(node.renameType)
    if what is None or node.relation is None:
        raise Unsupported(f"RENAME of a {_object_name(node.renameType).lower()} is not run by a generated fix")
    schema, name = relation(node.relation, model)
    new = str(node.newname)
    if what in ("column", "constraint"):
        effect = Effect("rename", schema, name, str(node.subname), value=new, what=what)
        keys = frozenset({f"table:{schema}.{name}"})
    else:
        effect = Effect("rename", schema, None, name, value=new, what=what, flag=what == "table")
        keys = frozenset({f"{'table' if what == 'table' else 'index'}:{schema}.{name}", f"index:{schema}.{new}"})
    return Classified(Stmt(sql, "locking", done_condition(effect)), Phase.RENAME, (effect,), keys)


def _create_table(sql: str, node: Any, model: SchemaModel) -> Classified:
    if node.partbound is None or not node.inhRelations:
        raise Unsupported("CREATE TABLE other than a new partition is not run by a generated fix")
    schema, name = relation(node.relation, model)
    parent_schema, parent = relation(node.inhRelations[0], model)
    effect = Effect("partition+", schema, parent, name)
    return Classified(Stmt(sql, "locking", catalog.relation_exists(schema, name)), Phase.ADD, (effect,),
                      _keys(("table", parent_schema, parent), ("table", schema, name)))


def _create_trigger(sql: str, node: Any, model: SchemaModel) -> Classified:
    schema, table = relation(node.relation, model)
    effect = Effect("trigger+", schema, table, str(node.trigname))
    return Classified(Stmt(sql, "locking", catalog.trigger_exists(schema, table, str(node.trigname))), Phase.ADD,
                      (effect,), _keys(("table", schema, table)))


def _create_policy(sql: str, node: Any, model: SchemaModel) -> Classified:
    schema, table = relation(node.table, model)
    effect = Effect("policy+", schema, table, str(node.policy_name))
    return Classified(Stmt(sql, "locking", catalog.policy_exists(schema, table, str(node.policy_name))), Phase.ADD,
                      (effect,), _keys(("table", schema, table)))


_SET_SEARCH_PATH = re.compile(r"\s+SET\s+search_path\b", re.I)


def _alter_function(sql: str, node: Any, model: SchemaModel) -> Classified:
    """``ALTER FUNCTION f(args) SET search_path = …`` on a function that had none: undone by ``RESET``."""
    actions = list(node.actions or ())
    setting = actions[0].arg if len(actions) == 1 and actions[0].defname == "set" else None
    where = [m.start() for m in _SET_SEARCH_PATH.finditer(sql)]
    if setting is None or getattr(setting, "name", None) != "search_path" or not where:
        raise Unsupported("ALTER FUNCTION other than SET search_path is not run by a generated fix")
    undo = sql[:where[-1]] + " RESET search_path;"  # the clause comes last: names before it stay as they are
    effect = Effect("function-setting", "", value=undo)
    name = ".".join(str(p.sval) for p in node.func.objname)
    return Classified(Stmt(sql, "locking"), Phase.ADD, (effect,), frozenset({f"function:{name}"}))


def _grant(sql: str, node: Any, model: SchemaModel) -> Classified:
    verb = "GRANT" if node.is_grant else "REVOKE"
    raise Unsupported(f"{verb} changes privileges, which a generated downgrade cannot restore exactly: apply the "
                      "finding's fix SQL by hand, with the grants your roles need")


def _create_function(sql: str, node: Any, model: SchemaModel) -> Classified:
    name = ".".join(str(p.sval) for p in node.funcname)
    return Classified(Stmt(sql, "plain", note=f"function {name} is left in place by the downgrade"), Phase.ADD,
                      (), frozenset({f"function:{name}"}))


_HANDLERS: dict[str, Any] = {
    "IndexStmt": _index, "DropStmt": _drop, "AlterTableStmt": _alter, "RenameStmt": _rename,
    "CreateStmt": _create_table, "CreateTrigStmt": _create_trigger, "CreateFunctionStmt": _create_function,
    "CreatePolicyStmt": _create_policy, "AlterFunctionStmt": _alter_function, "GrantStmt": _grant,
}


def done_condition(e: Effect) -> str | None:
    """The catalog state a statement leaves (its guard): true when it has already run."""
    table = e.table or ""
    name = e.name or ""
    column = e.column or ""
    conditions = {
        "constraint+": lambda: catalog.constraint_exists(e.schema, table, name),
        "validate": lambda: catalog.constraint_exists(e.schema, table, name, validated=True),
        "constraint-": lambda: catalog.constraint_absent(e.schema, table, name),
        "column-": lambda: catalog.column_absent(e.schema, table, column),
        "column+": lambda: catalog.column_exists(e.schema, table, column),
        "type": lambda: catalog.column_type(e.schema, table, column, e.value or ""),
        "not-null": lambda: catalog.column_not_null(e.schema, table, column),
        "rename": lambda: _renamed(e),
        "row-security": lambda: catalog.row_security(e.schema, table, forced=e.flag),
        "policy+": lambda: catalog.policy_exists(e.schema, table, name),
    }
    make = conditions.get(e.kind)
    return make() if make is not None else None


def _renamed(e: Effect) -> str:
    new = e.value or ""
    if e.what == "column":
        return catalog.both(catalog.column_exists(e.schema, e.table or "", new),
                            catalog.column_absent(e.schema, e.table or "", e.name or ""))
    if e.what == "constraint":
        return catalog.both(catalog.constraint_exists(e.schema, e.table or "", new),
                            catalog.constraint_absent(e.schema, e.table or "", e.name or ""))
    return catalog.both(catalog.relation_exists(e.schema, new), catalog.relation_absent(e.schema, e.name or ""))


__all__ = ["classify", "classify_script", "done_condition", "index_table", "relation", "split", "widened"]
