"""What every analysis (schema rules, drift, migration lint, code scan) returns: findings.

``Finding`` is a frozen value: tests compare whole lists of findings. Its fields are the JSON contract
of PRODUCT.md (format version 1); renderers read nothing else.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

from dbaudit.model.schema import Location


class Severity(Enum):
    """Ordered: ``P0`` is the most serious, so ``severity <= fail_on`` means "at or above"."""

    P0 = 0
    P1 = 1
    P2 = 2

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.value < other.value

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.value <= other.value

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.value > other.value

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.value >= other.value

    def is_at_least(self, threshold: Severity) -> bool:
        """True when this severity is as serious as ``threshold`` or more."""
        return self.value <= threshold.value

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (expected P0, P1 or P2)") from None


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem on one set of objects, with what a DBA needs to act on it."""

    rule: str
    category: str
    severity: Severity
    objects: tuple[str, ...]
    title: str
    evidence: tuple[str, ...] = ()
    impact: str = ""
    root_cause: str = ""
    fix_sql: str | None = None
    verify_sql: str | None = None
    locations: tuple[Location, ...] = ()
    # Extra machine-readable facts (e.g. computed ciphertext lengths); part of the JSON, not the text.
    data: tuple[tuple[str, Any], ...] = field(default=())
    # What tells this finding apart from another of the same rule on the same objects, stable when
    # lines move (a revision id, the path of the code file): part of the fingerprint, not of equality.
    key: str = field(default="", compare=False)

    @property
    def sort_key(self) -> tuple[int, str, tuple[str, ...]]:
        return (self.severity.value, self.rule, self.objects)

    @property
    def fingerprint(self) -> str:
        """The finding's stable identity: see :func:`fingerprint`."""
        return fingerprint(self)

    def with_severity(self, severity: Severity) -> Finding:
        return replace(self, severity=severity)

    def to_json(self) -> dict[str, Any]:
        """The finding as the JSON contract (format version 1) spells it."""
        out: dict[str, Any] = {
            "rule": self.rule,
            "category": self.category,
            "severity": self.severity.name,
            "objects": list(self.objects),
            "title": self.title,
            "evidence": list(self.evidence),
            "impact": self.impact,
            "root_cause": self.root_cause,
            "fix_sql": self.fix_sql,
            "verify_sql": self.verify_sql,
            "locations": [{"path": loc.path, "line": loc.line} for loc in self.locations],
        }
        if self.data:
            out["data"] = dict(self.data)
        return out


@dataclass(frozen=True, slots=True)
class Note:
    """Something the user should know about the run itself (a rule skipped, an input missing)."""

    message: str
    rule: str | None = None


def fingerprint(finding: Finding) -> str:
    """Stable identity of a finding across runs, the one key baselines and SARIF match on.

    Built from the rule, the objects and the finding's ``key`` (a revision id, a code file), never
    from the title's wording, severity or line numbers: a finding whose lines moved, whose text was
    reworded or whose severity was overridden is still the same finding. Two findings of one run may
    share it (one rule flagging the same table twice in one file); consumers that need unique ids
    number the repeats (:func:`unique_fingerprints`).
    """
    parts = (finding.rule, *finding.objects, *((finding.key,) if finding.key else ()))
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def unique_fingerprints(findings: Iterable[Finding]) -> list[str]:
    """One id per finding, in order: the fingerprint, and for its n-th repeat ``fingerprint:n``."""
    seen: dict[str, int] = {}
    out = []
    for finding in findings:
        base = fingerprint(finding)
        seen[base] = seen.get(base, 0) + 1
        out.append(base if seen[base] == 1 else f"{base}:{seen[base]}")
    return out


def sort_findings(findings: list[Finding] | tuple[Finding, ...]) -> tuple[Finding, ...]:
    return tuple(sorted(findings, key=lambda f: f.sort_key))
