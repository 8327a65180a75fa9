"""Rules about table rewrites and full scans under ACCESS EXCLUSIVE."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast
from pglast.enums import AlterTableType, ConstrType

from dbaudit.findings import Finding, Severity
from dbaudit.messages import msg, sql_comment
from dbaudit.migrations.rules._common import (
    BATCH,
    deparse,
    derived_name,
    location,
    lock_timeout_prefix,
    regclass,
    statement_evidence,
    table_sql,
)
from dbaudit.migrations.rules.locks import existing
from dbaudit.migrations.rules.registry import migration_rule
from dbaudit.migrations.sqlfacts import TypeSpec, column_has, default_expr, functions_in, is_serial, type_spec
from dbaudit.migrations.state import AnalyzedRevision, StatementFacts
from dbaudit.sqltext import ident, literal

# Volatile built-ins: a column default calling one is evaluated per row, so ADD COLUMN rewrites.
# now()/CURRENT_TIMESTAMP are STABLE: evaluated once, stored as the "missing value", no rewrite.
VOLATILE_FUNCTIONS = frozenset({
    "random", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4",
    "clock_timestamp", "timeofday", "nextval", "setseed", "random_normal", "uuidv7", "uuidv4",
})
# Built-ins every overload of which is IMMUTABLE or STABLE (checked against pg_proc by the tests).
# Any other function in a default (a user function, an extension's) is assumed volatile unless the
# migrations declare it IMMUTABLE/STABLE or the database (--database) says so.
NON_VOLATILE_FUNCTIONS = frozenset({
    "now", "statement_timestamp", "transaction_timestamp", "txid_current", "pg_current_xact_id",
    "lower", "upper", "initcap", "btrim", "ltrim", "rtrim", "lpad", "rpad", "left", "right", "substr",
    "substring", "replace", "split_part", "regexp_replace", "concat", "concat_ws", "format", "length",
    "char_length", "md5", "sha256", "encode", "decode", "to_char", "to_date", "to_timestamp", "to_number",
    "date_trunc", "date_part", "make_date", "make_time", "make_timestamp", "make_timestamptz",
    "make_interval", "timezone", "age", "jsonb_build_object", "jsonb_build_array", "json_build_object",
    "json_build_array", "jsonb_object", "json_object", "to_json", "to_jsonb", "array_length",
    "cardinality", "array_to_string", "string_to_array", "abs", "round", "floor", "ceil", "power",
    "current_setting", "current_schema", "current_database", "int4", "int8", "numeric", "text", "float8",
    "date", "to_tsvector",
})
# Types whose length/precision modifier can grow without a rewrite (PostgreSQL's length-coercion
# support functions prove the old values still fit).
_GROWABLE = frozenset({"varchar", "numeric", "timestamp", "timestamptz", "time", "timetz", "interval",
                       "varbit", "bit"})
# Old -> new base types that are binary coercible (same on-disk representation, no rewrite).
_BINARY_COMPATIBLE = frozenset({
    ("varchar", "text"), ("text", "varchar"), ("cidr", "inet"), ("xml", "text"),
})


def subcommands(fact: StatementFacts, subtype: AlterTableType) -> Iterator[Any]:
    node = fact.statement.node
    if isinstance(node, ast.AlterTableStmt):
        for cmd in node.cmds or ():
            if cmd.subtype == subtype:
                yield cmd


def rewrite_reason(coldef: Any, rev: AnalyzedRevision) -> str | None:
    """Why ADD COLUMN with this definition rewrites the table (None: it is a catalog-only change)."""
    if is_serial(coldef.typeName):
        return msg("type {sval} has a nextval() default, evaluated per row", sval=coldef.typeName.names[-1].sval)
    for con in coldef.constraints or ():
        if con.contype == ConstrType.CONSTR_IDENTITY:
            return msg("an identity column is filled from its sequence row by row")
        if con.contype == ConstrType.CONSTR_GENERATED:
            return msg("a stored generated column is computed for every existing row")
    default = default_expr(coldef)
    if default is None:
        return None
    if rev.context.version < 11 and not _is_null(default):
        return msg("a DEFAULT on ADD COLUMN rewrites the table before PostgreSQL 11 ({version_text})",
                   version_text=rev.context.version_text)
    volatile, unknown = [], []
    for name in dict.fromkeys(functions_in(default)):
        said = rev.volatile(name)
        if said is True or (said is None and name in VOLATILE_FUNCTIONS):
            volatile.append(name)
        elif said is None and name not in NON_VOLATILE_FUNCTIONS:
            unknown.append(name)
    if volatile:
        return msg("default calls volatile {value}, evaluated per row", value=', '.join(f + '()' for f in volatile))
    if unknown:
        return (msg("default calls {value}, not known to be IMMUTABLE or STABLE (not a built-in dbaudit knows, not "
                    "declared by these migrations): assumed volatile, evaluated per row; --database looks it up",
                    value=', '.join(f + '()' for f in unknown)))
    return None


def _is_null(expr: Any) -> bool:
    return isinstance(expr, ast.A_Const) and bool(expr.isnull)


@migration_rule("add-column-rewrite", severity=Severity.P1)
def add_column_rewrite(rev: AnalyzedRevision) -> Iterator[Finding]:
    """ADD COLUMN whose default forces a rewrite of an existing table.

    ## What it does
    Flags `ADD COLUMN` on an existing table when the new column's value must be computed row by row:
    a volatile default (`random()`, `gen_random_uuid()`, `clock_timestamp()`, `nextval()`), a
    `serial`/identity column, or a stored generated column. A constant or STABLE default (`0`,
    `'new'`, `now()`) is stored once in the catalog on PostgreSQL 11+ and is not flagged; before 11
    (`--target-version 10`) every non-NULL default rewrites. A function dbaudit does not know (a user
    or extension function) is assumed volatile unless the migrations create it `IMMUTABLE`/`STABLE`
    or the database given with `--database` says it is not volatile; with `--trace`, such an assumed
    rewrite is withdrawn when the traced run shows the table was not rewritten.

    ## Why is this bad?
    The table and all its indexes are rewritten while ACCESS EXCLUSIVE is held: reads and writes wait
    for a full copy of the table.

    ## Example
    ```sql
    ALTER TABLE orders ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid();
    ```

    ## Use instead
    ```sql
    ALTER TABLE orders ADD COLUMN token uuid;
    ALTER TABLE orders ALTER COLUMN token SET DEFAULT gen_random_uuid();
    -- backfill in batches, then CHECK (token IS NOT NULL) NOT VALID, VALIDATE, SET NOT NULL
    ```
    """
    for fact in rev.facts:
        if not existing(fact):
            continue
        for cmd in subcommands(fact, AlterTableType.AT_AddColumn):
            reason = rewrite_reason(cmd.def_, rev)
            if reason is None:
                continue
            assert fact.table is not None
            col = cmd.def_.colname
            yield add_column_rewrite.finding(
                objects=[f"{fact.table}.{col}"],
                title=msg("Adding {table}.{col} rewrites the table", table=fact.table, col=col),
                evidence=[statement_evidence(rev.revision, fact), reason],
                impact=msg("Reads and writes wait while the whole table and its indexes are rewritten."),
                root_cause=reason,
                fix_sql=_add_column_fix(rev, fact.table, cmd.def_),
                verify_sql=_column_verify(fact.table, col),
                locations=[location(rev.revision, fact)],
            )


def _add_column_fix(rev: AnalyzedRevision, table: str, coldef: Any) -> str:
    col = coldef.colname
    type_text = deparse(coldef.typeName)
    name = coldef.typeName.names[-1].sval.lower()
    if is_serial(coldef.typeName):
        type_text = {"bigserial": "bigint", "serial8": "bigint", "smallserial": "smallint",
                     "serial2": "smallint"}.get(name, "integer")
    default = default_expr(coldef)
    value = deparse(default) if default is not None else f"nextval('<sequence of {col}>')"
    t = table_sql(table)
    lines = [
        lock_timeout_prefix(rev.revision).rstrip(),
        f"ALTER TABLE {t} ADD COLUMN {ident(col)} {type_text};",
        f"ALTER TABLE {t} ALTER COLUMN {ident(col)} SET DEFAULT {value};  " + sql_comment("-- new rows only"),
        sql_comment("-- backfill existing rows in batches, repeat until it updates 0 rows:"),
        f"UPDATE {t} SET {ident(col)} = {value} WHERE ctid IN "
        f"(SELECT ctid FROM {t} WHERE {ident(col)} IS NULL LIMIT {BATCH});",
    ]
    if column_has(coldef, ConstrType.CONSTR_NOTNULL):
        lines += not_null_steps(table, col)
    return "\n".join(lines)


def not_null_steps(table: str, col: str) -> list[str]:
    t = table_sql(table)
    check = ident(derived_name(f"{table.rpartition('.')[2]}_{col}", "not_null"))
    return [
        f"ALTER TABLE {t} ADD CONSTRAINT {check} CHECK ({ident(col)} IS NOT NULL) NOT VALID;",
        f"ALTER TABLE {t} VALIDATE CONSTRAINT {check};  "
        + sql_comment("-- SHARE UPDATE EXCLUSIVE: reads and writes go on"),
        f"ALTER TABLE {t} ALTER COLUMN {ident(col)} SET NOT NULL;  "
        + sql_comment("-- PostgreSQL 12+: proven by the CHECK, no scan"),
        f"ALTER TABLE {t} DROP CONSTRAINT {check};",
    ]


def _column_verify(table: str, col: str) -> str:
    return ("SELECT attname, format_type(atttypid, atttypmod), attnotnull FROM pg_attribute "
            f"WHERE attrelid = {regclass(table)} AND attname = {literal(col)};")


@migration_rule("not-null-without-default", severity=Severity.P1, fix="sometimes")
def not_null_without_default(rev: AnalyzedRevision) -> Iterator[Finding]:
    """ADD COLUMN ... NOT NULL without a default on an existing table.

    ## What it does
    Flags `ADD COLUMN c type NOT NULL` with no `DEFAULT` (Alembic `op.add_column` with
    `nullable=False` and no `server_default`) on a table the same revision did not create.

    ## Why is this bad?
    Existing rows would get NULL, so PostgreSQL rejects the statement as soon as the table has a row:
    the migration works on an empty development database and fails in production.

    ## Example
    ```sql
    ALTER TABLE orders ADD COLUMN region text NOT NULL;
    ```

    ## Use instead
    ```sql
    ALTER TABLE orders ADD COLUMN region text NOT NULL DEFAULT 'eu';  -- constant: no rewrite on PG11+
    -- or: add it nullable, backfill in batches, CHECK NOT VALID, VALIDATE, SET NOT NULL
    ```
    """
    for fact in rev.facts:
        if not existing(fact):
            continue
        for cmd in subcommands(fact, AlterTableType.AT_AddColumn):
            coldef = cmd.def_
            if not column_has(coldef, ConstrType.CONSTR_NOTNULL) and not column_has(coldef, ConstrType.CONSTR_PRIMARY):
                continue
            if default_expr(coldef) is not None or rewrite_reason(coldef, rev) is not None:
                continue
            assert fact.table is not None
            col = coldef.colname
            t = table_sql(fact.table)
            type_text = deparse(coldef.typeName)
            fix = [sql_comment("-- either a constant default (catalog-only on PostgreSQL 11+): ALTER TABLE {table} ADD "
                               "COLUMN {column} {type} NOT NULL DEFAULT <value>;",
                               table=t, column=ident(col), type=type_text),
                   sql_comment("-- or nullable first, backfilled in batches, then NOT NULL proven without a long "
                               "lock:"),
                   f"ALTER TABLE {t} ADD COLUMN {ident(col)} {type_text};",
                   f"UPDATE {t} SET {ident(col)} = <value> WHERE ctid IN "
                   f"(SELECT ctid FROM {t} WHERE {ident(col)} IS NULL LIMIT {BATCH});",
                   *not_null_steps(fact.table, col)]
            yield not_null_without_default.finding(
                objects=[f"{fact.table}.{col}"],
                title=msg("NOT NULL column {table}.{col} added without a default", table=fact.table, col=col),
                evidence=[statement_evidence(rev.revision, fact)],
                impact=msg("The migration fails on any table that has rows (column contains null values)."),
                root_cause=msg("A NOT NULL column needs a value for the existing rows."),
                fix_sql="\n".join(fix),
                verify_sql=_column_verify(fact.table, col),
                locations=[location(rev.revision, fact)],
            )


@migration_rule("set-not-null-scan", severity=Severity.P1)
def set_not_null_scan(rev: AnalyzedRevision) -> Iterator[Finding]:
    """SET NOT NULL on an existing column scans the table under ACCESS EXCLUSIVE.

    ## What it does
    Flags `ALTER COLUMN ... SET NOT NULL` (Alembic `op.alter_column(..., nullable=False)`) on an
    existing table unless a validated `CHECK (col IS NOT NULL)` already proves it (PostgreSQL 12+ then
    skips the scan; with `--target-version 11` or older it is flagged all the same). The CHECK is
    followed on tables the migrations did not create too (a baseline).

    ## Why is this bad?
    PostgreSQL reads every row to check for NULLs while holding ACCESS EXCLUSIVE: reads and writes
    wait for a full table scan.

    ## Example
    ```sql
    ALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;
    ```

    ## Use instead
    ```sql
    ALTER TABLE orders ADD CONSTRAINT orders_customer_id_not_null CHECK (customer_id IS NOT NULL) NOT VALID;
    ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_id_not_null;
    ALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;
    ALTER TABLE orders DROP CONSTRAINT orders_customer_id_not_null;
    ```
    """
    for fact in rev.facts:
        if not existing(fact):
            continue
        for cmd in subcommands(fact, AlterTableType.AT_SetNotNull):
            assert fact.table is not None
            info = fact.table_info
            proven = info is not None and cmd.name in info.proven_not_null
            if proven and rev.context.version >= 12:
                continue
            yield set_not_null_scan.finding(
                objects=[f"{fact.table}.{cmd.name}"],
                title=msg("SET NOT NULL on {table}.{cmd} scans the table under ACCESS EXCLUSIVE",
                          table=fact.table, cmd=cmd.name),
                evidence=[statement_evidence(rev.revision, fact),
                          *([msg("a validated CHECK ({cmd} IS NOT NULL) exists, but only PostgreSQL 12+ uses it to "
                                 "skip the scan ({version_text})",
                                 cmd=cmd.name, version_text=rev.context.version_text)] if proven else [])],
                impact=msg("Reads and writes wait while every row is checked for NULL."),
                root_cause=msg("No validated CHECK (col IS NOT NULL) constraint lets PostgreSQL skip the scan."),
                fix_sql="\n".join([lock_timeout_prefix(rev.revision).rstrip(),
                                   *not_null_steps(fact.table, cmd.name)]),
                verify_sql=_column_verify(fact.table, cmd.name),
                locations=[location(rev.revision, fact)],
            )


def type_change_rewrites(old: TypeSpec, new: TypeSpec) -> bool:
    """False when PostgreSQL can change ``old`` to ``new`` without rewriting the table."""
    if old.array != new.array:
        return True
    if old == new:
        return False
    if old.name == new.name and old.name in _GROWABLE:
        if not new.mods:
            return False  # dropping the limit: varchar(n) -> varchar, numeric(p,s) -> numeric
        if not old.mods:
            return True  # adding a limit: every value must be checked (and cast)
        if old.name == "numeric":
            old_scale = old.mods[1] if len(old.mods) > 1 else 0
            new_scale = new.mods[1] if len(new.mods) > 1 else 0
            return not (new.mods[0] >= old.mods[0] and new_scale == old_scale)
        return new.mods[0] < old.mods[0]
    if (old.name, new.name) in _BINARY_COMPATIBLE:
        return new.name == "varchar" and bool(new.mods)
    return True


@migration_rule("column-type-rewrite", severity=Severity.P1)
def column_type_rewrite(rev: AnalyzedRevision) -> Iterator[Finding]:
    """ALTER COLUMN ... TYPE that rewrites an existing table.

    ## What it does
    Flags `ALTER COLUMN ... TYPE` (Alembic `op.alter_column(..., type_=...)`) on an existing table
    unless the change is binary compatible: `varchar(n)` to `varchar(m >= n)`, `varchar` to `text`,
    dropping a `varchar` length, `numeric(p,s)` to `numeric(p2 >= p, s)`, a larger timestamp
    precision. `int` to `bigint` and `timestamp` to `timestamptz` are rewrites. When the previous type
    is not known from the migrations, a rewrite is assumed.

    ## Why is this bad?
    The table and every index are rewritten while ACCESS EXCLUSIVE is held: reads and writes wait for a
    full copy of the table.

    ## Example
    ```sql
    ALTER TABLE orders ALTER COLUMN id TYPE bigint;
    ```

    ## Use instead
    ```sql
    ALTER TABLE orders ADD COLUMN id_new bigint;
    -- write both columns (trigger or application), backfill in batches, then swap in a short lock:
    ALTER TABLE orders RENAME COLUMN id TO id_old;
    ALTER TABLE orders RENAME COLUMN id_new TO id;
    ```
    """
    for fact in rev.facts:
        if not existing(fact):
            continue
        for cmd in subcommands(fact, AlterTableType.AT_AlterColumnType):
            finding = _type_finding(rev, fact, cmd)
            if finding is not None:
                yield finding


def _type_finding(rev: AnalyzedRevision, fact: StatementFacts, cmd: Any) -> Finding | None:
    assert fact.table is not None
    new = type_spec(cmd.def_.typeName)
    old = fact.table_info.column_type(cmd.name) if fact.table_info else None
    using = cmd.def_.raw_default
    if old is not None and not type_change_rewrites(old, new) and using is None:
        return None
    evidence = [statement_evidence(rev.revision, fact)]
    if old is None:
        evidence.append(msg("previous type unknown (not created by these migrations): a rewrite is assumed"))
    else:
        evidence.append(msg("{old} -> {new} is not binary compatible: the table is rewritten", old=old, new=new))
    if old is not None and {old.name, new.name} == {"timestamp", "timestamptz"}:
        evidence.append(msg("timestamp <-> timestamptz: PostgreSQL 12+ skips the rewrite only when the session "
                            "TimeZone is UTC; treated as a rewrite"))
    partitioned = fact.table_info is not None and fact.table_info.partitioned
    if partitioned:
        evidence.append(msg("{table} is partitioned: every partition is rewritten", table=fact.table))
    return column_type_rewrite.finding(
        objects=[f"{fact.table}.{cmd.name}"],
        title=msg("Changing the type of {table}.{cmd} to {new} rewrites the table",
                  table=fact.table, cmd=cmd.name, new=new),
        evidence=evidence,
        impact=msg("Reads and writes wait while the table and all its indexes are rewritten (ACCESS EXCLUSIVE)."),
        root_cause=msg("The new type has a different on-disk representation, so every row is converted."),
        fix_sql=_type_fix(rev, fact.table, cmd.name, deparse(cmd.def_.typeName),
                          deparse(using) if using is not None else None),
        verify_sql=_column_verify(fact.table, cmd.name),
        locations=[location(rev.revision, fact)],
    )


def _type_fix(rev: AnalyzedRevision, table: str, col: str, new_type: str, using: str | None) -> str:
    t = table_sql(table)
    new_col = derived_name(col, "new")
    old_col = derived_name(col, "old")
    expr = using or f"{ident(col)}::{new_type}"
    return "\n".join([
        f"ALTER TABLE {t} ADD COLUMN {ident(new_col)} {new_type};",
        sql_comment("-- keep both columns in step (application double-write or a trigger), then backfill in batches:"),
        f"UPDATE {t} SET {ident(new_col)} = {expr} WHERE ctid IN (SELECT ctid FROM {t} "
        f"WHERE {ident(new_col)} IS NULL AND {ident(col)} IS NOT NULL LIMIT {BATCH});",
        sql_comment("-- swap in one short transaction (recreate indexes on the new column CONCURRENTLY first):"),
        lock_timeout_prefix(rev.revision).rstrip(),
        f"ALTER TABLE {t} RENAME COLUMN {ident(col)} TO {ident(old_col)};",
        f"ALTER TABLE {t} RENAME COLUMN {ident(new_col)} TO {ident(col)};",
        sql_comment("-- a release later: ALTER TABLE {table} DROP COLUMN {column};", table=t, column=ident(old_col)),
    ])
