"""The report filters that put what the analyses wrote into the report's language.

Findings and notes carry :class:`dbaudit.messages.Msg` values (English text plus template and
parameters); the templates call ``tr`` on them, ``tr_sql`` on fix and verification scripts (their
``-- ...`` comments) and ``tr_title`` on rule titles. Each filter reads ``lang`` from the template's
variables, so one cached Jinja environment serves every language. Two filters shorten what the
report says once elsewhere: ``labels`` cuts the sources' names from drift's labels, ``unqualified``
the ``public.`` of names in prose.
"""

from __future__ import annotations

from typing import Any

import jinja2

from dbaudit.messages import catalogue, translate, translate_sql


def rule_title(title: str, lang: str) -> str:
    """A rule's one-line title (its docstring's first line) in ``lang``, English when not catalogued."""
    return catalogue(lang).get(title, title) if lang != "en" else title


@jinja2.pass_context
def _tr(context: Any, text: object) -> object:
    return translate(text, context.get("lang", "en")) if isinstance(text, str) else text


@jinja2.pass_context
def _tr_sql(context: Any, sql: object) -> object:
    return translate_sql(sql, context.get("lang", "en")) if isinstance(sql, str) else sql


@jinja2.pass_context
def _tr_title(context: Any, title: object) -> object:
    return rule_title(title, context.get("lang", "en")) if isinstance(title, str) else title


@jinja2.pass_context
def _labels(context: Any, text: object) -> object:
    """Drift labels without the sources' names (``models: …``): the report lists the sources once."""
    from dbaudit.report.condense import shorten_labels  # noqa: PLC0415 - condense imports the writing layer

    report = context.get("c")
    labels = getattr(report, "source_labels", ())
    return shorten_labels(text, labels) if isinstance(text, str) and labels else text


def _unqualified(text: object) -> object:
    """Prose names without the ``public.`` schema (SQL keeps it)."""
    from dbaudit.report.condense import unqualified  # noqa: PLC0415 - condense imports the writing layer

    return unqualified(text) if isinstance(text, str) else text


FILTERS = {"tr": _tr, "tr_sql": _tr_sql, "tr_title": _tr_title, "labels": _labels, "unqualified": _unqualified}

__all__ = ["FILTERS", "rule_title"]
