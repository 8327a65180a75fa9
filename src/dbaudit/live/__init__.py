"""Read-only facts of a live database besides its schema: row estimates, exact row counts, Alembic
versions and health (latency, connection usage, longest transaction, replication lag).

``open_live(url)`` returns a :class:`LiveDatabase` for PostgreSQL (psycopg, the same read-only
session as the schema reader) or SQLite / MySQL / MariaDB (SQLAlchemy engines with the reflect
source's read-only guards). Snapshots, ``verify`` and ``serve`` read the live side only through it.

Every catalog read is one bulk statement whatever the number of tables; exact counts are one
``count(*)`` per table, spread over N read-only connections, each with its own time limit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from dbaudit.errors import UsageError
from dbaudit.redact import redact_url

# Called after each table is counted: (tables done, tables in all).
CountProgress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class RelationRows:
    """One relation that holds rows, with the catalog's estimates.

    ``kind`` is ``table``, ``partitioned_table``, ``partition`` or ``materialized_view``. A
    partitioned table's estimates are the sums over its partitions (its own catalog row holds none).
    """

    schema: str
    name: str
    kind: str
    rows_estimated: int | None
    total_bytes: int | None
    partition_of: str | None = None

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True, slots=True)
class CountResult:
    """An exact row count, or why there is none (``timeout``, ``lock_timeout`` or an error line)."""

    rows: int | None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Health:
    """How the server is doing, as far as this role may see; ``None`` where the backend cannot say.

    ``longest_transaction_s`` is 0 when no other transaction is open (that this role can see)."""

    latency_s: float
    connections_used: int | None = None
    connections_max: int | None = None
    longest_transaction_s: float | None = None
    replication_lag_s: float | None = None
    is_replica: bool | None = None

    @property
    def connection_usage(self) -> float | None:
        if self.connections_used is None or not self.connections_max:
            return None
        return self.connections_used / self.connections_max


class LiveDatabase(Protocol):
    """The live side of one database; close it when done (it is a context manager)."""

    dialect: str
    default_schema: str

    def server_version(self) -> str | None: ...

    def relation_rows(self, *, exact_sizes: bool = False) -> list[RelationRows]: ...

    def alembic_versions(self) -> dict[str, tuple[str, ...]]: ...

    def count_rows(
        self, tables: Sequence[RelationRows], *, jobs: int = 1, timeout_s: float = 60.0,
        progress: CountProgress | None = None,
    ) -> dict[str, CountResult]: ...

    def health(self) -> Health: ...

    def close(self) -> None: ...

    def __enter__(self) -> LiveDatabase: ...

    def __exit__(self, *exc: object) -> None: ...


_POSTGRES = ("postgresql://", "postgres://", "postgresql+psycopg://", "postgresql+psycopg2://")
_REFLECTED = ("sqlite://", "sqlite+pysqlite://", "mysql://", "mysql+pymysql://", "mariadb://", "mariadb+pymysql://")


def open_live(url: str, *, schemas: Sequence[str] | None = None) -> LiveDatabase:
    """Connect read-only to the database at ``url`` (PostgreSQL, SQLite, MySQL/MariaDB)."""
    lowered = url.strip().lower()
    if lowered.startswith(_POSTGRES):
        from dbaudit.live.postgres import PostgresDatabase  # noqa: PLC0415

        return PostgresDatabase(url, schemas=schemas)
    if lowered.startswith(_REFLECTED):
        from dbaudit.live.reflected import open_reflected  # noqa: PLC0415

        return open_reflected(url, schemas=schemas)
    raise UsageError(
        f"{redact_url(url)}: not a database URL (postgresql://, sqlite:///, mysql+pymysql://, mariadb://)"
    )


def with_partition_sums(rows: Sequence[RelationRows]) -> list[RelationRows]:
    """Partitioned tables get the sums of their partitions' estimates (recursively, leaves only)."""
    import dataclasses  # noqa: PLC0415

    children: dict[str, list[RelationRows]] = {}
    for row in rows:
        if row.partition_of is not None:
            children.setdefault(row.partition_of, []).append(row)

    def totals(row: RelationRows) -> tuple[int | None, int | None]:
        if row.kind != "partitioned_table":
            return row.rows_estimated, row.total_bytes
        sums = [totals(k) for k in children.get(row.qualified_name, ())]
        count = None if any(s[0] is None for s in sums) else sum(s[0] or 0 for s in sums)
        size = None if any(s[1] is None for s in sums) else sum(s[1] or 0 for s in sums) + (row.total_bytes or 0)
        return count, size

    out = []
    for row in rows:
        if row.kind == "partitioned_table":
            count, size = totals(row)
            out.append(dataclasses.replace(row, rows_estimated=count, total_bytes=size))
        else:
            out.append(row)
    return out


__all__ = [
    "CountProgress",
    "CountResult",
    "Health",
    "LiveDatabase",
    "RelationRows",
    "open_live",
    "with_partition_sums",
]
