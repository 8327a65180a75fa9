"""Rules of the indexes category: coverage, duplicates, redundancy, dead weight, query shapes.

All comparisons are structural (see ``_indexing``): method, key elements with ordering, collation
and operator class, predicate, INCLUDE list and uniqueness. Partitions are judged through their
partitioned parent, whose indexes every partition inherits.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from dbaudit.findings import Finding, Severity
from dbaudit.messages import join, msg, sql_comment
from dbaudit.model.schema import ForeignKey, Index, IndexElement, Location, SchemaModel, Table, TableKind
from dbaudit.rules._code_facts import code_facts, resolve_table
from dbaudit.rules._index_plan import (
    CONSTRAINT_DUPLICATE,
    DUPLICATE,
    REDUNDANT,
    PlannedDrop,
    claimed,
    drop_plan,
    indexed_tables,
    planned_drop,
)
from dbaudit.rules._indexing import (
    audited_tables,
    backs_constraint,
    covering_index,
    create_index_plan,
    drop_index_sql,
    effective_indexes,
    identical,
    index_name,
    index_names_in,
    is_partitioned,
    is_prefix,
    normalize_predicate,
    recreate_index_sql,
    regclass,
    same_elements,
    skip_reason,
    sql_for_postgres,
    unique_name,
)
from dbaudit.rules._selectivity import LowSelectivity, low_selectivity, selectivity_unknown
from dbaudit.rules.registry import Rule, RuleContext, rule
from dbaudit.sqltext import ident, literal, qualified

CATEGORY = "indexes"


def _cols(columns: Sequence[str | None]) -> str:
    return ", ".join(c if c is not None else "(expression)" for c in columns)


def _describe(index: Index) -> str:
    text = f"{index.name}: {'UNIQUE ' if index.unique else ''}{index.method} ("
    text += ", ".join(e.label for e in index.elements) + ")"
    if index.include:
        text += f" INCLUDE ({', '.join(index.include)})"
    if index.predicate:
        text += f" WHERE {normalize_predicate(index.predicate)}"
    if index.constraint:
        text += f" [backs constraint {index.constraint}]"
    if not index.valid:
        text += " [INVALID]"
    return text


def _ix_object(table: Table, index: Index) -> str:
    return f"{table.schema}.{index.name}"


def _index_lookup_sql(table: Table, index: Index) -> str:
    """Read-only query showing an index's definition, validity and usage."""
    return (
        "SELECT i.indexrelid::regclass AS index, pg_get_indexdef(i.indexrelid) AS definition,\n"
        "       i.indisvalid AS valid, s.idx_scan AS scans,\n"
        "       pg_size_pretty(pg_relation_size(i.indexrelid)) AS size\n"
        "FROM pg_index i LEFT JOIN pg_stat_all_indexes s ON s.indexrelid = i.indexrelid\n"
        f"WHERE i.indrelid = {regclass(table)}\n"
        f"  AND i.indexrelid::regclass::text = {literal(qualified(table.schema, index.name))};"
    )


def _table_indexes_sql(table: Table) -> str:
    return (
        "SELECT indexrelid::regclass AS index, pg_get_indexdef(indexrelid) AS definition,\n"
        "       indisunique AS unique, indisvalid AS valid\n"
        f"FROM pg_index WHERE indrelid = {regclass(table)} ORDER BY 1;"
    )


# --- fk-without-index ---------------------------------------------------------------------------


@rule("fk-without-index", category=CATEGORY, severity=Severity.P1, fix="always")
@sql_for_postgres
def fk_without_index(ctx: RuleContext) -> Iterator[Finding]:
    """Foreign key without an index on its referencing columns.

    ## What it does
    Reports a foreign key whose columns are not, as a set, the leading key columns of a valid btree
    index on the referencing table (primary-key and unique indexes count). A partial index whose
    predicate is only `fk_col IS NOT NULL` counts: the referential checks look rows up by
    `fk_col = $1`, which implies it (check with `EXPLAIN SELECT 1 FROM ONLY child WHERE fk_col = 1`).
    The evidence names every index on the columns that was not counted, and why (invalid, partial
    on another predicate, not a btree, an expression key). On a partitioned table the parent's
    indexes are judged.

    ## Why is this bad?
    Every `DELETE` or key `UPDATE` on the referenced table looks up referencing rows; without an
    index that is a sequential scan of the child table under a lock, and joins from the parent to
    the child cannot use an index. An index whose leading column is another column does not help.

    ## Example
    ```sql
    CREATE TABLE instance_tags (
        instance_id int REFERENCES instances,
        tag_id int REFERENCES tags,
        PRIMARY KEY (instance_id, tag_id)  -- covers instance_id, not tag_id
    );
    ```

    ## Use instead
    ```sql
    CREATE INDEX CONCURRENTLY instance_tags_tag_id_idx ON instance_tags (tag_id);
    ```

    ## Known problems
    A tiny, never-deleted-from lookup table may not need the index; suppress the finding per object.

    ## References
    - https://www.postgresql.org/docs/current/ddl-constraints.html#DDL-CONSTRAINTS-FK
    """
    for table in audited_tables(ctx.model):
        for fk in table.foreign_keys:
            if covering_index(table, fk.columns) is None:
                yield _fk_finding(ctx.model, table, fk)


def _fk_finding(model: SchemaModel, table: Table, fk: ForeignKey) -> Finding:
    leading = sorted({ix.elements[0].column or "(expression)" for ix in effective_indexes(table) if ix.elements})
    evidence = [
        msg("FK {fk}: {table}({columns}) -> {ref_qualified}({ref_columns}) ON DELETE {on_delete}",
            fk=fk.name, table=table.qualified_name, columns=', '.join(fk.columns), ref_qualified=fk.ref_qualified,
            ref_columns=', '.join(fk.ref_columns), on_delete=fk.on_delete.value),
        msg("no valid btree index (full, or partial on these columns IS NOT NULL) has these columns as its leading "
            "keys"),
        msg("leading columns of existing indexes: {value}", value=', '.join(leading) or 'none'),
        *_skipped_indexes(table, fk.columns),
    ]
    if is_partitioned(table):
        evidence.append(msg("partitioned table: judged on the parent's indexes"))
    elements = tuple(IndexElement(column=c) for c in fk.columns)
    return fk_without_index.finding(
        objects=[f"{table.qualified_name}.{c}" for c in fk.columns],
        title=msg("FK {table}({columns}) has no supporting index",
                  table=table.qualified_name, columns=', '.join(fk.columns)),
        evidence=evidence,
        impact=(
            msg("Deletes/updates of {ref_qualified} keys scan {table} sequentially, and joins or filters from the "
                "parent side cannot use an index.",
                ref_qualified=fk.ref_qualified, table=table.qualified_name)
        ),
        root_cause=msg("The FK was declared without an index on the referencing columns."),
        fix_sql=create_index_plan(model, table, elements),
        verify_sql=_fk_verify_sql(table, fk.columns),
        locations=[fk.location] if fk.location else [],
    )


