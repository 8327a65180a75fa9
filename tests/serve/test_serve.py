"""dbaudit serve over real HTTP: status JSON, a Prometheus scrape parsed by prometheus_client's own
parser, a scrape that never waits for a refresh, and the command as a process."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families

from dbaudit.errors import UsageError
from dbaudit.serve import RunningServer, start_server
from dbaudit.snapshot import take_snapshot, write_snapshot

SetUrls = Callable[[str, str], None]
REQUIRED = {
    "dbaudit_database_up", "dbaudit_database_latency_seconds", "dbaudit_alembic_head_match",
    "dbaudit_table_rows_estimated", "dbaudit_findings", "dbaudit_partitions_ahead", "dbaudit_sequence_used_ratio",
    "dbaudit_connections_used_ratio", "dbaudit_longest_transaction_seconds",
}
STATS = """
CREATE TABLE metrics (id bigserial, day date NOT NULL, v int) PARTITION BY RANGE (day);
DO $$
DECLARE m date := date_trunc('month', current_date)::date;
BEGIN
  FOR i IN -1..2 LOOP
    EXECUTE format('CREATE TABLE %I PARTITION OF metrics FOR VALUES FROM (%L) TO (%L)',
                   'metrics_' || i + 1, m + make_interval(months => i), m + make_interval(months => i + 1));
  END LOOP;
END $$;
CREATE SEQUENCE small_seq AS smallint MAXVALUE 100;
SELECT setval('small_seq', 25);
INSERT INTO metrics (day, v) SELECT current_date, g FROM generate_series(1, 10) g;
ANALYZE;
"""


def get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read().decode()


def wait_refreshed(server: RunningServer, count: int = 1, timeout: float = 90.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = json.loads(get(server.url + "/api/db-status")[2])
        if status["refreshes"] >= count:
            return dict(status)
        time.sleep(0.1)
    raise AssertionError("no refresh in time")


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text) for s in family.samples
    }


@pytest.fixture
def served(pg_split: dict[str, str], pg_url: str, split_env: SetUrls, example_copy: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[RunningServer, dict[str, Any]]]:
    """The example (two PostgreSQL databases) plus a ``stats`` database with partitions and a sequence."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(STATS)
    for url in pg_split.values():  # estimates from reltuples, not from statistics flushed whenever
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("ANALYZE")
    split_env(pg_split["users"], pg_split["pool"])
    monkeypatch.setenv("STATS_URL", pg_url)
    config = example_copy / "dbaudit.toml"
    config.write_text(config.read_text(encoding="utf-8")
                      + '\n[databases.stats]\nurl_env = "STATS_URL"\ntables = ["*"]\n', encoding="utf-8")
    snapshot = take_snapshot(pg_split["users"], schema=False)
    write_snapshot(snapshot, example_copy / "snapshots" / "users-2025-10-27.json")
    server = start_server(config, port=0)
    try:
        yield server, {"snapshot_at": snapshot.taken_at.isoformat()}
    finally:
        server.stop()


