"""The audit as SARIF 2.1.0, the format GitHub code scanning ingests.

One run, tool ``dbaudit``; ``tool.driver.rules`` describes every rule that produced a finding (title,
rationale, full documentation as Markdown help, default level from its default severity) and each
result points at its rule by id and index. A finding with file:line locations gets a physical
location (relative URI under ``%SRCROOT%``, start line), the rest as related locations; every result
also names its database objects as logical locations (kind ``table``, ``column``, ``index``…), which
is all a finding on a live database has.

``helpUri`` must be an absolute URI, and dbaudit's documentation has no fixed address: it is written
only when ``docs_base_uri`` is given (e.g. ``https://github.com/org/repo/blob/main/``); the repository
path of the rule page is always in ``properties.docs`` and the page itself in ``help.markdown``.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from dbaudit.findings import Finding, Severity
from dbaudit.model.schema import Location, SchemaModel
from dbaudit.report.context import NumberedFinding, ReportContext, RuleMeta

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {Severity.P0: "error", Severity.P1: "warning", Severity.P2: "note"}
FINGERPRINT_KEY = "dbauditFinding/v1"


def sarif_dict(context: ReportContext, *, docs_base_uri: str | None = None) -> dict[str, Any]:
    rules = list(context.rules)
    index = {r.id: i for i, r in enumerate(rules)}
    kinds = object_kinds(context.model)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "dbaudit",
                        "version": context.dbaudit_version,
                        "semanticVersion": context.dbaudit_version,
                        "rules": [_descriptor(r, docs_base_uri) for r in rules],
                    }
                },
                "results": [
                    _result(n, index[n.rule.id], context, kinds) for n in context.findings
                ],
                "columnKind": "unicodeCodePoints",
                "properties": {
                    "target": context.target,
                    "notes": [n.message for n in context.notes],
                },
            }
        ],
    }


def render_sarif(context: ReportContext, *, docs_base_uri: str | None = None) -> str:
    return json.dumps(sarif_dict(context, docs_base_uri=docs_base_uri), indent=2, ensure_ascii=False) + "\n"


def _descriptor(rule: RuleMeta, docs_base_uri: str | None) -> dict[str, Any]:
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
    if docs_base_uri:
        out["helpUri"] = docs_base_uri.rstrip("/") + "/" + rule.help_path
    return out


def _result(n: NumberedFinding, rule_index: int, context: ReportContext, kinds: dict[str, str]) -> dict[str, Any]:
    f = n.finding
    logical = [_logical(obj, context.model, kinds) for obj in f.objects]
    physical = [_physical(loc) for loc in f.locations] or [anchor(f, context)]
    first: dict[str, Any] = {"physicalLocation": physical[0]}
    if logical:
        first["logicalLocations"] = logical
    result: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": LEVELS[f.severity],
        "message": {"text": _message(f)},
        "locations": [first],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(f)},
        "properties": {
            "severity": f.severity.name,
            "category": f.category,
            "objects": list(f.objects),
            "number": n.number,
            **({"fix_sql": f.fix_sql} if f.fix_sql else {}),
            **({"verify_sql": f.verify_sql} if f.verify_sql else {}),
        },
    }
    if len(physical) > 1:
        result["relatedLocations"] = [
            {"id": i, "physicalLocation": p} for i, p in enumerate(physical[1:], start=1)
        ]
    return result


PLACEHOLDER_DIR = ".dbaudit/database"


def anchor(f: Finding, context: ReportContext) -> dict[str, Any]:
    """A physical location for a finding without file:line, because GitHub code scanning rejects
    the whole log when one result lacks one: where the models or migrations declare the object (or
    its table), else the audited file, else a placeholder path naming the object."""
    for obj in f.objects:
        for name in (obj, obj.rpartition(".")[0]):
            loc = context.object_locations.get(name)
            if loc is not None:
                return _physical(loc)
    target = context.target
    if "://" not in target and target.endswith((".sql", ".json")):
        return _physical(Location(target, 0))
    name = f.objects[0] if f.objects else f.rule
    return _physical(Location(f"{PLACEHOLDER_DIR}/{name}", 0))


def _message(f: Finding) -> str:
    text = f.title.rstrip(".") + "."
    if f.evidence:
        text += " " + " ".join(e.rstrip(".") + "." for e in f.evidence)
    return text


def fingerprint(f: Finding) -> str:
    """Stable identity of a finding across runs: rule and objects, not wording or line numbers."""
    return hashlib.sha256("\x1f".join((f.rule, *f.objects)).encode("utf-8")).hexdigest()


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


def _logical(obj: str, model: SchemaModel, kinds: dict[str, str]) -> dict[str, Any]:
    return {"name": obj.rsplit(".", 1)[-1], "fullyQualifiedName": obj, "kind": object_kind(obj, model, kinds)}


_MIGRATION = re.compile(r"\.py$|/")


def object_kinds(model: SchemaModel) -> dict[str, str]:
    """Kinds of the model's named objects (tables, indexes, constraints, sequences, types) by name."""
    kinds: dict[str, str] = {}
    for e in model.enums:
        kinds[e.qualified_name] = "type"
    for s in model.sequences:
        kinds[s.qualified_name] = "sequence"
    for t in model.tables:
        for name in (*(c.name for c in t.foreign_keys), *(c.name for c in t.uniques),
                     *(c.name for c in t.checks)):
            kinds[f"{t.schema}.{name}"] = "constraint"
        for i in t.indexes:
            kinds[f"{t.schema}.{i.name}"] = "index"
    for t in model.tables:
        kinds[t.qualified_name] = "table"
    return kinds


def object_kind(obj: str, model: SchemaModel, kinds: dict[str, str] | None = None) -> str:
    """What a finding's object name denotes in the model: table, column, index, constraint, sequence."""
    known = (kinds if kinds is not None else object_kinds(model)).get(obj)
    if known is not None:
        return known
    head, _, tail = obj.rpartition(".")
    table = model.table(head)
    if table is not None and table.column(tail) is not None:
        return "column"
    return "file" if _MIGRATION.search(obj) else "object"


__all__ = ["LEVELS", "fingerprint", "object_kind", "object_kinds", "render_sarif", "sarif_dict"]
