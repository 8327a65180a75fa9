"""Translatable text: every sentence an analysis writes is a :class:`Msg`, translated when rendered.

A :class:`Msg` *is* the English text (a ``str`` subclass: JSON, SARIF, comparisons and hashing see
exactly what they always saw) and also carries its template and parameters::

    msg("FK {table}({columns}) has no supporting index", table=..., columns=...)

Reports in another language look the template up in that language's catalogue
(:mod:`dbaudit.messages.zh`, keyed by the English template) and fill in the same parameters:
identifiers and SQL stay verbatim, parameters that are themselves messages are translated
recursively. A template without a translation renders in English.

Rules of the game (a test checks the first three over the whole source tree):

- the template is a string literal (so the catalogue can be checked without running anything);
- placeholders are plain names (``{table}``, ``{n:,}``), never attribute or index lookups;
- a template called without parameters is literal text: braces in it are not placeholders;
- prose inside generated SQL (``-- ...`` comments) is written with :func:`sql_comment`, which returns
  plain text; :func:`translate_sql` finds those comments in any SQL by their template.

This package imports nothing else from dbaudit: every layer may use it.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

__all__ = [
    "Msg", "catalogue", "join", "msg", "placeholders", "sql_comment", "translate", "translate_sql",
]

_EMPTY: Mapping[str, Any] = {}


class Msg(str):
    """English text that knows the template and parameters it was made from."""

    __slots__ = ("params", "template")
    template: str
    params: Mapping[str, Any]

    def __new__(cls, template: str, params: Mapping[str, Any] = _EMPTY, text: str | None = None) -> Msg:
        if text is None:
            text = template.format(**params) if params else template
        self = super().__new__(cls, text)
        self.template = template
        self.params = params
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        # str's default would rebuild from the English text alone and lose the template
        return (Msg, (self.template, dict(self.params), str(self)))

    def render(self, lang: str) -> str:
        """This text in ``lang``; English when the catalogue has no translation of the template."""
        target = catalogue(lang).get(self.template) if lang != "en" else None
        if target is None and self.params and _structural(self.template):
            target = self.template  # "{table}: {reason}": nothing to translate but the parameters
        if target is None:
            return str.__str__(self)
        if not self.params:
            return target
        return target.format(**{k: translate(v, lang) if isinstance(v, Msg) else v for k, v in self.params.items()})


class _Joined(Msg):
    """Several messages joined by a separator (``"; ".join(reasons)`` that stays translatable)."""

    __slots__ = ()

    def render(self, lang: str) -> str:
        return translate(self.params["sep"], lang).join(translate(p, lang) for p in self.params["parts"])

    def __reduce__(self) -> tuple[Any, ...]:
        return (join, (self.params["sep"], tuple(self.params["parts"])))


_str_new = str.__new__


def msg(template: str, /, **params: Any) -> Msg:
    """The English text of ``template`` filled with ``params`` (``str.format``), translatable.

    Built without going through :meth:`Msg.__new__`: a 10,000-table audit makes ~100,000 of these;
    a message without parameters is made once per template and shared (templates are literals)."""
    if not params:
        cached = _LITERALS.get(template)
        if cached is None:
            cached = _LITERALS[template] = _str_new(Msg, template)
            cached.template = template
            cached.params = _EMPTY
        return cached
    self: Msg = _str_new(Msg, template.format_map(params))
    self.template = template
    self.params = params
    return self


_LITERALS: dict[str, Msg] = {}


def join(sep: str, parts: Iterable[str]) -> str:
    """``sep.join(parts)`` that stays translatable when some part is a :class:`Msg`."""
    items = tuple(parts)
    text = sep.join(items)
    if not isinstance(sep, Msg) and not any(isinstance(p, Msg) for p in items):
        return text
    return _Joined("", {"sep": sep, "parts": items}, text)


def translate(text: str, lang: str) -> str:
    """``text`` in ``lang``: a message through the catalogue, any other string as it is."""
    if lang == "en" or not isinstance(text, Msg):
        return text
    return text.render(lang)


def placeholders(template: str) -> tuple[str, ...]:
    """The field names of a template, in order (``"{a} and {b:,}"`` -> ``("a", "b")``)."""
    return tuple(name for _, name, _, _ in string.Formatter().parse(template) if name is not None)


# -- prose inside generated SQL ---------------------------------------------------------------------


def sql_comment(template: str, /, **params: Any) -> str:
    """A ``-- ...`` comment (one or more lines, each starting with ``-- ``) for generated SQL.

    Plain text, so SQL can be assembled with ordinary string operations; :func:`translate_sql` finds
    it again by its template. Parameters must be identifiers or SQL (they are matched, not translated);
    a line break in one (a quoted name may hold one) becomes a space, so it cannot end the comment and
    turn the rest of the name into SQL.
    """
    if not params:
        return template
    return template.format(**{k: " ".join(v.splitlines()) if isinstance(v, str) else v for k, v in params.items()})


def translate_sql(sql: str | None, lang: str) -> str | None:
    """``sql`` with every catalogued ``-- ...`` comment translated; the statements are untouched."""
    if not sql or lang == "en" or "--" not in sql:
        return sql
    pattern, targets = _comment_matcher(lang)
    if pattern is None:
        return sql

    def replace(match: re.Match[str]) -> str:
        index = match.lastgroup
        assert index is not None
        target, names = targets[int(index[1:])]
        values = {name: match.group(f"p{index[1:]}_{i}") for i, name in enumerate(names)}
        return target.format(**values) if names else target

    return pattern.sub(replace, sql)


@cache
def _comment_matcher(lang: str) -> tuple[re.Pattern[str] | None, list[tuple[str, list[str]]]]:
    """One regular expression over every comment template of the catalogue (longest first)."""
    templates = sorted((t for t in catalogue(lang) if t.startswith("-- ") or "  -- " in t),
                       key=len, reverse=True)
    alternatives = []
    targets = []
    for n, template in enumerate(templates):
        parts = []
        names: list[str] = []
        has_fields = bool(placeholders(template)) and _is_parametrised(template)
        if has_fields:
            for literal, name, _, _ in string.Formatter().parse(template):
                parts.append(re.escape(literal))
                if name is not None:
                    parts.append(f"(?P<p{n}_{len(names)}>[^\\n]+?)")
                    names.append(name)
        else:
            parts.append(re.escape(template))
        alternatives.append(f"(?P<t{n}>{''.join(parts)})")
        targets.append((catalogue(lang)[template], names))
    if not alternatives:
        return None, []
    return re.compile("|".join(alternatives)), targets


@cache
def _structural(template: str) -> bool:
    """A template with no words of its own (``"{label}: {text}"``): it needs no translation."""
    literal = "".join(text for text, _, _, _ in string.Formatter().parse(template))
    return not re.search(r"[A-Za-z]", literal)


def _is_parametrised(template: str) -> bool:
    """Comment templates are parametrised when they contain a ``{name}`` field (SQL's ``'{}'`` is not)."""
    return any(name for name in placeholders(template))


@cache
def catalogue(lang: str) -> Mapping[str, str]:
    """The translations of ``lang``, keyed by English template (empty for an unknown language)."""
    if lang == "zh":
        from dbaudit.messages.zh import ZH  # noqa: PLC0415 - only reports in Chinese need it

        return ZH
    return {}
