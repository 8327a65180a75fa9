"""``--statistics``: how many findings each rule produced, most first (ruff's ``--statistics``)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from dbaudit.findings import Finding
from dbaudit.output.run import RunInfo


@dataclass(frozen=True, slots=True)
class RuleCount:
    rule: str
    severity: str
    count: int
    title: str


def statistics(findings: Sequence[Finding], info: RunInfo) -> list[RuleCount]:
    """Counts per rule, most first, then by rule id; the severity is the most serious seen."""
    counts = Counter(f.rule for f in findings)
    worst: dict[str, Finding] = {}
    for f in findings:
        if f.rule not in worst or f.severity < worst[f.rule].severity:
            worst[f.rule] = f
    return [
        RuleCount(rule, worst[rule].severity.name, count, info.rule(worst[rule]).title)
        for rule, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


def render_statistics(findings: Sequence[Finding], info: RunInfo, *, as_json: bool = False) -> str:
    rows = statistics(findings, info)
    if as_json:
        return json.dumps([{"rule": r.rule, "severity": r.severity, "count": r.count, "title": r.title}
                           for r in rows], indent=2, ensure_ascii=False) + "\n"
    width = max((len(r.rule) for r in rows), default=4)
    lines = [f"{r.count:>6}  {r.severity}  {r.rule:<{width}}  {r.title}" for r in rows]
    lines.append(f"{sum(r.count for r in rows):>6}  findings of {len(rows)} rule(s)")
    return "\n".join(lines) + "\n"


__all__ = ["RuleCount", "render_statistics", "statistics"]
