"""The live side of a PostgreSQL database, over the schema reader's read-only session.

Estimates come from one catalog statement: ``pg_class.reltuples`` (the statistics collector's
live-row count for a table never vacuumed or analyzed) and ``relpages`` of the table, its TOAST table
and its indexes, as the planner sees them; no relation is opened. Exact sizes
(``pg_total_relation_size``) open every table and skip those locked for DDL.

Exact counts: the first worker exports its snapshot and the others import it, so every count sees the
same moment. Each worker keeps one ``REPEATABLE READ READ ONLY`` transaction and counts each table
inside a savepoint that is rolled back at once: the table's lock is released right after its count
(a long run never holds thousands of locks, nor blocks DDL), the snapshot stays. ``statement_timeout``
bounds each count; ``lock_timeout`` bounds any wait behind DDL. Either is recorded, not fatal.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Self

from dbaudit.live import CountProgress, CountResult, Health, RelationRows, with_partition_sums
from dbaudit.live.counting import count_in_parallel
from dbaudit.redact import redact_text
from dbaudit.sources.postgres import catalog
from dbaudit.sources.postgres.connect import Timeouts, connect_readonly, connection_error
from dbaudit.sqltext import qualified

if TYPE_CHECKING:
    import psycopg

_KINDS = {"r": "table", "p": "partitioned_table", "m": "materialized_view"}

_NOT_EXTENSION_MEMBER = """NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                  WHERE e.classid = 'pg_catalog.pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')"""

# One statement for every relation that holds rows.
RELATION_ROWS = """
WITH ns AS (""" + catalog.NAMESPACES + """)
SELECT ns.nspname, c.relname, c.relkind::text, pn.nspname, pc.relname,
       CASE WHEN c.reltuples >= 0 THEN c.reltuples::int8 ELSE pg_catalog.pg_stat_get_live_tuples(c.oid) END,
       (greatest(c.relpages, 0) + greatest(coalesce(t.relpages, 0), 0) + coalesce(ix.pages, 0))::int8
         * current_setting('block_size')::int8
FROM pg_catalog.pg_class c
JOIN ns ON ns.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_class t ON t.oid = c.reltoastrelid
LEFT JOIN (SELECT x.indrelid, sum(greatest(i.relpages, 0)) AS pages
           FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
           GROUP BY x.indrelid) ix ON ix.indrelid = c.oid
LEFT JOIN pg_catalog.pg_inherits inh ON c.relispartition AND inh.inhrelid = c.oid
LEFT JOIN pg_catalog.pg_class pc ON pc.oid = inh.inhparent
LEFT JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
WHERE c.relkind IN ('r', 'p', 'm') AND """ + _NOT_EXTENSION_MEMBER + """
ORDER BY 1, 2
"""

# The same relations with their exact size; tables locked for DDL are left unsized (NULL).
RELATION_SIZES_EXACT = """
WITH ns AS (""" + catalog.NAMESPACES + """),
blocked AS MATERIALIZED (
  SELECT DISTINCT l.relation FROM pg_catalog.pg_locks l
  WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock' AND l.pid <> pg_catalog.pg_backend_pid()
    AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()))
SELECT ns.nspname, c.relname,
       CASE WHEN c.oid IN (SELECT relation FROM blocked) THEN NULL
            ELSE pg_catalog.pg_total_relation_size(c.oid) END
FROM pg_catalog.pg_class c
JOIN ns ON ns.oid = c.relnamespace
WHERE c.relkind IN ('r', 'm') AND """ + _NOT_EXTENSION_MEMBER + """
"""

# Alembic's bookkeeping tables: a table whose only column is version_num, whatever its name (the
# scan filters pg_attribute on the name first, then checks the few candidates for other columns).
VERSION_TABLES = """
WITH ns AS (""" + catalog.NAMESPACES + """)
SELECT ns.nspname, c.relname
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN ns ON ns.oid = c.relnamespace
WHERE a.attname = 'version_num' AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p')
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute o
                  WHERE o.attrelid = c.oid AND o.attnum > 0 AND NOT o.attisdropped AND o.attname <> 'version_num')
