"""The package's public names and the one-way data flow between its layers."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import dbaudit

SRC = Path(dbaudit.__file__).parent

# layer -> dbaudit packages it must not import (STYLE.md section 7: data flows one way).
FORBIDDEN = {
    "model": ("dbaudit.sources", "dbaudit.rules", "dbaudit.drift", "dbaudit.migrations", "dbaudit.report",
              "dbaudit.cli", "dbaudit.engine", "dbaudit.findings", "dbaudit.auditing"),
    "sources": ("dbaudit.rules", "dbaudit.drift", "dbaudit.report", "dbaudit.cli", "dbaudit.engine"),
    "rules": ("dbaudit.sources", "dbaudit.report", "dbaudit.cli", "dbaudit.scratch", "psycopg", "sqlalchemy"),
    "drift": ("dbaudit.sources", "dbaudit.report", "dbaudit.cli", "psycopg"),
    "report": ("dbaudit.sources", "dbaudit.cli", "dbaudit.engine", "psycopg"),
    "live": ("dbaudit.rules", "dbaudit.drift", "dbaudit.report", "dbaudit.cli", "dbaudit.engine",
             "dbaudit.snapshot", "dbaudit.verify", "dbaudit.serve"),
    "snapshot": ("dbaudit.report", "dbaudit.cli", "dbaudit.serve", "dbaudit.verify"),
    "verify": ("dbaudit.report", "dbaudit.cli", "dbaudit.serve"),
    # the fleet runs audits through the library API and writes reports; terminals are the CLI's
    "fleet": ("dbaudit.cli", "dbaudit.serve", "rich"),
    # every layer writes messages: they import nothing else of dbaudit
    "messages": ("dbaudit.model", "dbaudit.sources", "dbaudit.rules", "dbaudit.drift", "dbaudit.migrations",
                 "dbaudit.report", "dbaudit.cli", "dbaudit.engine", "dbaudit.findings", "dbaudit.auditing"),
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


class TestPublicApi:
    @pytest.mark.parametrize("name", sorted(set(dbaudit.__all__) - {"__version__"}))
    def test_exported_names_resolve(self, name: str) -> None:
        """Every name in dbaudit.__all__ resolves to an object."""
        assert getattr(dbaudit, name) is not None

    def test_version(self) -> None:
        """The version comes from the installed package metadata."""
        assert dbaudit.__version__.count(".") >= 2

    def test_unknown_name(self) -> None:
        """An unknown attribute is an AttributeError, as for any module."""
        with pytest.raises(AttributeError):
            dbaudit.nothing_here  # noqa: B018


class TestLayering:
    @pytest.mark.parametrize("layer", sorted(FORBIDDEN))
    def test_layer_imports_flow_one_way(self, layer: str) -> None:
        """A layer never imports the layers downstream of it (nor, for analyses, a database driver)."""
        offenders = {
            f"{path.relative_to(SRC)} imports {name}"
            for path in (SRC / layer).rglob("*.py")
            for name in _imports(path)
            if name.startswith(FORBIDDEN[layer])
        }
        assert offenders == set()