def _skipped_indexes(table: Table, columns: Sequence[str]) -> list[str]:
    """An evidence line per index that involves the FK columns but was not counted, saying why."""
    out = []
    for index in effective_indexes(table):
        lead = index.elements[: len(columns)]
        involved = any(e.column in columns or _mentions_any(e.expression, columns) for e in lead)
        reason = skip_reason(index, columns) if involved else None
        if reason is not None:
            out.append(f"index {index.name} skipped: {reason}")
    return out


def _mentions_any(expression: str | None, columns: Sequence[str]) -> bool:
    return any(_mentions(expression, c) for c in columns)


def _fk_verify_sql(table: Table, columns: Sequence[str]) -> str:
    """Returns one row while no valid btree has exactly these columns as its leading keys."""
    names = ", ".join(literal(c) for c in columns)
    rel = regclass(table)
    # how pg_get_expr prints a partial index on the column(s) IS NOT NULL, which also covers the FK
    terms = [f"({ident(c)} IS NOT NULL)" for c in columns]
    if len(terms) > 1:
        terms.append(f"({' AND '.join(terms)})")
    accepted = ", ".join(literal(t) for t in terms)
    return (
        f"SELECT {literal(table.qualified_name)} AS table_name, ARRAY[{names}] AS fk_columns\n"
        "WHERE NOT EXISTS (\n"
        "  SELECT 1 FROM pg_index i\n"
        "  JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam\n"
        f"  WHERE i.indrelid = {rel} AND i.indisvalid\n"
        f"    AND (i.indpred IS NULL OR pg_get_expr(i.indpred, i.indrelid) = ANY (ARRAY[{accepted}]::text[]))\n"
        "    AND am.amname = 'btree'\n"
        f"    AND (SELECT array_agg(k ORDER BY k) FROM unnest(i.indkey[0:{len(columns) - 1}]) k)\n"
        "      = (SELECT array_agg(a.attnum ORDER BY a.attnum) FROM pg_attribute a\n"
        f"         WHERE a.attrelid = {rel} AND a.attname = ANY (ARRAY[{names}]::text[])));"
    )


# --- duplicate-index / redundant-index / index-duplicates-constraint ----------------------------


@rule("duplicate-index", category=CATEGORY, severity=Severity.P2, fix="sometimes")
@sql_for_postgres
def duplicate_index(ctx: RuleContext) -> Iterator[Finding]:
    """Two indexes that serve the same queries.

    ## What it does
    Reports an index equivalent to another on the same table: same method, same predicate, same
    INCLUDE columns and the same key elements (columns or expressions, collation, operator class,
    ordering), where a btree read backwards counts as the same ordering: `(a)` and `(a DESC)`,
    `(a, b)` and `(a DESC, b DESC)` are equivalent, `(a, b DESC)` and `(a, b)` are not. A unique
    index duplicated by a non-unique one is reported too. The stronger index is kept: primary key,
    constraint-backed, unique, NULLS NOT DISTINCT, attached to the parent's partitioned index, then
    the first by name; a unique index is never dropped in favour of a non-unique one.

    On a partition, a hand-made copy of an index the partition inherits from its partitioned
    parent is reported (the inherited one cannot be dropped alone); the partitions of one parent
    are reported together.

    ## Why is this bad?
    Every write maintains both copies, they double the disk and cache footprint and vacuum work,
    and the planner gains nothing from the second one.

    ## Example
    ```sql
    CREATE INDEX ix_orders_customer ON orders (customer_id);
    CREATE INDEX orders_customer_id_idx ON orders (customer_id DESC);
    ```

    ## Use instead
    ```sql
    DROP INDEX CONCURRENTLY orders_customer_id_idx;
    ```

    ## Known problems
    When two constraints (say a primary key and a unique constraint) have the same keys the
    finding has no fix: a foreign key may depend on either, so drop the constraint on purpose.
    An index that this rule drops is not reported again by `redundant-index`,
    `low-selectivity-index` or `unused-index`.
    """
    yield from _plan_findings(
        ctx, DUPLICATE, _duplicate_finding, (msg("duplicates"), msg("duplicate another index of their partition"))
    )


def _plan_findings(
    ctx: RuleContext, rule_id: str, single: Callable[[Table, PlannedDrop], Finding], verb: tuple[str, str]
) -> Iterator[Finding]:
    """The findings of one rule's part of the drop plan; partitions of one parent become one finding."""
    model = ctx.model
    by_parent: dict[str, list[tuple[Table, PlannedDrop]]] = {}
    for table in indexed_tables(model):
        for drop in drop_plan(model, table).values():
            if drop.rule != rule_id:
                continue
            if table.kind is TableKind.PARTITION and table.partition_of and model.table(table.partition_of):
                by_parent.setdefault(table.partition_of, []).append((table, drop))
            else:
                yield single(table, drop)
    for parent_name, items in by_parent.items():
        parent = model.table(parent_name)
        assert parent is not None
        yield _partitions_finding(REGISTRY_RULES[rule_id], parent, items, verb)


