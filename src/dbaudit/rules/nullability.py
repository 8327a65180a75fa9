"""Columns a DBA would make NOT NULL: an owning foreign key, a creation timestamp without a default.

Both rules propose the same zero-downtime tightening (``_not_null``) and a verification query that
counts the NULL rows; neither backfills a value it would have to invent.
"""

from __future__ import annotations

from collections.abc import Iterator

from dbaudit.findings import Finding, Severity
from dbaudit.messages import msg, sql_comment
from dbaudit.model.schema import Column, ForeignKey, ReferentialAction, SchemaModel, Table
from dbaudit.rules._indexing import Locking, audited_tables, render, sql_for_postgres
from dbaudit.rules._not_null import not_null_fix, null_count_sql
from dbaudit.rules.integrity import _plurals as plurals
from dbaudit.rules.lifecycle import mentions
from dbaudit.rules.registry import RuleContext, rule
from dbaudit.sqltext import ident, qualified

# --------------------------------------------------------------------------------------------------
# nullable-owning-fk


def names_parent(column: str, fk: ForeignKey) -> bool:
    """The column is named after the table it references (``order_id`` -> ``orders`` or
    ``shop_orders``) or after its key (``session_id`` -> ``sync_sessions.session_id``): an owning
    relation, unlike a role (``created_by``, ``approver_id`` -> ``users``)."""
    if column in fk.ref_columns:
        return True
    if not column.endswith("_id") or len(column) <= 3:
        return False
    ref = fk.ref_table
    return any(ref == p or ref.endswith("_" + p) for p in plurals(column[:-3]))


def _optional_by_design(table: Table, fk: ForeignKey, column: str) -> str | None:
    """Why the schema itself says the column may be NULL, or None."""
    for check in table.checks:
        if column in check.columns or mentions(check.expression, column):
            return f"CHECK {check.name} constrains it ({check.expression})"
    for index in table.indexes:
        if mentions(index.predicate, column):
            return msg("index {index} has the predicate {predicate}", index=index.name, predicate=index.predicate)
    for other in table.foreign_keys:
        if other is fk or len(other.columns) != 1 or other.ref_qualified == fk.ref_qualified:
            continue
        other_col = table.column(other.columns[0])
        if other_col is not None and other_col.nullable and other.on_delete is ReferentialAction.CASCADE:
            return (msg("{columns} is another nullable ON DELETE CASCADE key (to {ref_qualified}): each row "
                        "belongs to one of several parents",
                        columns=other.columns[0], ref_qualified=other.ref_qualified))
    return None


@rule("nullable-owning-fk", category="integrity", severity=Severity.P2, fix="always")
@sql_for_postgres
def nullable_owning_fk(ctx: RuleContext) -> Iterator[Finding]:
    """A nullable foreign key whose rows die with their parent (`ON DELETE CASCADE`).

    ## What it does
    Reports a single-column foreign key with `ON DELETE CASCADE` whose column accepts NULL, when
    the column is named after the table it references (`order_id` -> `orders`: the row belongs to
    its parent, unlike a role such as `created_by`). Not reported: self references (tree roots
    have no parent), columns a CHECK or an index predicate mentions (an either/or design), a table
    with another nullable cascading key to a different parent (a row owned by one of several
    parents), and columns the planner's statistics show to hold NULLs.

    ## Why is this bad?
    `ON DELETE CASCADE` says the child has no meaning without its parent, yet the column lets a
    child exist with no parent at all: such rows are orphans no cascade ever removes, joins drop
    them, and every reader must handle a state the model says cannot happen. Either the column is
    NOT NULL, or the relation is optional and the cascade is the mistake.

    ## Example
    ```sql
    CREATE TABLE order_items (id bigint PRIMARY KEY,
        order_id bigint REFERENCES orders (id) ON DELETE CASCADE);
    ```

    ## Use instead
    ```sql
    ALTER TABLE order_items ADD CONSTRAINT order_items_order_id_not_null
        CHECK (order_id IS NOT NULL) NOT VALID;
    ALTER TABLE order_items VALIDATE CONSTRAINT order_items_order_id_not_null;
    ALTER TABLE order_items ALTER COLUMN order_id SET NOT NULL;
    ALTER TABLE order_items DROP CONSTRAINT order_items_order_id_not_null;
    ```

    ## Known problems
    When rows with a NULL key exist the relation is optional: `VALIDATE` then fails and changes
    nothing; keep the column nullable and use `ON DELETE SET NULL` or `RESTRICT` instead.
    """
    for table in audited_tables(ctx.model):
        for fk in table.foreign_keys:
            if fk.on_delete is not ReferentialAction.CASCADE or len(fk.columns) != 1:
                continue
            column = table.column(fk.columns[0])
            if column is None or not column.nullable or fk.ref_qualified == table.qualified_name:
                continue
            if not names_parent(column.name, fk) or _optional_by_design(table, fk, column.name):
                continue
            nulls = _null_share(table, column)
            if nulls is not None and nulls > 0:
                continue  # NULLs exist: the relation is optional in practice, not a missing NOT NULL
            yield _owning_fk_finding(ctx.model, table, fk, column, nulls)


