"""dbaudit verify on real databases: the dual_split example split right and wrong, Alembic, crossing
references, and configuration errors."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import psycopg
import pytest
from click.testing import CliRunner

from dbaudit.cli.main import cli
from dbaudit.errors import UsageError
from dbaudit.verify import Expectations, load_databases, verify
from dbaudit.verify.check import database_identity, view_tables
from dbaudit.verify.render import verify_markdown
from tests.dual_split_fixtures import EXAMPLE

SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "verify-schema-v1.json").read_text(encoding="utf-8"))
USERS = ["admin_config", "admin_sessions", "audit_logs", "batch_jobs", "bulk_operation_logs", "invite_requests",
         "redeem_codes"]
POOL = ["child_accounts", "group_daily_sequences", "mother_accounts", "mother_groups", "mother_teams",
        "pool_group_settings", "pool_groups", "seats"]
CONFIG = str(EXAMPLE / "dbaudit.toml")
SetUrls = Callable[[str, str], None]


def _verify(config: str) -> tuple[int, dict[str, Any], str]:
    result = CliRunner().invoke(cli, ["verify", config, "--format", "json"])
    document = json.loads(result.stdout) if result.exit_code in (0, 1) else {}
    if document:
        jsonschema.validate(document, SCHEMA)
    return result.exit_code, document, result.output


class TestDualSplitExample:
    def test_one_database_cli(self, sqlite_one: str, split_env: SetUrls) -> None:
        """The seed's mistake (one SQLite file): every Pool table unexpected in Users and vice versa; exit 1."""
        split_env(sqlite_one, sqlite_one)
        code, doc, _ = _verify(CONFIG)
        assert code == 1
        users, pool = doc["databases"]["users"], doc["databases"]["pool"]
        assert users["unexpected_tables"] == POOL
        assert pool["unexpected_tables"] == USERS
        assert (users["missing_tables"], pool["missing_tables"]) == ([], [])
        assert (users["same_database_as"], pool["same_database_as"]) == (["pool"], ["users"])
        assert users["alembic"] == {"current": "users_0001", "head": "users_0001", "ok": True,
                                    "version_table": "alembic_version_users"}
        assert sorted(s["name"] for s in doc["shared_tables"]) == sorted(USERS + POOL)
        assert doc["ok"] is False

    def test_markdown(self, sqlite_one: str, split_env: SetUrls, expectations: Expectations) -> None:
        """The Markdown report names each problem and the unexpected tables."""
        split_env(sqlite_one, sqlite_one)
        result = verify(CONFIG, expectations=expectations)
        assert [(d.name, list(d.unexpected_tables)) for d in result.databases] == [("users", POOL), ("pool", USERS)]
        assert result.ok is False
        text = verify_markdown(result)
        assert "- users: 8 unexpected tables" in text
        assert "- users: same database as pool" in text
        assert "`mother_accounts`" in text

    def test_two_postgres_databases_ok(self, pg_split: dict[str, str], split_env: SetUrls,
                                       expectations: Expectations) -> None:
        """The fix: each URL on its own database; nothing unexpected, Alembic at head: ok (exit 0)."""
        split_env(pg_split["users"], pg_split["pool"])
        result = verify(CONFIG, expectations=expectations)
        document = result.to_json()
        jsonschema.validate(document, SCHEMA)
        assert document["ok"] is True
        assert document["shared_tables"] == document["cross_database_references"] == []
        assert [d["alembic"]["ok"] for d in document["databases"].values()] == [True, True]

    def test_alembic_behind_head(self, sqlite_one: str, split_env: SetUrls, tmp_path: Path,
                                 expectations: Expectations) -> None:
        """A version table that does not hold the head is a problem."""
        copy = tmp_path / "one.db"
        copy.write_bytes(Path(sqlite_one.removeprefix("sqlite:///")).read_bytes())
        with sqlite3.connect(copy) as conn:
            conn.execute("UPDATE alembic_version_pool SET version_num = 'pool_0000'")
        split_env(f"sqlite:///{copy}", f"sqlite:///{copy}")
        pool = verify(CONFIG, expectations=expectations).to_json()["databases"]["pool"]
        assert pool["alembic"] == {
            "current": "pool_0000", "head": "pool_0001", "ok": False, "version_table": "alembic_version_pool"}
        assert "Alembic is not at head" in verify_markdown(verify(CONFIG, expectations=expectations))

    def test_unreachable_database(self, pg_split: dict[str, str], split_env: SetUrls,
                                  expectations: Expectations) -> None:
        """An unreachable database is reported (no password), not an error."""
        split_env(pg_split["users"], "postgresql://app:s3cret@127.0.0.1:1/pool")
        result = verify(CONFIG, expectations=expectations)
        users, pool = result.databases
        assert (users.ok, pool.reachable, result.ok) == (True, False, False)
        assert "s3cret" not in verify_markdown(result)
        assert "s3cret" not in json.dumps(result.to_json())


def _write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


