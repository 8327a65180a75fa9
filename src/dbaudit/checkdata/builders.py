"""The data check of each rule that has one, built from the finding's ``data`` and the model.

Every query here is read-only, quotes names through :mod:`dbaudit.sqltext`, and is written against a
*source* for the scanned table (the table, or a ``TABLESAMPLE`` of it) aliased ``c``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from dbaudit.checkdata.checks import CheckOptions, DataCheck, Source, builder, data_of
from dbaudit.findings import Finding
from dbaudit.model.schema import SchemaModel, Table
from dbaudit.sqltext import ident, literal, qualified

_TIME_TYPES = frozenset({"date", "timestamp", "timestamptz"})
# Columns that record when a row was written, best first (for growth rates).
_WRITTEN_AT = ("created_at", "inserted_at", "created_on", "created", "timestamp", "collected_at", "logged_at",
               "recorded_at", "occurred_at", "change_time", "event_time")
MAX_VALUES = 50  # distinct values listed by a "values" check


def tsql(table: Table) -> str:
    return qualified(table.schema, table.name)


def _table(model: SchemaModel, name: object) -> Table | None:
    return model.table(name) if isinstance(name, str) else None


def _names(value: object) -> tuple[str, ...]:
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return ()


def key_columns(table: Table) -> tuple[str, ...]:
    """Columns naming one row in sample output: the primary key, else the first unique key."""
    if table.primary_key is not None:
        return table.primary_key.columns
    return table.uniques[0].columns if table.uniques else ()


def key_json(table: Table, alias: str, extra: Sequence[tuple[str, str]] = ()) -> str:
    """A JSON object (as text) naming a row: its key columns, then ``extra`` (label, SQL expression)."""
    pairs = [(c, f"{alias}.{ident(c)}") for c in key_columns(table)]
    pairs += [(label, expr) for label, expr in extra if label not in {p[0] for p in pairs}]
    if not pairs:
        return "NULL::text"
    return "jsonb_build_object(" + ", ".join(f"{literal(k)}, {v}" for k, v in pairs) + ")::text"


def row_check(
    *, from_: Callable[[Source], str], condition: str, key: str
) -> tuple[Callable[[Source], str], Callable[[Source, int], str]]:
    """Count and sample queries for "rows of FROM matching a condition"."""

    def count(source: Source) -> str:
        return (f"SELECT count(*) FILTER (WHERE {condition}) AS problems, count(*) AS scanned, "
                f"NULL::jsonb AS detail FROM {from_(source)}")

    def sample(source: Source, limit: int) -> str:
        return f"SELECT {key} AS k FROM {from_(source)} WHERE {condition} ORDER BY 1 LIMIT {int(limit)}"

    return count, sample


# --- orphans (fk-missing, fk-not-validated) ---------------------------------------------------------


@builder("fk-missing", "fk-not-validated")
def orphans(finding: Finding, model: SchemaModel, options: CheckOptions) -> DataCheck | None:
    """Rows whose key matches no parent row (MATCH SIMPLE: a row with a NULL key column is fine)."""
    data = data_of(finding)
    table, ref = _table(model, data.get("table")), _table(model, data.get("ref_table"))
    columns, ref_columns = _names(data.get("columns")), _names(data.get("ref_columns"))
    if table is None or ref is None or not columns or len(columns) != len(ref_columns):
        return None
    join = " AND ".join(f"p.{ident(r)} = c.{ident(c)}" for c, r in zip(columns, ref_columns, strict=True))
    not_null = " AND ".join(f"c.{ident(c)} IS NOT NULL" for c in columns)
    count, sample = row_check(
        from_=lambda src: f"{src} LEFT JOIN {tsql(ref)} AS p ON {join}",
        condition=f"{not_null} AND p.{ident(ref_columns[0])} IS NULL",
        key=key_json(table, "c", [(c, f"c.{ident(c)}") for c in columns]),
    )
    cleanup = (f"DELETE FROM {tsql(table)} AS c WHERE {not_null} "
               f"AND NOT EXISTS (SELECT 1 FROM {tsql(ref)} AS p WHERE {join});")
    return DataCheck(finding.rule, finding.objects, "orphans", table, "orphan rows", count, sample,
                     blocks_fix=True, cleanup_sql=cleanup)


# --- inconsistent redundant columns -------------------------------------------------------------------


@builder("redundant-column-without-consistency")
def inconsistent(finding: Finding, model: SchemaModel, options: CheckOptions) -> DataCheck | None:
    """Rows whose copied column disagrees with the parent row reached through the foreign key."""
    data = data_of(finding)
    table, parent = _table(model, data.get("table")), _table(model, data.get("ref_table"))
    names = [data.get(k) for k in ("key", "column", "ref_key", "parent_column")]
    if table is None or parent is None or not all(isinstance(n, str) for n in names):
        return None
    key, column, ref_key, parent_column = (str(n) for n in names)
    count, sample = row_check(
        from_=lambda src: f"{src} JOIN {tsql(parent)} AS p ON p.{ident(ref_key)} = c.{ident(key)}",
        condition=f"p.{ident(parent_column)} <> c.{ident(column)}",
        key=key_json(table, "c", [(key, f"c.{ident(key)}"), (column, f"c.{ident(column)}"),
                                  (f"{parent.name}.{parent_column}", f"p.{ident(parent_column)}")]),
    )
    cleanup = (f"UPDATE {tsql(table)} AS c SET {ident(column)} = p.{ident(parent_column)} FROM {tsql(parent)} AS p "
               f"WHERE p.{ident(ref_key)} = c.{ident(key)} AND p.{ident(parent_column)} <> c.{ident(column)};")
    return DataCheck(finding.rule, finding.objects, "inconsistent", table, "inconsistent rows", count, sample,
                     blocks_fix=True, cleanup_sql=cleanup)


# --- ids repeated across partitions --------------------------------------------------------------------


@builder("partitioned-orm-key-mismatch")
def repeated_ids(finding: Finding, model: SchemaModel, options: CheckOptions) -> DataCheck | None:
    """Values of the ORM's key that several rows share (in different partitions): one object to the ORM."""
    data = data_of(finding)
    table = _table(model, data.get("table"))
    keys = _names(data.get("orm_primary_key"))
    if table is None or not keys:
        return None
    cols = ", ".join(f"c.{ident(k)}" for k in keys)

    def count(source: Source) -> str:
        return (f"SELECT count(*) FILTER (WHERE n > 1) AS problems, coalesce(sum(n), 0) AS scanned, "
                f"NULL::jsonb AS detail FROM (SELECT count(*) AS n FROM {source} GROUP BY {cols}) AS g")

    def sample(source: Source, limit: int) -> str:
        where = "c.tableoid::regclass::text"
        obj = ", ".join(f"{literal(k)}, c.{ident(k)}" for k in keys)
        return (f"SELECT jsonb_build_object({obj}, 'rows', count(*), 'partitions', "
                f"jsonb_agg(DISTINCT {where} ORDER BY {where}))::text AS k FROM {source} "
                f"GROUP BY {cols} HAVING count(*) > 1 ORDER BY 1 LIMIT {int(limit)}")

    # A sample almost never holds both rows of a pair: only a full scan can count them.
    return DataCheck(finding.rule, finding.objects, "repeated-ids", table, "ids shared by several rows",
                     count, sample, samplable=False)


