"""dbaudit.live: row estimates, exact counts, Alembic versions and health on real servers."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa

from dbaudit.errors import ConnectionFailed, UsageError
from dbaudit.live import RelationRows, open_live, with_partition_sums
from dbaudit.live.reflected import mysql_ident, sqlite_ident
from dbaudit.sqltext import qualified
from tests.test_sqltext import HOSTILE

Conn = psycopg.Connection[tuple[Any, ...]]
NAMES = [*HOSTILE, "new\nline"]

PARTITIONED = """
CREATE TABLE plain (id int PRIMARY KEY, note text);
INSERT INTO plain SELECT g, 'x' FROM generate_series(1, 500) g;
CREATE TABLE events (day date NOT NULL, v int) PARTITION BY RANGE (day);
CREATE TABLE events_2025_01 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2025-02-01')
  PARTITION BY RANGE (day);
CREATE TABLE events_2025_01a PARTITION OF events_2025_01 FOR VALUES FROM ('2025-01-01') TO ('2025-01-16');
CREATE TABLE events_2025_01b PARTITION OF events_2025_01 FOR VALUES FROM ('2025-01-16') TO ('2025-02-01');
CREATE TABLE events_2025_02 PARTITION OF events FOR VALUES FROM ('2025-02-01') TO ('2025-03-01');
CREATE TABLE empty_parent (day date NOT NULL) PARTITION BY RANGE (day);
INSERT INTO events SELECT '2025-01-03', g FROM generate_series(1, 30) g;
INSERT INTO events SELECT '2025-01-20', g FROM generate_series(1, 20) g;
INSERT INTO events SELECT '2025-02-03', g FROM generate_series(1, 7) g;
CREATE MATERIALIZED VIEW plain_mv AS SELECT * FROM plain WHERE id <= 10;
CREATE VIEW plain_v AS SELECT * FROM plain;
CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);
INSERT INTO alembic_version VALUES ('rev_b'), ('rev_a');
CREATE SCHEMA other;
CREATE TABLE other.alembic_version_pool (version_num varchar(32) NOT NULL);
INSERT INTO other.alembic_version_pool VALUES ('pool_1');
CREATE TABLE not_versions (version_num varchar(32), extra int);
ANALYZE;
"""


class TestPostgres:
    def test_estimates_cover_every_relation_with_rows(self, pg_exec: Conn, pg_url: str) -> None:
        """Tables, partitions, partitioned tables (the sum of their leaves) and materialized views; no views."""
        pg_exec.execute(PARTITIONED)
        with open_live(pg_url) as db:
            rows = {r.qualified_name: r for r in db.relation_rows()}
        assert "public.plain_v" not in rows
        assert rows["public.plain"].rows_estimated == 500
        assert rows["public.plain_mv"].kind == "materialized_view"
        assert rows["public.events_2025_01a"].partition_of == "public.events_2025_01"
        assert (rows["public.events_2025_01"].kind, rows["public.events_2025_01"].partition_of) == (
            "partitioned_table", "public.events")
        assert rows["public.events"].kind == "partitioned_table"
        assert rows["public.events"].rows_estimated == 57
        assert rows["public.empty_parent"].rows_estimated == 0
        assert all(r.total_bytes is not None and r.total_bytes > 0 for r in rows.values()
                   if r.kind in ("table", "partition") and r.name.startswith(("plain", "events_2025_01a")))

    @pytest.mark.parametrize("jobs", [1, 2])
    def test_exact_counts_sum_partitions_and_release_locks(self, pg_exec: Conn, pg_url: str, jobs: int) -> None:
        """Every leaf is counted once; parents are sums; no table lock outlives its count: with one
        connection none is held between counts, with ``jobs`` connections at most the ``jobs - 1``
        counts still running elsewhere."""
        pg_exec.execute(PARTITIONED)
        pg_exec.execute("DELETE FROM plain WHERE id > 480")  # estimates now lag; counts must not
        held: list[int] = []
        watcher = psycopg.connect(pg_url, autocommit=True)

        def progress(done: int, total: int) -> None:
            row = watcher.execute(
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "JOIN pg_class c ON c.oid = l.relation "
                "WHERE a.application_name = 'dbaudit' AND c.relnamespace = 'public'::regnamespace "
                "AND c.relkind IN ('r', 'p', 'm')").fetchone()
            held.append(int(row[0]) if row else -1)

        try:
            with open_live(pg_url) as db:
                relations = db.relation_rows()
                counts = db.count_rows(relations, jobs=jobs, progress=progress)
        finally:
            watcher.close()
        assert counts["public.plain"].rows == 480
        assert counts["public.events_2025_01a"].rows == 30
        assert counts["public.events_2025_01"].rows == 50
        assert counts["public.events"].rows == 57
        assert counts["public.empty_parent"].rows == 0
        assert counts["public.plain_mv"].rows == 10
        assert len(held) == len([r for r in relations if r.kind != "partitioned_table"])
        assert min(held) >= 0, held
        assert max(held) <= jobs - 1, held

    def test_hostile_identifiers_are_counted(self, pg_exec: Conn, pg_url: str) -> None:
        """Quotes, spaces, Unicode, reserved words, 63-byte names and newlines: the generated SQL runs."""
        pg_exec.execute('CREATE SCHEMA "Sch ema"')
        for i, name in enumerate(NAMES):
            pg_exec.execute(f"CREATE TABLE {qualified('Sch ema', name)} (x int)")
            pg_exec.execute(f"INSERT INTO {qualified('Sch ema', name)} SELECT generate_series(1, {i + 1})")
        with open_live(pg_url) as db:
            relations = db.relation_rows()
            counts = db.count_rows(relations)
        assert {counts[f"Sch ema.{name}"].rows for name in NAMES} == set(range(1, len(NAMES) + 1))
        assert all(counts[f"Sch ema.{name}"].rows == i + 1 for i, name in enumerate(NAMES))

    def test_a_timeout_is_recorded_not_fatal(self, pg_exec: Conn, pg_url: str) -> None:
        """A count past its time limit is marked ``timeout``; the other tables are still counted."""
        pg_exec.execute("CREATE TABLE big AS SELECT g AS id, repeat('x', 200) AS pad FROM generate_series(1, 300000) g")
        pg_exec.execute("CREATE TABLE small (id int); INSERT INTO small VALUES (1)")
        with open_live(pg_url) as db:
            counts = db.count_rows(db.relation_rows(), timeout_s=0.001)
        assert counts["public.big"] == counts["public.big"].__class__(None, "timeout")
        assert counts["public.small"].rows in (1, None)

    def test_a_lock_wait_is_recorded_not_fatal(
        self, pg_exec: Conn, pg_url: str, monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """A table locked for DDL gives ``lock_timeout`` after DBAUDIT_LOCK_TIMEOUT; the run goes on."""
        monkeypatch.setenv("DBAUDIT_LOCK_TIMEOUT", "100")
        pg_exec.execute("CREATE TABLE locked (id int); CREATE TABLE free (id int); INSERT INTO free VALUES (1)")
        with psycopg.connect(pg_url) as holder:
            holder.execute("LOCK TABLE locked IN ACCESS EXCLUSIVE MODE")
            with open_live(pg_url) as db:
                counts = db.count_rows(
                    [RelationRows("public", "locked", "table", 0, 0), RelationRows("public", "free", "table", 0, 0)])
        assert counts["public.locked"].error == "lock_timeout"
        assert counts["public.free"].rows == 1

    def test_alembic_version_tables(self, pg_exec: Conn, pg_url: str) -> None:
        """Every table whose only column is version_num, with its revisions sorted; look-alikes are not."""
        pg_exec.execute(PARTITIONED)
        with open_live(pg_url) as db:
            assert db.alembic_versions() == {
                "other.alembic_version_pool": ("pool_1",), "public.alembic_version": ("rev_a", "rev_b")}

    def test_health(self, pg_url: str) -> None:
        """Latency, connection usage against max_connections, and not a replica."""
        with open_live(pg_url) as db:
            health = db.health()
        assert health.latency_s > 0
        assert health.connections_used is not None
        assert health.connections_used >= 1
        assert health.connection_usage is not None
        assert 0 < health.connection_usage <= 1
        assert health.is_replica is False

    def test_longest_transaction_is_seen(self, pg_url: str) -> None:
        """An open transaction of another session shows as the longest transaction's age."""
        with psycopg.connect(pg_url) as other:
            other.execute("SELECT pg_sleep(0.2)")  # opens a transaction and keeps it
            with open_live(pg_url) as db:
                health = db.health()
        assert health.longest_transaction_s is not None
        assert health.longest_transaction_s >= 0.2

    def test_unreachable_is_one_redacted_line(self) -> None:
        """A refused connection is ConnectionFailed without the password."""
        with pytest.raises(ConnectionFailed) as info:
            open_live("postgresql://u:s3cret@127.0.0.1:1/db")
        assert "s3cret" not in str(info.value)

    def test_not_a_database_url(self) -> None:
        with pytest.raises(UsageError):
            open_live("schema.sql")


