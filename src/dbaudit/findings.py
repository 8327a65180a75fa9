"""What every analysis (schema rules, drift, migration lint, code scan) returns: findings.

``Finding`` is a frozen value: tests compare whole lists of findings. Its fields are the JSON contract
of PRODUCT.md (format version 1); renderers read nothing else.
"""

from __future__ import annotations

import hashlib
import re
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

    @property
    def sort_key(self) -> tuple[int, str, tuple[str, ...]]:
        return (self.severity.value, self.rule, self.objects)

    @property
    def fingerprint(self) -> str:
        """The finding's stable identity: :func:`fingerprint` of its rule and main object."""
        return fingerprint(self.rule, identity_object(self.objects[0] if self.objects else ""))

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


ID_LENGTH = 16
_LINE_SUFFIX = re.compile(r"(?P<path>.+\.[A-Za-z0-9]+):\d+\Z")


def identity_object(obj: str) -> str:
    """The part of an object name that survives edits: ``app/settings.py:14`` -> ``app/settings.py``."""
    match = _LINE_SUFFIX.match(obj)
    return match["path"] if match else obj


def fingerprint(rule: str, obj: str, ordinal: int = 0) -> str:
    """The stable identity of a finding: its rule and main object (line numbers dropped), plus an
    ordinal for the n-th finding of one rule on one object (two secrets in one settings file).

    Never the wording, the severity or a line number, so a finding whose lines moved, whose title
    was reworded or whose severity was overridden keeps it. The one identity every consumer uses:
    the JSON ``id`` (:mod:`dbaudit.report.grouping`), SARIF ``partialFingerprints``, GitLab code
    quality and baselines (:mod:`dbaudit.baseline`).
    """
    parts = [rule, identity_object(obj)] + ([str(ordinal)] if ordinal else [])
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:ID_LENGTH]


def unique_fingerprints(findings: Iterable[Finding]) -> list[str]:
    """One id per finding, in order: the n-th finding of one rule on one object gets ordinal n."""
    seen: dict[tuple[str, str], int] = {}
    out = []
    for f in findings:
        key = (f.rule, identity_object(f.objects[0] if f.objects else ""))
        ordinal = seen.get(key, 0)
        seen[key] = ordinal + 1
        out.append(fingerprint(*key, ordinal))
    return out


def sort_findings(findings: list[Finding] | tuple[Finding, ...]) -> tuple[Finding, ...]:
    return tuple(sorted(findings, key=lambda f: f.sort_key))
