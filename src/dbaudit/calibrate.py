"""Severity calibration: each finding's severity weighed by its evidence and blast radius, and the
reason stated in the finding.

A rule's severity is what the problem costs on a typical table. The audited database says more: how
large the table is, how hot, whether the code runs the path, whether the data already breaks the
rule. :func:`calibrate` runs once over the findings of every analysis (schema rules, drift, migration
lint), after they ran and before the report groups them, and moves a finding **one level at most**,
never above P0 nor below P2, on these signals:

- **size** (rules whose profile is ``scale_sensitive``, :mod:`dbaudit.rules.families`): a table with
  at most ``small-rows`` rows (default 10,000, the floor PgHero and pg-extras use for missing-index
  advice) lowers the finding; at least ``large-rows`` rows (default 10,000,000) or ``large-bytes``
  (default 10 GB) raises it. Only statistics that counted rows are trusted (``reltuples`` of a table
  ANALYZE, VACUUM or CREATE INDEX has seen; a partitioned table sums its partitions): a table never
  analyzed keeps its severity and the finding says the size is unknown. Migration rewrite hazards
  are weighed by the time the rewrite, scan or index build takes at the throughputs of
  :mod:`dbaudit.migrations.grading` (under a second: lowered; a minute or more: raised).
- **activity** (declared per rule in :data:`SCALE`): rows written per second (``too-many-indexes``,
  ``low-selectivity-index``), inserted per second (``int4-key-overflow-risk``), deleted per second in
  the referenced table (``fk-without-index``: each delete scans the child) at or above
  ``hot-writes-per-second`` (default 100), or calls per second of the statements
  (``pg_stat_statements``) that run the path at or above ``frequent-calls-per-second`` (default 1):
  raise. Rates need ``min-rate-hours`` (default 1) of statistics.
- **code use**: a path the scanned code runs (a join through the foreign key, the search, the
  latest-row query, the pagination) *holds* the severity against a lowering by size: small today,
  but on a path the application uses. A table no query read and nothing wrote for ``unused-days``
  (default 7) of statistics, that the models do not map and the code does not name, lowers the
  findings about it (not access-control, secret, migration or operations findings).
- **data** (``check-data``, issue 15): a finding whose data check *confirmed* it rises; one the data
  *cleared* says so. The facts come in through :class:`CalibrationInput` ``data`` (by the finding's
  fingerprint) or the finding's own ``check_data.outcome`` data.

A raise and a lowering cancel out (both stated); a hold cancels a lowering. A rule or category whose
severity the configuration overrides is not calibrated: the user's severity wins. Thresholds are
rule options, by rule id, category or ``ALL`` (``[tool.dbaudit.rule-options.fk-without-index]
small-rows = 1000``; ``calibrate = false`` turns calibration off for that selector).

Every move is stated: an evidence line (English, as the JSON carries it) and the same facts as data
(``calibration.from``, ``calibration.to``, ``calibration.reasons``) that the report renders in its
language (:func:`dbaudit.report.writing.calibration_text`). Calibrating calibrated findings again
starts from their severity before calibration, so a later step (check-data) may run it again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

from dbaudit.config import Config
from dbaudit.findings import Finding, Note, Severity
from dbaudit.messages import msg
from dbaudit.model.code_facts import CodeFacts, resolve_table
from dbaudit.model.locate import object_owners
from dbaudit.model.schema import Location, SchemaModel, Table, TableKind
from dbaudit.model.statistics import RuntimeStatistics, StatementStats
from dbaudit.redact import redact_url
from dbaudit.rules.families import profile

Effect = Literal["raise", "lower", "hold", "support", "state"]
Activity = Literal["writes", "inserts", "parent-deletes", "calls"]
CodePath = Literal["join", "search", "latest", "offset"]
DataOutcome = Literal["confirmed", "cleared"]

# The keys of a calibrated finding's ``data``.
FROM, TO, REASONS, LINE = "calibration.from", "calibration.to", "calibration.reasons", "calibration.line"
# The key check-data (issue 15) sets on a finding it ran a data check for.
DATA_OUTCOME, DATA_PROBLEMS = "check_data.outcome", "check_data.problems"
# Findings of these families are not lowered because a table looks unused (a grant, a secret, a
# revision or wraparound matters whoever reads the table).
NOT_USAGE_FAMILIES = frozenset({"access", "secrets", "migrations", "operations"})
GB = 1024**3
# Rules whose data check measures the hazard itself (the share of a key's range already spent), not a
# sample of it: a confirmation there is not weakened by a small or idle table (rows say nothing about
# how far a sequence has been advanced).
MEASURED_BY_DATA = frozenset({"int4-key-overflow-risk"})


@dataclass(frozen=True, slots=True)
class Scale:
    """How activity and the code make a scale-sensitive rule's harm grow."""

    activity: Activity | None = None
    code: CodePath | None = None


