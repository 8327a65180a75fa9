"""Section B ("key read/write paths") from query statistics, in the report's language.

The statistics source ranks the statements ``pg_stat_statements`` measured; this module words them:
per statement of the total-time ranking its numbers, the patterns it has (searches, latest-row
aggregates, joins, OFFSET), the code paths it was tied to, the plan's sequential scans and indexes,
and the candidate indexes with their HypoPG verdict; then the most frequent statements and the tables'
reads against writes. Every sentence comes from :mod:`dbaudit.report.phrases`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dbaudit.model.schema import Location
from dbaudit.model.statistics import (
    IndexAdvice,
    Plan,
    QueryPattern,
    RuntimeStatistics,
    StatementStats,
    TableActivity,
)
from dbaudit.report.writing import say, short

MAX_SQL = 220
MAX_SCANS = 3
MAX_TABLES = 10
MAX_PATTERNS = 3


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One statement of B1: a headline, its numbers, and detail lines (each a sentence)."""

    number: int
    headline: str
    numbers: str
    sql: str
    code: tuple[str, ...]
    plan: str
    advice: tuple[tuple[str, str], ...]  # (CREATE INDEX …, verdict)


@dataclass(frozen=True, slots=True)
class FrequentRow:
    rank: int
    calls: str
    total: str
    mean: str
    statement: str


@dataclass(frozen=True, slots=True)
class TableRow:
    table: str
    inserted: str
    updated: str
    deleted: str
    seq: str
    idx: str
    ratio: str


@dataclass(frozen=True)
class RuntimePaths:
    """Everything section B shows from the statistics, in one language."""

    intro: str
    slowest: tuple[StatementLine, ...]
    frequent: tuple[FrequentRow, ...]
    tables: tuple[TableRow, ...]
    available: bool