def _partitions_finding(
    rule_: Rule, parent: Table, items: list[tuple[Table, PlannedDrop]], verb: tuple[str, str]
) -> Finding:
    """One finding for the partitions of ``parent``; ``verb`` is (singular for the evidence, plural
    phrase for the title)."""
    parts = sorted({t.qualified_name for t, _ in items})
    drops = [drop_index_sql(t, d.index) for t, d in items if d.droppable]
    evidence = [
        msg("{t}: {describe} {verb} {describe2}{value}",
            t=t.qualified_name, describe=_describe(d.index), verb=verb[0], describe2=_describe(d.keep),
            value=msg(" (attached to {index})", index=d.keep.parent_index) if d.keep.parent_index else "")
        for t, d in items
    ]
    return rule_.finding(
        objects=[_ix_object(t, d.index) for t, d in items],
        title=msg("{n_items} index(es) on {n_parts} partition(s) of {parent} {verb}",
                  n_items=len(items), n_parts=len(parts), parent=parent.qualified_name, verb=verb[1]),
        evidence=evidence,
        impact=msg("Every write to these partitions maintains indexes that add no access path."),
        root_cause=(
            msg("Indexes created on each partition by hand (or by a partition-creation script) besides the ones "
                "the partitions already have or inherit from the parent.")
        ),
        fix_sql="\n".join(drops) if drops else None,
        verify_sql=(
            "SELECT indrelid::regclass AS partition, indexrelid::regclass AS index, "
            "pg_get_indexdef(indexrelid) AS definition\n"
            "FROM pg_index WHERE indrelid IN ("
            + ", ".join(regclass(t) for t in _unique_tables(items))
            + ") ORDER BY 1, 2;"
        ),
    )


def _unique_tables(items: list[tuple[Table, PlannedDrop]]) -> list[Table]:
    return list({t.qualified_name: t for t, _ in items}.values())


def _duplicate_finding(table: Table, drop: PlannedDrop) -> Finding:
    dup, keep = drop.index, drop.keep
    what = msg("unique index ") if keep.unique and not dup.unique and not backs_constraint(keep) else ""
    evidence = [_describe(dup), _describe(keep)]
    if not same_elements(dup.elements, keep.elements):
        evidence.append(msg("a btree is read in both directions: the keys are the same, one scanned backwards"))
    if dup.unique != keep.unique:
        evidence.append(msg("{keep} enforces uniqueness and serves every lookup {dup} serves",
                            keep=keep.name, dup=dup.name))
    if not drop.droppable:
        evidence.append(msg("both back constraints: no DROP is generated (a foreign key may depend on either)"))
    return duplicate_index.finding(
        objects=[_ix_object(table, dup), _ix_object(table, keep)],
        title=msg("Index {schema}.{dup} duplicates {what}{keep} on {table}",
                  schema=table.schema, dup=dup.name, what=what, keep=keep.name, table=table.qualified_name),
        evidence=evidence,
        impact=msg("Writes maintain two indexes that serve the same queries; disk, cache and vacuum cost double."),
        root_cause=msg("The same index was created twice (often by an ORM index plus a migration)."),
        fix_sql=drop_index_sql(table, dup) if drop.droppable else None,
        verify_sql=_table_indexes_sql(table),
    )


@rule("redundant-index", category=CATEGORY, severity=Severity.P2, fix="always")
@sql_for_postgres
def redundant_index(ctx: RuleContext) -> Iterator[Finding]:
    """A btree index whose keys lead another index's keys.

    ## What it does
    Reports a non-unique btree index whose key elements are a strict leading prefix of another
    valid btree index (or of a primary-key/unique constraint's index) with the same predicate, or
    whose keys equal another index's keys that carries more INCLUDE columns (`(a)` beside
    `(a) INCLUDE (b)`). Elements compare exactly (column or expression, collation, operator class,
    ordering), except that a btree read backwards counts: `(a)` leads `(a DESC, b DESC)`.
    Its INCLUDE columns must be among the wider index's columns. On a partition, a hand-made
    index is judged against the partition's other indexes, inherited ones included.

    ## Why is this bad?
    Any query the short index serves, the wider one serves as well; the short index only costs
    write amplification, disk, cache and vacuum time.

    ## Example
    ```sql
    CREATE UNIQUE INDEX uq_current_account_sync ON account_permission (instance_id, db_type, username);
    CREATE INDEX idx_instance_dbtype ON account_permission (instance_id, db_type);
    ```

    ## Use instead
    ```sql
    DROP INDEX CONCURRENTLY idx_instance_dbtype;
    ```

    ## Known problems
    A much narrower index can still be faster for index-only scans of very wide composite
    indexes; check `idx_scan` before dropping. Unique indexes are never redundant (they enforce).
    Of a chain `(a)`, `(a, b)`, `(a, b, c)` the first two are reported and the widest is kept.
    """
    yield from _plan_findings(
        ctx, REDUNDANT, _redundant_finding,
        (msg("is covered by"), msg("are covered by a wider index of their partition"))
    )


def _redundant_finding(table: Table, drop: PlannedDrop) -> Finding:
    index, wider = drop.index, drop.keep
    equal_keys = len(index.elements) == len(wider.elements)
    relation = msg("has the keys of") if equal_keys else msg("is a leading prefix of")
    evidence = [_describe(index), _describe(wider)]
    if equal_keys:
        evidence.append(
            msg("{wider} has the same keys and INCLUDEs more columns: it serves every query {index} serves",
                wider=wider.name, index=index.name)
        )
    elif not is_prefix(index.elements, wider.elements):
        evidence.append(msg("a btree is read in both directions: the keys lead the wider index scanned backwards"))
    return redundant_index.finding(
        objects=[_ix_object(table, index), _ix_object(table, wider)],
        title=msg("Index {schema}.{index} {relation} {wider} on {table}",
                  schema=table.schema, index=index.name, relation=relation, wider=wider.name,
                  table=table.qualified_name),
        evidence=evidence,
        impact=msg("Every write maintains an index that adds no access path the wider one lacks."),
        root_cause=msg("A single-purpose index was kept after a wider composite or unique index."),
        fix_sql=drop_index_sql(table, index),
        verify_sql=_table_indexes_sql(table),
    )


