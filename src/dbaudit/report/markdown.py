"""The audit report as Markdown, laid out like the expert report in ``seeds/`` (sections I-V, A-B).

A pure function of the view model: ``render_markdown(context, lang="zh")``. Fixed text comes from
:mod:`dbaudit.report.i18n`; what a rule wrote goes through the message catalogue of ``lang``
(:mod:`dbaudit.messages`) and is escaped only where Markdown would misread it (backticks in inline
code, pipes in table cells, fences inside SQL).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import TextIO

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


@dataclass(frozen=True)
class MarkdownLimits:
    """How much of a large schema the Markdown (and HTML) report spells out; the rest is counted, with a
    pointer to the HTML report (every table) or the JSON report. (A finding's objects and scripts are
    condensed by :mod:`dbaudit.report.condense`.)"""

    # tables in A3 (table detail)
    tables: int = 300
    # names in one line of A1 (tables of a domain; in the HTML report too) and of the tenant section
    names: int = 1000
    # differences of one deviant group of tenant schemas (all of them in report.json)
    differences: int = 50


LIMITS = MarkdownLimits()

_BLANK_RUNS = re.compile(r"\n{3,}")
# Characters of template output collected before they are squeezed and written.
_CHUNK = 1 << 20


def _squeezed(pieces: Iterable[str]) -> Iterable[str]:
    """The text of ``pieces`` with every run of blank lines cut to one (templates leave runs where
    optional parts are empty), in chunks: a run that spans two chunks is held back until it ends."""
    pending = ""
    batch: list[str] = []
    size = 0
    for piece in pieces:
        batch.append(piece)
        size += len(piece)
        if size >= _CHUNK:
            text = pending + "".join(batch)
            body = text.rstrip("\n")
            pending = text[len(body):]
            batch, size = [], 0
            if body:
                yield _BLANK_RUNS.sub("\n\n", body)
    yield _BLANK_RUNS.sub("\n\n", pending + "".join(batch))


def _pieces(context: ReportContext, lang: str, limits: MarkdownLimits) -> Iterable[str]:
    template = environment().get_template("report.md.j2")
    return template.generate(
        c=context, t=texts(lang), w=context.writing(lang), lang=lang, limits=limits,
        say=lambda key, **values: say(lang, key, **values))


def write_markdown(context: ReportContext, out: TextIO, lang: str = "en", *, limits: MarkdownLimits = LIMITS) -> None:
    """The whole report as Markdown into ``out``, streamed as the template renders."""
    for chunk in _squeezed(_pieces(context, lang, limits)):
        out.write(chunk)


def render_markdown(context: ReportContext, lang: str = "en", *, limits: MarkdownLimits = LIMITS) -> str:
    """The whole report as Markdown text."""
    return "".join(_squeezed(_pieces(context, lang, limits)))


__all__ = ["LIMITS", "MarkdownLimits", "cell", "code", "fenced", "render_markdown", "write_markdown"]
