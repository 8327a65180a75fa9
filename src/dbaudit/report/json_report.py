"""The audit as JSON: the versioned contract of PRODUCT.md (format version 1).

The required keys (``dbaudit_version``, ``format_version``, ``sources``, ``findings``, ``summary``)
never change meaning; everything else (``generated_at``, ``target``, ``notes``, ``schema``,
``database``) is additive. ``docs/report-schema-v1.json`` documents the shape and a test validates output against it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TextIO

from dbaudit.model.serialize import to_jsonable
from dbaudit.model.statistics import RuntimeStatistics
from dbaudit.output.jsontext import json_text, write_json
from dbaudit.report.context import ReportContext

FORMAT_VERSION = 1


def report_dict(context: ReportContext, *, lazy: bool = False) -> dict[str, Any]:
    """The report as a JSON-ready dict, findings sorted most severe first; ``lazy`` gives the findings
    as an iterator that builds each one when it is written (see :func:`write_json_report`)."""
    findings = _findings(context)
    return {
        "dbaudit_version": context.dbaudit_version,
        "format_version": FORMAT_VERSION,
        "generated_at": context.generated_at.isoformat(),
        "target": context.target,
        "sources": [s.to_json() for s in context.sources],
        "findings": findings if lazy else list(findings),
        "summary": dict(context.counts),
        # The numbered findings of the Markdown/HTML report: one per problem, listing entry ids.
        "groups": [
            {"key": ng.group.key, "number": ng.number, "severity": ng.group.severity.name,
             "title": context.writing("en").headings[ng.number], "rules": list(ng.group.rules),
             "objects": list(ng.group.objects), "ids": [n.id for n in ng.findings]}
            for ng in context.numbered_groups
        ],
        "notes": [{"message": n.message, "rule": n.rule} for n in context.notes],
        # No fingerprint here: it costs a second per 5,000 tables; snapshots carry it.
        "schema": {
            "tables": context.erd_total,
            "capabilities": list(context.capabilities),
        },
        **({"statistics": statistics_json(context.statistics)} if context.statistics is not None else {}),
        # What `dbaudit fleet --merge` reads: name, Alembic revisions, fingerprints (with --fleet-name).
        **({"database": context.database.to_json()} if context.database is not None else {}),
        # Schemas sharing one structure: the template, the schemas of that structure, and the deviant
        # groups with their differences (findings name a group by its audited schema).
        **({"tenants": context.tenants.to_json()} if context.tenants is not None else {}),
    }


def statistics_json(stats: RuntimeStatistics) -> dict[str, Any]:
    """The runtime statistics (section B and the forecasts) with their derived figures."""
    data: dict[str, Any] = to_jsonable(stats)
    data["statements"] = [
        {**to_jsonable(s), "advice": [{**to_jsonable(a), "reduction": a.reduction} for a in s.advice]}
        for s in stats.statements
    ]
    data["sequences"] = [{**to_jsonable(g), "used": g.used, "days_left": g.days_left} for g in stats.sequences]
    data["xid"] = [{**to_jsonable(x), "used": x.used, "headroom": x.headroom} for x in stats.xid]
    data["bloat"] = [{**to_jsonable(b), "ratio": b.ratio, "estimate": True} for b in stats.bloat]
    data["tables"] = [{**to_jsonable(t), "writes": t.writes, "reads": t.reads} for t in stats.tables]
    return data


def _findings(context: ReportContext) -> Iterator[dict[str, Any]]:
    for n in context.findings:
        yield {"id": n.id, "group": n.group, **n.finding.to_json()}


def write_json_report(context: ReportContext, out: TextIO) -> None:
    """The JSON text into ``out``: the envelope indented, one finding (group, note) per line."""
    write_json(report_dict(context, lazy=True), out)


def render_json(context: ReportContext) -> str:
    """The JSON text, ending with a newline (so ``> file`` and ``| jq`` both behave)."""
    return json_text(report_dict(context, lazy=True))


__all__ = ["FORMAT_VERSION", "render_json", "report_dict", "write_json_report"]
