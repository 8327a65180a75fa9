"""Issue 4 acceptance: a well-designed schema (tests/rules/good_schema.sql) yields no P0 or P1 finding.

The schema: 37 tables (one partitioned by year with partitions far ahead), bigint identity keys,
timestamptz, every FK indexed by leading columns, no duplicate or redundant index, partial unique
indexes for soft delete, updated_at triggers, CHECKs on status-like columns, jsonb with GIN.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dbaudit.engine import RuleRun, run_rules
from dbaudit.findings import Severity
from dbaudit.model.schema import SchemaModel, TableKind
from dbaudit.rules import RuleContext
from dbaudit.scratch import ScratchServer
from tests.rules.conftest import model_from_ddl

GOOD_SCHEMA = Path(__file__).with_name("good_schema.sql")
OWN_CATEGORIES = ("indexes", "types", "partitioning")


@pytest.fixture(scope="module")
def good_model(pg_server: ScratchServer, pg_template: str) -> Iterator[SchemaModel]:
    """The schema loaded once into a database of its own and read back, shared by this module."""
    url = pg_server.create_database(template=pg_template, prefix="dbaudit_t_")
    try:
        yield model_from_ddl(url, GOOD_SCHEMA.read_text(encoding="utf-8"))
    finally:
        pg_server.drop_database(url)


def serious(run: RuleRun) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(f.severity.name, f.rule, f.objects) for f in run.findings if f.severity <= Severity.P1]


class TestGoodSchema:
    def test_schema_is_large_enough(self, good_model: SchemaModel) -> None:
        """The schema has at least 30 tables besides partitions."""
        tables = [t for t in good_model.tables if t.kind in (TableKind.TABLE, TableKind.PARTITIONED_TABLE)]
        assert len(tables) >= 30

    def test_index_type_and_partitioning_rules_find_nothing(self, good_model: SchemaModel) -> None:
        """Not even a P2 from the indexes, types and partitioning categories."""
        run = run_rules(RuleContext(model=good_model))
        assert [(f.severity.name, f.rule, f.objects) for f in run.findings if f.category in OWN_CATEGORIES] == []

    def test_whole_registry_reports_no_p0_or_p1(self, good_model: SchemaModel) -> None:
        """The whole registry reports no P0 or P1 finding on the well-designed schema."""
        assert serious(run_rules(RuleContext(model=good_model))) == []


CLEAN_TENANT_SCHEMA = Path(__file__).with_name("clean_tenant_schema.sql")


def test_clean_tenant_schema_gets_no_p0_p1_and_at_most_two_p2(pg_url: str) -> None:
    """Issue 11: every FK indexed (one partially), composite tenant FKs, an audit log without FKs by
    design, open vocabularies: no P0/P1 finding and at most two P2."""
    model = model_from_ddl(pg_url, CLEAN_TENANT_SCHEMA.read_text(encoding="utf-8"))
    run = run_rules(RuleContext(model=model))
    assert serious(run) == []
    assert len(run.findings) <= 2, [(f.rule, f.objects) for f in run.findings]
