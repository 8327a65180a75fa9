"""The audit report as one self-contained HTML file that works offline.

Everything is inline: CSS, a few lines of JavaScript to filter findings by severity, category and
text, and the ER diagram as SVG (see :mod:`dbaudit.report.erd_svg` for why not Mermaid). The file
references nothing outside itself, so it can be mailed, archived or opened on an air-gapped machine.
"""

from __future__ import annotations

from functools import cache

import jinja2
from markupsafe import Markup

from dbaudit.report.context import ReportContext
from dbaudit.report.erd_svg import erd_svg
from dbaudit.report.i18n import texts
from dbaudit.report.writing import say


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
    svg = Markup(erd_svg(context.model))  # built from escaped parts in erd_svg
    template = environment().get_template("report.html.j2")
    return template.render(c=context, t=texts(lang), w=context.writing(lang), lang=lang, svg=svg,
                           say=lambda key, **values: say(lang, key, **values))


__all__ = ["render_html"]