def _null_share(table: Table, column: Column) -> float | None:
    stats = table.stats.column(column.name) if table.stats is not None else None
    return stats.null_frac if stats is not None else None


def _owning_fk_finding(
    model: SchemaModel, table: Table, fk: ForeignKey, column: Column, nulls: float | None
) -> Finding:
    obj = f"{table.qualified_name}.{column.name}"
    evidence = [
        msg("FK {fk}: {obj} -> {ref_qualified}({ref_columns}) ON DELETE CASCADE",
            fk=fk.name, obj=obj, ref_qualified=fk.ref_qualified, ref_columns=', '.join(fk.ref_columns)),
        msg("{obj} {column_type} accepts NULL", obj=obj, column_type=column.type.sql),
        msg("{column} is named after {ref_qualified}: each row belongs to one parent and dies with it",
            column=column.name, ref_qualified=fk.ref_qualified),
        msg("pg_stats: no NULL in the sampled rows (null_frac = 0)") if nulls is not None
        else msg("how many rows hold NULL is unknown (no statistics): the verification query counts them"),
    ]
    parent = model.table(fk.ref_qualified)
    fix = not_null_fix(table, column, before=[
        sql_comment("-- Run the verification query first: NULL rows mean the relation is optional; then keep the\n"
                    "-- column nullable and change ON DELETE CASCADE to SET NULL or RESTRICT instead (VALIDATE\n"
                    "-- below fails, changing nothing, while NULL rows remain)."),
    ])
    return nullable_owning_fk.finding(
        objects=[obj],
        title=msg("{obj} is nullable although its rows are deleted with their {ref_qualified} parent",
                  obj=obj, ref_qualified=fk.ref_qualified),
        evidence=evidence,
        impact=(
            msg("Rows of {table} without a {parent} row are orphans no cascade removes; joins drop them and "
                "readers must handle a state the model denies.",
                table=table.qualified_name, parent=parent.name if parent else fk.ref_table)
        ),
        root_cause=msg("The foreign key column was declared without NOT NULL (`nullable=False` missing in the "
                       "model)."),
        fix_sql=fix,
        verify_sql=null_count_sql(table, column),
        locations=[loc for loc in (column.location, fk.location) if loc is not None],
    )


# --------------------------------------------------------------------------------------------------
# nullable-created-at

CREATED_AT_NAMES = frozenset({
    "created_at", "created_on", "created", "created_time", "creation_time", "creation_date",
    "create_time", "create_at", "create_date", "gmt_create", "inserted_at", "insert_time", "date_created",
})
_TIME_TYPES = {"timestamptz": "now()", "timestamp": "now()", "date": "CURRENT_DATE"}


def _filled_by_trigger(table: Table, column: str) -> str | None:
    """A BEFORE INSERT row trigger whose function mentions the column (it sets the value)."""
    for trigger in table.triggers:
        inserting = trigger.timing == "BEFORE" and trigger.level == "ROW" and "INSERT" in trigger.events
        if trigger.enabled and inserting and (
            trigger.function_source is None or mentions(trigger.function_source, column)
        ):
            return trigger.name
    return None


