"""The audit report as one self-contained HTML file that works offline.

Everything is inline: CSS, the findings filter, the schema as JSON embedded once, the vendored ELK
layout engine and the script that draws the ER diagram of the chosen domain (orthogonal edges routed
around the boxes, pan and zoom) and builds a table's detail only when it is opened (see
:mod:`dbaudit.report.schema_view`). The file references nothing outside itself, so it can be mailed,
archived or opened on an air-gapped machine; a 2,000-table report opens in well under two seconds
because the browser does not build every table's DOM up front.
"""

from __future__ import annotations

from functools import cache

import jinja2
from markupsafe import Markup

from dbaudit.report.context import ReportContext
from dbaudit.report.erd import is_multi_schema
from dbaudit.report.i18n import texts
from dbaudit.report.schema_view import (
    FindingRef,
    ViewGroup,
    asset,
    payload_json,
    schema_payload,
    stats_json,
    stats_payload,
    view_texts,
)

ELK_VERSION = "0.12.1"
# Above this many tables the diagram offers one domain at a time, not "all tables".
ERD_ALL_LIMIT = 150


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("dbaudit.report", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def render_html(context: ReportContext, lang: str = "en") -> str:
    """The whole report as one HTML document."""
    view = view_texts(lang)
    return environment().get_template("report.html.j2").render(
        c=context, t=texts(lang), w=context.writing(lang), lang=lang, view=view, erd_all_limit=ERD_ALL_LIMIT,
        schema_json=Markup(payload_json(_payload(context, view))),  # noqa: S704 - JSON escaped for <script>
        stats_json=Markup(stats_json(stats_payload(context.model))),  # noqa: S704
        **inline_assets("report.js"),
    )


def inline_assets(page_script: str) -> dict[str, Markup]:
    """The vendored ELK, the shared drawing script and style, and the page's own script."""
    return {
        "elk_js": Markup(asset("elk.bundled.js")), "elk_version": Markup(ELK_VERSION),  # noqa: S704
        "schema_js": Markup(asset("schema.js")), "schema_css": Markup(asset("schema.css")),  # noqa: S704
        "report_js": Markup(asset(page_script)),  # noqa: S704
    }


def _payload(context: ReportContext, view: dict[str, str]) -> dict[str, object]:
    qualified = {d.name: d.qualified_name for d in context.tables}
    groups = [ViewGroup(d.name, str(n), tuple(qualified[t] for t in d.tables if t in qualified))
              for n, d in enumerate(context.domains)]
    numbered = {n.number: n for n in context.findings}
    findings: dict[str, list[FindingRef]] = {}
    for detail in context.tables:
        refs = [(num, numbered[num].finding.severity.name, numbered[num].finding.title, numbered[num].anchor)
                for num in detail.findings if num in numbered]
        if refs:
            findings[detail.qualified_name] = refs
    locations = {d.qualified_name: d.location for d in context.tables if d.location}
    return schema_payload(
        context.model, groups, texts=view, anchor="table-", findings=findings, locations=locations,
        multi_schema=is_multi_schema(context.model),
    )


__all__ = ["ELK_VERSION", "inline_assets", "render_html"]
