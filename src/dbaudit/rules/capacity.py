"""Rules of the capacity category: forecasts from the running database (the statistics input).

Each rule reads :class:`~dbaudit.model.statistics.RuntimeStatistics` (the ``runtime`` input) and is
skipped with a note when the run has none (no live PostgreSQL, ``--no-stats``, or
``pg_stat_statements`` unavailable without ``--stats``). Numbers are forecasts or estimates and the
findings say so; thresholds are options.
"""

from __future__ import annotations

from collections.abc import Iterator

from dbaudit.findings import Finding, Severity
from dbaudit.messages import msg, sql_comment
from dbaudit.model.schema import SchemaModel
from dbaudit.model.statistics import BloatEstimate, SequenceGrowth, XidAge, runtime_statistics
from dbaudit.rules._framework import kind_word
from dbaudit.rules.registry import RuleContext, rule
from dbaudit.sqltext import literal, qualified_text

CATEGORY = "capacity"


def _size(value: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if abs(value) < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"


def growth_text(growth: SequenceGrowth) -> str:
    """``~1,234 ids/day (…): 321 days left`` for evidence, or why it is unknown."""
    if growth.per_day is None:
        return msg("growth unknown ({basis})", basis=growth.basis or msg("no dated rows to measure it"))
    days = growth.days_left
    left = msg("{days:,.0f} days left", days=days) if days is not None else msg("not advancing")
    return msg("~{per_day:,.0f} ids/day ({basis}): {left} at this rate (forecast)",
               per_day=growth.per_day, basis=growth.basis, left=left)


def _owner_object(model: SchemaModel, sequence: str) -> str:
    seq = model.sequence(sequence)
    if seq is not None and seq.owned_by_table and seq.owned_by_column:
        return f"{seq.owned_by_table}.{seq.owned_by_column}"
    return sequence


# --- sequence-exhaustion -----------------------------------------------------------------------------


@rule("sequence-exhaustion", category=CATEGORY, severity=Severity.P1, fix="sometimes", requires=("runtime",))
def sequence_exhaustion(ctx: RuleContext) -> Iterator[Finding]:
    """A sequence runs out within the forecast horizon at its measured growth rate.

    ## What it does
    For each narrow sequence (an `integer`/`smallint` key, or a maximum within 2^31), measures how
    fast it advances (ids per day between two dated rows of its table, read through the key's
    index) and forecasts the days left before it reaches its limit. Reports those that run out
    within `horizon_days` (default 365): P0 within 30 days, P1 within 180, P2 after.

    ## Why is this bad?
    The day the sequence reaches its maximum every insert fails ("nextval: reached maximum value"
    or "integer out of range"); widening a large key then means a table rewrite under pressure. Days
    left, not a percentage, say when the work must be done.

    ## Example
    ```sql
    CREATE TABLE events (id serial PRIMARY KEY, created_at timestamptz DEFAULT now());
    -- 1,700,000,000 ids used, ~2,000,000 new rows a day
    ```

    ## Use instead
    ```sql
    ALTER SEQUENCE events_id_seq AS bigint;   -- then widen the column (see int4-key-overflow-risk)
    ```
    """
    stats = runtime_statistics(ctx.inputs)
    if stats is None:
        return
    horizon = float(ctx.option("sequence-exhaustion", "horizon_days", 365))
    for growth in stats.sequences:
        days = growth.days_left
        if days is None or days > horizon:
            continue
        severity = Severity.P0 if days <= 30 else Severity.P1 if days <= 180 else Severity.P2
        obj = _owner_object(ctx.model, growth.sequence)
        yield sequence_exhaustion.finding(
            objects=[obj],
            title=msg("Sequence {sequence} runs out in ~{days:,.0f} days ({used:.1%} used)",
                      sequence=growth.sequence, days=days, used=growth.used),
            evidence=[
                msg("{sequence}: last_value {last_value:,} of {max_value:,} ({used:.2%} used)",
                    sequence=growth.sequence, last_value=growth.last_value, max_value=growth.max_value,
                    used=growth.used),
                growth_text(growth),
            ],
            impact=msg("When it reaches its limit every insert into the table fails until the key is widened."),
            root_cause=msg("A 32-bit key for a table that grows this fast."),
            fix_sql=(f"ALTER SEQUENCE {qualified_text(growth.sequence)} AS bigint;\n"
                     + sql_comment("-- and widen the key column and the columns that reference it "
                                   "(int4-key-overflow-risk)")),
            verify_sql=("SELECT schemaname, sequencename, last_value, max_value FROM pg_catalog.pg_sequences\n"
                        f"WHERE schemaname || '.' || sequencename = {literal(growth.sequence)};"),
            severity=severity,
            data={"days_left": round(days, 1), "per_day": round(growth.per_day or 0, 3)},
        )


# --- xid-wraparound-risk -----------------------------------------------------------------------------


@rule("xid-wraparound-risk", category=CATEGORY, severity=Severity.P1, fix="sometimes", requires=("runtime",))
def xid_wraparound_risk(ctx: RuleContext) -> Iterator[Finding]:
    """A database or table is far into its transaction-ID range: wraparound headroom is shrinking.

    ## What it does
    Reads the transaction-ID age of every database (`datfrozenxid`) and of the oldest tables of the
    audited schemas (`relfrozenxid`, their TOAST tables included) and reports those past
    `warn_percent` (default 50 %) of the 2^31 range: P1, P0 past `danger_percent` (default 75 %).
    Healthy autovacuum keeps ages near `autovacuum_freeze_max_age` (200 million by default, ~10 %).

    ## Why is this bad?
    When a database's age reaches about 2^31 - 3 million, PostgreSQL stops assigning transaction IDs
    and refuses every write until a manual VACUUM completes: an outage measured in hours on large
    tables. High ages mean freezing is blocked (long transactions, abandoned replication slots or
    prepared transactions) or too slow.

    ## Example
    ```text
    age(datfrozenxid) = 1,400,000,000   -- 65 % of the range
    ```

    ## Use instead
    ```sql
    VACUUM (FREEZE, VERBOSE) the_oldest_table;   -- after removing what blocks freezing
    ```
    """
    stats = runtime_statistics(ctx.inputs)
    if stats is None:
        return
    warn = float(ctx.option("xid-wraparound-risk", "warn_percent", 50)) / 100
    danger = float(ctx.option("xid-wraparound-risk", "danger_percent", 75)) / 100
    for item in stats.xid:
        if item.used < warn:
            continue
        yield _xid_finding(item, Severity.P0 if item.used >= danger else Severity.P1)


def _xid_finding(item: XidAge, severity: Severity) -> Finding:
    what = msg("database {name}", name=item.name) if item.scope == "database" else item.name
    if item.scope == "database":
        fix = (sql_comment("-- find the oldest tables of {database} and what blocks freezing:\n", database=item.name)
               + "SELECT c.oid::regclass, age(c.relfrozenxid) FROM pg_class c WHERE c.relkind IN ('r', 'm', 't')\n"
               "ORDER BY 2 DESC LIMIT 20;\n"
               "SELECT pid, xact_start, state FROM pg_stat_activity WHERE backend_xid IS NOT NULL "
               "OR backend_xmin IS NOT NULL ORDER BY xact_start;\n"
               + sql_comment("-- then VACUUM (FREEZE) those tables"))
        verify = f"SELECT datname, age(datfrozenxid) FROM pg_catalog.pg_database WHERE datname = {literal(item.name)};"
    else:
        fix = f"VACUUM (FREEZE, VERBOSE) {qualified_text(item.name)};"
        verify = (f"SELECT age(relfrozenxid) FROM pg_catalog.pg_class "
                  f"WHERE oid = {literal(qualified_text(item.name))}::regclass;")
    return xid_wraparound_risk.finding(
        objects=[item.name if item.scope == "table" else f"database {item.name}"],
        title=msg("{what}: transaction-ID age {age:,} ({used:.0%} of the wraparound range)",
                  what=what, age=item.age, used=item.used),
        evidence=[
            msg("{what}: age {age:,}, {headroom:,} transaction IDs of headroom before wraparound ({used:.1%} "
                "used){value}",
                what=what, age=item.age, headroom=item.headroom, used=item.used,
                value=msg("; multixact age {age:,}", age=item.multixact_age) if item.multixact_age is not None
                else ""),
        ],
        impact=msg("At about 2^31 PostgreSQL refuses every write until a database-wide VACUUM completes."),
        root_cause=msg("Freezing does not keep up: long transactions, replication slots or prepared transactions "
                       "hold back the horizon, or autovacuum is throttled."),
        fix_sql=fix, verify_sql=verify, severity=severity,
        data={"age": item.age, "headroom": item.headroom},
    )


# --- estimated-bloat ---------------------------------------------------------------------------------


@rule("estimated-bloat", category=CATEGORY, severity=Severity.P2, fix="always", requires=("runtime",))
def estimated_bloat(ctx: RuleContext) -> Iterator[Finding]:
    """A table or btree index is estimated to be mostly empty space (bloat).

    ## What it does
    Estimates each table's and btree index's minimal size from the planner statistics (the
    well-known ioguix estimation queries: average widths and null fractions from `pg_stats`,
    `reltuples`, fillfactor) and reports those whose estimated bloat is at least `min_ratio`
    (default 0.5) of their size and at least `min_bytes` (default 100 MB). It is an estimate: it
    needs recent ANALYZE, and is rough for TOASTed values; `pgstattuple` measures exactly.

    ## Why is this bad?
    Dead space is read by every sequential scan, kept in cache and backed up; a bloated index is
    deeper and slower to scan and to write. Bloat this large means vacuum does not keep up with the
    table's updates and deletes.

    ## Example
    ```text
    public.events: 12 GB, ~8 GB estimated bloat (67 %)
    ```

    ## Use instead
    ```sql
    REINDEX INDEX CONCURRENTLY events_created_at_idx;   -- indexes
    -- tables: pg_repack (online), or VACUUM FULL in a maintenance window; then tune autovacuum
    ```
    """
    stats = runtime_statistics(ctx.inputs)
    if stats is None:
        return
    min_ratio = float(ctx.option("estimated-bloat", "min_ratio", 0.5))
    min_bytes = int(ctx.option("estimated-bloat", "min_bytes", 100 * 1024 * 1024))
    for item in stats.bloat:
        if item.bloat_bytes < min_bytes or item.ratio < min_ratio:
            continue
        yield _bloat_finding(item)


def _bloat_finding(item: BloatEstimate) -> Finding:
    target = qualified_text(item.name)
    if item.kind == "index":
        fix = f"REINDEX INDEX CONCURRENTLY {target};"
    else:
        fix = sql_comment("-- online: pg_repack --table {target} ; or in a maintenance window (ACCESS EXCLUSIVE "
                          "lock):\n-- VACUUM (FULL, ANALYZE) {target};\n"
                          "-- then lower autovacuum_vacuum_scale_factor for {target}", target=target)
    return estimated_bloat.finding(
        objects=[item.name],
        title=msg("{capitalize} {item}: ~{size} of {size2} estimated bloat ({ratio:.0%})",
                  capitalize=kind_word(item.kind, capital=True), item=item.name, size=_size(item.bloat_bytes),
                  size2=_size(item.bytes), ratio=item.ratio),
        evidence=[msg("{kind} {item} (table {table}): {size} on disk, ~{size2} estimated bloat ({ratio:.0%}); an "
                      "estimate from pg_stats (ioguix bloat estimation), measure with pgstattuple",
                      kind=kind_word(item.kind), item=item.name, table=item.table, size=_size(item.bytes),
                      size2=_size(item.bloat_bytes), ratio=item.ratio)],
        impact=msg("Scans read and cache the dead space; writes and backups carry it."),
        root_cause=msg("Vacuum does not keep up with the updates and deletes of this table."),
        fix_sql=fix,
        verify_sql=(f"SELECT pg_size_pretty(pg_relation_size({literal(target)}::regclass));\n"
                    + sql_comment("-- exact: SELECT * FROM pgstattuple({target});  -- needs pgstattuple",
                                  target=literal(target))
                    if item.kind == "table" else
                    f"SELECT pg_size_pretty(pg_relation_size({literal(target)}::regclass));\n"
                    + sql_comment("-- exact: SELECT * FROM pgstatindex({target});  -- needs pgstattuple",
                                  target=literal(target))),
        data={"bytes": item.bytes, "bloat_bytes": item.bloat_bytes, "estimate": True},
    )