@rule("nullable-created-at", category="types", severity=Severity.P2, fix="always")
@sql_for_postgres
def nullable_created_at(ctx: RuleContext) -> Iterator[Finding]:
    """A creation timestamp that accepts NULL and has no default.

    ## What it does
    Reports a `date`/`timestamp`/`timestamptz` column named like a creation time (`created_at`,
    `created_on`, `create_time`, `gmt_create`, `inserted_at`...) that accepts NULL and has no
    default, unless a `BEFORE INSERT` row trigger fills it. (A nullable one with a default is
    `nullable-with-default`.)

    ## Why is this bad?
    Nothing records when a row was created unless every writer remembers to: a bulk load, a
    manual fix or a second service leaves NULL, and every report by creation date silently drops
    those rows. Audits, retention jobs and time partitioning all assume the value exists.

    ## Example
    ```sql
    CREATE TABLE tickets (id bigint PRIMARY KEY, created_at timestamptz);
    ```

    ## Use instead
    ```sql
    ALTER TABLE tickets ALTER COLUMN created_at SET DEFAULT now();
    ALTER TABLE tickets ADD CONSTRAINT tickets_created_at_not_null
        CHECK (created_at IS NOT NULL) NOT VALID;
    ALTER TABLE tickets VALIDATE CONSTRAINT tickets_created_at_not_null;
    ALTER TABLE tickets ALTER COLUMN created_at SET NOT NULL;
    ALTER TABLE tickets DROP CONSTRAINT tickets_created_at_not_null;
    ```

    ## Known problems
    Existing NULL rows are not backfilled (no true creation time can be invented): `VALIDATE`
    fails while they remain; fill them from a trustworthy source first, or stop after `SET DEFAULT`.
    """
    for table in audited_tables(ctx.model):
        for column in table.columns:
            if column.name.lower() not in CREATED_AT_NAMES or column.type.name not in _TIME_TYPES:
                continue
            if not column.nullable or column.default is not None or column.generated or column.type.array_dims:
                continue
            if _filled_by_trigger(table, column.name) is None:
                yield _created_at_finding(table, column)


def _created_at_finding(table: Table, column: Column) -> Finding:
    obj = f"{table.qualified_name}.{column.name}"
    target = qualified(table.schema, table.name)
    set_default = [
        sql_comment("-- New rows get the time of their insert:"),
        Locking(f"ALTER TABLE {target} ALTER COLUMN {ident(column.name)} SET DEFAULT {_TIME_TYPES[column.type.name]};"),
    ]
    nulls = _null_share(table, column)
    evidence = [msg("{obj} {column_type}, nullable, no DEFAULT", obj=obj, column_type=column.type.sql),
                msg("no BEFORE INSERT row trigger of the table sets it")]
    if nulls:
        # Rows without a creation time exist (often rows older than the column): no true value can be
        # invented, so the fix stops at the default and NOT NULL waits for a backfill.
        evidence.append(msg("pg_stats: about {nulls:.0%} of the rows hold NULL (rows older than the column?): NOT "
                            "NULL needs a trustworthy backfill first",
                            nulls=nulls))
        fix = render([*set_default,
                      sql_comment("-- NOT NULL once the NULL rows are filled (see nullable-with-default).")])
    else:
        fix = not_null_fix(table, column, before=[
            *set_default,
            sql_comment("-- Existing NULL rows: fill them from a trustworthy source first (VALIDATE below fails,\n"
                        "-- changing nothing, while any remain)."),
        ])
    return nullable_created_at.finding(
        objects=[obj],
        title=msg("{obj} accepts NULL and has no default", obj=obj),
        evidence=evidence,
        impact=msg("Rows inserted without an explicit value have no creation time; reports by date drop them."),
        root_cause=msg("The column was declared without `server_default=func.now()` and `nullable=False`."),
        fix_sql=fix,
        verify_sql=null_count_sql(table, column),
        locations=[column.location] if column.location else [],
    )
