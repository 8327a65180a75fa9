"""The live side of SQLite and MySQL/MariaDB databases, through the reflect source's read-only engines.

- SQLite: estimates from ``sqlite_stat1`` (written by ``ANALYZE``; unknown without it), exact sizes
  from the ``dbstat`` table (it walks every page, so only with exact sizes), counts bounded by a
  progress-handler deadline (SQLite has no statement timeout).
- MySQL/MariaDB: estimates and sizes from ``information_schema.TABLES`` (InnoDB's statistics), counts
  bounded by ``max_statement_time`` (MariaDB) or ``MAX_EXECUTION_TIME`` (MySQL). Each count is its own
  autocommit statement, so no metadata lock is held between counts.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Sequence
from typing import Any, Literal, Self

import sqlalchemy as sa

from dbaudit.errors import ConnectionFailed, SourceError
from dbaudit.live import CountProgress, CountResult, Health, RelationRows
from dbaudit.live.counting import count_in_parallel
from dbaudit.redact import redact_text, redact_url, url_password
from dbaudit.sources.reflect import MYSQL_SCHEMES, MYSQL_SYSTEM_SCHEMAS, readonly_engine

# Error codes of a statement stopped by its time limit or a lock wait.
_MYSQL_TIMEOUTS = frozenset({1969, 3024})  # MariaDB ER_STATEMENT_TIMEOUT, MySQL ER_QUERY_TIMEOUT
_MYSQL_LOCK_WAIT = frozenset({1205})


def mysql_ident(name: str) -> str:
    """A MySQL/MariaDB identifier in backticks (a backtick inside is doubled)."""
    return "`" + name.replace("`", "``") + "`"


def sqlite_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def open_reflected(url: str, *, schemas: Sequence[str] | None = None) -> SQLiteDatabase | MySQLDatabase:
    """The live side of a SQLite file or a MySQL/MariaDB database."""
    scheme = url.split("://", 1)[0].lower()
    if scheme in MYSQL_SCHEMES:
        return MySQLDatabase(url, schemas=schemas)
    return SQLiteDatabase(url, schemas=schemas)


class _EngineDatabase:
    dialect = ""
    default_schema = ""

    def __init__(self, url: str, *, schemas: Sequence[str] | None = None) -> None:
        self.url = url
        self.secrets = (url_password(url) or "",)
        self.engine = readonly_engine(url)
        self.schemas = list(schemas) if schemas else None
        started = time.perf_counter()
        with self._connection("connecting") as conn:
            self.version = str(conn.exec_driver_sql(self.version_sql).scalar())
            self.default_schema = self._default_schema(conn)
        self.connect_s = time.perf_counter() - started

    version_sql = ""

    def _default_schema(self, conn: sa.Connection) -> str:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.engine.dispose()

    def server_version(self) -> str | None:
        return self.version

    def _connection(self, during: str) -> Any:
        return _Guarded(self, during)

    def _rows(self, sql: str, params: tuple[Any, ...] = (), during: str = "reading the catalog") -> list[Any]:
        with self._connection(during) as conn:
            return list(conn.exec_driver_sql(sql, params).fetchall())

    def error(self, exc: sa.exc.DBAPIError, during: str) -> Exception:
        message = " ".join(str(exc.orig if exc.orig is not None else exc).split())
        cls = ConnectionFailed if isinstance(exc, sa.exc.OperationalError) else SourceError
        return cls(f"cannot read {redact_url(self.url)} ({during}): {message}", secrets=self.secrets)

    def health(self) -> Health:
        started = time.perf_counter()
        engine = readonly_engine(self.url)  # a fresh connection: latency includes connecting
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1").scalar()
                latency = time.perf_counter() - started
                return self._health(conn, latency)
        except sa.exc.DBAPIError as exc:
            raise self.error(exc, "reading server health") from None
        finally:
            engine.dispose()

    def _health(self, conn: sa.Connection, latency: float) -> Health:
        return Health(latency_s=latency)


class _Guarded:
    """``with``: a connection whose driver errors become one redacted dbaudit error."""

    def __init__(self, db: _EngineDatabase, during: str) -> None:
        self.db = db
        self.during = during
        self.conn: sa.Connection | None = None

    def __enter__(self) -> sa.Connection:
        try:
            self.conn = self.db.engine.connect()
        except sa.exc.DBAPIError as exc:
            raise self.db.error(exc, self.during) from None
        return self.conn

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> Literal[False]:
        assert self.conn is not None
        self.conn.close()
        if isinstance(exc, sa.exc.DBAPIError):
            raise self.db.error(exc, self.during) from None
        return False


# --- SQLite ---------------------------------------------------------------------------------------


class SQLiteDatabase(_EngineDatabase):
    dialect = "sqlite"
    version_sql = "SELECT sqlite_version()"

    def _default_schema(self, conn: sa.Connection) -> str:
        return "main"

    def relation_rows(self, *, exact_sizes: bool = False) -> list[RelationRows]:
        with self._connection("reading row estimates") as conn:
            names = [r[0] for r in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
                "ORDER BY name")]
            estimates = _sqlite_estimates(conn)
            sizes = _sqlite_sizes(conn) if exact_sizes else {}
        return [RelationRows("main", n, "table", estimates.get(n), sizes.get(n)) for n in names]

    def alembic_versions(self) -> dict[str, tuple[str, ...]]:
        found = self._rows(
            "SELECT m.name FROM sqlite_master AS m, pragma_table_info(m.name) AS p WHERE m.type = 'table' "
            "GROUP BY m.name HAVING count(*) = 1 AND max(p.name) = 'version_num' ORDER BY m.name",
            during="looking for Alembic version tables",
        )
        return {
            f"main.{name}": tuple(str(r[0]) for r in self._rows(
                f"SELECT version_num FROM {sqlite_ident(name)} ORDER BY 1", during=f"reading {name}"))
            for (name,) in found
        }

    def count_rows(
        self, tables: Sequence[RelationRows], *, jobs: int = 1, timeout_s: float = 60.0,
        progress: CountProgress | None = None,
    ) -> dict[str, CountResult]:
        return count_in_parallel(
            tables, lambda: _SQLiteCounter(self, timeout_s), jobs=jobs, progress=progress)


def _sqlite_estimates(conn: sa.Connection) -> dict[str, int]:
    """Rows per table from ``sqlite_stat1`` (the first number of each entry), when ANALYZE wrote it."""
    has_stats = conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'").first()
    if has_stats is None:
        return {}
    out: dict[str, int] = {}
    for table, stat in conn.exec_driver_sql("SELECT tbl, stat FROM sqlite_stat1"):
        head = str(stat or "").split(" ", 1)[0]
        if head.isdigit():
            out[table] = max(out.get(table, 0), int(head))
    return out


def _sqlite_sizes(conn: sa.Connection) -> dict[str, int]:
    """Bytes per table, its indexes included, from ``dbstat`` (empty where SQLite lacks it)."""
    try:
        rows = conn.exec_driver_sql(
            "SELECT m.tbl_name, sum(d.pgsize) FROM dbstat AS d JOIN sqlite_master AS m ON m.name = d.name "
            "GROUP BY m.tbl_name").fetchall()
    except sa.exc.OperationalError:  # built without SQLITE_ENABLE_DBSTAT_VTAB
        return {}
    return {str(table): int(size) for table, size in rows}


class _SQLiteCounter:
    """SQLite has no statement timeout: past the deadline a watchdog thread interrupts the count
    (``sqlite3_interrupt``, the one call SQLite allows from another thread) until it stops."""

    def __init__(self, db: SQLiteDatabase, timeout_s: float) -> None:
        self.db = db
        self.timeout_s = timeout_s
        try:
            self.conn = db.engine.connect()
        except sa.exc.DBAPIError as exc:
            raise db.error(exc, "connecting") from None
        raw = self.conn.connection.driver_connection
        assert raw is not None
        self.raw: Any = raw
        self.cancelled = False

    def count(self, table: RelationRows) -> CountResult:
        done = threading.Event()
        deadline = time.monotonic() + self.timeout_s
        watchdog = threading.Thread(target=self._watch, args=(done, deadline), daemon=True)
        watchdog.start()
        try:
            row = self.raw.execute(f"SELECT count(*) FROM {sqlite_ident(table.name)}").fetchone()
            return CountResult(int(row[0]))
        except sqlite3.Error as exc:
            text = str(exc).lower()
            if "interrupted" in text:
                return CountResult(None, "timeout")
            if "locked" in text or "busy" in text:
                return CountResult(None, "lock_timeout")
            return CountResult(None, f"error: {redact_text(str(exc))}")
        finally:
            done.set()
            watchdog.join()

    def _watch(self, done: threading.Event, deadline: float) -> None:
        if done.wait(max(0.0, deadline - time.monotonic())) and not self.cancelled:
            return
        while not done.is_set():
            self.raw.interrupt()
            done.wait(0.002)

    def cancel(self) -> None:
        self.cancelled = True
        self.raw.interrupt()

    def close(self) -> None:
        self.conn.invalidate()  # closes the SQLite handle in the thread that opened it
        self.conn.close()


# --- MySQL / MariaDB ------------------------------------------------------------------------------


class MySQLDatabase(_EngineDatabase):
    dialect = "mysql"
    version_sql = "SELECT VERSION()"

    def _default_schema(self, conn: sa.Connection) -> str:
        current = conn.exec_driver_sql("SELECT DATABASE()").scalar()
        return str(current or "")

    @property
    def is_mariadb(self) -> bool:
        return "mariadb" in self.version.lower()

    def _schemas(self) -> list[str]:
        if self.schemas:
            return self.schemas
        if self.default_schema:
            return [self.default_schema]
        rows = self._rows("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA")
        return sorted(str(r[0]) for r in rows if str(r[0]).lower() not in MYSQL_SYSTEM_SCHEMAS)

    def _in_schemas(self, column: str) -> tuple[str, tuple[str, ...]]:
        schemas = self._schemas()
        return f"{column} IN ({', '.join(['%s'] * len(schemas))})", tuple(schemas)

    def relation_rows(self, *, exact_sizes: bool = False) -> list[RelationRows]:
        where, params = self._in_schemas("TABLE_SCHEMA")
        rows = self._rows(
            "SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_ROWS, DATA_LENGTH + INDEX_LENGTH FROM information_schema.TABLES "
            f"WHERE {where} AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') ORDER BY 1, 2",
            params, during="reading row estimates")
        return [
            RelationRows(str(schema), str(name), "table", None if est is None else int(est),
                         None if size is None else int(size))
            for schema, name, est, size in rows
        ]

    def alembic_versions(self) -> dict[str, tuple[str, ...]]:
        where, params = self._in_schemas("TABLE_SCHEMA")
        found = self._rows(
            "SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.COLUMNS "
            f"WHERE {where} GROUP BY TABLE_SCHEMA, TABLE_NAME "
            "HAVING COUNT(*) = 1 AND MAX(COLUMN_NAME) = 'version_num' ORDER BY 1, 2",
            params, during="looking for Alembic version tables")
        return {
            f"{schema}.{name}": tuple(str(r[0]) for r in self._rows(
                f"SELECT version_num FROM {mysql_ident(schema)}.{mysql_ident(name)} ORDER BY 1",
                during=f"reading {schema}.{name}"))
            for schema, name in found
        }

    def count_rows(
        self, tables: Sequence[RelationRows], *, jobs: int = 1, timeout_s: float = 60.0,
        progress: CountProgress | None = None,
    ) -> dict[str, CountResult]:
        return count_in_parallel(
            tables, lambda: _MySQLCounter(self, timeout_s), jobs=jobs, progress=progress)

    def _health(self, conn: sa.Connection, latency: float) -> Health:
        used = conn.exec_driver_sql("SHOW GLOBAL STATUS LIKE 'Threads_connected'").first()
        max_conn = conn.exec_driver_sql("SELECT @@max_connections").scalar()
        longest = _optional_scalar(
            conn, "SELECT COALESCE(MAX(TIMESTAMPDIFF(MICROSECOND, trx_started, NOW(6))) / 1e6, 0) "
                  "FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id <> CONNECTION_ID()")
        lag, replica = _replica_lag(conn)
        return Health(
            latency_s=latency, connections_used=int(used[1]) if used else None,
            connections_max=int(max_conn) if max_conn is not None else None,
            longest_transaction_s=None if longest is None else float(longest),
            replication_lag_s=lag, is_replica=replica,
        )


def _optional_scalar(conn: sa.Connection, sql: str) -> Any:
    """A value this role may not be allowed to read (PROCESS privilege): ``None`` then."""
    try:
        return conn.exec_driver_sql(sql).scalar()
    except sa.exc.DBAPIError:
        return None


def _replica_lag(conn: sa.Connection) -> tuple[float | None, bool | None]:
    for statement in ("SHOW REPLICA STATUS", "SHOW SLAVE STATUS"):
        try:
            row = conn.exec_driver_sql(statement).mappings().first()
        except sa.exc.DBAPIError:
            continue
        if row is None:
            return None, False
        lag = row.get("Seconds_Behind_Source", row.get("Seconds_Behind_Master"))
        return (None if lag is None else float(lag)), True
    return None, None


class _MySQLCounter:
    def __init__(self, db: MySQLDatabase, timeout_s: float) -> None:
        self.db = db
        self.timeout_s = timeout_s
        try:
            self.conn = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except sa.exc.DBAPIError as exc:
            raise db.error(exc, "connecting") from None

    def count(self, table: RelationRows) -> CountResult:
        target = f"{mysql_ident(table.schema)}.{mysql_ident(table.name)}"
        if self.db.is_mariadb:
            sql = f"SET STATEMENT max_statement_time = {self.timeout_s:.3f} FOR SELECT COUNT(*) FROM {target}"
        else:
            sql = f"SELECT /*+ MAX_EXECUTION_TIME({max(1, int(self.timeout_s * 1000))}) */ COUNT(*) FROM {target}"
        try:
            return CountResult(int(self.conn.exec_driver_sql(sql).scalar() or 0))
        except sa.exc.DBAPIError as exc:
            code = exc.orig.args[0] if exc.orig is not None and exc.orig.args else None
            if code in _MYSQL_TIMEOUTS:
                return CountResult(None, "timeout")
            if code in _MYSQL_LOCK_WAIT:
                return CountResult(None, "lock_timeout")
            if isinstance(exc, sa.exc.OperationalError) and code in (2006, 2013):  # server gone
                raise self.db.error(exc, f"counting {table.qualified_name}") from None
            message = " ".join(str(exc.orig if exc.orig is not None else exc).split())
            return CountResult(None, f"error: {redact_text(message, self.db.secrets)}")

    def cancel(self) -> None:
        self.conn.invalidate()

    def close(self) -> None:
        self.conn.close()


__all__ = ["MySQLDatabase", "SQLiteDatabase", "mysql_ident", "open_reflected", "sqlite_ident"]