# Scale-sensitive rules (``RuleProfile.scale_sensitive``) and what makes each one hot; the rewrite
# hazards of the migration lint are weighed by duration instead (``grading.COSTS``).
SCALE: dict[str, Scale] = {
    "fk-without-index": Scale(activity="parent-deletes", code="join"),
    "search-without-trigram-index": Scale(activity="calls", code="search"),
    "latest-row-without-index": Scale(activity="calls", code="latest"),
    "deep-offset-pagination": Scale(activity="calls", code="offset"),
    "too-many-indexes": Scale(activity="writes"),
    "low-selectivity-index": Scale(activity="writes"),
    "int4-key-overflow-risk": Scale(activity="inserts"),
}


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The calibration's rule options (``[tool.dbaudit.rule-options.<rule|category|ALL>]``)."""

    small_rows: int = 10_000
    large_rows: int = 10_000_000
    large_bytes: int = 10 * GB
    hot_writes_per_second: float = 100.0
    frequent_calls_per_second: float = 1.0
    unused_days: float = 7.0
    min_rate_hours: float = 1.0
    calibrate: bool = True


OPTIONS: dict[str, str] = {f.name.replace("_", "-"): f.name for f in fields(Thresholds)}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*", re.I)


def parse_bytes(value: object) -> int:
    """``10737418240``, ``"10 GB"``, ``"500MB"`` -> bytes (units of 1024)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    match = _SIZE.fullmatch(str(value))
    if match is None:
        raise ValueError(f"not a size: {value!r} (expected bytes or e.g. \"10 GB\")")
    return int(float(match[1]) * 1024 ** "BKMGT".index((match[2] or "B").upper()))


def thresholds(options: Mapping[str, Mapping[str, Any]], rule: str, category: str) -> Thresholds:
    """The options for one rule: its id's over its category's over ``ALL``'s over the defaults."""
    values: dict[str, Any] = {}
    for selector in ("ALL", category, rule):
        for key, value in options.get(selector, {}).items():
            if key in OPTIONS:
                values[OPTIONS[key]] = parse_bytes(value) if key == "large-bytes" else value
    return Thresholds(**values)


@dataclass(frozen=True)
class DataFact:
    """What a data check found for one finding: ``confirmed`` (``problems`` rows break the rule) or
    ``cleared`` (a full scan found none)."""

    outcome: DataOutcome
    problems: int | None = None


@dataclass(frozen=True)
class CalibrationInput:
    """The evidence calibration weighs: the audited model (sizes, activity), the code scan, the query
    statistics, the ORM models, and data checks by finding fingerprint."""

    model: SchemaModel
    code: CodeFacts | None = None
    runtime: RuntimeStatistics | None = None
    models: SchemaModel | None = None
    data: Mapping[str, DataFact] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Reason:
    """One fact weighed: ``effect`` on the severity, a phrase ``key`` and its values."""

    effect: Effect
    key: str
    values: tuple[tuple[str, Any], ...] = ()

    @staticmethod
    def of(effect: Effect, key: str, **values: Any) -> Reason:
        return Reason(effect, key, tuple(values.items()))

    def to_json(self) -> list[Any]:
        return [self.effect, self.key, dict(self.values)]


@dataclass(frozen=True, slots=True)
class Size:
    """Rows (``None``: never counted) and bytes of a table, partitions summed."""

    rows: int | None
    table_bytes: int | None
    total_bytes: int | None


@dataclass(frozen=True, slots=True)
class Counters:
    """Activity since the statistics reset, partitions summed."""

    scans: int
    inserted: int
    updated: int
    deleted: int

    @property
    def writes(self) -> int:
        return self.inserted + self.updated + self.deleted


