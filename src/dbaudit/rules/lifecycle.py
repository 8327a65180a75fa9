"""Rules of the lifecycle category: soft delete, fact/dimension lifecycle, update timestamps, cascades."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from dbaudit.findings import Finding, Severity
from dbaudit.messages import join, msg, sql_comment
from dbaudit.model.schema import Column, ForeignKey, Index, SchemaModel, Table, TableKind
from dbaudit.rules._cascade import CascadeGraph, Edge
from dbaudit.rules._code_facts import code_facts, resolve_table
from dbaudit.rules._framework import framework
from dbaudit.rules.integrity import (
    col_obj,
    describe,
    generated_name,
    locations,
    lock_guarded,
    models_table,
    parent_by_name,
    referenced_keys,
    rel_obj,
    tsql,
)
from dbaudit.rules.registry import RuleContext, rule
from dbaudit.sqltext import column_list, ident, literal, qualified, regclass_literal

LIFECYCLE_COLUMNS = ("is_deleted", "deleted_at")
DIMENSION_LIFECYCLE = ("is_active", "deleted_at", "is_deleted")
FACT_SUFFIXES = ("_stats", "_history", "_log", "_logs", "_records", "_events", "_audit", "_snapshots")
_TIME_PREFIXES = ("collected", "recorded", "captured", "measured", "logged", "observed", "sampled")
_TIME_TYPES = frozenset({"date", "timestamp", "timestamptz"})
UPDATED_AT_NAMES = ("updated_at", "modified_at", "updated_on", "last_modified", "last_updated_at")


def mentions(text: str | None, column: str) -> bool:
    """Whether SQL text (a predicate, a function body) names the column, bare or quoted."""
    if not text:
        return False
    if re.search(rf"(?<![\w\"]){re.escape(column)}(?![\w\"])", text):
        return True
    return ident(column) != column and ident(column) in text


def fact_reason(table: Table) -> str | None:
    """Why a table looks like a fact/history table, or None."""
    if table.partitioning is not None:
        time_keys = [c for c in table.partitioning.columns
                     if (col := table.column(c)) is not None and col.type.name in _TIME_TYPES]
        if time_keys:
            return msg("it is partitioned by {key}, a time column: rows are time-series facts",
                       key=table.partitioning.key)
    if table.name.endswith(FACT_SUFFIXES):
        stamp = next((c.name for c in table.columns if c.name.startswith(_TIME_PREFIXES)), None)
        if stamp is not None:
            return msg("its name marks it as history and {stamp} records when each fact was captured", stamp=stamp)
    return None


def dimensions(model: SchemaModel, table: Table) -> Iterator[tuple[Table, str, tuple[str, ...]]]:
    """(dimension table, linking column, its lifecycle columns) for each table this one references."""
    seen: set[str] = set()
    parents: list[tuple[Table, str]] = []
    for fk in table.foreign_keys:
        parent = model.table(fk.ref_qualified)
        if parent is not None:
            parents.append((parent, fk.columns[0]))
    for column in table.columns:
        match = parent_by_name(model, table, column)
        if match is not None:
            parents.append((match[0], column.name))
    for parent, via in parents:
        held = tuple(c for c in DIMENSION_LIFECYCLE if parent.column(c) is not None)
        if held and parent.qualified_name not in seen and parent.qualified_name != table.qualified_name:
            seen.add(parent.qualified_name)
            yield parent, via, held


# --------------------------------------------------------------------------------------------------
# fact-table-lifecycle-columns


@rule("fact-table-lifecycle-columns", category="lifecycle", severity=Severity.P2, fix="sometimes")
def fact_table_lifecycle_columns(ctx: RuleContext) -> Iterator[Finding]:
    """A fact/history table carries is_deleted/deleted_at that its dimension table already holds.

    ## What it does
    Finds fact-like tables (partitioned by a date/time column, or named `*_stats`, `*_history`,
    `*_log`, `*_records`… with a `collected_*`/`recorded_*` timestamp) that have `is_deleted` or
    `deleted_at`, while a table they reference (foreign key or `<name>_id`) already has `is_active`
    or `deleted_at`.

    ## Why is this bad?
    Facts are immutable: a size collected on a day stays true even when the database it measured is
    later removed. Lifecycle flags on the facts duplicate the dimension's state, drift from it, and
    force every query to filter both. Whether a thing is live belongs to the dimension; queries join
    it.

    ## Example
    ```sql
    CREATE TABLE instance_size_stats (
        id bigint, instance_id integer NOT NULL REFERENCES instances (id),
        collected_date date NOT NULL, collected_at timestamptz NOT NULL DEFAULT now(),
        is_deleted boolean NOT NULL DEFAULT false, deleted_at timestamptz,
        PRIMARY KEY (id, collected_date)
    ) PARTITION BY RANGE (collected_date);
    ```

    ## Use instead
    ```sql
    ALTER TABLE instance_size_stats DROP COLUMN is_deleted, DROP COLUMN deleted_at;
    -- and filter through the dimension:
    SELECT s.* FROM instance_size_stats s JOIN instances i ON i.id = s.instance_id
    WHERE i.is_active AND i.deleted_at IS NULL;
    ```
    A unique index made partial on the flag (`WHERE is_deleted = false`) is rebuilt without the
    predicate first (per partition, then attached), since dropping the column drops it.

    ## Known problems
    Fact tables are recognised by partitioning and naming; per-object ignores silence the rest.
    Dropping columns breaks code that still reads them: deploy the code change first.

    ## References
    - https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-DROP-COLUMN
    - https://www.postgresql.org/docs/current/ddl-partitioning.html
    """
    model = ctx.model
    for table in model.base_tables:
        carried = [c for c in LIFECYCLE_COLUMNS if table.column(c) is not None]
        reason = fact_reason(table) if carried else None
        if reason is None:
            continue
        dims = list(dimensions(model, table))
        if not dims:
            continue
        dim, via, held = dims[0]
        columns = [c for c in (table.column(n) for n in carried) if c is not None]
        yield fact_table_lifecycle_columns.finding(
            objects=[table.qualified_name],
            title=msg("fact table {table} carries lifecycle columns {carried} that belong to {dim}",
                      table=table.qualified_name, carried=', '.join(carried), dim=dim.qualified_name),
            evidence=[
                msg("{table} has {value}", table=table.qualified_name, value='; '.join(describe(c) for c in columns)),
                msg("{table} is a fact table: {reason}", table=table.qualified_name, reason=reason),
                msg("{table}.{via} references {dim}, which holds the lifecycle: {held}",
                    table=table.qualified_name, via=via, dim=dim.qualified_name, held=', '.join(held)),
            ],
            impact=msg("Two sources of truth for whether a thing is live: they drift, every query must filter "
                       "both, and history rows get 'deleted' although the facts they record stay true."),
            root_cause=msg("Lifecycle state was copied into the fact table instead of being read from the "
                           "dimension through a join."),
            fix_sql=lock_guarded(_drop_lifecycle_fix(model, table, carried, dim, held)),
            verify_sql=(
                "SELECT column_name FROM information_schema.columns "
                f"WHERE table_schema = {literal(table.schema)} AND table_name = {literal(table.name)} "
                f"AND column_name IN ({', '.join(literal(c) for c in carried)});"
            ),
            locations=locations(*columns, table),
            # what a migration generator needs for upgrade and downgrade (tuples: findings stay hashable)
            data={
                "dimension": dim.qualified_name,
                "columns": tuple(c.name for c in columns),
                "column_types": tuple(c.type.sql for c in columns),
                "column_nullable": tuple(c.nullable for c in columns),
                "column_defaults": tuple(c.default for c in columns),
            },
        )


def _dependent_unique(table: Table, carried: list[str]) -> list[Index]:
    """Unique indexes made partial on the lifecycle columns only (dropping the columns drops them)."""
    out = []
    for index in table.indexes:
        if not (index.unique and index.predicate and index.is_plain and index.constraint is None):
            continue
        keys = [str(c) for c in index.columns]
        if any(k in carried for k in keys) or not any(mentions(index.predicate, c) for c in carried):
            continue
        out.append(index)
    return out


def _rebuild_unique(model: SchemaModel, table: Table, index: Index) -> list[str] | None:
    """Statements that build the same unique index without its predicate, without blocking writes."""
    keys = column_list(tuple(str(c) for c in index.columns))
    new = generated_name(index.name, "new")
    if table.kind is TableKind.TABLE:
        return [f"CREATE UNIQUE INDEX CONCURRENTLY {ident(new)} ON {tsql(table)} ({keys});"]
    out = [f"CREATE UNIQUE INDEX {ident(new)} ON ONLY {tsql(table)} ({keys});"]
    for part in model.partitions_of(table.qualified_name):
        if part.kind is not TableKind.PARTITION or part.partitioning is not None:
            return None  # sub-partitioned: attach per level is not generated
        part_index = generated_name(part.name, f"{'_'.join(str(c) for c in index.columns)}_key")
        out += [
            f"CREATE UNIQUE INDEX CONCURRENTLY {ident(part_index)} ON {tsql(part)} ({keys});",
            f"ALTER INDEX {qualified(table.schema, new)} ATTACH PARTITION {qualified(part.schema, part_index)};",
        ]
    return out


def _drop_lifecycle_fix(
    model: SchemaModel, table: Table, carried: list[str], dim: Table, held: tuple[str, ...]
) -> str | None:
    statements = [
        sql_comment("-- filter through the dimension instead: JOIN {dimension} and test {columns}",
                    dimension=dim.qualified_name, columns=", ".join(held)),
    ]
    renames = []
    duplicates: list[str] = []
    for index in _dependent_unique(table, carried):
        rebuilt = _rebuild_unique(model, table, index)
        if rebuilt is None:
            return None
        statements += rebuilt
        new = generated_name(index.name, "new")
        renames.append(f"ALTER INDEX {qualified(table.schema, new)} RENAME TO {ident(index.name)};")
        duplicates += _made_redundant(table, index, carried)
    drops = ", ".join(f"DROP COLUMN {ident(c)}" for c in carried)
    statements.append(f"ALTER TABLE {tsql(table)} {drops};")
    if duplicates:
        renames.append("-- plain indexes on the same keys: the rebuilt unique index serves their queries now")
    return "\n".join(statements + renames + duplicates)


def _made_redundant(table: Table, unique: Index, carried: list[str]) -> list[str]:
    """Drops of plain indexes with exactly the unique index's keys: once the unique index is no longer
    partial, they only cost writes (``redundant-index`` would report them next)."""
    out = []
    for index in table.indexes:
        if (index.unique or index.predicate or index.include or index.constraint is not None or not index.valid
                or index.method != "btree" or index.elements != unique.elements
                or any(mentions(index.predicate, c) for c in carried)):
            continue
        if table.kind is TableKind.PARTITIONED_TABLE:
            out.append(f"DROP INDEX {qualified(table.schema, index.name)};")
        else:
            out.append(f"DROP INDEX CONCURRENTLY {qualified(table.schema, index.name)};")
    return out


# --------------------------------------------------------------------------------------------------
# soft-delete-unique-not-partial


def _soft_delete_flag(table: Table) -> str | None:
    """The column that marks soft-deleted rows (``deleted_at`` preferred over ``is_deleted``)."""
    return next((c for c in ("deleted_at", "is_deleted") if table.column(c) is not None), None)


def _business_uniques(table: Table) -> Iterator[tuple[str, tuple[str, ...], Index | None, bool]]:
    """(name, columns, index, is_constraint) of unique keys that are not the primary key."""
    by_name = {i.name: i for i in table.indexes}
    seen = set()
    for uq in table.uniques:
        seen.add(uq.name)
        yield uq.name, uq.columns, by_name.get(uq.name), True
    for index in table.indexes:
        if index.unique and not index.primary and index.name not in seen and index.constraint is None:
            yield index.name, tuple(str(c) for c in index.columns if c is not None), index, False


@rule("soft-delete-unique-not-partial", category="lifecycle", severity=Severity.P2, fix="sometimes")
def soft_delete_unique_not_partial(ctx: RuleContext) -> Iterator[Finding]:
    """A soft-deleted table enforces uniqueness on all rows, deleted ones included.

    ## What it does
    For tables with `deleted_at` or `is_deleted`, reports unique constraints and unique indexes over
    business columns that are not partial on the live rows (`WHERE deleted_at IS NULL`). The
    evidence shows the index's own predicate, and the fix keeps it (`WHERE (<predicate>) AND
    deleted_at IS NULL`). Keys that must stay unique across deleted rows are left alone: content
    hashes, digests, tokens, idempotency keys (`transaction_id`), uuids, per-tenant counters
    (`sequential_id`: numbers are not reused), and keys that contain the primary key
    (`UNIQUE (id, tenant_id)`, the target of a composite foreign key).

    ## Why is this bad?
    After a row is soft-deleted, creating a new row with the same name or key fails with a unique
    violation: the "deleted" row still holds the key. Applications then resurrect old rows or
    rename deleted ones, which corrupts history.

    ## Example
    ```sql
    CREATE TABLE tags (id bigint PRIMARY KEY, name text NOT NULL, deleted_at timestamptz,
                       CONSTRAINT tags_name_key UNIQUE (name));
    ```

    ## Use instead
    ```sql
    CREATE UNIQUE INDEX CONCURRENTLY tags_name_key_live ON tags (name) WHERE deleted_at IS NULL;
    ALTER TABLE tags DROP CONSTRAINT tags_name_key;
    ```

    ## Known problems
    A key referenced by foreign keys must stay non-partial; such keys are reported without a fix.
    Keys of partitioned tables get no fix (CONCURRENTLY is not available there).

    ## References
    - https://www.postgresql.org/docs/current/indexes-partial.html
    - https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY
    """
    model = ctx.model
    for table in model.base_tables:
        flag = _soft_delete_flag(table)
        if flag is None:
            continue
        for name, columns, index, is_constraint in _business_uniques(table):
            if set(columns) & {*LIFECYCLE_COLUMNS, "is_active"} or not columns:
                continue
            partial_on_live = any(mentions(index.predicate, c) for c in LIFECYCLE_COLUMNS) if index else False
            if index is not None and (partial_on_live or not index.is_plain):
                continue
            if _unique_forever(table, columns):
                continue
            predicate = index.predicate if index is not None else None
            referenced = (table.qualified_name, frozenset(columns)) in referenced_keys(model)
            yield soft_delete_unique_not_partial.finding(
                objects=[rel_obj(table.schema, name)],
                title=msg("unique key {name} also counts soft-deleted rows of {table}",
                          name=rel_obj(table.schema, name), table=table.qualified_name),
                evidence=[
                    msg("{value} {name} on {table} ({columns}) has no predicate on {flag}",
                        value=msg("constraint") if is_constraint else msg("unique index"), name=name,
                        table=table.qualified_name, columns=', '.join(columns), flag=flag),
                    *([msg("index predicate: WHERE {predicate}", predicate=predicate)] if predicate else []),
                    msg("{table} soft-deletes rows through {flag}", table=table.qualified_name, flag=flag),
                    *([msg("foreign keys reference {table} ({columns})",
                           table=table.qualified_name, columns=', '.join(columns))]
                      if referenced else []),
                ],
                impact=msg("Re-creating a row with the same {columns} after a soft delete fails with a unique "
                           "violation.",
                           columns=', '.join(columns)),
                root_cause=msg("Soft delete was added without making the business keys partial on live rows."),
                fix_sql=None if referenced or table.kind is not TableKind.TABLE else
                lock_guarded(_partial_fix(table, name, columns, flag, is_constraint=is_constraint,
                                          predicate=predicate)),
                verify_sql=(
                    f"SELECT {column_list(columns)}, count(*) AS live_rows FROM {tsql(table)} "
                    f"WHERE {_live_where(flag, predicate)} GROUP BY {column_list(columns)} HAVING count(*) > 1;"
                ),
                locations=locations(index, table),
            )


def _live_sql(flag: str) -> str:
    return f"{ident(flag)} IS NULL" if flag == "deleted_at" else f"{ident(flag)} = false"


def _live_where(flag: str, predicate: str | None) -> str:
    """Live rows, within the original index's predicate when it had one (kept, not replaced)."""
    return f"({predicate}) AND {_live_sql(flag)}" if predicate else _live_sql(flag)


# Keys that must stay unique across deleted rows too: content hashes, idempotency keys, tokens, uuids.
_FOREVER = re.compile(r"(hash|digest|checksum|fingerprint|sha\d*|md5|token|idempotency|uuid|guid|nonce|"
                      r"signature|(^|_)transaction_id$|sequential_id|sequence_number)", re.I)


def _unique_forever(table: Table, columns: tuple[str, ...]) -> bool:
    """A key that must stay unique across soft-deleted rows as well: it names a content hash, an
    idempotency key, a token or a uuid, or it contains the primary key (``UNIQUE (id, tenant_id)``,
    the target of a composite foreign key, is unique anyway)."""
    if any(_FOREVER.search(c) for c in columns):
        return True
    pk = table.primary_key
    return pk is not None and set(pk.columns) <= set(columns)


def _partial_fix(
    table: Table, name: str, columns: tuple[str, ...], flag: str, *, is_constraint: bool,
    predicate: str | None = None,
) -> str:
    new = generated_name(name, "live")
    statements = [
        f"CREATE UNIQUE INDEX CONCURRENTLY {ident(new)} ON {tsql(table)} ({column_list(columns)}) "
        f"WHERE {_live_where(flag, predicate)};",
        f"ALTER TABLE {tsql(table)} DROP CONSTRAINT {ident(name)};" if is_constraint
        else f"DROP INDEX CONCURRENTLY {qualified(table.schema, name)};",
    ]
    return "\n".join(statements)


# --------------------------------------------------------------------------------------------------
# updated-at-not-maintained


def update_trigger(table: Table, column: str) -> str | None:
    """The name of a BEFORE UPDATE row trigger that (as far as its source shows) sets the column."""
    for trigger in table.triggers:
        if (
            trigger.timing == "BEFORE" and "UPDATE" in trigger.events and trigger.level == "ROW"
            and trigger.enabled
            and (trigger.function_source is None or mentions(trigger.function_source, column))
        ):
            return trigger.name
    return None


def updated_at_fix(table: Table, column: str) -> str | None:
    """A trigger function setting the column to now() on UPDATE, and the trigger on the table."""
    if "$fn$" in column:
        return None
    function = qualified(table.schema, generated_name("dbaudit_set", column))
    trigger = generated_name(table.name, f"set_{column}")
    return lock_guarded("\n".join([
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS "
        f"$fn$ BEGIN NEW.{ident(column)} := now(); RETURN NEW; END $fn$;",
        f"CREATE TRIGGER {ident(trigger)} BEFORE UPDATE ON {tsql(table)} "
        f"FOR EACH ROW EXECUTE FUNCTION {function}();",
    ]))


def triggers_query(table: Table) -> str:
    return ("SELECT tgname, pg_catalog.pg_get_triggerdef(oid) FROM pg_catalog.pg_trigger "
            f"WHERE tgrelid = {regclass_literal(table.schema, table.name)}::regclass AND NOT tgisinternal;")


def _orm_onupdate(ctx: RuleContext, table: Table, column: Column) -> bool:
    if column.orm_onupdate:
        return True
    orm = models_table(ctx, table)
    orm_column = orm.column(column.name) if orm is not None else None
    return orm_column is not None and orm_column.orm_onupdate


RAILS_TIMESTAMPS = ("updated_at", "updated_on")


def _code_hook(ctx: RuleContext, table: Table, column: Column) -> str | None:
    """How the code scan says the application sets the column on UPDATE (Django auto_now, onupdate)."""
    for fact in code_facts(ctx.inputs).auto_updated:
        if fact.column == column.name and resolve_table(ctx.model, fact.table) is table:
            return fact.how
    return None


@rule("updated-at-not-maintained", category="lifecycle", severity=Severity.P2, fix="always",
      requires=("triggers",))
def updated_at_not_maintained(ctx: RuleContext) -> Iterator[Finding]:
    """An updated_at column that nothing maintains: no update trigger and no ORM hook.

    ## What it does
    Reports `updated_at`-style columns (`updated_at`, `modified_at`, `updated_on`, `last_modified`,
    or the rule option `columns`) without a BEFORE UPDATE row trigger that sets them, when the
    application is known not to set them either: the SQLAlchemy models (`--models`) declare no
    `onupdate`, and the code scan (`--code`) finds no `onupdate=` or Django `auto_now=True` for it.

    When it cannot know, it says so in a note and reports nothing: without models or code the
    application may well maintain the column (most ORMs do), and a Rails schema
    (`schema_migrations` + `ar_internal_metadata`) has ActiveRecord set `updated_at` on every save.

    ## Why is this bad?
    A default of `now()` fills the column on INSERT only. Without a trigger or ORM hook the column
    silently equals `created_at` forever, and incremental syncs, caches and audits that trust it
    miss every change. Raw SQL updates bypass ORM hooks, so a trigger is the reliable option.

    ## Example
    ```sql
    CREATE TABLE tags (id bigint PRIMARY KEY, name text,
                       updated_at timestamptz NOT NULL DEFAULT now());
    -- and a model without onupdate
    ```

    ## Use instead
    ```sql
    CREATE OR REPLACE FUNCTION dbaudit_set_updated_at() RETURNS trigger LANGUAGE plpgsql AS
    $fn$ BEGIN NEW.updated_at := now(); RETURN NEW; END $fn$;
    CREATE TRIGGER tags_set_updated_at BEFORE UPDATE ON tags
        FOR EACH ROW EXECUTE FUNCTION dbaudit_set_updated_at();
    ```

    ## Known problems
    Needs the `triggers` capability of the source (skipped otherwise), and the models or the code
    to report anything. ORM hooks do not run for raw SQL or bulk updates.

    ## References
    - https://www.postgresql.org/docs/current/plpgsql-trigger.html
    - https://docs.sqlalchemy.org/en/20/core/defaults.html#python-executed-functions
    - https://docs.djangoproject.com/en/stable/ref/models/fields/#django.db.models.DateField.auto_now
    """
    names = tuple(ctx.option("updated-at-not-maintained", "columns", None) or UPDATED_AT_NAMES)
    has_models = ctx.inputs.get("models") is not None
    has_code = code_facts(ctx.inputs).files_scanned > 0 or bool(code_facts(ctx.inputs).auto_updated)
    kind = framework(ctx.model)
    unknown: list[str] = []
    for table in ctx.model.base_tables:
        for column in table.columns:
            if column.name not in names or update_trigger(table, column.name) is not None:
                continue
            if column.generated or _orm_onupdate(ctx, table, column) or _code_hook(ctx, table, column):
                continue
            if kind == "rails" and column.name in RAILS_TIMESTAMPS:
                continue  # ActiveRecord's record timestamps set it on every update
            if not (has_models or has_code):
                unknown.append(col_obj(table, column.name))
                continue
            yield _updated_at_finding(table, column, has_models=has_models, has_code=has_code)
    if unknown:
        ctx.note("updated-at-not-maintained", _unknown_note(unknown, kind))


def _unknown_note(columns: list[str], kind: str | None) -> str:
    where = (msg("a Django schema (django_migrations): auto_now=True on the model field would keep them current")
             if kind == "django" else msg("the application's ORM may keep them current"))
    shown = join("", [", ".join(columns[:5]), msg(" and {n} more", n=len(columns) - 5) if len(columns) > 5 else ""])
    return msg("updated-at-not-maintained: unknown for {n} column(s) without an update trigger ({shown}): {where}; "
               "pass --models or --code to judge them", n=len(columns), shown=shown, where=where)


def _updated_at_finding(table: Table, column: Column, *, has_models: bool, has_code: bool) -> Finding:
    return updated_at_not_maintained.finding(
        objects=[col_obj(table, column.name)],
        title=msg("{column} is never updated: no trigger, no ORM onupdate", column=col_obj(table, column.name)),
        evidence=[
            describe(column),
            msg("no BEFORE UPDATE row trigger on {table} sets {column}",
                table=table.qualified_name, column=column.name),
            *([msg("the ORM models do not declare onupdate for it")] if has_models else []),
            *([msg("the code scan finds no onupdate= or auto_now=True for it")] if has_code else []),
        ],
        impact=msg("{column} keeps the insert time; consumers relying on it miss every update.", column=column.name),
        root_cause=msg("The column was added with a default only; nothing maintains it on UPDATE."),
        fix_sql=updated_at_fix(table, column.name),
        verify_sql=triggers_query(table),
        locations=locations(column, table),
    )


# --------------------------------------------------------------------------------------------------
# deep-cascade


USER_TABLES = frozenset({
    "users", "user", "accounts", "account", "tenants", "tenant", "organizations", "organisations",
    "organization", "orgs", "customers", "customer", "members", "companies", "company", "workspaces",
    "workspace", "auth_user",
})


def _is_history(model: SchemaModel, name: str) -> bool:
    table = model.table(name)
    return table is not None and (table.name.endswith(FACT_SUFFIXES) or fact_reason(table) is not None)


def _referenced_by(model: SchemaModel) -> dict[str, set[str]]:
    """table -> the other tables whose foreign keys reference it."""
    out: dict[str, set[str]] = {}
    for table in model.base_tables:
        for fk in table.foreign_keys:
            if fk.ref_qualified != table.qualified_name:
                out.setdefault(fk.ref_qualified, set()).add(table.qualified_name)
    return out


@rule("deep-cascade", category="lifecycle", severity=Severity.P2, fix="sometimes")
def deep_cascade(ctx: RuleContext) -> Iterator[Finding]:
    """One DELETE silently removes rows in many tables, deep chains, history, or a user's business data.

    ## What it does
    Builds the graph of `ON DELETE CASCADE` foreign keys and, for each table where a cascade
    starts (one no other cascade reaches), counts every table one DELETE reaches, at any depth
    (cycles included). It reports the table when the longest chain is deeper than `max-depth`
    (rule option, default 2), when a history-like table is reached (`*_stats`, `*_history`, `*_log`,
    `*_records`, time-partitioned tables), when it reaches `p0-tables` (default 10) tables or more,
    or when it is a user or tenant table (`users`, `accounts`, `tenants`, `organizations`,
    `customers`...) that cascades one hop into business tables (tables other tables reference)
    or history. The evidence names every reached table with the chain of keys that reaches it,
    the deepest chain, and the risky one-hop cascades.

    Severity: P0 when deleting one user or tenant wipes `p0-tables` tables or more, P1 when a
    user or tenant delete cascades into business or history tables, P2 otherwise.

    ## Why is this bad?
    A single `DELETE FROM users WHERE id = 1` silently removes thousands of rows in tables the
    author of the statement never looked at (orders, invoices, audit trails), holds locks on all of
    them for the whole transaction, and destroys history that audits and capacity reports depend
    on. Nothing can undo it short of a restore.

    ## Example
    ```sql
    CREATE TABLE instances (id bigint PRIMARY KEY);
    CREATE TABLE instance_size_stats (id bigint PRIMARY KEY,
        instance_id bigint NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
        collected_at timestamptz NOT NULL);
    ```

    ## Use instead
    ```sql
    ALTER TABLE instance_size_stats DROP CONSTRAINT instance_size_stats_instance_id_fkey,
        ADD CONSTRAINT instance_size_stats_instance_id_fkey FOREIGN KEY (instance_id)
        REFERENCES instances (id) ON DELETE RESTRICT NOT VALID;
    ALTER TABLE instance_size_stats VALIDATE CONSTRAINT instance_size_stats_instance_id_fkey;
    -- and soft-delete instances (is_active / deleted_at) instead of deleting them, or delete the
    -- children explicitly, in batches, in a purge job before the parent
    ```

    ## Known problems
    Whether a cascade is intended is a design decision: the generated fix switches the risky keys
    (into history, one hop from a user or tenant, the first hop of a too-deep chain) to
    `RESTRICT`, after which deleting the parent fails until its children are removed or the parent
    is soft-deleted; review it with the application's delete paths.

    ## References
    - https://www.postgresql.org/docs/current/ddl-constraints.html#DDL-CONSTRAINTS-FK
    """
    model = ctx.model
    max_depth = int(ctx.option("deep-cascade", "max-depth", 2))
    p0_tables = int(ctx.option("deep-cascade", "p0-tables", 10))
    graph = CascadeGraph.of(model)
    referenced_by: dict[str, set[str]] | None = None
    for root in graph.roots():
        reached = graph.reached(root)
        depth = graph.depth(root)
        history = sorted(name for name in reached if _is_history(model, name))
        table = model.table(root)
        is_user = table is not None and table.name.lower() in USER_TABLES
        risky: list[tuple[str, str]] = []
        if is_user:
            referenced_by = referenced_by if referenced_by is not None else _referenced_by(model)
            risky = _risky_hops(model, graph, root, referenced_by)
        if not (depth > max_depth or history or len(reached) >= p0_tables or risky):
            continue
        severity = (Severity.P0 if is_user and len(reached) >= p0_tables
                    else Severity.P1 if risky else Severity.P2)
        yield _cascade_finding(model, graph, root, _Judgement(reached, depth, history, risky, max_depth, severity))


def _risky_hops(model: SchemaModel, graph: CascadeGraph, root: str, referenced_by: dict[str, set[str]]
                ) -> list[tuple[str, str]]:
    """(child, why) for each one-hop cascade from a user/tenant table into business or history data."""
    out = []
    for child, _fk in graph.edges.get(root, ()):
        if _is_history(model, child):
            out.append((child, "history"))
            continue
        others = sorted(referenced_by.get(child, set()) - {root, child})
        if others:
            out.append((child, msg("business table referenced by {others}{value}",
                                   others=', '.join(others[:3]),
                                   value=msg(" and {n} more", n=len(others) - 3) if len(others) > 3 else "")))
    return out


@dataclass(frozen=True)
class _Judgement:
    reached: frozenset[str]
    depth: int
    history: list[str]
    risky: list[tuple[str, str]]
    max_depth: int
    severity: Severity


def _chain_text(root: str, chain: tuple[Edge, ...]) -> str:
    return root + "".join(f" -> {child} ({fk.name} ON DELETE CASCADE)" for child, fk in chain)


def _cascade_finding(model: SchemaModel, graph: CascadeGraph, root: str, j: _Judgement) -> Finding:
    chains = graph.chains(root)
    ordered = sorted(chains, key=lambda name: (len(chains[name]), name))
    evidence = [
        msg("one DELETE on {root} reaches {n_reached} table(s) through ON DELETE CASCADE, {depth} level(s) deep",
            root=root, n_reached=len(j.reached), depth=j.depth),
        *([msg("deepest chain: {chain_text}", chain_text=_chain_text(root, graph.deepest_chain(root)))]
          if j.depth > 1 else []),
        *(msg("risky one-hop cascade from {root} (a user/tenant table) into {child}: {why}",
              root=root, child=child, why=why) for child, why in j.risky),
        *(msg("history reached: {name}", name=name) for name in j.history),
        *(msg("cycle: {name} is in a cascade cycle", name=name) for name in ordered if graph.in_cycle(name)),
        *(msg("reaches {name}: {chain_text}", name=name, chain_text=_chain_text(root, chains[name]))
          for name in ordered),
    ]
    tail: str = ""
    if j.risky:
        tail = msg(", one hop into {children}", children=", ".join(child for child, _ in j.risky))
    elif j.history:
        tail = msg(", including {tables}", tables=", ".join(j.history))
    title = msg("deleting a row of {root} cascades into {n_reached} table(s), {depth} level(s) deep{tail}",
                root=root, n_reached=len(j.reached), depth=j.depth, tail=tail)
    fix_edges = _fix_edges(graph, root, j)
    table = model.table(root)
    return deep_cascade.finding(
        objects=[root],
        title=title,
        evidence=evidence,
        impact=(
            msg("One DELETE on {root} removes rows in {n_reached} table(s), under lock, without a trace{tail}",
                root=root, n_reached=len(j.reached),
                tail=msg("; the user's or tenant's business records and history go with it.") if j.risky
                else msg(": history and statistics are lost with the parent.") if j.history else ".")
        ),
        root_cause=msg("ON DELETE CASCADE was chosen per foreign key without looking at the whole graph."),
        fix_sql=_restrict_fix(model, fix_edges) if fix_edges else None,
        verify_sql=_cascade_verify_sql(model, [root, *sorted(j.reached)]),
        locations=locations(table),
        data={"depth": j.depth, "tables": tuple(sorted(j.reached)), "reached": len(j.reached)},
        severity=j.severity,
    )


def _fix_edges(graph: CascadeGraph, root: str, j: _Judgement) -> list[Edge]:
    """The keys to switch to RESTRICT: into history tables, the risky hops from a user/tenant table,
    and the first hop of chains deeper than allowed."""
    risky = {child for child, _ in j.risky}
    history = set(j.history)
    wanted: dict[str, Edge] = {}
    # the keys out of the root and the tables it reaches (not every key of the schema: once per root)
    for parent in dict.fromkeys((root, *j.reached)):
        for child, fk in graph.edges.get(parent, ()):
            first_hop_too_deep = parent == root and j.depth > j.max_depth and graph.depth(child) >= j.max_depth
            if child in history or (parent == root and child in risky) or first_hop_too_deep:
                wanted[f"{child}/{fk.name}"] = (child, fk)
    return [wanted[key] for key in sorted(wanted)]


def _restrict_fix(model: SchemaModel, edges: list[Edge]) -> str | None:
    lines = [
        sql_comment("-- Make these deletes explicit: each key below becomes ON DELETE RESTRICT, so deleting the\n"
                    "-- parent fails while children exist. Then soft-delete the parent (deleted_at / is_active), or\n"
                    "-- delete the children in batches in a purge job before the parent."),
    ]
    for child_name, fk in edges:
        child = model.table(child_name)
        if child is None:
            continue
        lines += _restrict_statements(model, child, fk)
    return lock_guarded("\n".join(lines))


def _restrict_statements(model: SchemaModel, child: Table, fk: ForeignKey) -> list[str]:
    ref = f"{qualified(fk.ref_schema, fk.ref_table)} ({column_list(fk.ref_columns)})"
    body = f"FOREIGN KEY ({column_list(fk.columns)}) REFERENCES {ref} ON DELETE RESTRICT"
    if child.kind is not TableKind.PARTITIONED_TABLE:
        return [
            f"ALTER TABLE {tsql(child)} DROP CONSTRAINT {ident(fk.name)}, "
            f"ADD CONSTRAINT {ident(fk.name)} {body} NOT VALID;",
            f"ALTER TABLE {tsql(child)} VALIDATE CONSTRAINT {ident(fk.name)};",
        ]
    # A partitioned table refuses NOT VALID keys: validate a RESTRICT key on each partition first
    # (beside the cascading one), then swap the parent's key, which attaches the validated ones.
    out: list[str] = []
    for part in model.partitions_of(child.qualified_name):
        name = generated_name(part.name, "_".join(fk.columns) + "_restrict")
        out += [
            f"ALTER TABLE {tsql(part)} ADD CONSTRAINT {ident(name)} {body} NOT VALID;",
            f"ALTER TABLE {tsql(part)} VALIDATE CONSTRAINT {ident(name)};",
        ]
    out.append(f"ALTER TABLE {tsql(child)} DROP CONSTRAINT {ident(fk.name)}, ADD CONSTRAINT {ident(fk.name)} {body};")
    return out


def _cascade_verify_sql(model: SchemaModel, names: list[str]) -> str:
    tables = [t for n in names if (t := model.table(n)) is not None]
    return (
        "SELECT conrelid::regclass AS child, confrelid::regclass AS parent, conname "
        "FROM pg_catalog.pg_constraint WHERE contype = 'f' AND confdeltype = 'c' AND confrelid IN ("
        + ", ".join(f"{regclass_literal(t.schema, t.name)}::regclass" for t in tables)
        + ") ORDER BY 2, 1;"
    )
