"""``gitlab``: a GitLab code quality report (JSON array), for ``artifacts:reports:codequality``.

Each issue has ``description``, ``check_name`` (the rule), a ``fingerprint`` unique in the report and
stable across runs (GitLab compares the merge request's report with the target branch's by it),
``severity`` (P0 critical, P1 major, P2 minor) and ``location.path`` / ``location.lines.begin``
relative to the repository root.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from dbaudit.findings import Finding, Severity
from dbaudit.output.run import RunInfo, message

SEVERITIES = {Severity.P0: "critical", Severity.P1: "major", Severity.P2: "minor"}


def render_gitlab(findings: Sequence[Finding], info: RunInfo) -> str:
    issues = []
    for f, fp in zip(findings, info.finding_ids(findings), strict=True):
        loc = info.anchor(f) or info.placeholder(f)
        rule = info.rule(f)
        issues.append({
            "type": "issue",
            "description": f"{f.rule}: {message(f)}",
            "check_name": f.rule,
            "fingerprint": fp,
            "severity": SEVERITIES[f.severity],
            "categories": [rule.category],
            "location": {"path": loc.path, "lines": {"begin": max(loc.line, 1)}},
        })
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"


__all__ = ["render_gitlab"]