@rule("index-duplicates-constraint", category=CATEGORY, severity=Severity.P2, fix="always")
@sql_for_postgres
def index_duplicates_constraint(ctx: RuleContext) -> Iterator[Finding]:
    """An index with exactly the keys of a primary-key or unique constraint's index.

    ## What it does
    Reports a valid index (unique or not) that does not back a constraint and has the same method,
    predicate (none) and key elements as the index behind a PRIMARY KEY, UNIQUE or EXCLUDE
    constraint; a btree read backwards counts as the same keys (`(id DESC)` beside the primary key
    `(id)`). A unique index `NULLS NOT DISTINCT` is kept beside a plain unique constraint (it
    enforces more).

    ## Why is this bad?
    The constraint's index already serves every lookup on these columns (and enforces
    uniqueness); the extra index doubles write and storage cost.

    ## Example
    ```sql
    CREATE TABLE tags (id int PRIMARY KEY, name varchar(50) UNIQUE);
    CREATE INDEX ix_tags_name ON tags (name);
    ```

    ## Use instead
    ```sql
    DROP INDEX CONCURRENTLY ix_tags_name;
    ```
    """
    yield from _plan_findings(
        ctx, CONSTRAINT_DUPLICATE, _constraint_dup_finding,
        (msg("duplicates constraint index"), msg("duplicate a constraint's index of their partition")),
    )


def _constraint_dup_finding(table: Table, drop: PlannedDrop) -> Finding:
    index, match = drop.index, drop.keep
    evidence = [_describe(index), _describe(match)]
    if not same_elements(index.elements, match.elements):
        evidence.append(msg("a btree is read in both directions: the keys are the same, one scanned backwards"))
    return index_duplicates_constraint.finding(
        objects=[_ix_object(table, index), f"{table.schema}.{match.constraint or match.name}"],
        title=(
            msg("Index {schema}.{index} duplicates constraint {value} on {table}",
                schema=table.schema, index=index.name, value=match.constraint or match.name,
                table=table.qualified_name)
        ),
        evidence=evidence,
        impact=msg("Writes maintain two indexes on the same keys; the constraint's index suffices."),
        root_cause=(
            msg("The column was declared both unique/primary and index=True (or the baseline dump kept both the "
                "constraint and a separate index).")
        ),
        fix_sql=drop_index_sql(table, index),
        verify_sql=_table_indexes_sql(table),
    )


REGISTRY_RULES: dict[str, Rule] = {
    DUPLICATE: duplicate_index,
    REDUNDANT: redundant_index,
    CONSTRAINT_DUPLICATE: index_duplicates_constraint,
}


# --- low-selectivity-index / invalid-index / unused-index ---------------------------------------


@rule("low-selectivity-index", category=CATEGORY, severity=Severity.P2, fix="always")
@sql_for_postgres
def low_selectivity_index(ctx: RuleContext) -> Iterator[Finding]:
    """A full single-column btree index on a column whose every value matches many rows.

    ## What it does
    Reports a non-partial, non-unique single-column btree index on a `boolean` column, or, when the
    planner's statistics exist (`pg_stats`, after ANALYZE), on a column whose most common values
    cover every row and where even the rarest value (and NULL, if any) matches at least 20% of the
    rows (a 3-valued, evenly spread `status`), on a table of at least 1,000 rows, when the index
    has not been scanned since the statistics reset. Without statistics a non-boolean column is
    not judged: its selectivity is unknown, and a note lists such indexes. Partial indexes are never
    reported.

    ## Why is this bad?
    Fetching a fifth or a third of a table through an index is slower than reading it
    sequentially, so the planner (rightly) does not use the index for such lookups, while every
    write still maintains it. When queries look for a rare value, a partial index on the columns
    they search (`WHERE NOT is_active`, `WHERE status = 'failed'`) is smaller and faster.

    ## Example
    ```sql
    CREATE INDEX ix_instance_accounts_active ON instance_accounts (is_active);
    CREATE INDEX ix_orders_status ON orders (status);  -- 'new' 34%, 'paid' 33%, 'shipped' 33%
    ```

    ## Use instead
    ```sql
    DROP INDEX CONCURRENTLY ix_instance_accounts_active;
    CREATE INDEX CONCURRENTLY ix_instance_accounts_instance_active
        ON instance_accounts (instance_id) WHERE is_active;
    ```

    ## Known problems
    Statistics describe the data at the last ANALYZE: a value that is common today may become
    rare later (a backlog that drains). An index that redundant-index or duplicate-index already
    drops is not reported again.
    """
    unknown: list[str] = []
    for table in audited_tables(ctx.model):
        for index in table.indexes:
            found = low_selectivity(table, index)
            if found is not None and planned_drop(ctx.model, table, index) is None:
                yield _low_selectivity_finding(table, index, found)
            elif found is None and selectivity_unknown(table, index):
                unknown.append(_ix_object(table, index))
    if unknown:
        shown = join("", [", ".join(unknown[:5]), msg(" and {n} more", n=len(unknown) - 5) if len(unknown) > 5 else ""])
        ctx.note("low-selectivity-index", msg("low-selectivity-index: {n_unknown} single-column index(es) on "
                                              "non-boolean columns not judged, their columns have no planner "
                                              "statistics (run ANALYZE): {shown}",
                                              n_unknown=len(unknown), shown=shown))


def _low_selectivity_finding(table: Table, index: Index, found: LowSelectivity) -> Finding:
    column = found.column
    rare = "NOT {c}" if not found.from_statistics else "{c} = <rare value>"
    partial = (
        sql_comment("-- If queries filter on a rare value, replace it with a partial index, e.g.\n")
        + " ".join(
            sql_comment("-- CREATE INDEX CONCURRENTLY ... ON {table} (<searched columns>) WHERE {predicate};",
                        table=qualified(table.schema, table.name),
                        predicate=rare.format(c=ident(column))).splitlines()
        )
        + "\n"
    )
    kind = msg("boolean column") if not found.from_statistics else msg("low-selectivity column")
    return low_selectivity_index.finding(
        objects=[_ix_object(table, index), f"{table.qualified_name}.{column}"],
        title=msg("Index {schema}.{index} is on {kind} {column}",
                  schema=table.schema, index=index.name, kind=kind, column=column),
        evidence=[_describe(index), *found.evidence],
        impact=msg("Every write maintains an index the planner rarely chooses."),
        root_cause=(
            msg("index=True on a flag column instead of a partial index for the rare value.")
            if not found.from_statistics
            else msg("An index on a status-like column whose values are all common; no lookup is selective.")
        ),
        fix_sql=partial + drop_index_sql(table, index),
        verify_sql=_selectivity_sql(table, column) if found.from_statistics else (
            f"SELECT {qualified_column(column)}, count(*) FROM {qualified(table.schema, table.name)} GROUP BY 1;"
        ),
    )


