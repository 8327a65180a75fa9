"""The zero-downtime way to make a column NOT NULL, shared by the rules that propose it.

``ALTER COLUMN … SET NOT NULL`` alone scans the whole table under an ACCESS EXCLUSIVE lock. Adding
``CHECK (col IS NOT NULL) NOT VALID`` takes a brief lock, ``VALIDATE`` scans while writes go on,
and ``SET NOT NULL`` then uses the validated CHECK instead of scanning (PostgreSQL 12+); the CHECK is
dropped at the end. ``VALIDATE`` fails, changing nothing, while NULL rows remain.
"""

from __future__ import annotations

from collections.abc import Iterable

from dbaudit.messages import sql_comment
from dbaudit.model.schema import Column, Table
from dbaudit.rules._indexing import Locking, bounded_name, render
from dbaudit.sqltext import ident, qualified


def not_null_fix(table: Table, column: Column, *, before: Iterable[str] = ()) -> str:
    """``before`` (comments, a backfill, a SET DEFAULT as :class:`Locking`) then the NOT NULL steps."""
    target = qualified(table.schema, table.name)
    check = ident(bounded_name(f"{table.name}_{column.name}_not_null"))
    col = ident(column.name)
    return render(
        [
            *before,
            Locking(f"ALTER TABLE {target} ADD CONSTRAINT {check} CHECK ({col} IS NOT NULL) NOT VALID;"),
            sql_comment("-- VALIDATE scans without blocking writes (SHARE UPDATE EXCLUSIVE lock)."),
            f"ALTER TABLE {target} VALIDATE CONSTRAINT {check};",
            sql_comment("-- SET NOT NULL uses the validated CHECK instead of scanning the table."),
            Locking(f"ALTER TABLE {target} ALTER COLUMN {col} SET NOT NULL;"),
            Locking(f"ALTER TABLE {target} DROP CONSTRAINT {check};"),
        ]
    )


def null_count_sql(table: Table, column: Column) -> str:
    """How many rows hold NULL in the column (0 before tightening, and the fix's proof after)."""
    target = qualified(table.schema, table.name)
    return f"SELECT count(*) AS null_rows FROM {target} WHERE {ident(column.name)} IS NULL;"
