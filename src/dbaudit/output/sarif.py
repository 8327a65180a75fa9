"""SARIF 2.1.0, the format GitHub code scanning ingests, for ``audit`` and ``lint-migrations`` alike.

One run, tool ``dbaudit``; ``tool.driver.rules`` describes every rule that produced a finding (title,
rationale, full documentation as Markdown help, ``helpUri`` to its page, default level from its
default severity) and each result points at its rule by id and index.

- Locations: the finding's own file:line, else where the models or migrations declare its object,
  else the audited file, else a path naming the object (GitHub rejects the whole log when one result
  has no physical location). Paths are relative to the repository root (``%SRCROOT%``), so a project
  under ``backend/`` resolves. Database objects are also logical locations (``table``, ``column``...).
- ``partialFingerprints``: the finding's stable fingerprint (:func:`dbaudit.findings.fingerprint`:
  rule and main object, never line numbers), unique within the log; an audit's are its JSON ids.
- At most ``MAX_RESULTS`` results (GitHub keeps no more per run), most severe first; when cut, a
  tool notification says how many were left out.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import PurePosixPath
from typing import Any, TextIO
from urllib.parse import quote

from dbaudit.findings import Finding, Severity, sort_findings, unique_fingerprints
from dbaudit.model.schema import Location
from dbaudit.output.jsontext import json_text, write_json
from dbaudit.output.run import RunInfo, message
from dbaudit.report.context import RuleMeta

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {Severity.P0: "error", Severity.P1: "warning", Severity.P2: "note"}
FINGERPRINT_KEY = "dbauditFinding/v1"
MAX_RESULTS = 5000


def sarif_log(
    findings: Sequence[Finding], info: RunInfo, *, numbers: Sequence[str] | None = None, lazy: bool = False,
) -> dict[str, Any]:
    """The SARIF log as a dict; ``numbers`` are the report's finding numbers (``P1-3``), when any;
    ``lazy`` gives the results as an iterator that builds each one when it is written."""
    ordered = list(findings) if numbers is not None else list(sort_findings(tuple(findings)))
    ids = info.finding_ids(findings) if numbers is not None else unique_fingerprints(ordered)
    kept = ordered[:MAX_RESULTS]
    rules: dict[str, RuleMeta] = {}
    for f in kept:
        rules.setdefault(f.rule, info.rule(f))
    index = {rule_id: i for i, rule_id in enumerate(rules)}
    results: Iterator[dict[str, Any]] = (
        _result(f, index[f.rule], ids[i], numbers[i] if numbers is not None else None, info)
        for i, f in enumerate(kept)
    )
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "dbaudit",
            "version": info.tool_version,
            "semanticVersion": info.tool_version,
            "rules": [_descriptor(r, info) for r in rules.values()],
        }},
        "results": results if lazy else list(results),
        "columnKind": "unicodeCodePoints",
        "properties": {"command": info.command, "notes": [n.message for n in info.notes]},
    }
    if info.target:
        run["properties"]["target"] = info.target
    if len(ordered) > len(kept):
        left = len(ordered) - len(kept)
        text = (f"{left} of {len(ordered)} results were left out: a run keeps at most {MAX_RESULTS} "
                "(GitHub code scanning's limit), the most severe first; the JSON report has them all")
        run["invocations"] = [{"executionSuccessful": True, "toolExecutionNotifications": [
            {"level": "warning", "message": {"text": text}},
        ]}]
        run["properties"]["notes"].append(text)
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


# The log's envelope is indented down to each run's members; a result per line below that.
SARIF_DEPTH = 3


def render_sarif(findings: Sequence[Finding], info: RunInfo, *, numbers: Sequence[str] | None = None) -> str:
    return json_text(sarif_log(findings, info, numbers=numbers, lazy=True), depth=SARIF_DEPTH)


def write_sarif(
    findings: Sequence[Finding], info: RunInfo, out: TextIO, *, numbers: Sequence[str] | None = None,
) -> None:
    """The SARIF log into ``out``, one result per line, each built when it is written."""
    write_json(sarif_log(findings, info, numbers=numbers, lazy=True), out, depth=SARIF_DEPTH)


def _descriptor(rule: RuleMeta, info: RunInfo) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.rationale or rule.title},
        "help": {"text": rule.doc or rule.title, "markdown": rule.doc or rule.title},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {
            "tags": [rule.category, "database"], "category": rule.category, "docs": rule.help_path,
        },
    }
    uri = info.help_uri(rule)
    if uri:
        out["helpUri"] = uri
    return out


def _result(f: Finding, rule_index: int, fp: str, number: str | None, info: RunInfo) -> dict[str, Any]:
    anchor = info.anchor(f) or info.placeholder(f)
    first: dict[str, Any] = {"physicalLocation": _physical(anchor)}
    if info.object_kind is not None and f.objects:
        kind = info.object_kind
        first["logicalLocations"] = [
            {"name": obj.rsplit(".", 1)[-1], "fullyQualifiedName": obj, "kind": kind(obj)} for obj in f.objects
        ]
    result: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": LEVELS[f.severity],
        "message": {"text": message(f)},
        "locations": [first],
        "partialFingerprints": {FINGERPRINT_KEY: fp},
        "properties": {
            "severity": f.severity.name,
            "category": f.category,
            "objects": list(f.objects),
            **({"number": number} if number else {}),
            **({"fix_sql": f.fix_sql} if f.fix_sql else {}),
            **({"verify_sql": f.verify_sql} if f.verify_sql else {}),
        },
    }
    related = [Location(info.paths(loc.path), loc.line) for loc in f.locations[1:]]
    if related:
        result["relatedLocations"] = [{"id": i, "physicalLocation": _physical(loc)}
                                      for i, loc in enumerate(related, start=1)]
    return result


def _physical(loc: Location) -> dict[str, Any]:
    path = loc.path.replace("\\", "/")
    artifact = (
        {"uri": PurePosixPath(path).as_uri()} if path.startswith("/")
        else {"uri": quote(path, safe="/-._~"), "uriBaseId": "%SRCROOT%"}
    )
    out: dict[str, Any] = {"artifactLocation": artifact}
    if loc.line and loc.line > 0:
        out["region"] = {"startLine": loc.line}
    return out


__all__ = ["FINGERPRINT_KEY", "LEVELS", "MAX_RESULTS", "render_sarif", "sarif_log", "write_sarif"]
