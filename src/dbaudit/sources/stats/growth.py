"""How fast narrow sequences advance: from the rows of the table that owns them.

For a sequence that can run out within a 32-bit range (the ones the schema model reads a position
for) and is owned by a table's key column, two rows are read through the key's index: the newest one
and one about a tenth of the key range older, each with the table's creation timestamp (a
``created_at``-like column, or the only timestamp column with a ``now()`` default). Their ids and
times give ids per day, which with the sequence's position gives days left. Two index lookups per
sequence, at most :data:`~dbaudit.sources.stats.catalog.MAX_GROWTH_SEQUENCES` sequences, each in its
own savepoint under the session's statement timeout; a table the role may not read is skipped.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from dbaudit.messages import msg
from dbaudit.model.schema import Column, SchemaModel, Sequence, Table
from dbaudit.model.statistics import SequenceGrowth
from dbaudit.sources.stats import catalog
from dbaudit.sqltext import ident, literal, qualified

if TYPE_CHECKING:
    import psycopg

_CREATED = re.compile(r"^(created|inserted|create|insert)(_at|_time|_on|_date|ed_at)?$|^(date_)?created$", re.I)
_TIME_TYPES = frozenset({"timestamptz", "timestamp", "date"})
NARROW_MAX = 2_147_483_647
SECONDS_PER_DAY = 86_400


def creation_column(table: Table) -> Column | None:
    """The column that dates a row's creation: ``created_at`` and the like, else the only timestamp
    column whose default is the current time."""
    stamps = [c for c in table.columns if c.type.name in _TIME_TYPES and not c.type.array_dims]
    named = [c for c in stamps if _CREATED.match(c.name)]
    if named:
        return named[0]
    defaulted = [c for c in stamps if c.default and re.search(r"now\(\)|current_timestamp|clock_timestamp",
                                                              c.default, re.I)]
    return defaulted[0] if len(defaulted) == 1 else None


def _key_indexed(table: Table, column: str) -> bool:
    return any(i.valid and not i.predicate and i.method == "btree" and i.elements and i.elements[0].column == column
               for i in table.indexes)


def candidates(model: SchemaModel) -> list[tuple[Sequence, Table, Column, Column]]:
    """(sequence, owning table, key column, creation column) for narrow sequences with a position."""
    out = []
    for seq in model.sequences:
        if seq.last_value is None or seq.owned_by_table is None or seq.owned_by_column is None:
            continue
        limit = _limit(model, seq)
        table = model.table(seq.owned_by_table)
        if limit is None or table is None:
            continue
        key = table.column(seq.owned_by_column)
        stamp = creation_column(table)
        if key is None or stamp is None or not _key_indexed(table, key.name):
            continue
        out.append((seq, table, key, stamp))
    out.sort(key=lambda item: -(item[0].last_value or 0) / (_limit(model, item[0]) or 1))
    return out[: catalog.MAX_GROWTH_SEQUENCES]


def _limit(model: SchemaModel, seq: Sequence) -> int | None:
    """Where the sequence stops: its maximum, or the owning int2/int4 column's range if smaller."""
    limit = seq.max_value if seq.max_value is not None and seq.max_value <= NARROW_MAX else None
    table = model.table(seq.owned_by_table or "")
    column = table.column(seq.owned_by_column or "") if table is not None else None
    if column is not None and column.type.name in ("int2", "int4"):
        bound = 32_767 if column.type.name == "int2" else NARROW_MAX
        limit = min(limit, bound) if limit is not None else bound
    return limit


def read_growth(conn: psycopg.Connection[Any], model: SchemaModel) -> tuple[list[SequenceGrowth], list[str]]:
    """Growth of the narrow sequences, and notes about those that could not be measured."""
    import psycopg  # noqa: PLC0415

    found: list[SequenceGrowth] = []
    notes: list[str] = []
    for seq, table, key, stamp in candidates(model):
        limit = _limit(model, seq) or NARROW_MAX
        query = catalog.GROWTH.format(key=ident(key.name), ts=ident(stamp.name),
                                      table=qualified(table.schema, table.name))
        try:
            with conn.transaction():
                row = conn.execute(query.replace("%(start)s", literal(seq.start))).fetchone()
        except psycopg.Error as exc:
            notes.append(msg("growth of {sequence} not measured: {error}", sequence=seq.qualified_name,
                             error=str(exc).splitlines()[0]))
            continue
        found.append(_growth(seq, limit, f"{table.qualified_name}.{stamp.name}", row))
    return found, notes


def _growth(seq: Sequence, limit: int, column: str, row: tuple[Any, ...] | None) -> SequenceGrowth:
    base = SequenceGrowth(sequence=seq.qualified_name, last_value=seq.last_value or 0, max_value=limit, column=column)
    if not row or row[2] is None:
        return base
    new_key, new_ts, old_key, old_ts = row
    new_at, old_at = _as_datetime(new_ts), _as_datetime(old_ts)
    if new_at is None or old_at is None:
        return base
    days = (new_at - old_at).total_seconds() / SECONDS_PER_DAY
    if days <= 0 or new_key <= old_key:
        return base
    import dataclasses  # noqa: PLC0415

    return dataclasses.replace(
        base, per_day=(new_key - old_key) / days, first_seen=old_at, last_seen=new_at,
        basis=f"rows: id {old_key} at {old_at:%Y-%m-%d %H:%M}, id {new_key} at {new_at:%Y-%m-%d %H:%M} ({column})",
    )


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else value
    try:  # a date
        return datetime(value.year, value.month, value.day)
    except AttributeError:
        return None
