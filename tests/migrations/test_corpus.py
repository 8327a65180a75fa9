"""The labelled corpus: each migration triggers exactly the rules its ``expect:`` header names."""

from __future__ import annotations

from pathlib import Path

import pytest

from dbaudit.migrations import lint_migrations
from dbaudit.migrations.rules.registry import all_rules
from tests.migrations.helpers import (
    CORPUS,
    Case,
    alembic_project,
    case_project,
    expected_rules,
    load_cases,
    sql_project,
)

SQL_ITEMS = sorted((CORPUS / "sql").glob("*.sql"))
ALEMBIC_ITEMS = sorted((CORPUS / "alembic").glob("*.py"))
CASES = load_cases()


def test_corpus_size() -> None:
    """The corpus holds at least 150 cases, SQL and Alembic, triggering and near misses, several
    version-dependent, and every migration rule but the traced one is triggered by some case."""
    items = SQL_ITEMS + ALEMBIC_ITEMS
    safe = [p for p in items if not expected_rules(p)] + [c for c in CASES if not c.expect]
    assert len(items) + len(CASES) >= 150
    assert len(ALEMBIC_ITEMS) >= 25
    assert len(safe) >= 60
    assert len([c for c in CASES if c.target_version is not None]) >= 10
    triggered = {r for p in items for r in expected_rules(p)} | {r for c in CASES for r in c.expect}
    assert {r.id for r in all_rules().values() if r.scope == "revision"} - triggered == set()
    assert len({(c.file, c.name) for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case: Case, tmp_path: Path) -> None:
    """A case triggers exactly its expected rules (with its target version), located in its file."""
    result = lint_migrations(case_project(tmp_path, case), since="000_setup", target_version=case.target_version,
                             assume_in_transaction=case.assume_in_transaction)
    assert sorted(f.rule for f in result.findings) == list(case.expect)
    lines = case.sql.count("\n")
    for f in result.findings:
        assert [(loc.path, 1 <= loc.line <= lines) for loc in f.locations] == [("001_case.sql", True)]


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
        # offline mode worked: the SQL came from Alembic itself, no revision was read from its source
        assert [n.message for n in result.notes if "offline" in n.message or "partial" in n.message] == []
        assert sorted(f.rule for f in result.findings) == expected_rules(item)
        for f in result.findings:
            assert [loc.path for loc in f.locations] == [f"migrations/versions/{item.name}"]
