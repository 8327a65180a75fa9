"""What the running database says: query statistics, plans, index advice, activity and forecasts.

The statistics source (:mod:`dbaudit.sources.stats`) reads these from a live PostgreSQL database
(``pg_stat_statements``, ``EXPLAIN``, HypoPG, ``pg_stat_user_tables``, ``pg_database``, ``pg_stats``)
and hands them to the rules (``RuleContext.inputs["runtime"]``) and to the report (section B).
Frozen values like the schema model; they live in the model layer because a source builds them and
rules and reports read them. Times are milliseconds, sizes bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from dbaudit.model.schema import Location

PlanSource = Literal["generic", "analyze", "none"]
# Transaction IDs compare modulo 2^32: a database can be at most 2^31 transactions old.
XID_WRAP_LIMIT = 2**31
IndexCheck = Literal["verified", "not-used", "unverified"]


@dataclass(frozen=True, slots=True)
class PlanScan:
    """One scan node of a plan: ``Seq Scan`` of a relation, or an index scan using an index."""

    node: str
    relation: str
    index: str | None = None
    rows: float = 0.0
    filter: str | None = None
    large: bool = False


@dataclass(frozen=True, slots=True)
class Plan:
    """The plan of a statement: ``generic`` (EXPLAIN of the generic plan, nothing executed) or
    ``analyze`` (EXPLAIN ANALYZE, executed read-only). ``error`` says why there is no plan."""

    source: PlanSource
    total_cost: float | None = None
    scans: tuple[PlanScan, ...] = ()
    actual_ms: float | None = None
    text: str = ""
    error: str | None = None

    @property
    def seq_scans(self) -> tuple[PlanScan, ...]:
        return tuple(s for s in self.scans if s.node == "Seq Scan")

    @property
    def indexes_used(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.index for s in self.scans if s.index))


@dataclass(frozen=True, slots=True)
class IndexAdvice:
    """A candidate index for a statement, from its WHERE / JOIN / ORDER BY columns.

    ``check`` is ``verified`` when a HypoPG hypothetical index made the planner use it and lowered
    the statement's cost (``cost_before`` -> ``cost_after``), ``not-used`` when the planner ignored it,
    ``unverified`` when it could not be tried (``reason`` says why: no HypoPG, a GIN index...).
    """

    table: str
    columns: tuple[str, ...]
    definition: str
    because: str
    check: IndexCheck = "unverified"
    cost_before: float | None = None
    cost_after: float | None = None
    reason: str | None = None

    @property
    def reduction(self) -> float | None:
        """Fraction of the cost the index removes (0.9 = 90 % cheaper), when measured."""
        if self.cost_before is None or self.cost_after is None or self.cost_before <= 0:
            return None
        return (self.cost_before - self.cost_after) / self.cost_before


PatternKind = Literal["search", "like", "latest", "join", "offset"]


@dataclass(frozen=True, slots=True)
class QueryPattern:
    """A shape a statement has: ``search`` (a LIKE/ILIKE the code scan saw with a leading
    wildcard), ``like`` (pattern unknown), ``latest`` (``columns`` = keys, ``other`` = the max()
    column), ``join`` (``columns`` = this side, ``other`` = ``table.column`` of the other side),
    ``offset``."""

    kind: PatternKind
    table: str = ""
    columns: tuple[str, ...] = ()
    other: str = ""


@dataclass(frozen=True, slots=True)
class StatementStats:
    """One normalised statement of ``pg_stat_statements`` with its plan and what it is tied to.

    ``rank_time`` / ``rank_calls``: its place in the top N by total time and by calls (``None`` when
    outside that list). ``code_paths`` are the code-scan locations whose query shape it matches;
    ``patterns`` the shapes it has (searches, latest-row aggregates, joins, OFFSET).
    """

    queryid: int
    query: str
    calls: int
    total_ms: float
    mean_ms: float
    rows: int
    kind: str = "select"
    tables: tuple[str, ...] = ()
    shared_hit: int = 0
    shared_read: int = 0
    rank_time: int | None = None
    rank_calls: int | None = None
    plan: Plan | None = None
    advice: tuple[IndexAdvice, ...] = ()
    patterns: tuple[QueryPattern, ...] = ()
    code_paths: tuple[Location, ...] = ()


@dataclass(frozen=True, slots=True)
class TableActivity:
    """``pg_stat_user_tables`` for one table: reads (scans) against writes (inserted, updated,
    deleted rows) since the statistics were reset."""

    table: str
    seq_scan: int = 0
    seq_tup_read: int = 0
    idx_scan: int = 0
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    hot_updated: int = 0
    live: int = 0
    dead: int = 0

    @property
    def writes(self) -> int:
        return self.inserted + self.updated + self.deleted

    @property
    def reads(self) -> int:
        return self.seq_scan + self.idx_scan

    @property
    def write_ratio(self) -> float | None:
        """Writes per read (scan); ``None`` before any read."""
        return self.writes / self.reads if self.reads else None


@dataclass(frozen=True, slots=True)
class IndexActivity:
    """``pg_stat_user_indexes`` for one index."""

    index: str
    table: str
    scans: int = 0
    tuples_read: int = 0


@dataclass(frozen=True, slots=True)
class SequenceGrowth:
    """How fast a sequence advances, from two observations (ids and times) and where they come from.

    ``basis`` names them: ``rows``: the newest row and an older one of the owning table, dated by one
    of its timestamp columns; ``snapshots``: two snapshots' values.
    """

    sequence: str
    last_value: int
    max_value: int
    per_day: float | None = None
    basis: str = ""
    column: str | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None

    @property
    def used(self) -> float:
        return self.last_value / self.max_value if self.max_value else 0.0

    @property
    def days_left(self) -> float | None:
        if not self.per_day or self.per_day <= 0:
            return None
        return max(self.max_value - self.last_value, 0) / self.per_day


@dataclass(frozen=True, slots=True)
class XidAge:
    """Transaction-ID age of a database or a table (``scope``), against the 2^31 wraparound limit."""

    scope: Literal["database", "table"]
    name: str
    age: int
    multixact_age: int | None = None

    @property
    def used(self) -> float:
        return self.age / XID_WRAP_LIMIT

    @property
    def headroom(self) -> int:
        return max(XID_WRAP_LIMIT - self.age, 0)


@dataclass(frozen=True, slots=True)
class BloatEstimate:
    """Estimated bloat of a table or btree index, from the well-known catalog estimation queries
    (ioguide/pgexperts): an estimate from ``pg_stats`` widths, not a measurement."""

    kind: Literal["table", "index"]
    name: str
    table: str
    bytes: int
    bloat_bytes: int

    @property
    def ratio(self) -> float:
        return self.bloat_bytes / self.bytes if self.bytes else 0.0


@dataclass(frozen=True)
class RuntimeStatistics:
    """Everything the statistics source read, with what it could not read in ``notes``."""

    collected_at: datetime
    stats_since: datetime | None = None
    statements_available: bool = False
    hypopg: bool = False
    statements: tuple[StatementStats, ...] = ()
    tables: tuple[TableActivity, ...] = ()
    indexes: tuple[IndexActivity, ...] = ()
    sequences: tuple[SequenceGrowth, ...] = ()
    xid: tuple[XidAge, ...] = ()
    bloat: tuple[BloatEstimate, ...] = ()
    notes: tuple[str, ...] = ()
    today: date | None = None

    @property
    def by_time(self) -> tuple[StatementStats, ...]:
        return tuple(sorted((s for s in self.statements if s.rank_time is not None), key=lambda s: s.rank_time or 0))

    @property
    def by_calls(self) -> tuple[StatementStats, ...]:
        return tuple(sorted((s for s in self.statements if s.rank_calls is not None),
                            key=lambda s: s.rank_calls or 0))


def runtime_statistics(inputs: dict[str, object]) -> RuntimeStatistics | None:
    """The statistics of a run, or ``None`` when the input is absent or of another shape."""
    found = inputs.get("runtime")
    return found if isinstance(found, RuntimeStatistics) else None