class TestCrossing:
    def test_foreign_keys_and_views_that_cross(self, pg_url: str, pg_exec: psycopg.Connection[Any],
                                               tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """An FK and a view whose tables belong to two databases are reported; tables globs work."""
        pg_exec.execute("""
            CREATE TABLE redeem_codes (id int PRIMARY KEY, code text);
            CREATE TABLE seats (id int PRIMARY KEY, code_id int REFERENCES redeem_codes (id));
            CREATE TABLE pool_groups (id int PRIMARY KEY);
            CREATE VIEW seat_codes AS SELECT s.id, r.code FROM seats s JOIN redeem_codes r ON r.id = s.code_id;
            CREATE VIEW pool_only AS SELECT s.id FROM seats s JOIN pool_groups g ON g.id = s.id;
        """)
        monkeypatch.setenv("A_URL", pg_url)
        monkeypatch.setenv("B_URL", pg_url)
        config = _write(tmp_path / "dbaudit.toml", """
[databases.users]
url_env = "A_URL"
tables = ["redeem_codes", "invite_*"]
[databases.pool]
url-env = "B_URL"
tables = ["seats", "pool_*"]
""")
        result = verify(config)
        refs = {(r.kind, r.object, r.from_table, r.to_table, r.from_database, r.to_database)
                for r in result.cross_references}
        assert refs == {
            ("foreign_key", "seats.seats_code_id_fkey", "seats", "redeem_codes", "pool", "users"),
            ("view", "seat_codes", "redeem_codes", "seats", "users", "pool"),
        }
        users = result.databases[0]
        assert users.missing_tables == ("invite_*",)
        assert result.ok is False

    def test_models_bound_by_bind_key(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """bind_key selects each database's models; a model FK across bind keys is reported."""
        project = tmp_path / "proj"
        project.mkdir()
        (project / "models.py").write_text('''
from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

class Base(DeclarativeBase):
    pass

class Code(Base):
    __tablename__ = "codes"
    __table_args__ = {"info": {"bind_key": "users"}}
    id: Mapped[int] = mapped_column(Integer, primary_key=True)

class Seat(Base):
    __tablename__ = "seats"
    __table_args__ = {"info": {"bind_key": "pool"}}
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id"))
''', encoding="utf-8")
        for name, table in (("users", "codes"), ("pool", "seats")):
            with sqlite3.connect(tmp_path / f"{name}.db") as conn:
                conn.execute(f"CREATE TABLE {table} (id integer primary key)")
            monkeypatch.setenv(f"{name.upper()}_URL", f"sqlite:///{tmp_path / name}.db")
        config = _write(project / "dbaudit.toml", """
[databases.users]
url_env = "USERS_URL"
models = "models:Base"
bind_key = "users"
[databases.pool]
url_env = "POOL_URL"
models = "models:Base"
bind_key = "pool"
""")
        result = verify(config)
        assert [(d.name, d.unexpected_tables, d.missing_tables) for d in result.databases] == [
            ("users", (), ()), ("pool", (), ())]
        assert [(r.source, r.found_in, r.from_table, r.to_table) for r in result.cross_references] == [
            ("models", "pool", "seats", "codes")]


class TestConfiguration:
    @pytest.mark.parametrize(("text", "message"), [
        ('[databases.a]\nurl_env = "X_URL"\n', "says nothing about its tables"),
        ('[databases.a]\ntables = ["t"]\n', "needs url_env"),
        ('[databases.a]\nurl_env = "X_URL"\ntables = ["t"]\nmigration = "m"\n', "did you mean 'migrations'"),
        ('[databases.a]\nurl_env = "postgresql://u:pw@h/db"\ntables = ["t"]\n', "holds a URL"),
        ('[databases.a]\nurl_env = "X_URL"\nmodels = "nocolon"\n', "import path"),
        ('[serve]\ninterval = 5\n', "no [databases.NAME]"),
        ('[databases.a]\nurl_env = "X_URL"\ntables = ["t"]\n[serve]\ninterval = -1\n', "positive number"),
        ("[databases.a\n", "invalid TOML"),
    ])
    def test_errors_exit_2_with_one_line(self, tmp_path: Path, text: str, message: str) -> None:
        config = _write(tmp_path / "dbaudit.toml", text)
        with pytest.raises(UsageError, match=re.escape(message)):
            load_databases(config)
        result = CliRunner().invoke(cli, ["verify", config])
        assert result.exit_code == 2
        assert "pw@" not in result.output
        assert len(result.output.strip().splitlines()) == 1

    def test_unset_environment_variable(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("NOT_SET_URL", raising=False)
        config = _write(tmp_path / "dbaudit.toml", '[databases.a]\nurl_env = "NOT_SET_URL"\ntables = ["t"]\n')
        result = CliRunner().invoke(cli, ["verify", config])
        assert result.exit_code == 2
        assert "NOT_SET_URL is not set" in result.output

    def test_pyproject_and_audit_config_coexist(self, tmp_path: Path) -> None:
        """[tool.dbaudit.databases] is read by verify and accepted by the audit's configuration loader."""
        from dbaudit.config import load_config  # noqa: PLC0415

        config = _write(tmp_path / "pyproject.toml",
                        '[tool.dbaudit]\nfail-on = "P0"\n[tool.dbaudit.databases.a]\nurl_env = "A"\ntables = ["t"]\n')
        assert [d.name for d in load_databases(config).databases] == ["a"]
        assert load_config(config).fail_on.name == "P0"


class TestHelpers:
    def test_view_tables_reads_schema_qualified_names_not_columns(self) -> None:
        definition = ("SELECT s.id, seats.code FROM public.seats s JOIN \"Odd\".\"Codes\" c ON c.id = s.id "
                      "JOIN redeem_codes r ON true")
        assert view_tables(definition, "public", {"public", "Odd"}) == {"seats", "Odd.Codes", "redeem_codes"}

    def test_same_database_identity(self) -> None:
        assert database_identity("postgresql://a@127.0.0.1/db") == database_identity("postgresql+psycopg://b@localhost:5432/db")
        assert database_identity("sqlite:///x/../y.db") == database_identity("sqlite:///y.db")
        assert database_identity("mysql+pymysql://r@h/db1") != database_identity("mysql+pymysql://r@h/db2")
