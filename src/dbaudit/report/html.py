"""The audit report as one self-contained HTML file that works offline.

Everything is inline: CSS, the findings filter, the schema as JSON embedded once, the vendored ELK
layout engine and the script that draws the ER diagram of the chosen domain (orthogonal edges routed
around the boxes, pan and zoom) and builds a table's detail only when it is opened (see
:mod:`dbaudit.report.schema_view`). The file references nothing outside itself, so it can be mailed,
archived or opened on an air-gapped machine.

Large reports (more than :data:`COMPACT_ABOVE` findings or tables) are compact: the schema JSON, ELK
and every finding's body are stored gzip-compressed (base64) and inflated by the browser's own
``DecompressionStream``; a finding's body is built when it scrolls into view. A 2,000-table report
then weighs a few megabytes and opens in about a second instead of a 13 MB page that takes six.
"""

from __future__ import annotations

import base64
import json
import re
import zlib
from collections.abc import Iterable
from functools import cache

import jinja2
from markupsafe import Markup

from dbaudit.report.context import ReportContext
from dbaudit.report.erd import is_multi_schema
from dbaudit.report.i18n import texts
from dbaudit.report.markdown import LIMITS
from dbaudit.report.schema_view import (
    FindingRef,
    ViewGroup,
    asset,
    payload_chunks,
    schema_payload,
    shown_tables,
    stats_json,
    stats_payload,
    view_texts,
)
from dbaudit.report.translate import FILTERS
from dbaudit.report.writing import say, shown_evidence

ELK_VERSION = "0.12.1"
# Above this many tables the diagram offers one domain at a time, not "all tables".
ERD_ALL_LIMIT = 150
# Above this many findings or tables the report is compact (compressed blocks, lazy finding bodies).
COMPACT_ABOVE = 300
_ARTICLE = re.compile(r'<article class="finding"(?P<attrs>[^>]*)>(?P<head>.*?</h4>)(?P<body>.*?)</article>', re.S)
_DATA_TEXT = re.compile(r'\sdata-text="(?P<text>[^"]*)"')


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("dbaudit.report", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["evidence"] = shown_evidence
    env.filters.update(FILTERS)
    return env


def render_html(context: ReportContext, lang: str = "en", *, compact: bool | None = None) -> str:
    """The whole report as one HTML document; ``compact`` defaults to "when the report is large"."""
    view = view_texts(lang)
    if compact is None:
        compact = max(len(context.findings), len(shown_tables(context.model))) > COMPACT_ABOVE
    # compact: each table's record is built, encoded and compressed in turn, never all held at once
    chunks = payload_chunks(_payload(context, view, lang, lazy=compact))
    schema = packed_stream(chunks) if compact else "".join(chunks)
    page = environment().get_template("report.html.j2").render(
        c=context, t=texts(lang), w=context.writing(lang), lang=lang, view=view, erd_all_limit=ERD_ALL_LIMIT,
        limits=LIMITS, schema_json=Markup(schema),
        schema_encoding=Markup(' data-encoding="gzip"' if compact else ""),
        stats_json=Markup(stats_json(stats_payload(context.model))),
        say=lambda key, **values: say(lang, key, **values),
        **inline_assets("report.js", packed_elk=compact),
    )
    return _lazy_findings(page) if compact else page


def inline_assets(page_script: str, *, packed_elk: bool = False) -> dict[str, Markup]:
    """The vendored ELK (inert text, compressed when asked), the shared drawing script and style,
    and the page's own script."""
    elk = packed_elk_text() if packed_elk else asset("elk.bundled.js")
    return {
        "elk_js": Markup(elk), "elk_version": Markup(ELK_VERSION),
        "elk_encoding": Markup(' data-encoding="gzip"' if packed_elk else ""),
        "schema_js": Markup(asset("schema.js")), "schema_css": Markup(asset("schema.css")),
        "report_js": Markup(asset(page_script)),
    }


def packed(text: str) -> str:
    """gzip then base64: what the page's ``blockText`` inflates."""
    return packed_stream((text,))


def packed_stream(chunks: Iterable[str]) -> str:
    """:func:`packed` of the concatenated ``chunks``, compressed as they come (zlib's gzip wrapper,
    as ``gzip.compress(..., mtime=0)`` uses it: the same bytes as compressing the whole text)."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [deflate.compress(chunk.encode("utf-8")) for chunk in chunks]
    parts.append(deflate.flush())
    return base64.b64encode(b"".join(parts)).decode("ascii")


@cache
def packed_elk_text() -> str:
    return packed(asset("elk.bundled.js"))


def _lazy_findings(page: str) -> str:
    """Each finding article keeps its id, severity and category (the filter reads them) and loses its
    header, searchable text and body to one compressed block; the script puts the header back at once
    and the body when the article comes into view."""
    items: list[list[str]] = []

    def stub(match: re.Match[str]) -> str:
        attrs = match["attrs"]
        text = _DATA_TEXT.search(attrs)
        items.append([_unescape(text["text"]) if text else "", match["head"], match["body"]])
        return f'<article class="finding"{_DATA_TEXT.sub("", attrs)} data-lazy="{len(items) - 1}"></article>'

    page = _ARTICLE.sub(stub, page)
    block = (f'<script type="application/octet-stream" id="dbaudit-findings" data-encoding="gzip">'
             f"{packed(json.dumps(items, ensure_ascii=False, separators=(',', ':')))}</script>\n")
    head, sep, tail = page.rpartition("</body>")
    return head + block + sep + tail


def _unescape(text: str) -> str:
    import html  # noqa: PLC0415

    return html.unescape(text)


def _payload(context: ReportContext, view: dict[str, str], lang: str, *, lazy: bool = False) -> dict[str, object]:
    qualified = context.table_names
    groups = [ViewGroup(d.name, str(n), tuple(qualified[t] for t in d.tables if t in qualified))
              for n, d in enumerate(context.domains)]
    # A table lists the numbered findings (groups) its entries belong to, each once, in report order.
    # (Keyed by number: hashing a group, or recomputing its severity, walks all its entries.)
    headings = context.writing(lang).headings
    ref_of: dict[str, FindingRef] = {}
    group_of: dict[str, str] = {}
    for ng in context.numbered_groups:
        ref_of[ng.number] = (ng.number, ng.group.severity.name, headings.get(ng.number, ""), ng.anchor)
        group_of.update(dict.fromkeys((n.number for n in ng.findings), ng.number))
    findings: dict[str, list[FindingRef]] = {}
    for name, numbers in context.table_findings.items():
        refs = [ref_of[g] for g in dict.fromkeys(group_of[num] for num in numbers if num in group_of)]
        if refs:
            findings[name] = refs
    return schema_payload(
        context.model, groups, texts=view, anchor="table-", findings=findings, locations=context.table_locations,
        multi_schema=is_multi_schema(context.model), lazy=lazy,
    )


__all__ = ["COMPACT_ABOVE", "ELK_VERSION", "inline_assets", "packed", "render_html"]
