"""The report view model: numbering, roadmap, domains and the Mermaid ERD."""

from __future__ import annotations

from dbaudit.findings import Finding, Note, Severity
from dbaudit.model.schema import Location
from dbaudit.report.context import (
    NumberedFinding,
    PathEntry,
    RuleMeta,
    fold_notes,
    recommendation,
)
from dbaudit.report.erd import Domain, domains, mermaid_erd
from dbaudit.rules._code_facts import CodeFacts, LatestRowQuery, OffsetPagination, SearchPattern
from dbaudit.testing import schema
from tests.report.fixtures import small_context, small_model


class TestRoadmap:
    def test_context_roadmap_from_fixture(self) -> None:
        """The small fixture yields one action per problem, P0 first, each naming what it closes."""
        items = small_context().roadmap
        assert [(i.severity, i.numbers) for i in items] == [
            ("P0", ("P0-1",)), ("P1", ("P1-1",)), ("P1", ("P1-2",)), ("P2", ("P2-1",)),
        ]
        assert items[1].text.startswith("Create indexes CONCURRENTLY on instance_tags.tag_id")
        assert items[1].risk.startswith("low")


class TestNumbering:
    def test_numbers_per_severity(self) -> None:
        """Groups are numbered P0-1, P1-1, P1-2… most severe first; entries carry their group's number."""
        assert [n.number for n in small_context().findings] == ["P0-1", "P1-1", "P1-2", "P2-1"]

    def test_counts(self) -> None:
        """``counts`` counts entries per severity (the JSON summary), ``group_counts`` numbered findings."""
        context = small_context()
        assert context.counts == {"P0": 1, "P1": 2, "P2": 1}
        assert context.group_counts == {"P0": 1, "P1": 2, "P2": 1}


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


class TestNotes:
    def test_skip_notes_folded_by_reason(self) -> None:
        """Rules skipped for the same reason share one line; other notes stay as they are."""
        notes = [
            Note("search-without-trigram-index skipped: no code input was given", rule="search-without-trigram-index"),
            Note("unknown rule 'x'", rule="x"),
            Note("deep-offset-pagination skipped: no code input was given", rule="deep-offset-pagination"),
            Note("pk-mismatch skipped: no models input was given", rule="pk-mismatch"),
        ]
        assert fold_notes(notes) == (
            Note("skipped (no code input was given): search-without-trigram-index, deep-offset-pagination"),
            Note("unknown rule 'x'", rule="x"),
            Note("skipped (no models input was given): pk-mismatch"),
        )


class TestPaths:
    def test_code_facts_become_key_paths_in_file_order(self) -> None:
        """Section B lists searches, latest-row queries and OFFSET pagination found by the code scan."""
        facts = CodeFacts(
            searches=(SearchPattern("public.instances", "name", "ilike", Location("app/repo.py", 120)),),
            latest_rows=(LatestRowQuery("public.stats", ("instance_id",), "collected_at",
                                        Location("app/repo.py", 88)),),
            offsets=(OffsetPagination(None, Location("app/list.py", 9)),),
        )
        assert small_context(code_facts=facts).paths == (
            PathEntry("page-number OFFSET pagination", "app/list.py:9", (), ""),
            PathEntry("latest row per (instance_id) by collected_at", "app/repo.py:88", ("public.stats",), ""),
            PathEntry("search: leading-wildcard ilike on name", "app/repo.py:120", ("public.instances",), ""),
        )

    def test_no_code_facts(self) -> None:
        """Without a code scan section B has no entries (the report says so)."""
        assert small_context().paths is None


class TestRecommendation:
    def test_prose_of_use_instead(self) -> None:
        """The compatibility table recommends the prose of the rule's "Use instead" section."""
        meta = RuleMeta("r", "R", "governance", Severity.P0, "Why.", "R\n\n## Use instead\n\nFail fast at start.\n\n"
                        "```python\nraise SystemExit\n```\n", "docs/rules/r.md")
        n = NumberedFinding("P0-1", Finding("r", "governance", Severity.P0, ("x",), "t"), meta)
        assert recommendation(n) == "Fail fast at start."

    def test_fix_line_when_no_prose(self) -> None:
        """Without prose the first line of the fix is the recommendation."""
        meta = RuleMeta("r", "R", "drift", Severity.P1, "Why it matters. More.", "", "docs/rules/r.md")
        n = NumberedFinding("P1-1", Finding("r", "drift", Severity.P1, ("x",), "t", fix_sql="ALTER TABLE t;\n--"),
                            meta)
        assert recommendation(n) == "ALTER TABLE t;"


class TestSecrets:
    def test_source_urls_lose_their_password(self) -> None:
        """A source named by a URL with a password is shown without it in every report."""
        from dbaudit.report import build_context, render  # noqa: PLC0415
        from dbaudit.report.context import SourceRef  # noqa: PLC0415
        from tests.report.fixtures import GENERATED_AT  # noqa: PLC0415

        context = build_context(small_model(), [], generated_at=GENERATED_AT, dbaudit_version="0",
                                sources=[SourceRef("postgresql", "postgresql://app:hunter2@db/x")])
        assert context.target == "postgresql://app:***@db/x"
        assert all("hunter2" not in render(context, fmt) for fmt in ("md", "html", "json", "sarif"))