class TestHttp:
    def test_status_and_scrape(self, served: tuple[RunningServer, dict[str, Any]]) -> None:
        """/healthz, /api/db-status and /metrics answer; the scrape parses and holds every named metric."""
        server, facts = served
        status = wait_refreshed(server)
        code, ctype, body = get(server.url + "/healthz")
        assert (code, json.loads(body)["status"]) == (200, "ok")
        assert ctype.startswith("application/json")
        users, pool, stats = (status["databases"][n] for n in ("users", "pool", "stats"))
        assert users["reachable"] is True
        assert users["alembic"] == {"current": "users_0001", "head": "users_0001", "ok": True}
        assert users["last_snapshot_at"] == facts["snapshot_at"]
        assert set(users["findings"]) == {"P0", "P1", "P2"}
        assert all(isinstance(v, int) for v in users["findings"].values())
        assert pool["alembic"]["ok"] is True
        assert 0 < users["connections"]["usage_ratio"] <= 1
        assert stats["alembic"] == {"current": None, "head": None, "ok": None}
        assert status["ok"] is True

        code, ctype, text = get(server.url + "/metrics")
        assert code == 200
        assert ctype.startswith("text/plain")
        got = samples(text)
        names = {name for name, _ in got}
        assert names >= REQUIRED
        assert got[("dbaudit_database_up", (("database", "users"),))] == 1.0
        assert got[("dbaudit_alembic_head_match", (("database", "pool"),))] == 1.0
        assert got[("dbaudit_table_rows_estimated", (("database", "pool"), ("table", "public.mother_accounts")))] == 3
        assert got[("dbaudit_partitions_ahead", (("database", "stats"), ("table", "public.metrics")))] == 2.0
        assert got[("dbaudit_sequence_used_ratio", (("database", "stats"), ("sequence", "public.small_seq")))] \
            == pytest.approx(24 / 99)
        assert ("dbaudit_findings", (("database", "users"), ("severity", "P1"))) in got
        assert ("dbaudit_last_snapshot_timestamp_seconds", (("database", "users"),)) in got
        # Not a replica and no replicas: replication lag does not apply, so it is not exported.
        assert "dbaudit_replication_lag_seconds" not in names

    def test_errors(self, served: tuple[RunningServer, dict[str, Any]]) -> None:
        server, _ = served
        assert get(server.url + "/nope")[0] == 404
        request = urllib.request.Request(server.url + "/metrics", method="POST", data=b"")
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(request, timeout=10)
        assert info.value.code == 405

    def test_scrape_never_waits_for_a_refresh(self, served: tuple[RunningServer, dict[str, Any]]) -> None:
        """While a refresh runs, another is not started and requests answer at once from the last state."""
        server, _ = served
        wait_refreshed(server)
        running = server.refresher._running
        assert running.acquire(timeout=60)  # stands for a refresh that takes long
        try:
            assert server.refresher.refresh() is False
            started = time.perf_counter()
            code, _, text = get(server.url + "/metrics")
            status = json.loads(get(server.url + "/api/db-status")[2])
            assert time.perf_counter() - started < 2.0
            assert code == 200
            assert status["refreshing"] is True
            assert samples(text)[("dbaudit_database_up", (("database", "users"),))] == 1.0
        finally:
            running.release()


class TestUnreachable:
    def test_down_database_exports_up_0_only(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("DOWN_URL", "postgresql://app:s3cret@127.0.0.1:1/db")
        config = tmp_path / "dbaudit.toml"
        config.write_text('[databases.down]\nurl_env = "DOWN_URL"\ntables = ["*"]\n', encoding="utf-8")
        server = start_server(config, port=0)
        try:
            status = wait_refreshed(server)
            text = get(server.url + "/metrics")[2]
        finally:
            server.stop()
        down = status["databases"]["down"]
        assert down["reachable"] is False
        assert "s3cret" not in json.dumps(status)
        assert {name for name, labels in samples(text) if labels == (("database", "down"),)} == {
            "dbaudit_database_up", "dbaudit_last_refresh_timestamp_seconds", "dbaudit_refresh_duration_seconds"}
        assert samples(text)[("dbaudit_database_up", (("database", "down"),))] == 0.0

    def test_missing_extra_is_a_clear_error(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        import importlib.util  # noqa: PLC0415

        real = importlib.util.find_spec
        monkeypatch.setattr(importlib.util, "find_spec",
                            lambda name, *a: None if name == "waitress" else real(name, *a))
        with pytest.raises(UsageError, match=re.escape("pip install 'dbaudit[serve]'")):
            start_server(tmp_path / "dbaudit.toml")


class TestCommand:
    def test_serve_process(self, tmp_path: Path, sqlite_one: str) -> None:
        """``dbaudit serve`` listens, answers, and stops cleanly on SIGTERM."""
        config = tmp_path / "dbaudit.toml"
        config.write_text('[databases.dev]\nurl_env = "DEV_URL"\ntables = ["*"]\n', encoding="utf-8")
        env = {**os.environ, "DEV_URL": sqlite_one}
        proc = subprocess.Popen([sys.executable, "-m", "dbaudit.cli", "serve", str(config), "--port", "0"],
                                stderr=subprocess.PIPE, text=True, env=env)
        try:
            assert proc.stderr is not None
            line = proc.stderr.readline()
            match = re.search(r"listening on (http://\S+)", line)
            assert match, line
            assert get(match.group(1) + "/healthz")[0] == 200
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=30) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