# -- the step -----------------------------------------------------------------------------------------


def calibrate(
    findings: Iterable[Finding], evidence: CalibrationInput, config: Config | None = None,
) -> tuple[list[Finding], list[Note]]:
    """The findings with their severities calibrated and the reasons stated, and notes about the run."""
    config = config or Config()
    ctx = _Context(evidence, config)
    out = [ctx.calibrated(f) for f in findings]
    notes = []
    if ctx.sized and not ctx.has_sizes:
        source = redact_url(evidence.model.source.name)
        notes.append(Note(msg("severity calibration: {source} has no row counts to trust (PostgreSQL statistics "
                              "of analyzed tables): size-sensitive findings keep their rules' default severities",
                              source=source), rule="calibration"))
    return out, notes


def decide(severity: Severity, reasons: Iterable[Reason]) -> Severity:
    """One level up when something raises and nothing lowers, one down when something lowers and
    nothing raises or holds; within P0..P2."""
    effects = {r.effect for r in reasons}
    up, down = "raise" in effects, "lower" in effects
    step = -1 if up and not down else 1 if down and not (up or "hold" in effects) else 0
    return Severity(min(max(severity.value + step, Severity.P0.value), Severity.P2.value))


def base_severity(finding: Finding) -> Severity:
    """The severity before any calibration."""
    before = dict(finding.data).get(FROM)
    return Severity.parse(before) if isinstance(before, str) else finding.severity


def uncalibrated(finding: Finding) -> Finding:
    """The finding as the analysis produced it (a previous calibration's line and data removed)."""
    data = dict(finding.data)
    if FROM not in data:
        return finding
    line = data.get(LINE)
    return replace(finding, severity=base_severity(finding), evidence=tuple(e for e in finding.evidence if e != line),
                   data=tuple((k, v) for k, v in finding.data if not k.startswith("calibration.")))


def stated(severity: Severity, after: Severity, reasons: list[Reason]) -> list[Reason] | None:
    """The reasons worth a line, or ``None``: a move, a move another fact cancelled (a lowering the
    code path holds), or a fact that only informs (size unknown, data clean). A move the bounds
    forbid (lowering a P2) is not worth one."""
    if after != severity:
        return reasons
    down = decide(severity, [r for r in reasons if r.effect == "lower"])
    up = decide(severity, [r for r in reasons if r.effect == "raise"])
    if down != severity or up != severity:
        return reasons
    informs = [r for r in reasons if r.effect == "state"]
    return informs or None