class TestPartitionSums:
    def test_unknown_partition_makes_the_sum_unknown(self) -> None:
        """A partition without an estimate leaves its parent's estimate unknown, not an undercount."""
        rows = with_partition_sums([
            RelationRows("s", "p", "partitioned_table", None, 0),
            RelationRows("s", "p1", "partition", 5, 8192, partition_of="s.p"),
            RelationRows("s", "p2", "partition", None, 8192, partition_of="s.p"),
        ])
        assert (rows[0].rows_estimated, rows[0].total_bytes) == (None, 16384)


def _sqlite(path: Path, statements: list[str]) -> str:
    with sqlite3.connect(path) as conn:
        for statement in statements:
            conn.execute(statement)
    return f"sqlite:///{path}"


class TestSQLite:
    def test_estimates_need_analyze(self, tmp_path: Path) -> None:
        """Without sqlite_stat1 the estimate is unknown; after ANALYZE it is the row count."""
        url = _sqlite(tmp_path / "a.db", ["CREATE TABLE t (id integer primary key, v text)",
                                          "CREATE INDEX t_v ON t (v)",
                                          "INSERT INTO t (v) SELECT 'x' FROM (WITH RECURSIVE c(n) AS "
                                          "(SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 250) SELECT n FROM c)"])
        with open_live(url) as db:
            assert [(r.qualified_name, r.rows_estimated) for r in db.relation_rows()] == [("main.t", None)]
        _sqlite(tmp_path / "a.db", ["ANALYZE"])
        with open_live(url) as db:
            rows = db.relation_rows(exact_sizes=True)
        assert [(r.qualified_name, r.rows_estimated) for r in rows] == [("main.t", 250)]
        assert rows[0].total_bytes is not None
        assert rows[0].total_bytes >= 2 * 4096

    def test_counts_versions_and_hostile_names(self, tmp_path: Path) -> None:
        """count(*) per table with quoted names; the Alembic table is found; the file stays unchanged."""
        statements = [f"CREATE TABLE {sqlite_ident(n)} (x int)" for n in NAMES]
        statements += [f"INSERT INTO {sqlite_ident(n)} VALUES (1), (2)" for n in NAMES]
        statements += ["CREATE TABLE alembic_version (version_num varchar(32) not null)",
                       "INSERT INTO alembic_version VALUES ('abc')"]
        url = _sqlite(tmp_path / "h.db", statements)
        before = (tmp_path / "h.db").read_bytes()
        with open_live(url) as db:
            counts = db.count_rows(db.relation_rows(), jobs=2)
            versions = db.alembic_versions()
        assert all(counts[f"main.{n}"].rows == 2 for n in NAMES)
        assert versions == {"main.alembic_version": ("abc",)}
        assert (tmp_path / "h.db").read_bytes() == before

    def test_a_count_past_its_deadline_is_a_timeout(self, tmp_path: Path) -> None:
        """SQLite has no statement timeout: the progress handler stops the count."""
        url = _sqlite(tmp_path / "big.db", [
            "CREATE TABLE big (v text)",
            "INSERT INTO big SELECT hex(randomblob(50)) FROM (WITH RECURSIVE c(n) AS "
            "(SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 200000) SELECT n FROM c)"])
        with open_live(url) as db:
            counts = db.count_rows(db.relation_rows(), timeout_s=0.0001)
        assert counts["main.big"].error == "timeout"

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(ConnectionFailed):
            open_live(f"sqlite:///{tmp_path / 'nope.db'}")


