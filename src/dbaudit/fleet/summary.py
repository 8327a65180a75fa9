"""One database of a fleet, as the aggregated report sees it.

A :class:`DatabaseSummary` is made from an audit's JSON report (:func:`summary_from_report`) both when
``dbaudit fleet`` runs the audits itself and when ``dbaudit fleet --merge`` reads reports written by
separate ``dbaudit audit`` runs: the two aggregates are the same because they are built from the
same document by the same function.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from dbaudit.findings import Severity
from dbaudit.messages import msg

Status = Literal["ok", "error", "timeout", "missing"]
SEVERITIES = tuple(s.name for s in Severity)


class ReportFormatError(ValueError):
    """A JSON document that is not an audit report (format version 1)."""


@dataclass(frozen=True, slots=True)
class RuleCount:
    """A rule's findings in one database: how many entries, and the most severe of them."""

    count: int
    severity: str


@dataclass(frozen=True)
class DatabaseSummary:
    """What the aggregated report knows of one database: its outcome, findings per severity and per
    rule, its structure fingerprints and its Alembic revisions."""

    name: str
    status: Status = "ok"
    error: str | None = None
    target: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    # Numbered findings (problems, as the audit report counts them) per severity; entries are ``counts``.
    problems: dict[str, int] = field(default_factory=dict)
    rules: dict[str, RuleCount] = field(default_factory=dict)
    tables: int | None = None
    fingerprint: str | None = None
    table_fingerprints: dict[str, str] | None = None
    alembic_versions: dict[str, tuple[str, ...]] | None = None
    # Exit 1 at or above this severity (the fleet's --fail-on, else the database's configuration).
    fail_on: str = "P1"
    # Seconds the audit took (when the fleet ran it), and its report files (relative to the fleet's directory).
    elapsed_s: float | None = None
    reports: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def failing(self) -> int:
        """Findings at or above ``fail_on``."""
        threshold = Severity[self.fail_on]
        return sum(n for sev, n in self.counts.items() if Severity[sev].is_at_least(threshold))

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "status": self.status, "error": self.error, "target": self.target,
            "summary": {s: self.counts.get(s, 0) for s in SEVERITIES} if self.ok else None,
            "findings": {s: self.problems.get(s, 0) for s in SEVERITIES} if self.ok else None,
            "rules": {rule: {"count": c.count, "severity": c.severity} for rule, c in sorted(self.rules.items())},
            "tables": self.tables, "fingerprint": self.fingerprint,
            "alembic_versions": None if self.alembic_versions is None
            else {t: list(v) for t, v in self.alembic_versions.items()},
            "fail_on": self.fail_on, "failing": self.failing if self.ok else None,
            "elapsed_s": None if self.elapsed_s is None else round(self.elapsed_s, 3),
            "reports": list(self.reports),
        }


def failed(name: str, status: Status, error: str, *, elapsed_s: float | None = None,
           fail_on: str = "P1") -> DatabaseSummary:
    """A database that could not be audited (or whose report is missing), with its one-line reason."""
    return DatabaseSummary(name=name, status=status, error=error, elapsed_s=elapsed_s, fail_on=fail_on)


def summary_from_report(
    document: Any, *, name: str | None = None, fail_on: str = "P1", elapsed_s: float | None = None,
    reports: tuple[str, ...] = (),
) -> DatabaseSummary:
    """The summary of one audit's JSON report; ``name`` defaults to the report's ``database.name``.
    Raises :class:`ReportFormatError` when ``document`` is not an audit report."""
    if not isinstance(document, Mapping) or document.get("format_version") != 1 or not isinstance(
            document.get("findings"), list) or not isinstance(document.get("summary"), Mapping):
        raise ReportFormatError(msg("not a dbaudit audit report (JSON format version 1)"))
    database = _table(document.get("database"))
    chosen = name or _text(database.get("name"))
    if not chosen:
        raise ReportFormatError(msg("the report names no database (database.name)"))
    rules: dict[str, RuleCount] = {}
    for finding in document["findings"]:
        if not isinstance(finding, Mapping) or finding.get("severity") not in SEVERITIES:
            raise ReportFormatError(msg("a finding without a rule or severity"))
        rule, severity = str(finding.get("rule")), str(finding["severity"])
        seen = rules.get(rule)
        worst = severity if seen is None or Severity[severity].is_at_least(Severity[seen.severity]) else seen.severity
        rules[rule] = RuleCount((seen.count if seen else 0) + 1, worst)
    counts = {s: int(document["summary"].get(s, 0)) for s in SEVERITIES}
    groups = document.get("groups")
    problems = ({s: sum(1 for g in groups if isinstance(g, Mapping) and g.get("severity") == s) for s in SEVERITIES}
                if isinstance(groups, list) else dict(counts))
    schema = _table(document.get("schema"))
    versions = database.get("alembic_versions")
    tables = database.get("tables")
    return DatabaseSummary(
        name=chosen, target=_text(document.get("target")), counts=counts, problems=problems, rules=rules,
        tables=schema.get("tables") if isinstance(schema.get("tables"), int) else None,
        fingerprint=_text(database.get("fingerprint")),
        table_fingerprints={str(k): str(v) for k, v in tables.items()} if isinstance(tables, Mapping) else None,
        alembic_versions={str(t): tuple(str(v) for v in vs) for t, vs in versions.items()}
        if isinstance(versions, Mapping) else None,
        fail_on=fail_on, elapsed_s=elapsed_s, reports=reports,
    )


def _table(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


__all__ = ["SEVERITIES", "DatabaseSummary", "ReportFormatError", "RuleCount", "Status", "failed",
           "summary_from_report"]
