"""House rules: a team's own conventions, configured in ``[tool.dbaudit.house]``.

Every house rule is selected by default but is a **no-op until configured**: with no
``required-columns`` the required-columns rule finds nothing, and so on. This keeps ``select = ["ALL"]``
meaningful for projects without conventions, and lets a team switch a convention on by writing it
down once. Options reach the rules through ``RuleContext.options`` (see ``HouseConfig.rule_options``).

Teams add rules of their own the same way these are written; see ``docs/house-rules.md``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dbaudit.findings import Finding, Severity
from dbaudit.messages import msg
from dbaudit.model.schema import Column, Table
from dbaudit.rules.integrity import col_obj, describe, fk_covering, locations, lock_guarded, tsql
from dbaudit.rules.lifecycle import triggers_query, update_trigger, updated_at_fix
from dbaudit.rules.naming import named_objects
from dbaudit.rules.registry import RuleContext, rule
from dbaudit.sqltext import ident, literal

# Column definitions the required-columns fix can add without rewriting the table: now() is stable,
# so PostgreSQL 11+ stores it once as the "missing value" of existing rows instead of writing them.
_TIMESTAMP_DEFINITION = "timestamptz NOT NULL DEFAULT now()"
_TYPE_ALIASES = {
    "int": "int4", "integer": "int4", "int4": "int4", "bigint": "int8", "int8": "int8",
    "smallint": "int2", "int2": "int2", "uuid": "uuid", "text": "text", "varchar": "varchar",
    "serial": "int4", "bigserial": "int8",
}


# --------------------------------------------------------------------------------------------------
# house-required-columns


@rule("house-required-columns", category="house", severity=Severity.P2, fix="sometimes")
def house_required_columns(ctx: RuleContext) -> Iterator[Finding]:
    """A base table lacks a column the house conventions require (e.g. created_at, updated_at).

    ## What it does
    Checks every plain and partitioned table for the columns listed in
    `[tool.dbaudit.house] required-columns`. Does nothing when the option is not set.

    ## Why is this bad?
    Conventions such as "every table has `created_at` and `updated_at`" are what make audits,
    incremental exports and debugging work uniformly; one table without them is the one that is
    needed during an incident.

    ## Example
    ```sql
    -- required-columns = ["created_at", "updated_at"]
    CREATE TABLE tags (id bigint PRIMARY KEY, name text NOT NULL);
    ```

    ## Use instead
    ```sql
    ALTER TABLE tags ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();
    ALTER TABLE tags ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
    ```
    `now()` is stable, so adding the column does not rewrite the table (PostgreSQL 11+).

    ## Options
    - `required-columns` (list of column names, default `[]`)

    ## Known problems
    A fix is generated only for `*_at` timestamp columns; other columns need a type decision.

    ## References
    - https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES
    """
    required = list(ctx.option("house-required-columns", "columns", []) or [])
    for table in ctx.model.base_tables if required else ():
        missing = [c for c in required if table.column(c) is None]
        if not missing:
            continue
        fixes = [f"ALTER TABLE {tsql(table)} ADD COLUMN {ident(c)} {_TIMESTAMP_DEFINITION};"
                 for c in missing if c.endswith("_at")]
        yield house_required_columns.finding(
            objects=[table.qualified_name],
            title=msg("{table} lacks required column(s) {missing}",
                      table=table.qualified_name, missing=', '.join(missing)),
            evidence=[msg("house rule required-columns = {required}", required=required),
                      msg("{table} has no column {missing}", table=table.qualified_name, missing=', '.join(missing))],
            impact=msg("The table does not follow the project's conventions; tooling that relies on them skips or "
                       "mishandles it."),
            root_cause=msg("The table was created without the project's standard columns."),
            fix_sql=lock_guarded("\n".join(fixes)) if len(fixes) == len(missing) else None,
            verify_sql=_columns_query(table, missing),
            locations=locations(table),
        )


def _columns_query(table: Table, columns: list[str]) -> str:
    return ("SELECT column_name FROM information_schema.columns "
            f"WHERE table_schema = {literal(table.schema)} AND table_name = {literal(table.name)} "
            f"AND column_name IN ({', '.join(literal(c) for c in columns)});")


# --------------------------------------------------------------------------------------------------
# house-pk-type


def _allowed(entries: list[str]) -> list[tuple[str, bool]]:
    """(canonical type, identity required) per configured entry (``"bigint identity"``, ``"uuid"``)."""
    out = []
    for entry in entries:
        words = entry.lower().split()
        identity = "identity" in words
        base = " ".join(w for w in words if w != "identity")
        out.append((_TYPE_ALIASES.get(base, base), identity))
    return out


def _type_ok(column: Column, allowed: list[tuple[str, bool]]) -> bool:
    return any(column.type.name == t and (not identity or column.identity is not None) for t, identity in allowed)


@rule("house-pk-type", category="house", severity=Severity.P2)
def house_pk_type(ctx: RuleContext) -> Iterator[Finding]:
    """A primary-key column has a type the house conventions do not allow (e.g. integer, not bigint).

    ## What it does
    Checks the primary-key columns of every base table against `[tool.dbaudit.house] pk-type`
    (`"bigint"`, `"uuid"`, `"bigint identity"` to also require an identity column). Columns that are
    foreign keys (association tables) or partition keys (`(id, collected_date)`) are not judged.
    Does nothing when the option is not set.

    ## Why is this bad?
    A mix of `integer` serials, `bigint` identities and UUIDs means every foreign key, API and
    migration has to know which table uses which, and `integer` keys run out at 2.1 billion.

    ## Example
    ```sql
    -- pk-type = ["bigint identity", "uuid"]
    CREATE TABLE tags (id serial PRIMARY KEY);
    ```

    ## Use instead
    ```sql
    CREATE TABLE tags (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
    ```
    Changing an existing key's type rewrites the table and every referencing table: plan it as a
    migration with a new column, a backfill and a switch-over; no fix is generated.

    ## Options
    - `pk-type` (list of allowed types, default `[]`)

    ## References
    - https://www.postgresql.org/docs/current/ddl-identity-columns.html
    """
    allowed = _allowed(list(ctx.option("house-pk-type", "types", []) or []))
    for table in ctx.model.base_tables if allowed else ():
        if table.primary_key is None:
            continue
        partition_keys = set(table.partitioning.columns) if table.partitioning else set()
        for name in table.primary_key.columns:
            column = table.column(name)
            if column is None or name in partition_keys or fk_covering(table, name) is not None:
                continue
            if _type_ok(column, allowed):
                continue
            yield house_pk_type.finding(
                objects=[col_obj(table, name)],
                title=msg("primary key {name} is {column_type}{value}, not an allowed key type",
                          name=col_obj(table, name), column_type=column.type.sql,
                          value=' (identity)' if column.identity else ''),
                evidence=[describe(column),
                          msg("house rule pk-type = {list}", list=list(ctx.option('house-pk-type', 'types', [])))],
                impact=msg("Keys of mixed types complicate every relation and API; narrow keys can run out."),
                root_cause=msg("The table predates (or ignored) the project's primary-key convention."),
                verify_sql=(
                    "SELECT data_type, is_identity FROM information_schema.columns "
                    f"WHERE table_schema = {literal(table.schema)} AND table_name = {literal(table.name)} "
                    f"AND column_name = {literal(name)};"
                ),
                locations=locations(column, table),
            )


# --------------------------------------------------------------------------------------------------
# house-naming-pattern


@rule("house-naming-pattern", category="house", severity=Severity.P2)
def house_naming_pattern(ctx: RuleContext) -> Iterator[Finding]:
    """A table, column, index or constraint name does not match the house naming pattern.

    ## What it does
    Matches names against the regular expressions `table-name-pattern`, `column-name-pattern`,
    `index-name-pattern` and `constraint-name-pattern` of `[tool.dbaudit.house]` (the whole name must
    match). Kinds without a pattern are not checked; without any pattern the rule does nothing.

    ## Why is this bad?
    Predictable names (`ix_<table>_<columns>`, `fk_<table>_<ref>`) make schemas searchable, let
    migrations be reviewed at a glance, and keep generated names from colliding.

    ## Example
    ```sql
    -- index-name-pattern = "^(ix|uq)_[a-z0-9_]+$"
    CREATE INDEX tagsbyname ON tags (name);
    ```

    ## Use instead
    ```sql
    ALTER INDEX tagsbyname RENAME TO ix_tags_name;
    ```

    ## Options
    - `table-name-pattern`, `column-name-pattern`, `index-name-pattern`, `constraint-name-pattern`

    ## References
    - https://www.postgresql.org/docs/current/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS
    """
    patterns = dict(ctx.option("house-naming-pattern", "patterns", {}) or {})
    compiled = {kind: re.compile(p) for kind, p in patterns.items()}
    for obj in named_objects(ctx.model) if compiled else ():
        pattern = compiled.get(obj.kind)
        if pattern is None or pattern.fullmatch(obj.name):
            continue
        yield house_naming_pattern.finding(
            objects=[obj.object_name],
            title=msg("{kind} {object_name} does not match the house {kind}-name-pattern",
                      kind=obj.kind, object_name=obj.object_name),
            evidence=[msg("{kind} name {obj!r} does not match {pattern!r}",
                          kind=obj.kind, obj=obj.name, pattern=pattern.pattern)],
            impact=msg("Names that break the convention are harder to find and review."),
            root_cause=msg("The object was named by hand or by a tool with other defaults."),
            locations=locations(obj.table) if obj.kind == "table" else (),
        )


# --------------------------------------------------------------------------------------------------
# house-timestamps-trigger


@rule("house-timestamps-trigger", category="house", severity=Severity.P2, fix="always",
      requires=("triggers",))
def house_timestamps_trigger(ctx: RuleContext) -> Iterator[Finding]:
    """A table with updated_at lacks the BEFORE UPDATE trigger the house conventions require.

    ## What it does
    With `[tool.dbaudit.house] timestamps-trigger = true`, every base table that has the
    `updated-at-column` (default `updated_at`) must have a BEFORE UPDATE row trigger that sets it.
    Unlike `updated-at-not-maintained`, an ORM `onupdate` does not count: the convention is that the
    database maintains the column for every writer.

    ## Why is this bad?
    Raw SQL, batch jobs, other services and manual fixes bypass ORM hooks; only a trigger keeps the
    column honest for all of them.

    ## Example
    ```sql
    CREATE TABLE tags (id bigint PRIMARY KEY, updated_at timestamptz NOT NULL DEFAULT now());
    ```

    ## Use instead
    ```sql
    CREATE OR REPLACE FUNCTION dbaudit_set_updated_at() RETURNS trigger LANGUAGE plpgsql AS
    $fn$ BEGIN NEW.updated_at := now(); RETURN NEW; END $fn$;
    CREATE TRIGGER tags_set_updated_at BEFORE UPDATE ON tags
        FOR EACH ROW EXECUTE FUNCTION dbaudit_set_updated_at();
    ```

    ## Options
    - `timestamps-trigger` (bool, default `false`), `updated-at-column` (default `"updated_at"`)

    ## References
    - https://www.postgresql.org/docs/current/plpgsql-trigger.html
    """
    if not ctx.option("house-timestamps-trigger", "enabled", False):
        return
    column = str(ctx.option("house-timestamps-trigger", "column", "updated_at"))
    for table in ctx.model.base_tables:
        col = table.column(column)
        if col is None or update_trigger(table, column) is not None:
            continue
        yield house_timestamps_trigger.finding(
            objects=[col_obj(table, column)],
            title=msg("{table} has {column} but no BEFORE UPDATE trigger maintaining it",
                      table=table.qualified_name, column=column),
            evidence=[describe(col), msg("no BEFORE UPDATE row trigger on {table} sets {column}",
                                         table=table.qualified_name, column=column),
                      msg("house rule timestamps-trigger = true")],
            impact=msg("Writers that bypass the ORM leave {column} stale.", column=column),
            root_cause=msg("The table was created without the project's standard update trigger."),
            fix_sql=updated_at_fix(table, column),
            verify_sql=triggers_query(table),
            locations=locations(col, table),
        )
