"""Drift rules in the rule catalogue and in an audit run (models input, migration locations lent)."""

from __future__ import annotations

import sqlalchemy as sa

from dbaudit.drift.catalogue import DRIFT_RULES
from dbaudit.drift.rules import REGISTERED
from dbaudit.engine import run_rules
from dbaudit.findings import Severity
from dbaudit.model import Location, PrimaryKey, SchemaModel, SourceInfo, Table
from dbaudit.rules.registry import REGISTRY, REQUIRED_DOC_HEADINGS, RuleContext, doc_sections
from tests.drift.conftest import ReadDb, orm


class TestCatalogue:
    def test_every_drift_rule_is_in_the_registry(self) -> None:
        """Each drift rule id is registered once: by the drift module, or by its own category module."""
        assert sorted(r.id for r in REGISTERED) == sorted(i for i in DRIFT_RULES if i != "check-values-drift")
        assert all(REGISTRY.get(rule_id) is not None for rule_id in DRIFT_RULES)

    def test_docs_have_the_required_headings(self) -> None:
        """Every registered drift rule documents the four required headings."""
        missing = [
            (r.id, heading) for r in REGISTERED for heading in REQUIRED_DOC_HEADINGS
            if not doc_sections(r.doc).get(heading)
        ]
        assert (missing, {r.category for r in REGISTERED}, {r.requires for r in REGISTERED}) == (
            [], {"drift"}, {("models",)}
        )


class TestAudit:
    def test_audit_with_models_and_migrations_input(self, read_db: ReadDb) -> None:
        """An audit with the models input reports pk-mismatch on the database, citing the migration that
        the migrations head knows."""
        md = sa.MetaData()
        sa.Table("stats", md, sa.Column("id", sa.BigInteger, primary_key=True),
                 sa.Column("day", sa.Date, nullable=False), postgresql_partition_by="RANGE (day)")
        db = read_db("CREATE TABLE stats (id bigserial, day date NOT NULL, PRIMARY KEY (id, day)) "
                     "PARTITION BY RANGE (day);")
        head = SchemaModel(
            source=SourceInfo(kind="migrations", name="m"),
            tables=(Table("public", "stats", primary_key=PrimaryKey("stats_pkey", ("id", "day"),
                                                                    Location("versions/0002.py", 31))),),
        )
        run = run_rules(RuleContext(model=db, inputs={"models": orm(md), "migrations": head}))
        drift = [f for f in run.findings if f.category == "drift"]
        assert [(f.rule, f.severity, f.locations) for f in drift] == [
            ("pk-mismatch", Severity.P0, (Location("versions/0002.py", 31),))
        ]

    def test_without_models_input_the_rules_skip(self, read_db: ReadDb) -> None:
        """Without the models input every drift rule is skipped with a note."""
        run = run_rules(RuleContext(model=read_db("CREATE TABLE t (id int PRIMARY KEY);")))
        assert {r.id for r in REGISTERED} <= set(run.rules_skipped)