class _Context:
    """Per-run lookups: table owners, sizes, rates, code facts, statement matches."""

    def __init__(self, evidence: CalibrationInput, config: Config) -> None:
        self.evidence = evidence
        self.model = evidence.model
        self.options = config.options()
        self.overrides = config.severity_overrides
        self.owner = object_owners(self.model.tables)
        # Only PostgreSQL's reltuples is trusted: -1 until ANALYZE/VACUUM counted the rows (MySQL's
        # TABLE_ROWS is a cached estimate that can say 0 for a table filled since).
        self.has_sizes = self.model.source.dialect == "postgresql" and any(
            t.stats is not None and t.stats.rows_estimate is not None for t in self.model.tables)
        self.sized = False  # a size-sensitive finding was met
        age = self.model.source.statistics_age_days
        self.window_s = age * 86400 if age is not None else None
        runtime = evidence.runtime
        self.calls_window_s = (
            (runtime.collected_at - runtime.stats_since).total_seconds()
            if runtime is not None and runtime.stats_since is not None else None
        )
        self.resolved: dict[str, str | None] = {}
        self.code_tables = self._code_tables()
        self.paths = self._code_paths()

    # -- one finding ------------------------------------------------------------------------------

    def calibrated(self, finding: Finding) -> Finding:
        finding = uncalibrated(finding)
        if finding.rule in self.overrides or finding.category in self.overrides:
            return finding
        limits = thresholds(self.options, finding.rule, finding.category)
        if not limits.calibrate:
            return finding
        reasons = list(self.reasons(finding, limits))
        after = decide(finding.severity, reasons)
        shown = stated(finding.severity, after, reasons)
        if shown is None:
            return finding
        data = {FROM: finding.severity.name, TO: after.name, REASONS: [r.to_json() for r in shown]}
        from dbaudit.report.writing import calibration_text  # noqa: PLC0415 - the report's phrases

        line = calibration_text(data, "en") or ""
        return replace(finding, severity=after, evidence=(*finding.evidence, line),
                       data=(*finding.data, *data.items(), (LINE, line)))

    def reasons(self, finding: Finding, limits: Thresholds) -> Iterator[Reason]:
        found = list(self.weighed(finding, limits))
        if finding.rule in MEASURED_BY_DATA and any(r.key.startswith("confirmed") for r in found):
            return iter([r for r in found if r.effect != "lower"])
        return iter(found)

    def weighed(self, finding: Finding, limits: Thresholds) -> Iterator[Reason]:
        table = self.subject(finding)
        rule_profile = profile(finding.rule)
        if table is not None and rule_profile.scale_sensitive and (finding.rule in SCALE or _rewrite(finding.rule)):
            self.sized = True
            if self.has_sizes:
                yield from self.size_reasons(finding, table, limits)
        if table is not None and rule_profile.family not in NOT_USAGE_FAMILIES and not rule_profile.applies_once:
            yield from self.unused(table, limits)
        yield from self.data_reasons(finding)

    def subject(self, finding: Finding) -> Table | None:
        """The table the finding's main object is, or belongs to (a column, an index, a constraint)."""
        if not finding.objects:
            return None
        obj = finding.objects[0]
        name = self.owner.get(obj) or self.owner.get(obj.rpartition(".")[0])
        return self.model.table(name) if name is not None else None

    # -- size and activity ----------------------------------------------------------------------------

    def size_reasons(self, finding: Finding, table: Table, limits: Thresholds) -> Iterator[Reason]:
        size = table_size(self.model, table)
        name = table.qualified_name
        if size.rows is None:
            yield Reason.of("state", "unknown", table=name)
            return
        if _rewrite(finding.rule):
            yield from self.rewrite_reasons(finding.rule, name, size)
            return
        spec = SCALE[finding.rule]
        paths = self.code_paths(finding, table, spec.code)
        if size.rows == 0:
            yield Reason.of("lower", "empty", table=name)
        elif size.rows <= limits.small_rows and (size.total_bytes or 0) < limits.large_bytes:
            yield Reason.of("lower", "small", table=name, rows=size.rows)
        elif size.rows >= limits.large_rows or (size.total_bytes or 0) >= limits.large_bytes:
            yield (Reason.of("raise", "large", table=name, rows=size.rows, bytes=size.total_bytes)
                   if size.total_bytes is not None else Reason.of("raise", "large_rows", table=name, rows=size.rows))
        if paths:
            obj = finding.objects[0] if spec.code in ("join", "search") else name
            yield Reason.of("hold", f"code_{spec.code}", column=obj, where=paths)
        elif spec.code is not None and self.evidence.code is not None:
            yield Reason.of("support", "no_code")
        yield from self.activity(finding, table, spec, limits)

    def activity(self, finding: Finding, table: Table, spec: Scale, limits: Thresholds) -> Iterator[Reason]:
        if spec.activity == "calls":
            yield from self.calls(finding, table, spec.code, limits)
            return
        if spec.activity is None or self.window_s is None or self.window_s < limits.min_rate_hours * 3600:
            return
        target = self.parent(finding, table) if spec.activity == "parent-deletes" else table
        counters = self.counters(target) if target is not None else None
        if target is None or counters is None:
            return
        count = {"writes": counters.writes, "inserts": counters.inserted, "parent-deletes": counters.deleted}
        rate = count[spec.activity] / self.window_s
        key = spec.activity.replace("-", "_")
        if rate >= limits.hot_writes_per_second:
            yield Reason.of("raise", key, table=target.qualified_name, rate=rate)
        elif spec.activity == "parent-deletes" and counters.deleted == 0:
            yield Reason.of("support", "no_parent_deletes", table=target.qualified_name, window=self.window_s)

    def calls(self, finding: Finding, table: Table, code: CodePath | None, limits: Thresholds) -> Iterator[Reason]:
        runtime, window = self.evidence.runtime, self.calls_window_s
        if runtime is None or window is None or window < limits.min_rate_hours * 3600 or code is None:
            return
        column = _column(finding)
        matched = [s for s in runtime.statements if _runs(s, code, table.qualified_name, column, finding.locations)]
        calls = sum(s.calls for s in matched)
        if calls and calls / window >= limits.frequent_calls_per_second:
            yield Reason.of("raise", "calls", rate=calls / window, calls=calls, window=window)

    def rewrite_reasons(self, rule: str, name: str, size: Size) -> Iterator[Reason]:
        from dbaudit.migrations.grading import COSTS, work_estimate  # noqa: PLC0415

        kind, lock = COSTS[rule]
        if size.rows == 0:
            yield Reason.of("lower", "empty", table=name)
            return
        work, seconds = work_estimate(kind, size.table_bytes, size.total_bytes)
        if seconds < 1:
            yield Reason.of("lower", "quick", table=name, bytes=work, lock=lock)
        elif seconds >= 60:
            yield Reason.of("raise", "slow", table=name, bytes=work, lock=lock, seconds=seconds)

    def counters(self, table: Table) -> Counters | None:
        stats = [t.stats for t in leaves(self.model, table)]
        if not stats or any(s is None or s.writes is None or s.seq_scan is None for s in stats):
            return None
        known = [s for s in stats if s is not None]
        return Counters(
            scans=sum((s.seq_scan or 0) + (s.idx_scan or 0) for s in known),
            inserted=sum(s.n_tup_ins or 0 for s in known), updated=sum(s.n_tup_upd or 0 for s in known),
            deleted=sum(s.n_tup_del or 0 for s in known),
        )

    def parent(self, finding: Finding, table: Table) -> Table | None:
        """The table the foreign key on the finding's column references."""
        column = _column(finding)
        fk = next((fk for fk in table.foreign_keys if column in fk.columns), None)
        return self.model.table(fk.ref_qualified) if fk is not None else None

    # -- code use ------------------------------------------------------------------------------------

    def code_paths(self, finding: Finding, table: Table, kind: CodePath | None) -> list[str]:
        """Where the scanned code runs this finding's path (``file:line``, at most two)."""
        if kind is None:
            return []
        column = _column(finding) if kind in ("join", "search") else ""
        return self.paths.get((kind, table.qualified_name, column), [])[:2]

    def resolve(self, name: str) -> str | None:
        if name not in self.resolved:
            table = resolve_table(self.model, name)
            self.resolved[name] = table.qualified_name if table is not None else None
        return self.resolved[name]

    def _code_paths(self) -> dict[tuple[str, str, str], list[str]]:
        """The code scan's paths by (kind, table, column): built once, each fact resolved once."""
        code = self.evidence.code
        if code is None:
            return {}
        facts: list[tuple[CodePath, str | None, str, Location | None]] = [
            ("join", j.table, j.column, j.location) for j in code.joins]
        facts += [("join", j.other_table, j.other_column, j.location) for j in code.joins]
        facts += [("search", s.table, s.column, s.location) for s in code.searches]
        facts += [("latest", q.table, "", q.location) for q in code.latest_rows]
        facts += [("offset", o.table, "", o.location) for o in code.offsets]
        out: dict[tuple[str, str, str], list[str]] = {}
        for kind, name, column, loc in facts:
            table = self.resolve(name) if name else None
            if table is not None and loc is not None:
                where = out.setdefault((kind, table, column), [])
                if (text := f"{loc.path}:{loc.line}") not in where:
                    where.append(text)
        return out

    def _code_tables(self) -> set[str]:
        """Tables any code fact names."""
        code = self.evidence.code
        if code is None:
            return set()
        names = [f.table for group in (code.searches, code.latest_rows, code.encrypted_columns,
                                       code.column_values, code.auto_updated) for f in group]
        names += [o.table for o in code.offsets if o.table]
        names += [n for j in code.joins for n in (j.table, j.other_table)]
        names += [t for task in code.partition_tasks for t in task.tables]
        return {r for n in names if (r := self.resolve(n)) is not None}

    def unused(self, table: Table, limits: Thresholds) -> Iterator[Reason]:
        """No scan and no write for ``unused-days``; neither the models nor the code name the table."""
        name = table.qualified_name
        if self.window_s is None or self.window_s < limits.unused_days * 86400 or name in self.code_tables:
            return
        models = self.evidence.models
        if models is not None and models.table(name) is not None:
            return
        counters = self.counters(table)
        if counters is not None and counters.scans == 0 and counters.writes == 0:
            yield Reason.of("lower", "unused", table=name, window=self.window_s)

    # -- data ----------------------------------------------------------------------------------------

    def data_reasons(self, finding: Finding) -> Iterator[Reason]:
        fact = self.evidence.data.get(finding.fingerprint) or _carried(finding)
        if fact is None:
            return
        if fact.outcome == "confirmed":
            if fact.problems:
                yield Reason.of("raise", "confirmed_rows", problems=fact.problems)
            else:
                yield Reason.of("raise", "confirmed")
        elif fact.outcome == "cleared":
            yield Reason.of("state", "cleared")


