"""``dbaudit fleet --merge DIR``: the aggregated report from JSON reports written by separate audits
(one Kubernetes Job, Airflow task or CI job per database).

Every ``*.json`` file under ``DIR`` that is an audit report (format version 1) is one database, named
by its ``database.name`` (``dbaudit audit --fleet-name NAME``), else by its directory (``DIR/eu-1/
report.json`` is ``eu-1``) or file name. Two reports of the same name are both named by their path.
A ``report.json`` that cannot be read counts as a failed database; other JSON files (snapshots, the
fleet's own ``fleet.json``) are passed over, the first kind with a note. Names the caller expects
(the targets of a fleet file) without a report are failed databases too: a job that never wrote its
report is not silently left out.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dbaudit.atomic import STAGING_PREFIX
from dbaudit.errors import UsageError
from dbaudit.fleet.summary import DatabaseSummary, ReportFormatError, failed, summary_from_report
from dbaudit.messages import msg

REPORT_NAME = "report.json"
FLEET_NAMES = ("fleet.json",)


def read_reports(
    directory: str | Path, *, expected: Sequence[str] = (), fail_on: str = "P1",
) -> tuple[list[DatabaseSummary], list[str]]:
    """The summaries of the audit reports under ``directory`` (sorted by name), and notes on the
    files passed over."""
    root = Path(directory)
    if not root.is_dir():
        raise UsageError(f"{directory}: not a directory of JSON reports")
    found: list[tuple[DatabaseSummary, str]] = []
    notes: list[str] = []
    for path in sorted(root.rglob("*.json")):
        rel = path.relative_to(root)
        if any(part.startswith(STAGING_PREFIX) for part in rel.parts) or not path.is_file():
            continue
        by_path = _path_name(rel)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            if path.name == REPORT_NAME:
                found.append((failed(by_path, "error", msg("unreadable report {path}: {error}", path=str(rel),
                                                             error=_reason(exc)), fail_on=fail_on), by_path))
            else:
                notes.append(msg("{path} passed over: not JSON", path=str(rel)))
            continue
        if isinstance(document, dict) and "fleet_format_version" in document:
            continue  # an aggregated report (ours, from an earlier run)
        try:
            summary = summary_from_report(document, fail_on=fail_on, reports=(rel.as_posix(),))
        except ReportFormatError as exc:
            if path.name == REPORT_NAME:
                found.append((failed(by_path, "error", msg("unreadable report {path}: {error}", path=str(rel),
                                                             error=str(exc)), fail_on=fail_on), by_path))
            else:
                notes.append(msg("{path} passed over: {error}", path=str(rel), error=str(exc)))
            continue
        found.append((summary, by_path))
    summaries = _unique(found)
    names = {s.name for s in summaries}
    summaries += [failed(name, "missing", msg("no report for this database in {directory}", directory=str(root)),
                         fail_on=fail_on) for name in expected if name not in names]
    return sorted(summaries, key=lambda s: s.name), notes


def _path_name(rel: Path) -> str:
    """``eu-1`` for ``eu-1/report.json``, ``eu-1`` for ``eu-1.json``, ``x/eu-1`` for ``x/eu-1/report.json``."""
    if rel.name == REPORT_NAME and rel.parent != Path():
        return rel.parent.as_posix()
    return rel.with_suffix("").as_posix()


def _unique(found: list[tuple[DatabaseSummary, str]]) -> list[DatabaseSummary]:
    """Reports that share a name are named by their paths instead."""
    counts: dict[str, int] = {}
    for summary, _ in found:
        counts[summary.name] = counts.get(summary.name, 0) + 1
    from dataclasses import replace  # noqa: PLC0415

    return [replace(summary, name=by_path) if counts[summary.name] > 1 else summary for summary, by_path in found]


def _reason(exc: Any) -> str:
    return " ".join(str(getattr(exc, "strerror", None) or exc).split())


__all__ = ["REPORT_NAME", "read_reports"]
