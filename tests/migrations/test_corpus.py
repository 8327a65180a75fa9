"""The labelled corpus: each migration triggers exactly the rules its ``expect:`` header names."""

from __future__ import annotations

from pathlib import Path

import pytest

from dbaudit.migrations import lint_migrations
from tests.migrations.helpers import CORPUS, alembic_project, expected_rules, sql_project

SQL_ITEMS = sorted((CORPUS / "sql").glob("*.sql"))
ALEMBIC_ITEMS = sorted((CORPUS / "alembic").glob("*.py"))


def test_corpus_size() -> None:
    """The corpus holds at least 60 migrations, SQL and Alembic, safe and unsafe."""
    items = SQL_ITEMS + ALEMBIC_ITEMS
    safe = [p for p in items if not expected_rules(p)]
    assert len(items) >= 60
    assert len(ALEMBIC_ITEMS) >= 15
    assert len(safe) >= 25


class TestSqlCorpus:
    @pytest.mark.parametrize("item", SQL_ITEMS, ids=[p.stem for p in SQL_ITEMS])
    def test_exact_rules(self, item: Path, tmp_path: Path) -> None:
        """A SQL migration triggers exactly its expected rules, each located in the migration file."""
        result = lint_migrations(sql_project(tmp_path, item), since="000_base")
        assert sorted(f.rule for f in result.findings) == expected_rules(item)
        lines = item.read_text(encoding="utf-8").count("\n")
        for f in result.findings:
            assert [(loc.path, 1 <= loc.line <= lines) for loc in f.locations] == [(f"001_{item.name}", True)]


class TestAlembicCorpus:
    @pytest.mark.parametrize("item", ALEMBIC_ITEMS, ids=[p.stem for p in ALEMBIC_ITEMS])
    def test_exact_rules(self, item: Path, tmp_path: Path) -> None:
        """An Alembic revision triggers exactly its expected rules, located in the revision file."""
        result = lint_migrations(alembic_project(tmp_path, item), since="corpus_base")
        # offline mode worked: the SQL came from Alembic itself (notes with a rule explain a rule's context)
        assert [n for n in result.notes if n.rule is None] == []
        assert sorted(f.rule for f in result.findings) == expected_rules(item)
        for f in result.findings:
            assert [loc.path for loc in f.locations] == [f"migrations/versions/{item.name}"]