@pytest.mark.mysql
class TestMySQL:
    def test_estimates_counts_versions(self, mysql_url: str) -> None:
        """information_schema estimates, exact counts with backtick names, the Alembic table, health."""
        engine = sa.create_engine(mysql_url)
        names = ["plain", "we`ird", "with space", "select", "日本語"]
        with engine.begin() as conn:
            for i, name in enumerate(names):
                conn.exec_driver_sql(f"CREATE TABLE {mysql_ident(name)} (id int primary key)")
                conn.exec_driver_sql(f"INSERT INTO {mysql_ident(name)} VALUES " +
                                     ", ".join(f"({k})" for k in range(i + 1)))
            conn.exec_driver_sql("CREATE TABLE alembic_version (version_num varchar(32) not null primary key)")
            conn.exec_driver_sql("INSERT INTO alembic_version VALUES ('m1')")
        engine.dispose()
        schema = sa.engine.make_url(mysql_url).database
        with open_live(mysql_url) as db:
            relations = db.relation_rows()
            counts = db.count_rows(relations, jobs=2)
            versions = db.alembic_versions()
            health = db.health()
        assert {r.name for r in relations} == {*names, "alembic_version"}
        assert all(r.rows_estimated is not None for r in relations)
        assert [counts[f"{schema}.{n}"].rows for n in names] == [1, 2, 3, 4, 5]
        assert versions == {f"{schema}.alembic_version": ("m1",)}
        assert health.connections_used is not None
        assert health.connections_max is not None


class TestConcurrency:
    def test_worker_that_cannot_connect_leaves_the_work_to_others(self) -> None:
        """One refused connection does not lose its tables: the other worker counts them all."""
        from dbaudit.live import CountResult  # noqa: PLC0415
        from dbaudit.live.counting import count_in_parallel  # noqa: PLC0415

        opened = threading.Lock()
        calls = {"n": 0}

        class Counter:
            def count(self, table: RelationRows) -> CountResult:
                return CountResult(len(table.name))

            def cancel(self) -> None: ...

            def close(self) -> None: ...

        def open_counter() -> Counter:
            with opened:
                calls["n"] += 1
                if calls["n"] == 2:
                    raise ConnectionFailed("too many connections")
            return Counter()

        tables = [RelationRows("s", "t" * i, "table", i, 0) for i in range(1, 20)]
        counts = count_in_parallel(tables, open_counter, jobs=2)
        assert {k: v.rows for k, v in counts.items()} == {f"s.{'t' * i}": i for i in range(1, 20)}
