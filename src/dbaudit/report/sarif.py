"""The audit report as SARIF 2.1.0: the shared SARIF writer (:mod:`dbaudit.output.sarif`) fed from the
report's view model, so ``report.sarif`` and ``--output-format sarif`` are the same document.

The view model adds what only an audit knows: the report's finding numbers, where the models and
migrations declare each object (the anchor of a finding on a live database) and what each object is
(table, column, index...) for the logical locations.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, TextIO

from dbaudit.findings import fingerprint
from dbaudit.model.schema import SchemaModel
from dbaudit.output.paths import PathMapper
from dbaudit.output.run import PLACEHOLDER_DIR, RunInfo
from dbaudit.output.sarif import FINGERPRINT_KEY, LEVELS, MAX_RESULTS, sarif_log
from dbaudit.output.sarif import render_sarif as _render
from dbaudit.output.sarif import write_sarif as _write
from dbaudit.report.context import ReportContext


def run_info(context: ReportContext, *, docs_base_uri: str | None = None, paths: PathMapper | None = None) -> RunInfo:
    """The SARIF writer's view of an audit."""
    # only the names the findings cite: a 10,000-table model has a hundred thousand named objects
    kinds = object_kinds(context.model, only={o for n in context.findings for o in n.finding.objects})
    return RunInfo(
        tool_version=context.dbaudit_version, command="audit", paths=paths or PathMapper(),
        rules={n.rule.id: n.rule for n in context.findings}, docs_base_uri=docs_base_uri,
        notes=context.notes, declared=context.object_locations, target=context.target,
        object_kind=lambda obj: object_kind(obj, context.model, kinds), ids=_ids(context),
    )


def sarif_dict(context: ReportContext, *, docs_base_uri: str | None = None,
               paths: PathMapper | None = None) -> dict[str, Any]:
    info = run_info(context, docs_base_uri=docs_base_uri, paths=paths)
    return sarif_log([n.finding for n in context.findings], info, numbers=[n.number for n in context.findings])


def render_sarif(context: ReportContext, *, docs_base_uri: str | None = None,
                 paths: PathMapper | None = None) -> str:
    info = run_info(context, docs_base_uri=docs_base_uri, paths=paths)
    return _render([n.finding for n in context.findings], info, numbers=[n.number for n in context.findings])


def write_sarif_report(context: ReportContext, out: TextIO, *, docs_base_uri: str | None = None,
                       paths: PathMapper | None = None) -> None:
    """The SARIF log into ``out``, streamed one result per line."""
    info = run_info(context, docs_base_uri=docs_base_uri, paths=paths)
    _write([n.finding for n in context.findings], info, out, numbers=[n.number for n in context.findings])


def _ids(context: ReportContext) -> tuple[str, ...] | None:
    """The JSON entry ids, the same identity in every document (absent in a context built by hand)."""
    ids = tuple(n.id for n in context.findings)
    return ids if all(ids) else None


def object_kinds(model: SchemaModel, *, only: Collection[str] | None = None) -> dict[str, str]:
    """Kinds of the model's named objects (tables, indexes, constraints, sequences, types) by name;
    ``only`` these names when given."""
    kinds: dict[str, str] = {}

    def put(name: str, kind: str) -> None:
        if only is None or name in only:
            kinds[name] = kind

    for e in model.enums:
        put(e.qualified_name, "type")
    for s in model.sequences:
        put(s.qualified_name, "sequence")
    for t in model.tables:
        for name in (*(c.name for c in t.foreign_keys), *(c.name for c in t.uniques),
                     *(c.name for c in t.checks)):
            put(f"{t.schema}.{name}", "constraint")
        for i in t.indexes:
            put(f"{t.schema}.{i.name}", "index")
    for t in model.tables:
        put(t.qualified_name, "table")
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
    return "file" if obj.endswith(".py") or "/" in obj else "object"


__all__ = [
    "FINGERPRINT_KEY", "LEVELS", "MAX_RESULTS", "PLACEHOLDER_DIR", "fingerprint", "object_kind", "object_kinds",
    "render_sarif", "run_info", "sarif_dict", "write_sarif_report",
]