# --- values near a column's length limit -------------------------------------------------------------


@builder("secret-in-bounded-varchar")
def near_limit(finding: Finding, model: SchemaModel, options: CheckOptions) -> DataCheck | None:
    """Rows whose value is within ``near_limit_percent`` of the column's length limit."""
    data = data_of(finding)
    table, column, limit = _table(model, data.get("table")), data.get("column"), data.get("column_limit")
    if table is None or not isinstance(column, str) or not isinstance(limit, int) or limit <= 0:
        return None
    threshold = max(1, math.ceil(limit * (1 - options.near_limit_percent / 100)))
    length = f"length(c.{ident(column)})"

    def count(source: Source) -> str:
        return (f"SELECT count(*) FILTER (WHERE {length} >= {threshold}) AS problems, count(*) AS scanned, "
                f"jsonb_build_object('longest', max({length}), 'limit', {limit}, 'threshold', {threshold}) AS detail "
                f"FROM {source}")

    def sample(source: Source, n: int) -> str:
        return (f"SELECT {key_json(table, 'c', [('length', length)])} AS k FROM {source} "
                f"WHERE {length} >= {threshold} ORDER BY 1 LIMIT {int(n)}")

    return DataCheck(finding.rule, finding.objects, "near-limit", table,
                     f"values within {options.near_limit_percent:g}% of the limit", count, sample)


