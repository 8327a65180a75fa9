"""How ``dbaudit docs`` groups tables into pages.

- ``config``: the domains of ``[tool.dbaudit.docs]``, in file order; a table joins the first domain
  with a glob matching its qualified or bare name; the rest go to "other".
- ``schema``: one group per schema.
- ``prefix``: the report's domains (tables sharing a leading word, a lone table joining the group it
  references or is referenced by, see :func:`dbaudit.report.erd.domains`); views join the group of
  their leading word, else "views".

Without ``--group-by``: configured domains when there are some, else schemas when the tables live in
more than one, else prefixes. Groups and the tables in them come out in a stable order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from fnmatch import fnmatchcase
from typing import Literal

from dbaudit.errors import UsageError
from dbaudit.model.schema import SchemaModel, Table
from dbaudit.report.erd import display_name, domains, entities, is_multi_schema, leading_word
from dbaudit.report.schema_view import ViewGroup, shown_tables

GroupBy = Literal["schema", "prefix", "config"]
GROUP_BY: tuple[GroupBy, ...] = ("schema", "prefix", "config")
OTHER = "other"
_NOT_WORD = re.compile(r"[^\w]+", re.UNICODE)


def choose_group_by(
    model: SchemaModel, group_by: str | None, domains_config: Sequence[tuple[str, Sequence[str]]],
) -> GroupBy:
    if group_by is not None:
        if group_by not in GROUP_BY:
            raise UsageError(f"unknown --group-by {group_by!r} (expected {', '.join(GROUP_BY)})")
        if group_by == "config" and not domains_config:
            raise UsageError("--group-by config needs domains in [tool.dbaudit.docs] (see docs/docs-command.md)")
        return group_by
    if domains_config:
        return "config"
    return "schema" if len({t.schema for t in shown_tables(model)}) > 1 else "prefix"


def group_tables(
    model: SchemaModel, group_by: GroupBy, domains_config: Sequence[tuple[str, Sequence[str]]] = (),
) -> tuple[ViewGroup, ...]:
    """The groups, each with its tables' qualified names; every shown table is in exactly one."""
    if group_by == "config":
        named = _by_config(model, domains_config)
    elif group_by == "schema":
        named = _by_schema(model)
    else:
        named = _by_prefix(model)
    return _slugged([(name, tables) for name, tables in named if tables])


def _by_config(model: SchemaModel, domains_config: Sequence[tuple[str, Sequence[str]]]) -> list[tuple[str, list[str]]]:
    out: list[tuple[str, list[str]]] = [(name, []) for name, _ in domains_config]
    rest: list[str] = []
    for table in _ordered(model):
        for n, (_name, patterns) in enumerate(domains_config):
            if any(fnmatchcase(table.qualified_name, p) or fnmatchcase(table.name, p) for p in patterns):
                out[n][1].append(table.qualified_name)
                break
        else:
            rest.append(table.qualified_name)
    return [*out, (OTHER, rest)]


def _by_schema(model: SchemaModel) -> list[tuple[str, list[str]]]:
    out: dict[str, list[str]] = {}
    for table in _ordered(model):
        out.setdefault(table.schema, []).append(table.qualified_name)
    return sorted(out.items())


def _by_prefix(model: SchemaModel) -> list[tuple[str, list[str]]]:
    multi = is_multi_schema(model)
    qualified = {display_name(t, model, multi): t.qualified_name for t in entities(model)}
    out = [(d.name, sorted(qualified[n] for n in d.tables)) for d in domains(model)]
    index = {name: n for n, (name, _) in enumerate(out)}
    views: list[str] = []
    for table in _ordered(model):
        if table.qualified_name in qualified.values():
            continue
        word = leading_word(table.name)
        key = f"{table.schema}: {word}" if multi else word
        if key in index:
            out[index[key]][1].append(table.qualified_name)
        else:
            views.append(table.qualified_name)
    return [*out, ("views", views)]


def _ordered(model: SchemaModel) -> list[Table]:
    return sorted(shown_tables(model), key=lambda t: (t.schema, t.name))


def slug(name: str) -> str:
    text = _NOT_WORD.sub("-", name.lower()).strip("-")
    return text or "group"


def _slugged(named: list[tuple[str, list[str]]]) -> tuple[ViewGroup, ...]:
    used: set[str] = {"readme", "index"}
    out = []
    for name, tables in named:
        base = slug(name)
        candidate, n = base, 1
        while candidate in used:
            n += 1
            candidate = f"{base}-{n}"
        used.add(candidate)
        out.append(ViewGroup(name, candidate, tuple(tables)))
    return tuple(out)


__all__ = ["GROUP_BY", "GroupBy", "choose_group_by", "group_tables", "slug"]
