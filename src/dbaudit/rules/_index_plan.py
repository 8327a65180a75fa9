"""One plan of the indexes the index rules propose to drop, so that no index is dropped twice.

``index-duplicates-constraint``, ``duplicate-index`` and ``redundant-index`` each own one part of a
single decision per table, taken in this order:

1. an index with the keys of a primary-key/unique/exclusion constraint's index goes (the constraint
   stays);
2. a non-unique btree whose keys lead another index's keys (or equal them with fewer INCLUDE
   columns) goes, and a wider index that stays is named as the one kept;
3. of the remaining equivalent indexes (same keys in either btree scan direction, same INCLUDE set,
   same scope) the strongest stays: primary key, then constraint-backed, unique, NULLS NOT
   DISTINCT, attached to a partitioned parent's index, then the first by name; an index is
   replaced only by one that enforces at least what it enforces.

Each index is planned at most once, and the index a finding keeps is never planned itself, so no
index gets two DROPs and no pair loses both of its members.
A low-selectivity index (see ``_selectivity``) is never kept in place of another: it may be planned
as redundant, else ``low-selectivity-index`` drops it. ``low-selectivity-index`` leaves planned
indexes alone, and ``unused-index`` leaves alone planned indexes, the ones the plan keeps instead
of another (dropping those too would lose an access path) and low-selectivity ones.

Never planned: invalid indexes (``invalid-index``), indexes backing a constraint (reported without a
DROP when two constraints duplicate each other), and a partition's index attached to its parent's
partitioned index (it cannot be dropped alone). Partitions are judged only when the source says which
of their indexes are attached.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from dbaudit.model.schema import Index, SchemaModel, Table, TableKind
from dbaudit.rules._indexing import (
    backs_constraint,
    effective_indexes,
    enforces_at_least,
    equivalent,
    leading_keys,
    same_keys,
    same_scope,
)
from dbaudit.rules._selectivity import low_selectivity

CONSTRAINT_DUPLICATE = "index-duplicates-constraint"
DUPLICATE = "duplicate-index"
REDUNDANT = "redundant-index"

_INDEXED_KINDS = (TableKind.TABLE, TableKind.PARTITIONED_TABLE, TableKind.PARTITION)


@dataclass(frozen=True)
class PlannedDrop:
    """``index`` is covered by ``keep``; ``rule`` reports it. ``droppable`` is False when the index
    backs a constraint (then the finding has no DROP: the constraint must be dropped on purpose)."""

    rule: str
    index: Index
    keep: Index
    droppable: bool = True


def indexed_tables(model: SchemaModel) -> tuple[Table, ...]:
    """Plain and partitioned tables and partitions: every relation whose indexes the plan judges."""
    return tuple(t for t in model.tables if t.kind in _INDEXED_KINDS)


_CACHE: list[tuple[SchemaModel, dict[str, Mapping[str, PlannedDrop]]]] = []


def drop_plan(model: SchemaModel, table: Table) -> Mapping[str, PlannedDrop]:
    """Index name -> planned drop for one table (computed once per model and table)."""
    if not _CACHE or _CACHE[0][0] is not model:
        _CACHE[:] = [(model, {})]
    plans = _CACHE[0][1]
    plan = plans.get(table.qualified_name)
    if plan is None:
        plan = plans[table.qualified_name] = _plan(model, table)
    return plan


def planned_drop(model: SchemaModel, table: Table, index: Index) -> PlannedDrop | None:
    return drop_plan(model, table).get(index.name)


def _attachment_known(model: SchemaModel, table: Table) -> bool:
    """On a partition: whether the source says which indexes are attached to the parent's."""
    if table.partition_of is None:
        return True
    parent = model.table(table.partition_of)
    if parent is None or not any(ix.valid for ix in parent.indexes):
        return True
    return any(ix.parent_index for ix in table.indexes)


def _rank(index: Index) -> tuple[bool, bool, bool, bool, bool, str]:
    """Which of equivalent indexes to keep: the strongest first, then the first by name."""
    return (
        not index.primary,
        not backs_constraint(index),
        not index.unique,
        not index.nulls_not_distinct,
        index.parent_index is None,
        index.name,
    )