def _selectivity_sql(table: Table, column: str) -> str:
    """The planner's view of the column, read from pg_stats (no table scan)."""
    return (
        "SELECT n_distinct, null_frac, most_common_freqs FROM pg_stats\n"
        f"WHERE schemaname = {literal(table.schema)} AND tablename = {literal(table.name)} "
        f"AND attname = {literal(column)};"
    )


def qualified_column(column: str) -> str:
    return ident(column)


@rule("invalid-index", category=CATEGORY, severity=Severity.P1, fix="always", requires=("postgresql",))
def invalid_index(ctx: RuleContext) -> Iterator[Finding]:
    """An invalid index, left behind by a failed `CREATE INDEX CONCURRENTLY`.

    ## What it does
    Reports an index whose `pg_index.indisvalid` is false on a plain table or a partition.
    (Invalid indexes of partitioned parents are `partition-index-misaligned`.)

    ## Why is this bad?
    The planner never uses an invalid index, yet every write still maintains it; the index you
    believe speeds up (or protects) the table does neither.

    ## Example
    ```sql
    CREATE UNIQUE INDEX CONCURRENTLY ux_users_email ON users (email);  -- failed on a duplicate
    ```

    ## Use instead
    ```sql
    DROP INDEX CONCURRENTLY ux_users_email;
    CREATE UNIQUE INDEX CONCURRENTLY ux_users_email ON users (email);
    ```
    """
    for table in ctx.model.tables:
        if is_partitioned(table):
            continue
        for index in table.indexes:
            if not index.valid:
                yield _invalid_finding(table, index)


def _invalid_finding(table: Table, index: Index) -> Finding:
    drop = f"DROP INDEX CONCURRENTLY {qualified(table.schema, index.name)};"
    twin = next((ix for ix in table.indexes if ix.valid and identical(ix, index)), None)
    if twin is not None:
        # A valid identical index exists (a retried CONCURRENTLY build): only the leftover goes.
        fix = sql_comment("-- A valid identical index already serves this definition: drop the leftover only.\n") + drop
    else:
        fix = "\n".join(
            [
                sql_comment("-- Rebuild: drop the invalid index, then create it again concurrently (fix the\n"
                            "-- cause first, e.g. duplicate rows for a unique index)."),
                drop,
                recreate_index_sql(table, index) + ";",
            ]
        )
    return invalid_index.finding(
        objects=[_ix_object(table, index)],
        title=msg("Index {schema}.{index} is invalid", schema=table.schema, index=index.name),
        evidence=[_describe(index), msg("pg_index.indisvalid = false")],
        impact=msg("The index is maintained on every write but never used by queries."),
        root_cause=msg("CREATE INDEX CONCURRENTLY (or REINDEX CONCURRENTLY) failed or was cancelled."),
        fix_sql=fix,
        verify_sql=(
            # By name, not ::regclass: the query must still run once the index is dropped.
            "SELECT c.oid::regclass AS invalid_index FROM pg_index i\n"
            "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace\n"
            f"WHERE n.nspname = {literal(table.schema)} AND c.relname = {literal(index.name)} AND NOT i.indisvalid;"
        ),
    )


@rule(
    "unused-index",
    category=CATEGORY,
    severity=Severity.P2,
    fix="always",
    requires=("statistics",),
)
def unused_index(ctx: RuleContext) -> Iterator[Finding]:
    """An index that no query has used since statistics were last reset.

    ## What it does
    With activity statistics, reports a valid, non-unique index that backs no constraint and
    has `pg_stat_user_indexes.idx_scan = 0`, when the statistics cover long enough: at least 7 days
    (rule option `min-statistics-days`) since the later of `pg_stat_database.stats_reset` and
    `pg_postmaster_start_time()`. With younger statistics it reports nothing and says how long they
    cover; the evidence of each finding says it too.

    ## Why is this bad?
    An unused index costs write amplification, disk, cache and vacuum time for nothing.

    ## Example
    ```sql
    CREATE INDEX ix_orders_note ON orders (note);  -- idx_scan = 0 for months
    ```

    ## Use instead
    ```sql
    DROP INDEX CONCURRENTLY ix_orders_note;
    ```

    ## Options
    `min-statistics-days` (default 7): `[tool.dbaudit.rule-options.unused-index] min-statistics-days = 30`
    for an index used by a monthly report.

    ## Known problems
    Statistics are per server: an index used only on a replica, or only by a monthly report,
    shows zero scans here. Check the replicas before dropping.
    Empty tables, and tables no query has read since the reset (no sequential and no index
    scans), are skipped: their zeros say nothing. Partitioned tables are skipped (scans are counted per partition).
    """
    candidates = [
        (table, index)
        for table in ctx.model.tables
        if not (is_partitioned(table) or table.partition_of is not None or not _was_read(table))
        for index in table.indexes
        if index.scans == 0 and index.valid and not index.unique and not backs_constraint(index)
        # one DROP per index, and never the index another finding keeps (see _index_plan)
        and not claimed(ctx.model, table, index) and low_selectivity(table, index) is None
    ]
    if not candidates:
        return
    minimum = float(ctx.option("unused-index", "min-statistics-days", DEFAULT_MIN_STATISTICS_DAYS))
    source = ctx.model.source
    age = source.statistics_age_days
    if age is None or age < minimum:
        covered = msg("an unknown time") if age is None else _duration(age)
        ctx.note("unused-index", msg("unused-index: {n_candidates} index(es) show idx_scan = 0, but the statistics "
                                     "cover {covered} (minimum {minimum:g} days, rule option min-statistics-days): "
                                     "too short to call an index unused; not reported",
                                     n_candidates=len(candidates), covered=covered, minimum=minimum))
        return
    for table, index in candidates:
        yield _unused_finding(table, index, age, source.statistics_since)


DEFAULT_MIN_STATISTICS_DAYS = 7


def _duration(days: float) -> str:
    if days >= 1:
        return msg("{days:.1f} days", days=days)
    hours = days * 24
    return msg("{hours:.1f} hours", hours=hours) if hours >= 1 else msg("{minutes:.0f} minutes", minutes=hours * 60)


def _was_read(table: Table) -> bool:
    """Zero index scans mean something only on a table that queries have read at all."""
    stats = table.stats
    if stats is None:
        return False
    rows = max(stats.n_live_tup or 0, stats.rows_estimate or 0)
    return rows > 0 and (stats.seq_scan or 0) + (stats.idx_scan or 0) > 0