ORDER BY 1, 2
"""

HEALTH = """
SELECT pg_catalog.pg_is_in_recovery(),
       (SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE backend_type = 'client backend'),
       current_setting('max_connections')::int,
       (SELECT coalesce(extract(epoch FROM clock_timestamp() - min(xact_start))::float8, 0)
        FROM pg_catalog.pg_stat_activity
        WHERE xact_start IS NOT NULL AND backend_type = 'client backend' AND pid <> pg_catalog.pg_backend_pid()),
       CASE WHEN pg_catalog.pg_is_in_recovery()
            THEN extract(epoch FROM clock_timestamp() - pg_catalog.pg_last_xact_replay_timestamp())::float8
            ELSE (SELECT extract(epoch FROM max(replay_lag))::float8 FROM pg_catalog.pg_stat_replication) END
"""


class PostgresDatabase:
    """A read-only session on one PostgreSQL database (see the module docstring)."""

    dialect = "postgresql"
    default_schema = "public"

    def __init__(self, url: str, *, schemas: Sequence[str] | None = None) -> None:
        self.url = url
        self.schemas = list(schemas) if schemas else None
        started = time.perf_counter()
        self.conn = connect_readonly(url)
        self.connect_s = time.perf_counter() - started

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    def _rows(self, query: str, during: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        import psycopg  # noqa: PLC0415

        try:
            rows = self.conn.execute(query, {"schemas": self.schemas, **(params or {})}).fetchall()
            self.conn.rollback()  # each read is its own short transaction: no lock outlives it
            return rows
        except psycopg.Error as exc:
            self.conn.rollback()
            raise connection_error(self.url, exc, during=during) from None

    def server_version(self) -> str | None:
        return self.conn.info.parameter_status("server_version")

    def relation_rows(self, *, exact_sizes: bool = False) -> list[RelationRows]:
        rows = [
            RelationRows(
                schema=schema, name=name,
                kind="partition" if parent is not None and relkind == "r" else _KINDS[relkind],
                rows_estimated=None if estimate is None else max(int(estimate), 0), total_bytes=size,
                partition_of=f"{parent_schema}.{parent}" if parent is not None else None,
            )
            for schema, name, relkind, parent_schema, parent, estimate, size
            in self._rows(RELATION_ROWS, "reading row estimates")
        ]
        if exact_sizes:
            import dataclasses  # noqa: PLC0415

            sizes = {(s, n): size for s, n, size in self._rows(RELATION_SIZES_EXACT, "reading table sizes")}
            rows = [
                dataclasses.replace(r, total_bytes=sizes.get((r.schema, r.name)))
                if r.kind != "partitioned_table" else r
                for r in rows
            ]
        return with_partition_sums(rows)

    def alembic_versions(self) -> dict[str, tuple[str, ...]]:
        found = self._rows(VERSION_TABLES, "looking for Alembic version tables")
        out: dict[str, tuple[str, ...]] = {}
        for schema, name in found:
            rows = self._rows(f"SELECT version_num FROM {qualified(schema, name)} ORDER BY 1",
                              f"reading {schema}.{name}")
            out[f"{schema}.{name}"] = tuple(str(r[0]) for r in rows)
        return out

    def count_rows(
        self, tables: Sequence[RelationRows], *, jobs: int = 1, timeout_s: float = 60.0,
        progress: CountProgress | None = None,
    ) -> dict[str, CountResult]:
        shared = _SharedSnapshot(self.url, timeout_s)
        try:
            return count_in_parallel(tables, shared.counter, jobs=jobs, progress=progress)
        finally:
            shared.close()

    def health(self) -> Health:
        import psycopg  # noqa: PLC0415

        started = time.perf_counter()
        probe = connect_readonly(self.url, timeouts=Timeouts(statement_ms=10_000, connect_s=10))
        try:
            row = probe.execute(HEALTH).fetchone()
            latency = time.perf_counter() - started
            probe.rollback()
        except psycopg.Error as exc:
            raise connection_error(self.url, exc, during="reading server health") from None
        finally:
            probe.close()
        assert row is not None
        in_recovery, used, max_conn, longest, lag = row
        return Health(
            latency_s=latency, connections_used=int(used), connections_max=int(max_conn),
            longest_transaction_s=None if longest is None else max(float(longest), 0.0),
            replication_lag_s=None if lag is None else max(float(lag), 0.0), is_replica=bool(in_recovery),
        )


class _SharedSnapshot:
    """Hands out counters; the first one exports its snapshot, the later ones import it."""

    def __init__(self, url: str, timeout_s: float) -> None:
        self.url = url
        self.timeouts = Timeouts(statement_ms=max(1, int(timeout_s * 1000)), lock_ms=Timeouts.from_env().lock_ms)
        self.snapshot: str | None = None
        self.lock = threading.Lock()
        self.first = True

    def counter(self) -> _PgCounter:
        with self.lock:  # the first connection exports before any other imports
            conn = connect_readonly(self.url, timeouts=self.timeouts)
            try:
                if self.first:
                    self.first = False
                    self.snapshot = _export(conn)
                elif self.snapshot is not None:
                    _import(conn, self.snapshot)
                conn.execute("SAVEPOINT dbaudit_count")
            except BaseException:
                conn.close()
                raise
        return _PgCounter(self.url, conn)

    def close(self) -> None:
        pass


def _export(conn: psycopg.Connection[Any]) -> str | None:
    import psycopg  # noqa: PLC0415

    try:
        row = conn.execute(catalog.EXPORT_SNAPSHOT).fetchone()
    except psycopg.Error:  # a standby or a pooler: each worker counts in its own snapshot
        conn.rollback()
        return None
    return str(row[0]) if row else None


def _import(conn: psycopg.Connection[Any], snapshot: str) -> None:
    import psycopg  # noqa: PLC0415
    from psycopg import sql  # noqa: PLC0415

    try:
        conn.execute(sql.SQL(catalog.IMPORT_SNAPSHOT).format(sql.Literal(snapshot)))
    except psycopg.Error:
        conn.rollback()


_RELEASE = "ROLLBACK TO SAVEPOINT dbaudit_count"


class _PgCounter:
    def __init__(self, url: str, conn: psycopg.Connection[Any]) -> None:
        self.url = url
        self.conn = conn

    def count(self, table: RelationRows) -> CountResult:
        import psycopg  # noqa: PLC0415

        # ONLY: an inheritance parent's own rows (its children are counted on their own). The rollback
        # to the savepoint (the table's lock released, the snapshot kept) goes in the same round trip.
        target = qualified(table.schema, table.name)
        try:
            row = self.conn.execute(f"SELECT count(*) FROM ONLY {target}; {_RELEASE}").fetchone()
            return CountResult(int(row[0]) if row else 0)
        except psycopg.errors.QueryCanceled:
            result = CountResult(None, "timeout")
        except psycopg.errors.LockNotAvailable:
            result = CountResult(None, "lock_timeout")
        except psycopg.OperationalError as exc:
            raise connection_error(self.url, exc, during=f"counting {table.qualified_name}") from None
        except psycopg.Error as exc:
            result = CountResult(None, _error_line(exc))
        try:  # the failed statement skipped the rollback: the transaction waits for it
            self.conn.execute(_RELEASE)
        except psycopg.Error as exc:
            raise connection_error(self.url, exc, during="counting rows") from None
        return result

    def cancel(self) -> None:
        self.conn.cancel_safe(timeout=5)

    def close(self) -> None:
        self.conn.close()


def _error_line(exc: BaseException) -> str:
    text = redact_text(str(exc)).strip().splitlines()
    return f"error: {text[0] if text else type(exc).__name__}"


__all__ = ["PostgresDatabase"]
