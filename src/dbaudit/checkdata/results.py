"""What a data check found, and how it changes its finding.

A finding the data confirms rises one severity level (P2 -> P1 -> P0) and says so in its evidence;
one a full scan clears keeps its severity (the schema still allows the problem) and says the data
is clean; a sample that sees nothing is not a proof and is reported as such. The finding's ``data``
gets flat ``check_data.*`` keys for machines.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from dbaudit.checkdata.checks import MEASURES, DataCheck
from dbaudit.findings import Finding

CENTURY_DAYS = 36_525


class Outcome(StrEnum):
    CONFIRMED = "confirmed"   # the data shows the problem
    CLEARED = "cleared"       # a full scan found none
    NOT_SEEN = "not-seen"     # a sample found none: not a proof
    MEASURED = "measured"     # a measurement below its threshold (sequence growth, partition horizon)
    SKIPPED = "skipped"       # not run (cost, timeout, privileges…): ``reason`` says why


@dataclass(frozen=True)
class CheckResult:
    check: DataCheck
    outcome: Outcome
    problems: int | None = None
    scanned: int | None = None
    sample_percent: float | None = None  # None: the whole table was read
    samples: tuple[str, ...] = ()
    cost: float | None = None            # the planner's estimate (EXPLAIN, no ANALYZE) of the query run
    elapsed_ms: float = 0.0
    detail: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None

    @property
    def estimated_problems(self) -> int | None:
        """Problems scaled up from a sample (the count itself for a full scan)."""
        if self.problems is None or self.sample_percent is None or self.check.kind in MEASURES:
            return self.problems
        return round(self.problems * 100 / self.sample_percent)

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.check.rule,
            "objects": list(self.check.objects),
            "kind": self.check.kind,
            "table": self.check.table.qualified_name,
            "outcome": self.outcome.value,
            "problems": self.problems,
            "estimated_problems": self.estimated_problems,
            "scanned": self.scanned,
            "sample_percent": self.sample_percent,
            "samples": list(self.samples),
            "estimated_cost": self.cost,
            "elapsed_ms": round(self.elapsed_ms, 1),
            "detail": self.detail,
            "reason": self.reason,
            "blocks_fix": self.check.blocks_fix,
            "cleanup_sql": self.check.cleanup_sql,
        }


def outcome_of(check: DataCheck, problems: int, sample_percent: float | None) -> Outcome:
    if problems > 0:
        return Outcome.CONFIRMED
    if check.kind in MEASURES:
        return Outcome.MEASURED
    return Outcome.CLEARED if sample_percent is None else Outcome.NOT_SEEN


def _n(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def _scope(result: CheckResult) -> str:
    rows = f"{_n(result.scanned)} rows" if result.scanned is not None else "the table"
    if result.sample_percent is None:
        return f"{rows} (full scan)"
    return f"a {result.sample_percent:.3g}% sample of {result.check.table.qualified_name} ({rows})"


def _measure(result: CheckResult) -> str:
    d = result.detail
    if result.check.kind == "sequence":
        used = f"key range {d.get('used_percent')}% used (last value {_n(_int(d.get('last_value')))} of " \
               f"{_n(_int(d.get('limit')))})"
        if d.get("per_day") is None:
            return used + "; growth rate unknown (no row timestamp, no earlier snapshot)"
        days = _int(d.get("days_left"))
        left = ("not growing" if days is None else "more than a century left" if days > CENTURY_DAYS
                else f"~{_n(days)} days left")
        return f"{used}; {_n(_int(d.get('per_day')))} ids/day from {d.get('rate_from')}: {left}"
    if result.check.kind == "partitions-ahead":
        state = "rows are arriving" if result.problems else "nothing is being written"
        return (f"newest row {d.get('newest')}; partitions end {d.get('last_bound')} "
                f"({d.get('days_left')} days after {d.get('today')}): {state}")
    if result.check.kind == "values":
        values = d.get("values") or []
        shown = ", ".join(f"{v[0]!r} ({_n(v[1])})" for v in values[:8] if isinstance(v, list) and len(v) == 2)
        more = f" and {int(d.get('distinct', 0)) - 8} more" if int(d.get("distinct", 0)) > 8 else ""
        return f"{d.get('distinct')} distinct values in use: {shown}{more}"
    return ""


def _int(value: Any) -> Any:
    return int(value) if isinstance(value, int | float) else value


def describe(result: CheckResult) -> str:
    """One English sentence for the finding's evidence (finding text is never translated)."""
    check = result.check
    if result.outcome is Outcome.SKIPPED:
        return f"check-data: not run: {result.reason}"
    if check.kind in MEASURES:
        text = _measure(result)
        if check.kind == "values" and result.problems:
            text += f"; {check.what}: {_n(result.problems)}"
        return f"check-data: {text}"
    if result.outcome is Outcome.CONFIRMED:
        text = f"check-data: {check.what}: {_n(result.problems)} in {_scope(result)}"
        if result.sample_percent is not None:
            text += f", ~{_n(result.estimated_problems)} in all"
        if result.samples:
            text += "; e.g. " + "; ".join(result.samples)
        return text
    text = f"check-data: no {check.what} in {_scope(result)}"
    return text + (": a sample is not a proof, run with --full" if result.outcome is Outcome.NOT_SEEN else "")


def apply_results(findings: tuple[Finding, ...] | list[Finding], results: tuple[CheckResult, ...] | list[CheckResult],
                  ) -> tuple[Finding, ...]:
    """The findings with their data checks applied: evidence and ``check_data.*`` data (the calibration
    then weighs them)."""
    by_key = {r.check.key: r for r in results}
    out = []
    for finding in findings:
        result = by_key.get((finding.rule, finding.objects))
        out.append(finding if result is None else _applied(finding, result))
    return tuple(out)


def _applied(finding: Finding, result: CheckResult) -> Finding:
    """The finding with the check's evidence line and ``check_data.*`` facts; its severity is left to
    the calibration (:mod:`dbaudit.calibrate`), the one place that weighs the data with size and use."""
    evidence = describe(result)
    extra = {
        "check_data.outcome": result.outcome.value,
        "check_data.problems": result.problems,
        "check_data.scanned": result.scanned,
        "check_data.sample_percent": result.sample_percent,
        "check_data.samples": result.samples,
    }
    data = dict(finding.data)
    data.update({k: v for k, v in extra.items() if v is not None and v != ()})
    return replace(finding, evidence=(*finding.evidence, evidence), data=tuple(sorted(data.items())))


def with_severity_change(before: Finding, after: Finding) -> Finding:
    """``after`` marked with ``check_data.severity_before`` when the data moved its severity."""
    if before.severity is after.severity or dict(after.data).get("check_data.outcome") != "confirmed":
        return after
    return replace(after, data=(*after.data, ("check_data.severity_before", before.severity.name)))


__all__ = ["CheckResult", "Outcome", "apply_results", "describe", "outcome_of", "with_severity_change"]