def _unused_finding(table: Table, index: Index, age: float, since: datetime | None) -> Finding:
    evidence = [_describe(index), msg("pg_stat_user_indexes.idx_scan = 0")]
    if index.size_bytes is not None:
        evidence.append(msg("size: {size_bytes} bytes", size_bytes=index.size_bytes))
    evidence.append(
        msg("the statistics cover {duration} (since {isoformat}: the later of pg_stat_database.stats_reset and the "
            "server start), on this server only: check the replicas before dropping",
            duration=_duration(age), isoformat=since.isoformat(timespec='minutes') if since else '?')
    )
    return unused_index.finding(
        objects=[_ix_object(table, index)],
        title=msg("Index {schema}.{index} has never been scanned", schema=table.schema, index=index.name),
        evidence=evidence,
        impact=msg("Writes, vacuum and storage pay for an index no query uses."),
        root_cause=msg("An index created speculatively, or for a query that no longer runs."),
        fix_sql=drop_index_sql(table, index),
        verify_sql=_index_lookup_sql(table, index),
    )


# --- code-scan rules ----------------------------------------------------------------------------

_TRGM_OPCLASSES = ("gin_trgm_ops", "gist_trgm_ops")


def _mentions(expression: str | None, column: str) -> bool:
    """The expression references the column (as PostgreSQL prints it: quoted only when needed)."""
    if expression is None:
        return False
    return re.search(rf"(?<![\w\"$]){re.escape(ident(column))}(?![\w\"$])", expression) is not None


def _has_trigram_index(table: Table, column: str) -> bool:
    for index in table.indexes:
        if not index.valid or index.predicate is not None:
            continue
        for e in index.elements:
            opclass = (e.opclass or "").rsplit(".", 1)[-1]
            mentions = e.column == column or _mentions(e.expression, column)
            if opclass in _TRGM_OPCLASSES and mentions:
                return True
    return False


@rule(
    "search-without-trigram-index",
    category=CATEGORY,
    severity=Severity.P1,
    fix="always",
    requires=(
        "postgresql",
        "code",
    ),
)
def search_without_trigram_index(ctx: RuleContext) -> Iterator[Finding]:
    """Leading-wildcard search on a column that has no trigram index.

    ## What it does
    From the code scan, reports `LIKE '%x%'`, `ILIKE '%x%'` or `.contains(x)` searches on a
    column that has no valid `gin_trgm_ops`/`gist_trgm_ops` index.

    ## Why is this bad?
    A btree cannot serve a pattern that starts with a wildcard, so every search scans the whole
    table (every partition of a partitioned one); latency grows linearly with the data.

    ## Example
    ```python
    query.filter(Instance.name.ilike(f"%{term}%"))
    ```

    ## Use instead
    ```sql
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE INDEX CONCURRENTLY instances_name_trgm_idx ON instances USING gin (name gin_trgm_ops);
    ```

    ## Known problems
    `CREATE EXTENSION` needs a privileged role; a prefix search or full-text search may be the
    better product decision.
    """
    seen: dict[tuple[str, str], list[Finding]] = {}
    for search in code_facts(ctx.inputs).searches:
        table = resolve_table(ctx.model, search.table)
        if table is None or table.column(search.column) is None:
            continue
        key = (table.qualified_name, search.column)
        if key in seen or _has_trigram_index(table, search.column):
            continue
        locations = [
            s.location
            for s in code_facts(ctx.inputs).searches
            if s.location and resolve_table(ctx.model, s.table) is table and s.column == search.column
        ]
        seen[key] = [_trigram_finding(ctx.model, table, search.column, search.kind, locations)]
    for findings in seen.values():
        yield from findings


def _trigram_finding(model: SchemaModel, table: Table, column: str, kind: str, locations: list[Location]) -> Finding:
    col = table.column(column)
    textual = col is not None and col.type.name in ("text", "varchar", "bpchar") and not col.type.array_dims
    # gin_trgm_ops indexes text; other types (jsonb searched as context::text) need an expression.
    element = (
        IndexElement(column=column, opclass="gin_trgm_ops")
        if textual
        else IndexElement(expression=f"({ident(column)})::text", opclass="gin_trgm_ops")
    )
    name = unique_name(index_name(table.name, [column], "trgm_idx"), index_names_in(model, table.schema))
    plan = create_index_plan(model, table, [element], name=name, method="gin", label=[column], suffix="trgm_idx")
    return search_without_trigram_index.finding(
        objects=[f"{table.qualified_name}.{column}"],
        title=msg("Leading-wildcard search on {table}.{column} without a trigram index",
                  table=table.qualified_name, column=column),
        evidence=[
            msg("{kind} search with a leading wildcard on {table}.{column}",
                kind=kind, table=table.qualified_name, column=column),
            msg("no valid gin_trgm_ops/gist_trgm_ops index on the column"),
            *[f"{loc.path}:{loc.line}" for loc in locations],
        ],
        impact=msg("Each search is a full scan; latency grows with the table."),
        root_cause=msg("No search strategy (trigram, full-text or prefix) matched to the query shape."),
        fix_sql="CREATE EXTENSION IF NOT EXISTS pg_trgm;\n" + plan,
        verify_sql=(
            f"EXPLAIN SELECT 1 FROM {qualified(table.schema, table.name)} "
            f"WHERE {qualified_column(column)}::text ILIKE '%abc%';"
        ),
        locations=locations,
    )


def _serves_latest(index: Index, keys: Sequence[str], time_column: str) -> bool:
    if not index.valid or index.method != "btree" or index.predicate is not None:
        return False
    n = len(keys)
    lead = index.elements[:n]
    if len(index.elements) <= n or any(e.column is None for e in lead):
        return False
    return {e.column for e in lead} == set(keys) and index.elements[n].column == time_column


