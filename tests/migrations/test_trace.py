"""Lock tracing on a real PostgreSQL: locks held, rewrites, and the findings they confirm."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg

from dbaudit.findings import Severity
from dbaudit.migrations import LintResult, lint_migrations
from dbaudit.migrations.trace import LockHeld, TraceEntry, fill_sample_rows
from dbaudit.scratch import ScratchServer
from tests.migrations.helpers import BASE_SQL


def trace_sql(tmp: Path, server: ScratchServer, sql: str, rows: int = 300) -> LintResult:
    (tmp / "000_base.sql").write_text(BASE_SQL, encoding="utf-8")
    (tmp / "001_change.sql").write_text(sql, encoding="utf-8")
    return lint_migrations(tmp, trace=True, since="000_base", scratch_url=server.admin_url, rows=rows)


def sql_project_dir(tmp: Path, sql: str) -> Path:
    (tmp / "000_base.sql").write_text(BASE_SQL, encoding="utf-8")
    (tmp / "001_change.sql").write_text(sql, encoding="utf-8")
    return tmp


def only(result: LintResult) -> TraceEntry:
    """The one traced statement that is not a SET."""
    entries = [t for t in result.traces if not t.statement.upper().startswith("SET ")]
    assert len(entries) == 1, entries
    return entries[0]


ORDERS_AEL = (LockHeld("public.orders", "AccessExclusiveLock", True),)


class TestTrace:
    def test_int_to_bigint_rewrites(self, tmp_path: Path, pg_server: ScratchServer) -> None:
        """int -> bigint holds AccessExclusiveLock and rewrites the table (new relfilenode)."""
        entry = only(trace_sql(tmp_path, pg_server, "ALTER TABLE orders ALTER COLUMN ref TYPE bigint;"))
        assert (entry.locks, entry.rewritten, entry.error, entry.observed) == (
            ORDERS_AEL, ("public.orders",), None, True)
        assert entry.blocks.startswith("reads and writes")

    def test_varchar_grow_does_not_rewrite(self, tmp_path: Path, pg_server: ScratchServer) -> None:
        """varchar(20) -> varchar(50) locks but keeps the table's storage (no rewrite)."""
        entry = only(trace_sql(tmp_path, pg_server, "ALTER TABLE orders ALTER COLUMN code TYPE varchar(50);"))
        assert (entry.locks, entry.rewritten) == (ORDERS_AEL, ())

    def test_create_index_takes_share_lock(self, tmp_path: Path, pg_server: ScratchServer) -> None:
        """CREATE INDEX holds ShareLock: writes blocked, reads go on, nothing rewritten."""
        entry = only(trace_sql(tmp_path, pg_server, "CREATE INDEX ix_orders_note ON orders (note);"))
        assert (entry.locks, entry.rewritten) == ((LockHeld("public.orders", "ShareLock", True),), ())
        assert entry.blocks == "writes (INSERT/UPDATE/DELETE) and DDL; reads go on"

    def test_fk_not_valid_locks_both_tables_without_scan(self, tmp_path: Path, pg_server: ScratchServer) -> None:
        """ADD FOREIGN KEY ... NOT VALID holds ShareRowExclusiveLock on both tables and rewrites nothing."""
        result = trace_sql(tmp_path, pg_server, "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (customer_id) "
                                                "REFERENCES customers (id) NOT VALID;")
        entry = only(result)
        assert (entry.locks, entry.rewritten) == ((
            LockHeld("public.customers", "ShareRowExclusiveLock", True),
            LockHeld("public.orders", "ShareRowExclusiveLock", True)), ())
        assert [f.rule for f in result.findings] == ["fk-locks-referenced-table", "missing-lock-timeout"]

    def test_constant_and_stable_defaults_do_not_rewrite(self, tmp_path: Path, pg_server: ScratchServer) -> None:
        """ADD COLUMN ... DEFAULT now() is catalog-only; DEFAULT gen_random_uuid() rewrites."""
        result = trace_sql(tmp_path, pg_server, "SET lock_timeout = '5s';\n"
                           "ALTER TABLE orders ADD COLUMN at timestamptz NOT NULL DEFAULT now();\n"
                           "ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();")
        traced = [(t.statement.split(" ADD COLUMN ")[-1].split()[0], t.rewritten) for t in result.traces[1:]]
        assert traced == [("at", ()), ("token", ("public.orders",))]
        assert sorted((f.rule, f.severity, f.objects, f.locations[0].line) for f in result.findings) == [
            ("access-exclusive-lock", Severity.P2, ("public.orders",), 2),  # only the trace reports line 2
            ("add-column-rewrite", Severity.P1, ("public.orders.token",), 3),  # with the trace's evidence
        ]

    def test_concurrent_index_runs_outside_transaction(self, tmp_path: Path, pg_server: ScratchServer) -> None:
        """CREATE INDEX CONCURRENTLY runs in autocommit; its lock is the documented one."""
        entry = only(trace_sql(tmp_path, pg_server, "CREATE INDEX CONCURRENTLY ix_c ON orders (note);"))
        assert (entry.locks, entry.observed, entry.error) == (
            (LockHeld("public.orders", "ShareUpdateExclusiveLock", True),), False, None)

    def test_primary_key_on_partitioned_table(self, tmp_path: Path, pg_server: ScratchServer) -> None:
        """ADD PRIMARY KEY on a partitioned table locks the parent and every partition."""
        entry = only(trace_sql(tmp_path, pg_server, "ALTER TABLE events ADD PRIMARY KEY (id, created_at);"))
        assert {lk.table for lk in entry.locks} == {"public.events", "public.events_2025", "public.events_2026"}
        assert entry.strongest == "AccessExclusiveLock"

    def test_static_finding_gets_trace_evidence(self, tmp_path: Path, pg_server: ScratchServer) -> None:
        """column-type-rewrite is confirmed by the trace: AccessExclusiveLock and rewrite yes."""
        result = trace_sql(tmp_path, pg_server, "SET lock_timeout = '5s';\nSET TimeZone = 'Asia/Shanghai';\n"
                           "ALTER TABLE orders ALTER COLUMN created TYPE timestamptz;")
        static = next(f for f in result.findings if f.rule == "column-type-rewrite")
        assert static.evidence[-1].startswith(
            "trace: AccessExclusiveLock on public.orders; rewrite: yes (1 table(s): public.orders); ")

    def test_timestamptz_under_utc_skips_rewrite(self, tmp_path: Path, pg_server: ScratchServer) -> None:
        """With the session TimeZone at UTC, PostgreSQL 12+ converts timestamp -> timestamptz in place."""
        result = trace_sql(tmp_path, pg_server, "SET lock_timeout = '5s';\nSET TimeZone = 'UTC';\n"
                           "ALTER TABLE orders ALTER COLUMN created TYPE timestamptz;")
        assert [(t.strongest, t.rewritten) for t in result.traces[2:]] == [("AccessExclusiveLock", ())]

    def test_assumed_volatile_function_is_looked_up_by_the_trace(self, tmp_path: Path,
                                                                 pg_server: ScratchServer) -> None:
        """A default calling a function dbaudit cannot see declared (created through dynamic SQL) is
        assumed volatile statically; the trace sees no rewrite and withdraws the finding, with a note."""
        sql = ("SET lock_timeout = '5s';\n"
               "DO $$ BEGIN EXECUTE $f$CREATE FUNCTION region_default() RETURNS text LANGUAGE sql STABLE "
               "AS $b$SELECT 1::text$b$ $f$; END $$;\n"
               "ALTER TABLE orders ADD COLUMN region text DEFAULT region_default();\n")
        (tmp_path / "static").mkdir()
        static = lint_migrations(sql_project_dir(tmp_path / "static", sql), since="000_base")
        assert [f.rule for f in static.findings] == ["add-column-rewrite"]
        traced = trace_sql(tmp_path, pg_server, sql)
        assert ([f.rule for f in traced.findings if f.rule != "access-exclusive-lock"],
                [n.message for n in traced.notes if n.rule == "add-column-rewrite"]) == ([], [
            "001_change.sql:3: trace: adding public.orders.region did not rewrite the table (the default's "
            "function is not volatile on the traced database): add-column-rewrite withdrawn"])

    def test_failed_statement_is_a_note(self, tmp_path: Path, pg_server: ScratchServer) -> None:
        """A statement that fails on the scratch database is recorded, noted, and tracing goes on."""
        result = trace_sql(tmp_path, pg_server, "SET lock_timeout = '5s';\nALTER TABLE missing_table ADD COLUMN x int;")
        assert [t.error for t in result.traces] == [None, 'relation "missing_table" does not exist']
        assert [n.message for n in result.notes] == [
            "trace: each statement runs in its own transaction on the scratch database, so locks are per "
            "statement; locks held across statements of one transaction are reported statically",
            '001_change.sql:2: statement failed on the scratch database: relation "missing_table" does not exist']


