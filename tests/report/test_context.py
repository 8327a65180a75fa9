"""The report view model: numbering, roadmap, domains and the Mermaid ERD."""

from __future__ import annotations

from dbaudit.findings import Finding, Severity
from dbaudit.report.context import NumberedFinding, RoadmapItem, RuleMeta, roadmap
from dbaudit.report.erd import Domain, domains, mermaid_erd
from dbaudit.testing import schema
from tests.report.fixtures import small_context, small_model


def numbered(rule: str, severity: Severity, count: int, start: int = 1) -> list[NumberedFinding]:
    meta = RuleMeta(rule, rule.title(), "indexes", severity, "", "", f"docs/rules/{rule}.md")
    return [
        NumberedFinding(f"{severity.name}-{start + i}",
                        Finding(rule, "indexes", severity, (f"public.t{i}",), f"{rule} on t{i}"), meta)
        for i in range(count)
    ]


class TestRoadmap:
    def test_one_action_per_rule_p0_first_then_count(self) -> None:
        """Actions group findings by rule, most severe first, larger groups first within a severity."""
        items = roadmap([*numbered("b-rule", Severity.P1, 1), *numbered("a-rule", Severity.P2, 3),
                         *numbered("c-rule", Severity.P1, 2, start=2), *numbered("z-rule", Severity.P0, 1)])
        assert [(i.severity, i.rule, i.count) for i in items] == [
            ("P0", "z-rule", 1), ("P1", "c-rule", 2), ("P1", "b-rule", 1), ("P2", "a-rule", 3),
        ]

    def test_at_most_eight_actions_tail_folded(self) -> None:
        """With more than eight rules the eighth action gathers the remaining rules."""
        findings = [n for i in range(11) for n in numbered(f"rule-{i:02d}", Severity.P2, 1)]
        findings += numbered("urgent", Severity.P0, 1)
        items = roadmap(findings)
        assert len(items) == 8
        assert items[0].rule == "urgent"
        assert items[-1] == RoadmapItem(
            severity="P2", rule="", title="", count=5,
            objects=("public.t0",), numbers=("P2-1",) * 5,
            rest_rules=("rule-06", "rule-07", "rule-08", "rule-09", "rule-10"),
        )

    def test_context_roadmap_from_fixture(self) -> None:
        """The small fixture yields one action per rule, P0 first."""
        items = small_context().roadmap
        assert [(i.severity, i.rule) for i in items] == [
            ("P0", "secret-in-bounded-varchar"), ("P1", "fk-without-index"), ("P1", "pk-mismatch"),
            ("P2", "index-duplicates-constraint"),
        ]


class TestNumbering:
    def test_numbers_per_severity(self) -> None:
        """Findings are numbered P0-1, P1-1, P1-2… in severity, rule, object order."""
        assert [n.number for n in small_context().findings] == ["P0-1", "P1-1", "P1-2", "P2-1"]

    def test_counts(self) -> None:
        """The summary counts each severity."""
        assert small_context().counts == {"P0": 1, "P1": 2, "P2": 1}


class TestDomains:
    def test_prefix_groups_and_adoption(self) -> None:
        """Tables sharing a leading word group together; a lone table joins what it references."""
        model = (
            schema()
            .table("accounts", cols={"id": "bigint"}, pk="id")
            .table("account_logs", cols={"id": "bigint", "account_id": "bigint"}, pk="id")
            .fk("account_logs", "account_id", "accounts")
            .table("classification_rules", cols={"id": "bigint", "account_id": "bigint"}, pk="id")
            .fk("classification_rules", "account_id", "accounts")
            .table("sync_sessions", cols={"id": "bigint"}, pk="id")
            .table("sync_records", cols={"id": "bigint"}, pk="id")
            .table("settings", cols={"id": "bigint"}, pk="id")
            .build()
        )
        assert domains(model) == (
            Domain("account", ("account_logs", "accounts", "classification_rules")),
            Domain("sync", ("sync_records", "sync_sessions")),
            Domain("other", ("settings",)),
        )

    def test_partitions_folded(self) -> None:
        """Partitions are not entities of their own."""
        names = [t for d in domains(small_model()) for t in d.tables]
        assert "instance_size_stats_2025_12" not in names
        assert "instance_size_stats" in names


class TestMermaid:
    def test_entities_keys_and_cardinality(self) -> None:
        """Key columns are drawn with PK/FK markers; optional FKs use |o, unique FKs o|."""
        model = (
            schema()
            .table("users", cols={"id": "bigint"}, pk="id")
            .table("profiles", cols={"id": "bigint", "user_id": "bigint not null", "bio": "text"}, pk="id")
            .unique("profiles", "user_id")
            .fk("profiles", "user_id", "users")
            .table("posts", cols={"id": "bigint", "user_id": "bigint"}, pk="id")
            .fk("posts", "user_id", "users")
            .table("odd name", cols={"id": "bigint"}, pk="id")
            .build()
        )
        assert mermaid_erd(model) == (
            "erDiagram\n"
            '    e1["odd name"] {\n'
            "        int8 id PK\n"
            "    }\n"
            "    posts {\n"
            "        int8 id PK\n"
            "        int8 user_id FK\n"
            "    }\n"
            "    profiles {\n"
            "        int8 id PK\n"
            "        int8 user_id FK\n"
            "    }\n"
            "    users {\n"
            "        int8 id PK\n"
            "    }\n"
            '    users |o--o{ posts : "user_id"\n'
            '    users ||--o| profiles : "user_id"\n'
        )
