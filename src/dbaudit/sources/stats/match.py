"""Tie a statement to the code paths of the code scan whose query shape it has.

A statement matches a code fact only on the facts' own terms: a ``LIKE`` (``contains``/``like``) or
``ILIKE`` on the same table and column as a leading-wildcard search found in the code, a ``GROUP BY
keys`` + ``max(time)`` on the same table, keys and time column as a "latest row" query, an ``OFFSET``
on a table a page-number pagination reads. When facts of several files match, the files that
explain the most of the statement's patterns win, and among those the ones whose facts stay within
the statement's tables (one repository method builds one statement). Table names of the code scan
may be bare (resolved like the rules resolve them).
"""

from __future__ import annotations

from collections.abc import Iterable

from dbaudit.model.code_facts import CodeFacts, resolve_table
from dbaudit.model.schema import Location, SchemaModel
from dbaudit.model.statistics import QueryPattern
from dbaudit.sources.stats.shape import QueryShape


def _table(model: SchemaModel, name: str | None) -> str | None:
    if not name:
        return None
    found = resolve_table(model, name)
    return found.qualified_name if found is not None else None


def code_matches(
    shape: QueryShape, code: CodeFacts | None, model: SchemaModel,
) -> tuple[list[QueryPattern], list[Location]]:
    """The patterns this statement has (for the report) and the code locations it matches."""
    facts = code or CodeFacts()
    patterns: list[QueryPattern] = []
    matched: list[list[Location]] = []  # per pattern, the locations that could have built it
    for table, column in dict.fromkeys(shape.like):
        ilike = (table, column) in shape.ilike
        found = [f.location for f in facts.searches if f.location is not None and f.column == column
                 and _table(model, f.table) == table and (f.kind == "ilike") == ilike]
        patterns.append(QueryPattern("search" if found else "like", table, (column,)))
        matched.append(found)
    for table, keys, time in shape.latest:
        patterns.append(QueryPattern("latest", table, keys, time))
        matched.append([f.location for f in facts.latest_rows if f.location is not None
                        and _table(model, f.table) == table and set(f.key_columns) == set(keys)
                        and f.time_column == time])
    for (left_table, left_col), (right_table, right_col) in shape.joins:
        patterns.append(QueryPattern("join", left_table, (left_col,), f"{right_table}.{right_col}"))
    if shape.offset:
        patterns.append(QueryPattern("offset", shape.tables[0] if shape.tables else ""))
        # the statement's first table is the one a repository pages through
        matched.append([f.location for f in facts.offsets if f.location is not None and shape.tables
                        and _table(model, f.table) == shape.tables[0]])
    return list(dict.fromkeys(patterns)), _best_files(matched, facts, set(shape.tables), model)


def _best_files(matched: list[list[Location]], facts: CodeFacts, tables: set[str],
                model: SchemaModel) -> list[Location]:
    """Locations of the files that explain the most patterns, ties broken by staying in the tables."""
    score: dict[str, int] = {}
    for locations in matched:
        for path in {loc.path for loc in locations}:
            score[path] = score.get(path, 0) + 1
    if not score:
        return []
    outside = {path: sum(1 for table in _fact_tables(facts, path, model) if table not in tables) for path in score}
    best = max((score[p], -outside[p]) for p in score)
    keep = {p for p in score if (score[p], -outside[p]) == best}
    return list(dict.fromkeys(loc for locations in matched for loc in locations if loc.path in keep))


def _fact_tables(facts: CodeFacts, path: str, model: SchemaModel) -> Iterable[str | None]:
    for group in (facts.searches, facts.latest_rows, facts.offsets):
        for fact in group:
            if fact.location is not None and fact.location.path == path:
                yield _table(model, fact.table)