def leaves(model: SchemaModel, table: Table) -> list[Table]:
    """The tables holding the rows: the table itself, or its partitions (recursively)."""
    if table.kind is not TableKind.PARTITIONED_TABLE:
        return [table]
    return [leaf for p in model.partitions_of(table.qualified_name) for leaf in leaves(model, p)]


def table_size(model: SchemaModel, table: Table) -> Size:
    """Rows and bytes of a table, a partitioned table's partitions summed; rows ``None`` when some
    part was never counted (never analyzed) and the table's own estimate does not say either."""
    parts = leaves(model, table)
    own = table.stats.rows_estimate if table.stats is not None else None
    counted = [_rows(t) for t in parts]
    rows = None if any(r is None for r in counted) else sum(r or 0 for r in counted)
    if own is not None and (rows is None or own > rows):
        rows = own
    table_bytes = _total(t.stats.table_bytes if t.stats else None for t in parts)
    total_bytes = _total(t.stats.total_bytes if t.stats else None for t in parts)
    return Size(rows, table_bytes, total_bytes)


def _rewrite(rule: str) -> bool:
    from dbaudit.migrations.grading import COSTS  # noqa: PLC0415 - the migration lint's cost table

    return rule in COSTS and COSTS[rule][0] != "fails"


def _rows(table: Table) -> int | None:
    """Rows as ANALYZE, VACUUM or CREATE INDEX counted them (``reltuples``); ``None``: never counted.
    (``n_live_tup`` is not used: a backend's own inserts are added to it after its ANALYZE counted them.)"""
    stats = table.stats
    return stats.rows_estimate if stats is not None else None


