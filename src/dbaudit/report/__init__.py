"""Reports: pure functions from the audit's view model to text (Markdown, HTML, JSON, SARIF).

``build_context`` computes what every report shows once; ``render(context, fmt, lang)`` lays it out.
Writing files is the caller's business (through :func:`dbaudit.atomic.write_text_atomic`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from dbaudit.report.context import ReportContext, SourceRef, build_context

if TYPE_CHECKING:
    from dbaudit.output.paths import PathMapper

FORMATS: dict[str, str] = {
    "md": "report.md", "html": "report.html", "json": "report.json", "sarif": "report.sarif",
}


def render(
    context: ReportContext, fmt: str, *, lang: str = "en", docs_base_uri: str | None = None,
    paths: PathMapper | None = None,
) -> str:
    """The report in one format (``md``, ``html``, ``json``, ``sarif``); ``paths`` rewrites SARIF's paths
    relative to the repository root."""
    if fmt == "md":
        from dbaudit.report.markdown import render_markdown  # noqa: PLC0415 - Jinja2 only when needed

        return render_markdown(context, lang)
    if fmt == "html":
        from dbaudit.report.html import render_html  # noqa: PLC0415

        return render_html(context, lang)
    if fmt == "json":
        from dbaudit.report.json_report import render_json  # noqa: PLC0415

        return render_json(context)
    if fmt == "sarif":
        from dbaudit.report.sarif import render_sarif  # noqa: PLC0415

        return render_sarif(context, docs_base_uri=docs_base_uri, paths=paths)
    raise ValueError(f"unknown report format {fmt!r} (expected one of {', '.join(FORMATS)})")


def write_report(
    context: ReportContext, fmt: str, out: TextIO, *, lang: str = "en", docs_base_uri: str | None = None,
    paths: PathMapper | None = None,
) -> None:
    """The report in one format written into ``out``: the same text as :func:`render`, streamed where
    the format allows (Markdown as the template renders, JSON and SARIF a finding at a time), so a
    large report is never held whole in memory."""
    if fmt == "md":
        from dbaudit.report.markdown import write_markdown  # noqa: PLC0415

        write_markdown(context, out, lang)
    elif fmt == "json":
        from dbaudit.report.json_report import write_json_report  # noqa: PLC0415

        write_json_report(context, out)
    elif fmt == "sarif":
        from dbaudit.report.sarif import write_sarif_report  # noqa: PLC0415

        write_sarif_report(context, out, docs_base_uri=docs_base_uri, paths=paths)
    else:
        out.write(render(context, fmt, lang=lang, docs_base_uri=docs_base_uri, paths=paths))


__all__ = ["FORMATS", "ReportContext", "SourceRef", "build_context", "render", "write_report"]