# --- NULLs in a column about to become NOT NULL -------------------------------------------------------


@builder("nullable-with-default")
def nulls(finding: Finding, model: SchemaModel, options: CheckOptions) -> DataCheck | None:
    data = data_of(finding)
    table, column = _table(model, data.get("table")), data.get("column")
    if table is None or not isinstance(column, str):
        return None
    count, sample = row_check(from_=lambda src: f"{src}", condition=f"c.{ident(column)} IS NULL",
                              key=key_json(table, "c"))
    cleanup = f"UPDATE {tsql(table)} SET {ident(column)} = DEFAULT WHERE {ident(column)} IS NULL;"
    return DataCheck(finding.rule, finding.objects, "nulls", table, "NULL rows", count, sample,
                     blocks_fix=True, cleanup_sql=cleanup)


# --- values in use of a status-like column -------------------------------------------------------------


@builder("status-without-check")
def values_in_use(finding: Finding, model: SchemaModel, options: CheckOptions) -> DataCheck | None:
    """The distinct values in use (what a CHECK must allow); rows outside the models'/code's values."""
    data = data_of(finding)
    table, column = _table(model, data.get("table")), data.get("column")
    if table is None or not isinstance(column, str):
        return None
    known = _names(data.get("values"))
    outside = (f"sum(n) FILTER (WHERE v IS NOT NULL AND NOT (v = ANY (ARRAY[{', '.join(literal(v) for v in known)}]"
               "::text[])))") if known else "0"

    def count(source: Source) -> str:
        return (
            f"SELECT coalesce({outside}, 0) AS problems, coalesce(sum(n), 0) AS scanned, "
            "jsonb_build_object('distinct', count(*), 'values', coalesce(jsonb_agg(jsonb_build_array(v, n) "
            f"ORDER BY n DESC, v) FILTER (WHERE r <= {MAX_VALUES}), '[]'::jsonb)) AS detail "
            f"FROM (SELECT c.{ident(column)}::text AS v, count(*) AS n, "
            f"row_number() OVER (ORDER BY count(*) DESC, c.{ident(column)}::text) AS r "
            f"FROM {source} GROUP BY 1) AS g"
        )

    return DataCheck(finding.rule, finding.objects, "values", table, "rows with values the code does not use",
                     count)


# --- sequences: share used and days to exhaustion --------------------------------------------------------


def written_at(table: Table) -> str | None:
    """The column that records when a row was written, if the table has one."""
    by_name = {c.name: c for c in table.columns if c.type.name in _TIME_TYPES and not c.type.array_dims}
    return next((name for name in _WRITTEN_AT if name in by_name), None)