def _total(values: Iterable[int | None]) -> int | None:
    items = list(values)
    return None if not items or any(v is None for v in items) else sum(v or 0 for v in items)


def _column(finding: Finding) -> str:
    """The column the finding's main object names (``public.t.col`` -> ``col``)."""
    return finding.objects[0].rpartition(".")[2] if finding.objects else ""


def _runs(statement: StatementStats, code: CodePath, table: str, column: str, locations: tuple[Location, ...]) -> bool:
    """Whether a statement runs this path: its shape on the same table (and column), or the code
    location the statistics source matched it to."""
    if set(statement.code_paths) & set(locations):
        return True
    for p in statement.patterns:
        if code == "join" and p.kind == "join" and (
                (p.table == table and column in p.columns) or p.other == f"{table}.{column}"):
            return True
        if code == "search" and p.kind in ("search", "like") and p.table == table and column in p.columns:
            return True
        if code in ("latest", "offset") and p.kind == code and p.table == table:
            return True
    return False


def _carried(finding: Finding) -> DataFact | None:
    """A data check's outcome the finding carries (``check_data.outcome``, set by check-data)."""
    data = dict(finding.data)
    outcome = data.get(DATA_OUTCOME)
    if outcome not in ("confirmed", "cleared"):
        return None
    problems = data.get(DATA_PROBLEMS)
    count = problems if isinstance(problems, int) else None
    return DataFact("confirmed", count) if outcome == "confirmed" else DataFact("cleared", count)


__all__ = [
    "OPTIONS",
    "SCALE",
    "CalibrationInput",
    "DataFact",
    "Reason",
    "Scale",
    "Thresholds",
    "base_severity",
    "calibrate",
    "decide",
    "leaves",
    "parse_bytes",
    "table_size",
    "thresholds",
    "uncalibrated",
]