@rule(
    "latest-row-without-index",
    category=CATEGORY,
    severity=Severity.P1,
    fix="always",
    requires=("code",),
)
@sql_for_postgres
def latest_row_without_index(ctx: RuleContext) -> Iterator[Finding]:
    """A "latest row per key" query without a `(key…, time DESC)` index.

    ## What it does
    From the code scan, reports `GROUP BY key… + max(time)` (or `DISTINCT ON`, window) queries
    on a table with no valid btree index whose leading keys are the grouping keys followed by the
    time column.

    ## Why is this bad?
    Without that index PostgreSQL aggregates every row (of every partition) and joins back,
    so the "latest" page gets slower as history grows.

    ## Example
    ```python
    select(Stat.instance_id, func.max(Stat.collected_at)).group_by(Stat.instance_id)
    ```

    ## Use instead
    ```sql
    CREATE INDEX CONCURRENTLY stats_instance_id_collected_at_idx
        ON stats (instance_id, collected_at DESC);
    -- and query with DISTINCT ON (instance_id) ... ORDER BY instance_id, collected_at DESC
    ```
    """
    done: set[tuple[str, tuple[str, ...], str]] = set()
    for query in code_facts(ctx.inputs).latest_rows:
        table = resolve_table(ctx.model, query.table)
        if table is None:
            continue
        key = (table.qualified_name, query.key_columns, query.time_column)
        if key in done:
            continue
        done.add(key)
        if any(_serves_latest(ix, query.key_columns, query.time_column) for ix in effective_indexes(table)):
            continue
        yield _latest_finding(ctx.model, table, query.key_columns, query.time_column, query.location)


def _latest_finding(
    model: SchemaModel,
    table: Table,
    keys: tuple[str, ...],
    time_column: str,
    location: Location | None,
) -> Finding:
    elements = (
        *(IndexElement(column=c) for c in keys),
        IndexElement(column=time_column, descending=True, nulls_first=True),
    )
    return latest_row_without_index.finding(
        objects=[table.qualified_name, *(f"{table.qualified_name}.{c}" for c in (*keys, time_column))],
        title=(
            msg("Latest-row query on {table} by ({keys}) has no ({keys}, {time_column} DESC) index",
                table=table.qualified_name, keys=', '.join(keys), time_column=time_column)
        ),
        evidence=[
            msg("query: latest {time_column} per ({keys}) on {table}",
                time_column=time_column, keys=', '.join(keys), table=table.qualified_name),
            msg("no valid btree index with leading keys ({keys}) followed by {time_column}",
                keys=', '.join(keys), time_column=time_column),
            *([msg("{path}:{line}", path=location.path, line=location.line)] if location else []),
        ],
        impact=msg("The query aggregates the whole table (all partitions) on every call."),
        root_cause=msg("Query shape and indexes were not designed for the latest-row access path."),
        fix_sql=create_index_plan(model, table, elements),
        verify_sql=(
            f"EXPLAIN SELECT DISTINCT ON ({', '.join(qualified_column(c) for c in keys)}) * FROM "
            f"{qualified(table.schema, table.name)} ORDER BY "
            f"{', '.join(qualified_column(c) for c in keys)}, {qualified_column(time_column)} DESC;"
        ),
        locations=[location] if location else [],
    )


@rule(
    "deep-offset-pagination",
    category=CATEGORY,
    severity=Severity.P2,
    fix="never",
    requires=("code",),
)
@sql_for_postgres
def deep_offset_pagination(ctx: RuleContext) -> Iterator[Finding]:
    """Pagination with an unbounded `OFFSET`.

    ## What it does
    From the code scan, reports `OFFSET` computed from a page number without an upper bound.

    ## Why is this bad?
    `OFFSET n` reads and discards `n` rows: page 10,000 reads 10,000 pages worth of rows, so deep
    pages (and crawlers that walk them) cost linear time.

    ## Example
    ```python
    query.offset((page - 1) * per_page).limit(per_page)
    ```

    ## Use instead
    ```python
    # keyset pagination: remember the last key of the previous page
    query.filter(Item.id > last_id).order_by(Item.id).limit(per_page)
    ```
    """
    for offset in code_facts(ctx.inputs).offsets:
        table = resolve_table(ctx.model, offset.table) if offset.table else None
        where = f"{offset.location.path}:{offset.location.line}" if offset.location else "code"
        objects = [table.qualified_name] if table else [where]
        yield deep_offset_pagination.finding(
            objects=objects,
            title=msg("Unbounded OFFSET pagination at {where}", where=where),
            evidence=[msg("OFFSET from a page number at {where}", where=where)],
            impact=msg("Deep pages read and discard every earlier row; cost grows with the page number."),
            root_cause=msg("Offset pagination instead of keyset (seek) pagination."),
            locations=[offset.location] if offset.location else [],
        )


# --- too-many-indexes ---------------------------------------------------------------------------

MAX_INDEXES = 15  # GitLab's limit per table; PostgreSQL <= 17 keeps 16 fast-path locks per backend
WRITE_HEAVY_INDEXES = 8
MIN_WRITES = 100_000


@dataclass(frozen=True)
class _Activity:
    """A table's write and read counters since the statistics reset (partitions summed), or None."""

    inserted: int
    updated: int
    hot_updated: int
    deleted: int
    index_scans: int
    table_bytes: int | None
    index_bytes: int | None

    @property
    def writes(self) -> int:
        return self.inserted + self.updated + self.deleted


def _activity(model: SchemaModel, table: Table) -> _Activity | None:
    parts = [p for p in model.partitions_of(table.qualified_name) if p.kind is TableKind.PARTITION]
    stats = [t.stats for t in (parts if is_partitioned(table) else [table])]
    if not stats or any(s is None or s.writes is None for s in stats):
        return None

    def total(values: list[int | None]) -> int | None:
        return None if any(v is None for v in values) else sum(v or 0 for v in values)

    known = [s for s in stats if s is not None]
    return _Activity(
        inserted=sum(s.n_tup_ins or 0 for s in known), updated=sum(s.n_tup_upd or 0 for s in known),
        hot_updated=sum(s.n_tup_hot_upd or 0 for s in known), deleted=sum(s.n_tup_del or 0 for s in known),
        index_scans=sum(s.idx_scan or 0 for s in known),
        table_bytes=total([s.table_bytes for s in known]), index_bytes=total([s.index_bytes for s in known]),
    )


