"""load_source: one entry point that picks the reader from the spec."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import psycopg
import pytest

from dbaudit.errors import SourceError, UsageError
from dbaudit.model import SchemaModel, SourceInfo, model_to_json
from dbaudit.scratch import ScratchServer
from dbaudit.sources import PREFIXES, LoadOptions, load_source, register_source
from dbaudit.sources.postgres import read_postgres

Conn = psycopg.Connection[tuple[Any, ...]]


def custom_loader(spec: str, options: LoadOptions) -> SchemaModel:
    """A loader registered by a test: it echoes its spec as the source name."""
    return SchemaModel(source=SourceInfo(kind="custom", name=spec))


class TestLoadSource:
    def test_postgres_url_schemes(self, pg_exec: Conn, pg_url: str) -> None:
        """postgresql://, postgres:// and postgresql+psycopg:// all read the live database."""
        pg_exec.execute("CREATE TABLE t (id int)")
        expected = read_postgres(pg_url)
        for scheme in ("postgresql://", "postgres://", "postgresql+psycopg://"):
            spec = scheme + pg_url.split("://", 1)[1]
            model = load_source(spec)
            assert [t.qualified_name for t in model.tables] == [t.qualified_name for t in expected.tables]
            assert model.source.kind == "postgresql"

    def test_schema_filter_applies_to_urls_and_files(self, pg_exec: Conn, pg_url: str, tmp_path: Path) -> None:
        """--schema narrows a live read and a model file the same way."""
        pg_exec.execute("CREATE SCHEMA a; CREATE TABLE a.t (id int); CREATE TABLE public.u (id int)")
        live = load_source(pg_url, schemas=["a"])
        model_file = tmp_path / "model.json"
        model_file.write_text(model_to_json(read_postgres(pg_url)))
        from_file = load_source(str(model_file), schemas=["a"])
        assert [t.qualified_name for t in live.tables] == [t.qualified_name for t in from_file.tables] == ["a.t"]
        assert live.schemas == from_file.schemas == ("a",)

    def test_sql_and_json_files(self, tmp_path: Path, pg_server: ScratchServer) -> None:
        """A .sql file is loaded through a scratch database; a .json model file is read back as is."""
        ddl = tmp_path / "schema.SQL"
        ddl.write_text("CREATE TABLE t (id int PRIMARY KEY);")
        model = load_source(str(ddl), scratch_url=pg_server.admin_url)
        assert (model.source.kind, [t.name for t in model.tables]) == ("sql", ["t"])
        saved = tmp_path / "model.json"
        saved.write_text(model_to_json(model))
        assert load_source(str(saved)) == model

    def test_broken_model_file(self, tmp_path: Path) -> None:
        """A .json file that is not a dbaudit model is a one-line source error."""
        saved = tmp_path / "model.json"
        saved.write_text('{"something": "else"}')
        with pytest.raises(SourceError) as info:
            load_source(str(saved))
        assert str(info.value) == f"cannot read {saved}: not a dbaudit model file (no 'model' key)"

    def test_sqlite_delegates_to_reflection(self, tmp_path: Path) -> None:
        """sqlite:/// URLs are read through the SQLAlchemy reflection source."""
        path = tmp_path / "app.db"
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)")
        model = load_source(f"sqlite:///{path}")
        assert [t.name for t in model.tables] == ["items"]
        assert model.source.kind != "postgresql"

    def test_unknown_spec_is_a_usage_error(self) -> None:
        """A spec no reader recognises names what is accepted, without leaking a password."""
        with pytest.raises(UsageError) as info:
            load_source("oracle://scott:tiger@db/x")
        message = str(info.value)
        assert "tiger" not in message
        assert message.startswith("cannot tell what kind of source 'oracle://scott:***@db/x' is: expected")
        assert "postgresql://" in message
        assert ".sql" in message


class TestRegisterSource:
    def test_new_prefix_plugs_in(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A new kind of source is one registration: the dispatcher imports its loader on use."""
        monkeypatch.setattr("dbaudit.sources.PREFIXES", dict(PREFIXES))
        register_source("custom:", f"{__name__}:custom_loader")
        assert load_source("custom:thing").source == SourceInfo(kind="custom", name="custom:thing")

    def test_conflicting_registration_is_refused(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Registering a prefix already read by another loader raises instead of silently replacing it."""
        monkeypatch.setattr("dbaudit.sources.PREFIXES", dict(PREFIXES))
        with pytest.raises(ValueError, match="already read by"):
            register_source("postgresql://", f"{__name__}:custom_loader")