def _plan(model: SchemaModel, table: Table) -> dict[str, PlannedDrop]:
    if table.kind not in _INDEXED_KINDS or not _attachment_known(model, table):
        return {}
    indexes = [ix for ix in effective_indexes(table) if ix.valid]
    # A low-selectivity index is never the one kept (low-selectivity-index proposes dropping it).
    weak = {ix.name for ix in indexes if low_selectivity(table, ix) is not None}
    plan: dict[str, PlannedDrop] = {}
    _constraint_duplicates(indexes, plan)
    rest = [ix for ix in indexes if ix.name not in plan]
    btrees = [ix for ix in rest if ix.method == "btree"]
    strong = [ix for ix in btrees if ix.name not in weak]
    # Redundancy before duplicates: twins that both lead a wider index are both redundant to it
    # (not one a duplicate of the other), so every finding's kept index survives the whole plan.
    redundant = [ix for ix in sorted(btrees, key=lambda i: i.name)
                 if not ix.unique and _droppable(ix) and _wider(ix, strong)]
    names = {ix.name for ix in redundant}
    survivors = [ix for ix in rest if ix.name not in names and ix.name not in weak]
    _duplicates(survivors, plan)
    kept = [ix for ix in survivors if ix.name not in plan]
    for index in redundant:
        # A wider index among the survivors exists (the widest of a chain, or the kept twin of a
        # wider duplicate); if it somehow did not, the index is left alone.
        keep = next(iter(_wider(index, kept)), None)
        if keep is not None:
            plan[index.name] = PlannedDrop(REDUNDANT, index, keep)
    return plan


def claimed(model: SchemaModel, table: Table, index: Index) -> bool:
    """Whether the plan drops ``index`` or keeps it in place of another: then no other rule drops it."""
    plan = drop_plan(model, table)
    return index.name in plan or any(d.keep.name == index.name for d in plan.values())


def _droppable(index: Index) -> bool:
    return not backs_constraint(index) and index.parent_index is None


def _constraint_duplicates(indexes: list[Index], plan: dict[str, PlannedDrop]) -> None:
    constraints = [ix for ix in indexes if backs_constraint(ix)]
    for index in indexes:
        if not _droppable(index) or index.include:
            continue
        match = next(
            (c for c in constraints
             if same_scope(index, c) and same_keys(index.elements, c.elements, c.method)
             and enforces_at_least(c, index)),
            None,
        )
        if match is not None:
            plan[index.name] = PlannedDrop(CONSTRAINT_DUPLICATE, index, match)


def _keys(index: Index) -> tuple[str, int, tuple[tuple[str | None, str | None], ...]]:
    """What equivalent indexes share whatever their directions: method and key columns/expressions
    (a cheap bucket, so that only plausible pairs are compared in full)."""
    return index.method, len(index.elements), tuple((e.column, e.expression) for e in index.elements)


def _duplicates(indexes: list[Index], plan: dict[str, PlannedDrop]) -> None:
    buckets: dict[object, list[Index]] = {}
    for ix in sorted((ix for ix in indexes if ix.name not in plan), key=_rank):
        buckets.setdefault(_keys(ix), []).append(ix)
    for ranked in (b for b in buckets.values() if len(b) > 1):
        for i, dup in enumerate(ranked):
            if dup.parent_index is not None:
                continue  # attached to the parent's index; if both are, the parent's pair is reported
            keep = next(
                (k for k in ranked[:i] if k.name not in plan and equivalent(k, dup) and enforces_at_least(k, dup)),
                None,
            )
            if keep is not None:
                plan[dup.name] = PlannedDrop(DUPLICATE, dup, keep, droppable=not backs_constraint(dup))


def _wider(index: Index, others: Iterable[Index]) -> list[Index]:
    """Valid btrees that serve every query ``index`` serves, with at least its columns."""
    out = []
    first = (index.elements[0].column, index.elements[0].expression) if index.elements else None
    for other in others:
        if other is index or other.method != index.method or not other.elements:
            continue
        if (other.elements[0].column, other.elements[0].expression) != first:
            continue
        if len(index.elements) < len(other.elements):
            covered = {e.column for e in other.elements} | set(other.include)
            wider = leading_keys(index.elements, other.elements) and set(index.include) <= covered
        else:
            wider = same_keys(index.elements, other.elements) and set(index.include) < set(other.include)
        if wider and same_scope(index, other):
            out.append(other)
    return out
