"""dbaudit inspect: summary, model file, and one-line failures with exit code 2."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from click.testing import CliRunner, Result

from dbaudit.cli.main import cli
from dbaudit.model import model_from_json
from dbaudit.redact import redact_url
from dbaudit.scratch import with_database
from dbaudit.sources.postgres import read_postgres

Conn = psycopg.Connection[tuple[Any, ...]]


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["inspect", *args], catch_exceptions=False)


def error_line(result: Result) -> str:
    """The single line printed on failure (and nothing else)."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


class TestInspect:
    def test_summary_per_schema(self, pg_exec: Conn, pg_url: str) -> None:
        """The summary counts each kind of object per schema and says which server was read."""
        pg_exec.execute(
            "CREATE SCHEMA shop; CREATE TYPE shop.state AS ENUM ('a'); "
            "CREATE TABLE shop.p (id int PRIMARY KEY, s shop.state CHECK (id > 0)); "
            "CREATE TABLE shop.c (id int REFERENCES shop.p, d date) PARTITION BY RANGE (d); "
            "CREATE TABLE shop.c1 PARTITION OF shop.c FOR VALUES FROM ('2024-01-01') TO ('2025-01-01'); "
            "CREATE VIEW shop.v AS SELECT id FROM shop.p; CREATE SEQUENCE shop.s;"
        )
        result = run(pg_url)
        assert result.exit_code == 0, result.stderr
        lines = result.stderr.splitlines()
        assert lines[0].startswith(f"{redact_url(pg_url)} (postgresql, PostgreSQL ")
        assert " read in " in lines[0]
        assert lines[1].split() == ["schema", "tables", "parts", "views", "cols", "idx", "FKs", "chk", "trig",
                                    "seqs", "enums"]
        rows = {line.split()[0]: line.split()[1:] for line in lines[3:] if line.strip()}
        # tables p and c, partition c1, view v; the FK is on c and on its partition c1.
        assert rows["shop"] == ["2", "1", "1", "7", "1", "2", "1", "0", "1", "1"]
        assert rows["public"] == ["0"] * 10

    def test_output_model_file(self, pg_exec: Conn, pg_url: str, tmp_path: Path) -> None:
        """-o writes the model JSON (and no temporary file is left beside it)."""
        pg_exec.execute("CREATE TABLE t (id int PRIMARY KEY)")
        target = tmp_path / "out" / "model.json"
        result = run(pg_url, "-o", str(target))
        assert result.exit_code == 0, result.stderr
        model = model_from_json(target.read_text())
        assert [t.name for t in model.tables] == [t.name for t in read_postgres(pg_url).tables] == ["t"]
        assert sorted(p.name for p in target.parent.iterdir()) == ["model.json"]
        assert f"model written to {target}" in result.stderr

    def test_sql_file_and_model_file_sources(self, tmp_path: Path, pg_server: Any) -> None:
        """A .sql file (through --scratch-url) and a model file both summarise."""
        ddl = tmp_path / "schema.sql"
        ddl.write_text("CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE b (a int REFERENCES a);")
        out = tmp_path / "m.json"
        result = run(str(ddl), "--scratch-url", pg_server.admin_url, "-o", str(out))
        assert result.exit_code == 0, result.stderr
        again = run(str(out))
        assert again.exit_code == 0, again.stderr
        assert again.stderr.splitlines()[0].startswith(f"{ddl} (sql, PostgreSQL ")


class TestFailures:
    def test_unreachable_server(self) -> None:
        """Nothing listening on the port: exit 2, one line, no password."""
        result = run("postgresql://app:s3cret-pw@127.0.0.1:1/db")
        assert result.exit_code == 2
        assert error_line(result) == (
            "error: cannot read postgresql://app:***@127.0.0.1:1/db: server unreachable (Connection refused)"
        )

    def test_unknown_database(self, pg_url: str) -> None:
        """A database that does not exist is named as such."""
        url = with_database(pg_url, "no_such_db_dbaudit")
        result = run(url)
        assert result.exit_code == 2
        assert error_line(result) == (
            f'error: cannot read {redact_url(url)}: unknown database (database "no_such_db_dbaudit" does not exist)'
        )

    def test_unknown_role_with_password(self, pg_url: str) -> None:
        """An unknown user is a credentials failure, and its password is never printed."""
        parts = urlsplit(pg_url)
        host = parts.netloc.rsplit("@", 1)[-1]
        url = urlunsplit((parts.scheme, f"nobody_dbaudit:hunter2@{host}", parts.path, parts.query, ""))
        result = run(url)
        assert result.exit_code == 2
        line = error_line(result)
        assert "hunter2" not in line
        assert "authentication failed (bad user name or password)" in line

    def test_invalid_sql_file(self, tmp_path: Path) -> None:
        """Unparsable SQL: exit 2 and the file, line and column in one line."""
        ddl = tmp_path / "bad.sql"
        ddl.write_text("CREATE TABLE a (id int);\nCREAT TABLE b (id int);\n")
        result = run(str(ddl))
        assert result.exit_code == 2
        assert error_line(result) == f'error: {ddl}:2:1: invalid SQL: syntax error at or near "CREAT"'

    def test_unwritable_output(self, pg_url: str, tmp_path: Path) -> None:
        """An output path that cannot be written is one line and exit 2, not a traceback."""
        blocker = tmp_path / "file"
        blocker.write_text("")
        result = run(pg_url, "-o", str(blocker / "model.json"))
        assert result.exit_code == 2
        assert error_line(result).startswith(f"error: cannot write {blocker / 'model.json'}: ")

    def test_unreadable_file_and_unknown_spec(self, tmp_path: Path) -> None:
        """A missing .sql file and an unrecognised spec both end with exit 2 and one line."""
        missing = run(str(tmp_path / "none.sql"))
        unknown = run("ftp://somewhere")
        assert (missing.exit_code, unknown.exit_code) == (2, 2)
        assert error_line(missing) == f"error: cannot read {tmp_path / 'none.sql'}: no such file"
        assert error_line(unknown).startswith("error: cannot tell what kind of source 'ftp://somewhere' is")
