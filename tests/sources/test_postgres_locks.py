"""Reading a large catalog holds no relation lock that DDL would wait for.

The delay an ``ALTER TABLE`` suffers is measured by the server, not by a wall clock on a shared
machine: each ``ALTER`` runs with ``lock_timeout = 100ms``, so it fails (55P03) exactly when it waited
more than 100 ms for a lock. While the reader works, ``ALTER``s on a table that has a view, a CHECK
and an expression index (every kind of deparsing that locks) run back to back; none may time out.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import psycopg
import pytest

from dbaudit.model import SchemaModel
from dbaudit.scratch import ScratchServer
from dbaudit.sources.postgres import read_postgres

TABLES = 1500
VIEWS_EVERY = 10  # 150 views: the view definitions take one page


@pytest.fixture(scope="module")
def large_catalog(pg_server: ScratchServer, pg_template: str) -> Iterator[str]:
    """A database with 1,500 tables (CHECK, expression and partial index each), 150 views, and ``hot``:
    a table with a view over it, a CHECK and an expression index."""
    url = pg_server.create_database(template=pg_template, prefix="dbaudit_t_")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"""DO $$ BEGIN FOR i IN 1..{TABLES} LOOP
          EXECUTE format('CREATE TABLE t%s (id bigint PRIMARY KEY, name text, v int CHECK (v > 0), p bigint)', i);
          EXECUTE format('CREATE INDEX ON t%s (lower(name)) WHERE v > 1', i);
          IF mod(i, {VIEWS_EVERY}) = 0 THEN EXECUTE format('CREATE VIEW v%s AS SELECT * FROM t%s', i, i); END IF;
          -- a transaction per 50 tables: 1,500 tables' locks at once would exhaust a shared server's lock table
          IF mod(i, 50) = 0 THEN COMMIT; END IF;
        END LOOP; END $$""")
        conn.execute("CREATE TABLE hot (id bigint PRIMARY KEY, v int CHECK (v > 0), w int DEFAULT 0, name text)")
        conn.execute("CREATE INDEX hot_lower ON hot (lower(name))")
        conn.execute("CREATE VIEW hot_v AS SELECT id, v FROM hot")
    yield url
    pg_server.drop_database(url)


def _alter_until(url: str, done: threading.Event) -> tuple[int, int]:
    """ALTERs on ``hot`` until ``done``: (how many ran, how many waited over 100 ms for a lock)."""
    ran = timed_out = 0
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET lock_timeout = '100ms'")
        while not done.is_set():
            ran += 1
            try:
                conn.execute(f"ALTER TABLE hot ALTER COLUMN w SET DEFAULT {ran}")
            except psycopg.errors.LockNotAvailable:
                timed_out += 1
            time.sleep(0.002)
    return ran, timed_out


@pytest.mark.slow
class TestNobodyWaitsForTheReader:
    def test_alter_table_is_not_delayed_while_a_large_catalog_is_read(self, large_catalog: str) -> None:
        """No ALTER TABLE issued during three reads of a 1,500-table catalog waits 100 ms for a lock."""
        done = threading.Event()
        models: list[SchemaModel] = []
        errors: list[BaseException] = []

        def read() -> None:
            try:
                for _ in range(3):
                    models.append(read_postgres(large_catalog))
            except BaseException as exc:  # reported in the test's thread
                errors.append(exc)
            finally:
                done.set()

        reader = threading.Thread(target=read)
        reader.start()
        ran, timed_out = _alter_until(large_catalog, done)
        reader.join()
        assert errors == []
        assert len(models) == 3
        assert all(len(m.tables) >= TABLES for m in models)
        assert ran >= 10, "the ALTERs overlapped the reads"
        assert timed_out == 0, f"{timed_out} of {ran} ALTER TABLE waited more than 100 ms for dbaudit's locks"