def _num(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def pattern_text(pattern: QueryPattern, lang: str) -> str:
    column = ", ".join(pattern.columns)
    table = short(pattern.table)
    if pattern.kind in ("search", "like"):
        return say(lang, f"pattern.{pattern.kind}", column=f"{table}.{column}")
    if pattern.kind == "latest":
        return say(lang, "pattern.latest", keys=column, time=pattern.other, table=table)
    if pattern.kind == "join":
        return say(lang, "pattern.join", left=f"{table}.{column}", right=short(pattern.other))
    return say(lang, "pattern.offset")


def _location(loc: Location) -> str:
    return f"{loc.path}:{loc.line}" if loc.line else loc.path


def plan_text(plan: Plan | None, lang: str) -> str:
    if plan is None or plan.total_cost is None:
        return say(lang, "paths.plan_none", error=(plan.error if plan else None) or "-")
    source = (say(lang, "paths.plan_analyze", ms=_num(plan.actual_ms or 0, 2)) if plan.source == "analyze"
              else say(lang, "paths.plan_generic"))
    parts = []
    seq = sorted(plan.seq_scans, key=lambda s: -s.rows)
    for scan in seq[:MAX_SCANS]:
        parts.append(say(lang, "paths.seq_scan", table=short(scan.relation), rows=_num(scan.rows, 0),
                         large=say(lang, "paths.large") if scan.large else ""))
    if len(seq) > MAX_SCANS:
        parts.append(say(lang, "paths.more_scans", n=len(seq) - MAX_SCANS))
    used = [i for i in plan.indexes_used if ">btree_" not in i]
    names = ", ".join(used[:MAX_SCANS]) + (f" (+{len(used) - MAX_SCANS})" if len(used) > MAX_SCANS else "")
    parts.append(say(lang, "paths.indexes_used", names=names) if used else say(lang, "paths.no_index"))
    return say(lang, "paths.plan", source=source, cost=_num(plan.total_cost)) + ": " + "; ".join(parts)


def advice_verdict(advice: IndexAdvice, lang: str, *, hypopg: bool) -> str:
    if advice.check == "verified":
        return say(lang, "paths.verified", before=_num(advice.cost_before or 0), after=_num(advice.cost_after or 0),
                   pct=f"{(advice.reduction or 0) * 100:.0f}")
    if advice.check == "not-used":
        if advice.cost_after is not None and advice.cost_before is not None and advice.cost_after != advice.cost_before:
            return say(lang, "paths.no_gain", before=_num(advice.cost_before), after=_num(advice.cost_after))
        return say(lang, "paths.not_used", before=_num(advice.cost_before or 0))
    if "gin" in advice.definition:
        reason = say(lang, "paths.reason_gin")
    elif not hypopg:
        reason = say(lang, "paths.reason_no_hypopg")
    else:
        reason = advice.reason or "-"
    return say(lang, "paths.unverified", reason=reason)


def _headline(statement: StatementStats, lang: str) -> str:
    """Searches and latest-row aggregates first, then the joins into tables that get index advice or are
    scanned sequentially, then OFFSET; the tables when it has no pattern."""
    advised = {a.table for a in statement.advice}
    scanned = {s.relation for s in statement.plan.seq_scans} if statement.plan else set()

    def order(p: QueryPattern) -> int:
        if p.kind in ("search", "like", "latest"):
            return 0
        if p.kind == "offset":
            return 3
        sides = {p.table, p.other.rsplit(".", 1)[0]}
        return 1 if sides & advised else 2 if sides & scanned else 4

    ranked = sorted(statement.patterns, key=order)
    shown = [pattern_text(p, lang) for p in ranked if order(p) < 4][:MAX_PATTERNS]
    if not shown:
        shown = [", ".join(short(t) for t in statement.tables)]
    return "; ".join(shown)


def _sql(text: str) -> str:
    return text if len(text) <= MAX_SQL else text[: MAX_SQL - 1] + "…"


def rolled_up(stats: RuntimeStatistics, parent: Callable[[str], str]) -> list[TableActivity]:
    """Table activity with partitions counted in their partitioned table (``parent`` maps a name)."""
    totals: dict[str, list[int]] = {}
    for t in stats.tables:
        row = totals.setdefault(parent(t.table), [0] * 9)
        for i, value in enumerate((t.seq_scan, t.seq_tup_read, t.idx_scan, t.inserted, t.updated, t.deleted,
                                   t.hot_updated, t.live, t.dead)):
            row[i] += value
    return [TableActivity(name, *values) for name, values in totals.items()]


def runtime_paths(stats: RuntimeStatistics, lang: str, *, analyzed: bool = False,
                  parent: Callable[[str], str] = lambda name: name) -> RuntimePaths:
    since = stats.stats_since.strftime("%Y-%m-%d %H:%M") if stats.stats_since else say(lang, "paths.since_unknown")
    intro = say(lang, "paths.b1_intro_analyze" if analyzed else "paths.b1_intro", since=since)
    slowest = tuple(
        StatementLine(
            number=s.rank_time or 0, headline=_headline(s, lang),
            numbers=say(lang, "paths.stat_line", total=_num(s.total_ms), calls=f"{s.calls:,}",
                        mean=_num(s.mean_ms, 2), rows=f"{s.rows:,}"),
            sql=_sql(s.query), code=tuple(_location(loc) for loc in s.code_paths),
            plan=plan_text(s.plan, lang),
            advice=tuple((a.definition, advice_verdict(a, lang, hypopg=stats.hypopg)) for a in s.advice),
        )
        for s in stats.by_time
    )
    frequent = tuple(
        FrequentRow(rank=s.rank_calls or 0, calls=f"{s.calls:,}", total=_num(s.total_ms), mean=_num(s.mean_ms, 2),
                    statement=say(lang, "paths.see_b1", n=s.rank_time) if s.rank_time else _sql(s.query)[:120])
        for s in stats.by_calls
    )
    busiest = sorted(rolled_up(stats, parent), key=lambda t: (-t.writes, -t.reads, t.table))[:MAX_TABLES]
    tables = tuple(
        TableRow(table=short(t.table), inserted=f"{t.inserted:,}", updated=f"{t.updated:,}", deleted=f"{t.deleted:,}",
                 seq=f"{t.seq_scan:,}", idx=f"{t.idx_scan:,}",
                 ratio=_num(t.write_ratio, 2) if t.write_ratio is not None else "-")
        for t in busiest if t.writes or t.reads
    )
    return RuntimePaths(intro=intro, slowest=slowest, frequent=frequent, tables=tables,
                        available=stats.statements_available)


__all__ = ["RuntimePaths", "advice_verdict", "pattern_text", "plan_text", "runtime_paths"]
