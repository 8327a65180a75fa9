"""Rules of the partitioning category: partitions ahead, creation paths, index alignment, ORM keys."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from dbaudit.findings import Finding, Severity
from dbaudit.messages import msg, sql_comment
from dbaudit.model.schema import Index, SchemaModel, Table, TableKind
from dbaudit.rules._code_facts import code_facts, resolve_table
from dbaudit.rules._indexing import (
    Locking,
    attach_sql,
    bounded_name,
    create_index_sql,
    identical,
    index_name,
    index_names_in,
    index_regclass,
    regclass,
    render,
    unique_name,
)
from dbaudit.rules.registry import RuleContext, rule
from dbaudit.sqltext import ident, literal, qualified

CATEGORY = "partitioning"
_DATE_TYPES = ("date", "timestamp", "timestamptz")
_RANGE = re.compile(r"FROM \((.+)\) TO \((.+)\)\s*$", re.I | re.S)


def _partitioned(model: SchemaModel) -> Iterator[Table]:
    yield from (t for t in model.tables if t.kind == TableKind.PARTITIONED_TABLE)


def _partitions_sql(table: Table) -> str:
    """Read-only: every partition of the table with its bound."""
    return (
        "SELECT c.oid::regclass AS partition, pg_get_expr(c.relpartbound, c.oid) AS bound\n"
        "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid\n"
        f"WHERE i.inhparent = {regclass(table)} ORDER BY 2;"
    )


# --- partitions-missing-ahead -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Bound:
    partition: Table
    lower: date
    upper: date


def _bound_value(text: str) -> date | None:
    value = text.strip()
    if value.upper() == "MINVALUE":
        return date.min
    if value.upper() == "MAXVALUE":
        return date.max
    match = re.match(r"'(\d{4}-\d{2}-\d{2})", value)
    return date.fromisoformat(match.group(1)) if match else None


def parse_range_bound(partition: Table) -> Bound | None:
    """``FOR VALUES FROM ('2025-01-01') TO ('2025-02-01')`` as dates; ``None`` when not a range."""
    match = _RANGE.search(partition.partition_bound or "")
    if not match:
        return None
    lower, upper = _bound_value(match.group(1)), _bound_value(match.group(2))
    if lower is None or upper is None:
        return None
    return Bound(partition, lower, upper)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, 1) if day.day == 1 else _clamp(year, month + 1, day.day)


def _clamp(year: int, month: int, day: int) -> date:
    for d in range(day, 27, -1):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    return date(year, month, 28)


def month_start(day: date) -> date:
    return day.replace(day=1)


def gaps(bounds: list[Bound], start: date, end: date) -> list[tuple[date, date]]:
    """Sub-intervals of ``[start, end)`` no partition covers, split at month boundaries."""
    out: list[tuple[date, date]] = []
    cursor = start
    for b in sorted(bounds, key=lambda b: b.lower):
        if b.upper <= cursor:
            continue
        if b.lower > cursor:
            out += _split_months(cursor, min(b.lower, end))
        cursor = max(cursor, b.upper)
        if cursor >= end:
            break
    if cursor < end:
        out += _split_months(cursor, end)
    return [(a, b) for a, b in out if a < b]


def _split_months(start: date, end: date) -> list[tuple[date, date]]:
    out = []
    cursor = start
    while cursor < end:
        nxt = min(add_months(month_start(cursor), 1), end)
        out.append((cursor, nxt))
        cursor = nxt
    return out


def _today(ctx: RuleContext, rule_id: str) -> date:
    value = ctx.option(rule_id, "today")
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value)
    return datetime.now(UTC).date()


def _range_key_is_date(table: Table) -> bool:
    part = table.partitioning
    if part is None or part.strategy != "RANGE" or len(part.columns) != 1:
        return False
    column = table.column(part.columns[0])
    return column is not None and column.type.name in _DATE_TYPES


@rule(
    "partitions-missing-ahead",
    category=CATEGORY,
    severity=Severity.P1,
    fix="always",
    requires=("partitions",),
)
def partitions_missing_ahead(ctx: RuleContext) -> Iterator[Finding]:
    """Date-range partitioned table without partitions for the coming months.

    ## What it does
    For a table partitioned `BY RANGE` on one `date`/`timestamp` column, checks that the
    partitions' bounds cover today through the next `months_ahead` (default 2) months. P1 without
    a DEFAULT partition (inserts fail), P2 with one (rows pile up in DEFAULT).
    Options: `months_ahead`, `today` (ISO date, for reproducible runs).

    ## Why is this bad?
    An insert whose key falls outside every partition fails with "no partition of relation found
    for row"; the day the job that creates partitions stops, ingestion stops with it.

    ## Example
    ```sql
    CREATE TABLE stats (collected_date date NOT NULL) PARTITION BY RANGE (collected_date);
    CREATE TABLE stats_2025_01 PARTITION OF stats FOR VALUES FROM ('2025-01-01') TO ('2025-02-01');
    ```

    ## Use instead
    ```sql
    CREATE TABLE stats_2025_02 PARTITION OF stats FOR VALUES FROM ('2025-02-01') TO ('2025-03-01');
    -- and a scheduled job (or pg_partman) that keeps N months ahead
    ```
    """
    rule_id = "partitions-missing-ahead"
    today = _today(ctx, rule_id)
    months = int(ctx.option(rule_id, "months_ahead", 2))
    for table in _partitioned(ctx.model):
        if not _range_key_is_date(table):
            continue
        partitions = ctx.model.partitions_of(table.qualified_name)
        bounds = [b for p in partitions if (b := parse_range_bound(p)) is not None]
        missing = gaps(bounds, today, add_months(today, months))
        if not missing:
            continue
        has_default = any((p.partition_bound or "").strip().upper() == "DEFAULT" for p in partitions)
        fix_gaps = gaps(bounds, month_start(today), add_months(month_start(today), months + 1))
        yield _ahead_finding(
            ctx.model,
            table,
            bounds=bounds,
            fix_gaps=fix_gaps,
            today=today,
            months=months,
            has_default=has_default,
        )


def _ahead_finding(
    model: SchemaModel,
    table: Table,
    *,
    bounds: list[Bound],
    fix_gaps: list[tuple[date, date]],
    today: date,
    months: int,
    has_default: bool,
) -> Finding:
    last = max(bounds, key=lambda b: b.upper, default=None)
    evidence = [
        msg("{table} PARTITION BY {key}",
            table=table.qualified_name, key=table.partitioning.key if table.partitioning else ''),
        msg("today {isoformat}, required coverage through {isoformat2}",
            isoformat=today.isoformat(), isoformat2=add_months(today, months).isoformat()),
        (
            msg("last partition {partition} {partition_bound}",
                partition=last.partition.qualified_name, partition_bound=last.partition.partition_bound)
            if last
            else msg("no range partitions")
        ),
        msg("DEFAULT partition present: out-of-range rows land there")
        if has_default
        else msg("no DEFAULT partition: out-of-range inserts fail"),
    ]
    days_left = (last.upper - today).days if last is not None and last.upper != date.max else None
    if last is not None and days_left is not None:
        evidence.insert(3, msg("{days_left} days until the last partition's upper bound ({isoformat})",
                               days_left=days_left, isoformat=last.upper.isoformat())
                        if days_left >= 0 else msg("the last partition ended {value} days ago ({isoformat})",
                                                   value=-days_left, isoformat=last.upper.isoformat()))
    return partitions_missing_ahead.finding(
        objects=[table.qualified_name],
        title=msg("{table} has no partitions for the next {months} months", table=table.qualified_name, months=months),
        evidence=evidence,
        impact=(
            msg("Rows land in the DEFAULT partition, which later blocks creating the real one.")
            if has_default
            else msg("Inserts with a key beyond the last bound fail: ingestion stops.")
        ),
        root_cause=msg("Partitions are created by hand or by a job that did not run far enough ahead."),
        fix_sql=_create_partitions_sql(model, table, fix_gaps, has_default),
        verify_sql=_partitions_sql(table),
        severity=Severity.P2 if has_default else Severity.P1,
        data={"last_bound": last.upper.isoformat() if last else None, "today": today.isoformat(),
              "days_left": days_left},
    )


def _create_partitions_sql(
    model: SchemaModel, table: Table, fix_gaps: list[tuple[date, date]], has_default: bool
) -> str:
    taken = index_names_in(model, table.schema)
    lines: list[str] = [
        sql_comment("-- CREATE TABLE ... PARTITION OF locks the parent briefly (ACCESS EXCLUSIVE); run it\n"
                    "-- ahead of time, and retry if the lock timeout expires."),
    ]
    if has_default:
        lines.append(sql_comment("-- With a DEFAULT partition, rows already there for these ranges must be moved "
                                 "first."))
    for lower, upper in fix_gaps:
        suffix = lower.strftime("%Y_%m") if lower.day == 1 else lower.strftime("%Y_%m_%d")
        name = unique_name(bounded_name(f"{table.name}_{suffix}"), taken)
        taken.add(name)
        lines.append(
            Locking(
                f"CREATE TABLE {qualified(table.schema, name)} PARTITION OF "
                f"{qualified(table.schema, table.name)}\n"
                f"    FOR VALUES FROM ({literal(lower.isoformat())}) TO ({literal(upper.isoformat())});"
            )
        )
    return render(lines)


# --- partition-created-by-trigger ---------------------------------------------------------------

_CREATES_PARTITION = re.compile(r"CREATE\s+TABLE[\s\S]*?PARTITION\s+OF|EXECUTE\s+format\s*\(\s*'CREATE\s+TABLE", re.I)


@rule(
    "partition-created-by-trigger",
    category=CATEGORY,
    severity=Severity.P2,
    fix="always",
    requires=("partitions", "triggers"),
)
def partition_created_by_trigger(ctx: RuleContext) -> Iterator[Finding]:
    """Partitions created by an INSERT trigger (and possibly also by the application).

    ## What it does
    Reports a `BEFORE INSERT` trigger on a partitioned table whose function creates tables
    (`CREATE TABLE ... PARTITION OF`, `EXECUTE format('CREATE TABLE ...`). When the code scan
    finds an application task that creates partitions too, both creation paths are named.

    ## Why is this bad?
    DDL inside the insert path takes locks on the parent during ordinary writes, fails under
    concurrency, and is invisible to migrations; with a second, application-side creation path
    the two drift (indexes, bounds, naming) and nobody knows which one is the source of truth.

    ## Example
    ```sql
    CREATE TRIGGER stats_partition_trigger BEFORE INSERT ON stats
        FOR EACH ROW EXECUTE FUNCTION create_stats_partition();
    ```

    ## Use instead
    ```sql
    DROP TRIGGER stats_partition_trigger ON stats;
    -- create partitions ahead of time from one scheduled job (see partitions-missing-ahead)
    ```
    """
    tasks = code_facts(ctx.inputs).partition_tasks
    for table in _partitioned(ctx.model):
        for trigger in table.triggers:
            if trigger.timing != "BEFORE" or "INSERT" not in trigger.events:
                continue
            if not _CREATES_PARTITION.search(trigger.function_source or ""):
                continue
            task_locations = [
                task.location
                for task in tasks
                if task.location and any(resolve_table(ctx.model, name) is table for name in task.tables)
            ]
            evidence = [
                msg("trigger {trigger}: BEFORE INSERT ON {table} EXECUTE FUNCTION {function}()",
                    trigger=trigger.name, table=table.qualified_name, function=trigger.function),
                msg("function {function} executes CREATE TABLE ... PARTITION OF", function=trigger.function),
                *(
                    msg("second creation path: application partition task at {path}:{line}",
                        path=loc.path, line=loc.line)
                    for loc in task_locations
                ),
            ]
            yield partition_created_by_trigger.finding(
                objects=[table.qualified_name],
                title=msg("Partitions of {table} are created by trigger {trigger}",
                          table=table.qualified_name, trigger=trigger.name),
                evidence=evidence,
                impact=(msg("Inserts run DDL and take locks on the parent; two creation paths drift apart.")),
                root_cause=msg("Partition management kept in a legacy trigger next to an application task."),
                fix_sql=render(
                    [
                        sql_comment("-- Make sure a scheduled job creates partitions ahead (partitions-missing-ahead)\n"
                                    "-- before removing the trigger; the function can be dropped afterwards."),
                        Locking(f"DROP TRIGGER {ident(trigger.name)} ON {qualified(table.schema, table.name)};"),
                    ]
                ),
                verify_sql=(
                    "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger\n"
                    f"WHERE tgrelid = {regclass(table)} AND NOT tgisinternal;"
                ),
                locations=[*([trigger.location] if trigger.location else []), *task_locations],
            )


# --- partition-index-misaligned -----------------------------------------------------------------


@rule(
    "partition-index-misaligned",
    category=CATEGORY,
    severity=Severity.P2,
    fix="sometimes",
    requires=("partitions",),
)
def partition_index_misaligned(ctx: RuleContext) -> Iterator[Finding]:
    """Partitioned index not present (or not attached) on every partition, or a partition-only unique index.

    ## What it does
    Reports an index of a partitioned table that is invalid because some partition has no
    attached index for it (created `ON ONLY` and never completed), and a unique index on one
    partition that the parent does not have.

    ## Why is this bad?
    The planner cannot use the parent index for partitions that lack it, new partitions do not
    inherit it consistently, and a partition-local unique index enforces uniqueness only within
    that partition while looking like a global rule.

    ## Example
    ```sql
    CREATE INDEX stats_day_idx ON ONLY stats (collected_date);  -- never attached
    ```

    ## Use instead
    ```sql
    CREATE INDEX CONCURRENTLY stats_2025_01_day_idx ON stats_2025_01 (collected_date);
    ALTER INDEX stats_day_idx ATTACH PARTITION stats_2025_01_day_idx;
    ```
    """
    for table in _partitioned(ctx.model):
        partitions = ctx.model.partitions_of(table.qualified_name)
        for index in table.indexes:
            if not index.valid:
                yield _unattached_finding(ctx.model, table, index, partitions)
        for part in partitions:
            for index in part.indexes:
                if index.unique and not any(identical(index, p) for p in table.indexes):
                    yield _extra_unique_finding(table, part, index)


def _unattached_finding(model: SchemaModel, parent: Table, index: Index, partitions: tuple[Table, ...]) -> Finding:
    lines: list[str] = []
    missing: list[str] = []
    for part in partitions:
        match = next((ix for ix in part.indexes if identical(ix, index)), None)
        if match is None:
            cols = [e.column or "expr" for e in index.elements]
            name = unique_name(index_name(part.name, cols), index_names_in(model, part.schema))
            missing.append(part.qualified_name)
            lines.append(
                create_index_sql(
                    part.schema,
                    part.name,
                    name,
                    index.elements,
                    unique=index.unique,
                    method=index.method,
                    predicate=index.predicate,
                    include=index.include,
                )
                + ";"
            )
        else:
            name = match.name
        lines.append(attach_sql(parent.schema, index.name, part.schema, name))
    return partition_index_misaligned.finding(
        objects=[f"{parent.schema}.{index.name}", parent.qualified_name],
        title=msg("Index {schema}.{index} is not attached on every partition", schema=parent.schema, index=index.name),
        evidence=[
            msg("{schema}.{index} on partitioned {parent} is invalid",
                schema=parent.schema, index=index.name, parent=parent.qualified_name),
            msg("partitions without an equivalent index: {value}",
                value=", ".join(missing) or msg("none (unattached)")),
        ],
        impact=msg("Queries on the partitions lacking it scan them; the parent index stays unusable."),
        root_cause=msg("CREATE INDEX ... ON ONLY without creating and attaching every partition's index."),
        fix_sql=render(
            [
                sql_comment("-- Build missing partition indexes concurrently, then attach each (attaching an\n"
                            "-- already-attached index is a no-op); the parent index turns valid at the end."),
                *lines,
            ]
        ),
        verify_sql=(
            "SELECT c.oid::regclass AS partition_without_index\n"
            "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid\n"
            f"WHERE i.inhparent = {regclass(parent)} AND NOT EXISTS (\n"
            "  SELECT 1 FROM pg_inherits ii JOIN pg_index x ON x.indexrelid = ii.inhrelid\n"
            f"  WHERE ii.inhparent = {index_regclass(parent.schema, index.name)} "
            "AND x.indrelid = c.oid);"
        ),
    )


def _extra_unique_finding(parent: Table, part: Table, index: Index) -> Finding:
    return partition_index_misaligned.finding(
        objects=[f"{part.schema}.{index.name}", part.qualified_name],
        title=msg("Partition {part} has unique index {index} its parent lacks",
                  part=part.qualified_name, index=index.name),
        evidence=[
            msg("{schema}.{index}: UNIQUE ({value})",
                schema=part.schema, index=index.name, value=', '.join(e.label for e in index.elements)),
            msg("no equivalent index on {parent}", parent=parent.qualified_name),
        ],
        impact=msg("Uniqueness holds only inside this partition; other partitions accept duplicates."),
        root_cause=msg("An index created on one partition by hand (or by a partition-creation path)."),
        verify_sql=(
            "SELECT indexrelid::regclass, pg_get_indexdef(indexrelid) FROM pg_index\n"
            f"WHERE indrelid = {regclass(part)} AND indisunique;"
        ),
    )


# --- partitioned-orm-key-mismatch ---------------------------------------------------------------


def _orm_table(orm: SchemaModel, table: Table) -> Table | None:
    found = orm.table(table.qualified_name)
    if found is not None:
        return found
    matches = [t for t in orm.tables if t.name == table.name]
    return matches[0] if len(matches) == 1 else None


@rule(
    "partitioned-orm-key-mismatch",
    category=CATEGORY,
    severity=Severity.P0,
    requires=("models", "partitions"),
)
def partitioned_orm_key_mismatch(ctx: RuleContext) -> Iterator[Finding]:
    """ORM primary key of a partitioned table does not include the partition key.

    ## What it does
    With the ORM models, reports a partitioned table whose mapped primary key lacks a partition
    key column (the database PK must include it, e.g. `(id, collected_date)`, the model says `id`).

    ## Why is this bad?
    Uniqueness of `id` alone is not enforced across partitions; two rows with the same `id` in
    different partitions are one object to the ORM's identity map, so reads and updates cross
    wires silently.

    ## Example
    ```python
    class Stat(Base):
        id = mapped_column(BigInteger, primary_key=True)
        collected_date = mapped_column(Date)  # partition key, not in the PK
    ```

    ## Use instead
    ```python
    class Stat(Base):
        id = mapped_column(BigInteger, primary_key=True)
        collected_date = mapped_column(Date, primary_key=True)
    ```
    """
    orm = ctx.inputs.get("models")
    if not isinstance(orm, SchemaModel):
        return
    for table in _partitioned(ctx.model):
        part = table.partitioning
        mapped = _orm_table(orm, table)
        if part is None or mapped is None or mapped.primary_key is None:
            continue
        orm_pk = mapped.primary_key.columns
        absent = [c for c in part.columns if c not in orm_pk]
        if absent:
            yield _orm_key_finding(table, mapped, absent)


def _orm_key_finding(table: Table, mapped: Table, absent: list[str]) -> Finding:
    orm_pk = mapped.primary_key.columns if mapped.primary_key else ()
    db_pk = table.primary_key.columns if table.primary_key else ()
    loc = (mapped.primary_key.location if mapped.primary_key else None) or mapped.location
    return partitioned_orm_key_mismatch.finding(
        objects=[table.qualified_name],
        title=(
            msg("ORM primary key ({orm_pk}) of partitioned {table} lacks partition key {absent}",
                orm_pk=', '.join(orm_pk), table=table.qualified_name, absent=', '.join(absent))
        ),
        evidence=[
            msg("database: PARTITION BY {key}; PRIMARY KEY ({value})",
                key=table.partitioning.key if table.partitioning else '', value=", ".join(db_pk) or msg("none")),
            msg("ORM: primary key ({orm_pk}){value}",
                orm_pk=', '.join(orm_pk), value=msg(" at {path}:{line}", path=loc.path, line=loc.line) if loc else ""),
        ],
        impact=msg("Rows sharing an id across partitions collide in the ORM identity map."),
        root_cause=msg("The database key was made composite for partitioning; the model was not updated."),
        verify_sql=(
            f"SELECT {', '.join(ident(c) for c in orm_pk)}, count(*) FROM "
            f"{qualified(table.schema, table.name)}\n"
            f"GROUP BY {', '.join(ident(c) for c in orm_pk)} HAVING count(*) > 1 LIMIT 10;"
        ),
        locations=[loc] if loc else [],
        data={"table": table.qualified_name, "orm_primary_key": orm_pk, "partition_columns": tuple(absent)},
    )
