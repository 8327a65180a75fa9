"""The audit report as Markdown, laid out like the expert report in ``seeds/`` (sections I-V, A-B).

A pure function of the view model: ``render_markdown(context, lang="zh")``. Fixed text comes from
:mod:`dbaudit.report.i18n`; what a rule wrote goes through the message catalogue of ``lang``
(:mod:`dbaudit.messages`) and is escaped only where Markdown would misread it (backticks in inline
code, pipes in table cells, fences inside SQL).
"""

from __future__ import annotations

import re
from functools import cache

import jinja2

from dbaudit.report.context import ReportContext
from dbaudit.report.i18n import texts
from dbaudit.report.translate import FILTERS
from dbaudit.report.writing import say, shown_evidence

_BACKTICKS = re.compile(r"`+")


def code(text: object) -> str:
    """Inline code that survives backticks in the text (a longer delimiter, padded)."""
    value = str(text)
    longest = max((len(m) for m in _BACKTICKS.findall(value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if longest or value.startswith(" ") or value.endswith(" ") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def cell(text: object) -> str:
    """Text safe inside a Markdown table cell: no pipe or newline breaks the row."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def line(text: object) -> str:
    """Free text on one list line: newlines become spaces so a bullet stays one bullet."""
    return " ".join(str(text).split())


def fenced(text: object, lang: str = "sql") -> str:
    """A fenced code block whose fence is longer than any backtick run inside the text."""
    value = str(text).rstrip("\n")
    longest = max((len(m) for m in _BACKTICKS.findall(value)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{value}\n{fence}"


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("dbaudit.report", "templates"),
        autoescape=False,  # Markdown, not HTML: escaping is done by the filters above
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(code=code, cell=cell, line=line, fenced=fenced, evidence=shown_evidence, **FILTERS)
    return env


def render_markdown(context: ReportContext, lang: str = "en") -> str:
    """The whole report as Markdown text."""
    t = texts(lang)
    template = environment().get_template("report.md.j2")
    text = template.render(
        c=context, t=t, w=context.writing(lang), lang=lang, say=lambda key, **values: say(lang, key, **values))
    # Templates leave blank-line runs where optional parts are empty; one blank line is enough.
    return re.sub(r"\n{3,}", "\n\n", text)


__all__ = ["cell", "code", "fenced", "render_markdown"]
