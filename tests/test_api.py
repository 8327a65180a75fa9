"""The documented Python API, called as a user calls it (docs/api.md)."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import psycopg

import dbaudit
from dbaudit import AuditResult, LintResult, SchemaModel, Severity


class TestApi:
    def test_names_are_the_functions(self) -> None:
        """`from dbaudit import audit` is the function, even after its module was imported."""
        importlib.import_module("dbaudit.auditing")
        from dbaudit import audit, inspect, lint_migrations  # noqa: PLC0415

        assert [f.__name__ for f in (audit, inspect, lint_migrations)] == ["audit", "inspect", "lint_migrations"]
        assert all(callable(f) for f in (audit, inspect, lint_migrations))

    def test_no_submodule_shadows_an_export(self) -> None:
        """No module of the package is named like an exported name (importing it would replace it)."""
        modules = {m.name for m in pkgutil.iter_modules(dbaudit.__path__)}
        assert modules & set(dbaudit.__all__) == set()

    def test_audit(self, pg_url: str, pg_exec: psycopg.Connection[tuple[object, ...]]) -> None:
        """dbaudit.audit(URL) returns an AuditResult with the model and the findings, P0 first."""
        pg_exec.execute("CREATE TABLE loose (v text)")
        result = dbaudit.audit(pg_url)
        assert isinstance(result, AuditResult)
        assert [t.name for t in result.model.tables] == ["loose"]
        assert ("table-without-primary-key", ("public.loose",)) in {(f.rule, f.objects) for f in result.findings}
        assert list(result.findings) == sorted(result.findings, key=lambda f: f.sort_key)

    def test_inspect(self, pg_url: str, pg_exec: psycopg.Connection[tuple[object, ...]]) -> None:
        """dbaudit.inspect(URL) returns the schema model."""
        pg_exec.execute("CREATE TABLE t (id bigint PRIMARY KEY, name text)")
        model = dbaudit.inspect(pg_url, schemas=["public"])
        assert isinstance(model, SchemaModel)
        table = model.table("public.t")
        assert table is not None
        assert [c.name for c in table.columns] == ["id", "name"]

    def test_lint_migrations_with_config(self, tmp_path: Path) -> None:
        """dbaudit.lint_migrations(DIR, config=...) reviews .sql files and applies the configuration."""
        (tmp_path / "001.sql").write_text("CREATE TABLE t (a int);\n", encoding="utf-8")
        (tmp_path / "002.sql").write_text("SET lock_timeout = '1s';\nALTER TABLE t DROP COLUMN a;\n",
                                          encoding="utf-8")
        result = dbaudit.lint_migrations(tmp_path)
        assert isinstance(result, LintResult)
        assert [(f.rule, f.severity) for f in result.findings] == [("destructive-change", Severity.P0)]
        quiet = dbaudit.lint_migrations(tmp_path, config=dbaudit.Config(ignore=("destructive-change",)))
        assert quiet.findings == ()

    def test_python_dash_m(self) -> None:
        """`python -m dbaudit` is the command line."""
        done = subprocess.run([sys.executable, "-m", "dbaudit", "--version"], capture_output=True, text=True,
                              check=False)
        assert done.returncode == 0
        assert done.stdout.startswith("dbaudit, version ")