@builder("int4-key-overflow-risk")
def sequence_usage(finding: Finding, model: SchemaModel, options: CheckOptions) -> DataCheck | None:
    """Share of the key's range used, and days left at the recent growth rate (rows or two snapshots)."""
    data = data_of(finding)
    table, column, column_max = _table(model, data.get("table")), data.get("column"), data.get("column_max")
    if table is None or not isinstance(column, str) or not isinstance(column_max, int):
        return None
    seq_name = data.get("sequence")
    seq = model.sequence(seq_name) if isinstance(seq_name, str) else None
    stamp = written_at(table)
    previous = options.previous_sequences.get(seq.qualified_name) if seq is not None else None
    col = f"c.{ident(column)}"

    def count(source: Source) -> str:
        # The sequence relation itself: pg_sequences shows NULL until nextval() was called once after setval.
        last = (f"(SELECT last_value - CASE WHEN is_called THEN 0 ELSE 1 END FROM {qualified(seq.schema, seq.name)})"
                if seq is not None else f"(SELECT max({col}) FROM {source})")
        if previous is not None:
            rate = (f"(l.v - {int(previous[0])})::numeric / nullif(extract(epoch FROM now() - "
                    f"{literal(previous[1])}::timestamptz) / 86400.0, 0)")
            origin, recent, scanned = "'snapshots'", "", "NULL::bigint"
        elif stamp is not None:
            ts = f"c.{ident(stamp)}"
            recent = (f", newest AS (SELECT max({ts}) AS m FROM {source}), "
                      f"recent AS (SELECT (max({col}) - min({col}))::numeric AS used, "
                      f"extract(epoch FROM max({ts})::timestamptz - min({ts})::timestamptz) / 86400.0 AS days, "
                      f"count(*) AS n FROM {source}, newest WHERE {ts} >= newest.m - interval '30 days')")
            rate = "(SELECT used / nullif(days, 0) FROM recent)"
            origin, scanned = f"{literal('rows')}", "(SELECT n FROM recent)"
        else:
            rate, origin, recent, scanned = "NULL::numeric", "NULL::text", "", "NULL::bigint"
        return (
            f"WITH l AS (SELECT {last}::numeric AS v, {column_max}::numeric AS lim){recent}, "
            f"g AS (SELECT l.v, l.lim, {rate} AS per_day FROM l) "
            f"SELECT CASE WHEN 100.0 * coalesce(v, 0) / lim >= {options.used_percent} OR (per_day > 0 AND "
            f"(lim - coalesce(v, 0)) / per_day < {int(options.exhaustion_days)}) THEN 1 ELSE 0 END AS problems, "
            f"{scanned} AS scanned, jsonb_build_object('last_value', v, 'limit', lim, 'used_percent', "
            f"round(100.0 * coalesce(v, 0) / lim, 4), 'per_day', round(per_day, 2), 'days_left', "
            f"floor((lim - coalesce(v, 0)) / nullif(per_day, 0)), 'rate_from', {origin}, "
            f"'horizon_days', {int(options.exhaustion_days)}) AS detail FROM g"
        )

    return DataCheck(finding.rule, finding.objects, "sequence", table, "key range running out", count)


# --- partitions missing ahead: are rows arriving? ------------------------------------------------------


@builder("partitions-missing-ahead")
def partitions_ahead(finding: Finding, model: SchemaModel, options: CheckOptions) -> DataCheck | None:
    """Whether rows are being written (the newest key is recent): then the missing partitions will be hit."""
    data = data_of(finding)
    table = _table(model, finding.objects[0] if finding.objects else None)
    today, last_bound = data.get("today"), data.get("last_bound")
    if table is None or table.partitioning is None or not table.partitioning.columns or not isinstance(today, str):
        return None
    key = f"c.{ident(table.partitioning.columns[0])}"
    bound = f"{literal(last_bound)}::date" if isinstance(last_bound, str) else "NULL::date"
    day = f"{literal(today)}::date"

    def count(source: Source) -> str:
        return (
            f"SELECT CASE WHEN max({key}) >= {day} - {int(options.arriving_days)} THEN 1 ELSE 0 END AS problems, "
            f"NULL::bigint AS scanned, jsonb_build_object('newest', max({key})::text, 'last_bound', {bound}::text, "
            f"'days_left', {bound} - {day}, 'today', {day}::text) AS detail FROM {source}"
        )

    return DataCheck(finding.rule, finding.objects, "partitions-ahead", table, "rows arriving", count)


__all__ = ["key_columns", "key_json", "row_check", "written_at"]