class TestSampleRows:
    def test_fills_parents_before_children(self, pg_exec: psycopg.Connection[Any]) -> None:
        """Generic sample rows satisfy foreign keys, enums, bounded varchar and partitions."""
        pg_exec.execute("""
            CREATE TYPE mood AS ENUM ('ok', 'sad');
            CREATE TABLE child (id serial PRIMARY KEY, parent_id int NOT NULL REFERENCES parent_t (id),
                                kind text NOT NULL CHECK (kind IN ('it''s', 'b')));
        """.replace("CREATE TABLE child", "CREATE TABLE parent_t (id serial PRIMARY KEY, code varchar(3) NOT NULL,"
                    " m mood NOT NULL, at timestamptz NOT NULL, doc jsonb, n numeric(5,2));\nCREATE TABLE child"))
        pg_exec.execute("CREATE TABLE ev (at date NOT NULL, k text) PARTITION BY RANGE (at)")
        pg_exec.execute("CREATE TABLE ev_1990 PARTITION OF ev FOR VALUES FROM ('1990-01-01') TO ('1990-02-01')")
        pg_exec.execute("CREATE TABLE ev_1991 PARTITION OF ev FOR VALUES FROM ('1991-01-01') TO ('1991-02-01')")
        pg_exec.execute("CREATE TABLE li (k text NOT NULL) PARTITION BY LIST (k)")
        pg_exec.execute("CREATE TABLE li_a PARTITION OF li FOR VALUES IN ('a', 'b')")
        notes = fill_sample_rows(pg_exec, 24)
        counts = [pg_exec.execute(f"SELECT count(*) FROM {t}").fetchone()
                  for t in ("parent_t", "child", "ev_1990", "ev_1991", "li_a")]
        assert (notes, counts) == ([], [(24,), (24,), (12,), (12,), (24,)])
        assert pg_exec.execute("SELECT DISTINCT kind FROM child").fetchall() == [("it's",)]
