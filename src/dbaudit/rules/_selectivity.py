"""Whether a full single-column btree can ever be selective, from the column's type or its statistics.

A boolean has two values, so a full index on it is never the best access path for the common value
and a partial index serves the rare one better. Any other column is judged only from the planner's
statistics (``pg_stats``): when the most common values account for every row and even the rarest
of them (and NULL, when there are NULLs) matches a large share of the rows, no equality lookup is
selective. Without statistics nothing is said: the selectivity is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass

from dbaudit.messages import msg
from dbaudit.model.schema import Index, Table
from dbaudit.rules._indexing import backs_constraint

BOOLEAN_TYPES = frozenset({"bool", "boolean"})
# A value matching at least this share of the rows is no lookup an index serves well: the planner
# reads that much of the heap faster sequentially.
MIN_VALUE_SHARE = 0.2
# The most common values must describe (almost) every row for "no value is rare" to be known.
MCV_COVERAGE = 0.99
# Below this many rows an index costs too little to mention.
MIN_ROWS = 1_000


@dataclass(frozen=True)
class LowSelectivity:
    """Why a single-column index cannot be selective: the column and the facts that show it."""

    column: str
    evidence: tuple[str, ...]
    from_statistics: bool


def single_column(index: Index) -> str | None:
    """The column of a valid, full, non-unique single-column btree that backs no constraint."""
    if len(index.elements) != 1 or index.method != "btree" or index.predicate is not None:
        return None
    if index.unique or backs_constraint(index) or not index.valid:
        return None
    return index.elements[0].column


def low_selectivity(table: Table, index: Index) -> LowSelectivity | None:
    """The reason ``index`` can serve no selective lookup, or None (including when unknown)."""
    name = single_column(index)
    column = table.column(name) if name is not None else None
    if name is None or column is None:
        return None
    if column.type.name in BOOLEAN_TYPES and not column.type.array_dims:
        return LowSelectivity(name, (msg("{table}.{name} is boolean (2 values)",
                                         table=table.qualified_name, name=name),), False)
    return _from_statistics(table, index, name)


def _from_statistics(table: Table, index: Index, name: str) -> LowSelectivity | None:
    stats = table.stats
    column = stats.column(name) if stats is not None else None
    if stats is None or column is None or not column.most_common_freqs or column.n_distinct <= 0:
        return None  # never analyzed, or many distinct values: unknown / selective
    rows = stats.rows_estimate
    if rows is None or rows < MIN_ROWS:
        return None
    freqs = column.most_common_freqs
    if len(freqs) < round(column.n_distinct) or sum(freqs) + column.null_frac < MCV_COVERAGE:
        return None  # some values are outside the most-common list: one of them may be rare
    shares = [*freqs, *([column.null_frac] if column.null_frac > 0 else [])]
    if min(shares) < MIN_VALUE_SHARE:
        return None  # a rare value (or NULL) is a selective lookup the index serves
    if index.scans:
        return None  # the planner has used it since the statistics reset: it serves some query
    evidence = (
        msg("pg_stats for {table}.{name}: about {round} distinct value(s), frequencies {value}{value2}; even the "
            "rarest matches at least {min:.0%} of about {rows:,} rows",
            table=table.qualified_name, name=name, round=round(column.n_distinct),
            value=', '.join(f'{f:.0%}' for f in freqs),
            value2=f", NULL {column.null_frac:.0%}" if column.null_frac > 0 else "", min=min(shares), rows=rows),
        msg("pg_stat_user_indexes.idx_scan = 0") if index.scans == 0 else msg("index scans: unknown"),
    )
    return LowSelectivity(name, evidence, True)


def selectivity_unknown(table: Table, index: Index) -> bool:
    """A single-column index on a non-boolean column the planner has no statistics for: not judged."""
    name = single_column(index)
    column = table.column(name) if name is not None else None
    if column is None or column.type.name in BOOLEAN_TYPES:
        return False
    return table.stats is None or table.stats.column(column.name) is None
