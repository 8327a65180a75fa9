"""The schema reference as one self-contained HTML file (``index.html``): every group and table, the
diagrams laid out in the browser by the vendored ELK, a table's detail built when it is opened. The
same JSON and drawing code as the audit report (:mod:`dbaudit.report.schema_view`)."""

from __future__ import annotations

from functools import cache

import jinja2
from markupsafe import Markup

from dbaudit.docs.markdown import DocsInput
from dbaudit.report.html import inline_assets
from dbaudit.report.schema_view import payload_json, schema_payload, stats_json, view_texts


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("dbaudit.docs", "templates"),
        autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
    )


def render_docs_html(inp: DocsInput, lang: str) -> str:
    texts = {**view_texts(lang), **inp.texts}
    texts["summary_text"] = inp.texts["summary"].format(
        tables=sum(len(g.tables) for g in inp.groups), groups=len(inp.groups), source=inp.source_label,
    )
    findings = {
        name: [("", sev, f"{rule}: {title}", "") for sev, rule, title in items]
        for name, items in inp.findings.items()
    }
    payload = schema_payload(inp.model, inp.groups, texts=texts, anchor="t/", findings=findings,
                             multi_schema=inp.multi_schema)
    return environment().get_template("docs.html.j2").render(
        t=texts, lang=lang, groups=inp.groups,
        schema_json=Markup(payload_json(payload)),
        schema_encoding=Markup(""),
        stats_json=Markup(stats_json(inp.stats)),
        **inline_assets("docs.js"),
    )


__all__ = ["render_docs_html"]