@rule("too-many-indexes", category=CATEGORY, severity=Severity.P2)
def too_many_indexes(ctx: RuleContext) -> Iterator[Finding]:
    """Too many indexes on one table, or on a write-heavy one.

    ## What it does
    Reports, once per table (a partitioned table with its partitions' activity summed), a table
    with more than `max-indexes` indexes (rule option, default 15), whatever its activity; and,
    when activity statistics show it is write-heavy (at least `min-writes` rows written since the
    statistics reset, default 100,000, and more rows written than index scans), a table with at
    least `write-heavy-indexes` indexes (default 8) whose indexes are larger than its data. The
    evidence gives the index count, index and table sizes, rows inserted/updated/deleted, the share
    of HOT updates, and the least-scanned indexes. Without statistics, write-heaviness is unknown
    (a note names the tables it could not judge) and only the structural limit applies.

    ## Why is this bad?
    Every INSERT writes one entry per index, every UPDATE of an indexed column does too (and any
    indexed column changed makes the update non-HOT), and vacuum scans every index; a query locks
    every index of the tables it opens, and past 16 relations PostgreSQL (17 and older) leaves the
    fast-path lock slots, so busy tables with many indexes contend on the lock manager. Write
    latency, WAL volume and replication lag grow with each index.

    ## Example
    ```sql
    CREATE TABLE events (id bigint PRIMARY KEY, a int, b int, c int /* ... */);
    CREATE INDEX ON events (a); CREATE INDEX ON events (b); CREATE INDEX ON events (a, b);
    -- ... 16 indexes on a table written a million times a day
    ```

    ## Use instead
    ```sql
    -- Review the least-scanned indexes (pg_stat_user_indexes.idx_scan over weeks, on every
    -- replica), merge overlapping ones into composite or partial indexes, then drop the rest:
    DROP INDEX CONCURRENTLY events_b_idx;
    ```

    ## Known problems
    Which indexes to drop is a judgement on the queries, so no fix is generated; duplicate,
    redundant and unused indexes have their own findings with a DROP.
    """
    model = ctx.model
    limit = int(ctx.option("too-many-indexes", "max-indexes", MAX_INDEXES))
    heavy_limit = int(ctx.option("too-many-indexes", "write-heavy-indexes", WRITE_HEAVY_INDEXES))
    min_writes = int(ctx.option("too-many-indexes", "min-writes", MIN_WRITES))
    unknown: list[str] = []
    for table in audited_tables(model):
        count = len(table.indexes)
        if count < min(limit + 1, heavy_limit):
            continue
        activity = _activity(model, table)
        if count <= limit and (activity is None or activity.writes + activity.index_scans == 0):
            unknown.append(table.qualified_name)
        heavy = activity is not None and activity.writes >= max(min_writes, activity.index_scans)
        outweighs = (
            activity is not None and activity.index_bytes is not None and activity.table_bytes is not None
            and activity.index_bytes >= activity.table_bytes
        )
        if count > limit or (heavy and outweighs and count >= heavy_limit):
            yield _too_many_finding(table, activity, heavy, limit)
    if unknown:
        shown = join("", [", ".join(unknown[:5]), msg(" and {n} more", n=len(unknown) - 5) if len(unknown) > 5 else ""])
        ctx.note("too-many-indexes", msg("too-many-indexes: write-heaviness unknown for {n_unknown} table(s) with "
                                         "{heavy_limit} to {limit} indexes (no activity statistics): {shown}",
                                         n_unknown=len(unknown), heavy_limit=heavy_limit, limit=limit, shown=shown))


def _size(value: int | None) -> str:
    if value is None:
        return "unknown"
    mib = value / 1024 / 1024
    return f"{mib:,.1f} MiB" if mib >= 1 else f"{value:,} bytes"


def _too_many_finding(table: Table, activity: _Activity | None, heavy: bool, limit: int) -> Finding:
    constraints = sum(1 for ix in table.indexes if backs_constraint(ix))
    evidence = [msg("{n_indexes} indexes ({constraints} back constraints) on {table}",
                    n_indexes=len(table.indexes), constraints=constraints, table=table.qualified_name)]
    if activity is None or activity.writes == 0:
        evidence.append(msg("write activity unknown (no statistics, or none recorded since the reset): "
                            "write-heaviness not judged"))
    else:
        evidence.append(
            msg("since the statistics reset: {inserted:,} rows inserted, {updated:,} updated ({hot_updated:,} "
                "HOT), {deleted:,} deleted; {index_scans:,} index scans{value}",
                inserted=activity.inserted, updated=activity.updated, hot_updated=activity.hot_updated,
                deleted=activity.deleted, index_scans=activity.index_scans, value=" (write-heavy)" if heavy else "")
        )
        evidence.append(msg("indexes {size} vs table {size2}",
                            size=_size(activity.index_bytes), size2=_size(activity.table_bytes)))
    recorded = activity is not None and (activity.writes or activity.index_scans)
    scanned = sorted((ix for ix in table.indexes if not backs_constraint(ix) and ix.scans is not None),
                     key=lambda ix: (ix.scans or 0, ix.name))
    if scanned and recorded:
        evidence.append(
            msg("least-scanned indexes: {value}",
                value=", ".join(f"{ix.name} ({ix.scans:,} scans)" for ix in scanned[:5]))
        )
    reason = (
        msg("more than {limit} indexes", limit=limit) if len(table.indexes) > limit
        else msg("a write-heavy table whose indexes outweigh its data")
    )
    return too_many_indexes.finding(
        objects=[table.qualified_name],
        title=msg("{table} has {n_indexes} indexes ({reason})",
                  table=table.qualified_name, n_indexes=len(table.indexes), reason=reason),
        evidence=evidence,
        impact=(
            msg("Every write maintains every index: write latency, WAL, vacuum and lock-manager load grow with "
                "each one.")
        ),
        root_cause=msg("Indexes added one query at a time, never reviewed as a set."),
        verify_sql=(
            "SELECT s.indexrelname AS index, s.idx_scan AS scans,\n"
            "       pg_size_pretty(pg_relation_size(s.indexrelid)) AS size\n"
            "FROM pg_stat_all_indexes s JOIN pg_inherits i ON i.inhrelid = s.relid\n"
            f"WHERE i.inhparent = {regclass(table)}\nUNION ALL\n"
            "SELECT s.indexrelname, s.idx_scan, pg_size_pretty(pg_relation_size(s.indexrelid))\n"
            f"FROM pg_stat_all_indexes s WHERE s.relid = {regclass(table)}\nORDER BY 2, 1;"
        ),
    )
