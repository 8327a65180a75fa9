"""Lifecycle rules: fact/dimension lifecycle, soft-delete uniqueness, updated_at, deep cascades."""

from __future__ import annotations

from pathlib import Path

import pytest

from dbaudit.config import Config
from dbaudit.engine import run_rules
from dbaudit.findings import Finding, Note, Severity
from dbaudit.model.schema import Column
from dbaudit.rules import RuleContext
from dbaudit.sqltext import ident
from dbaudit.testing import SchemaBuilder, column_type, schema
from tests.rules.conftest import HOSTILE_NAMES, assert_fix_round_trip, findings_for, model_from_ddl, run_query

# ORM models that declare nothing: the application is known, and it maintains no updated_at.
NO_MODELS = schema().build()


def q(*parts: str) -> str:
    return ".".join(ident(p) for p in parts)


def brief(findings: list[Finding]) -> list[tuple[str, Severity, tuple[str, ...], str, str | None]]:
    return [(f.rule, f.severity, f.objects, f.title, f.fix_sql) for f in findings]


def capacity() -> SchemaBuilder:
    stats = {"id": "integer", "instance_id": "integer not null", "collected_date": "date not null",
             "collected_at": "timestamptz not null default now()", "is_deleted": "boolean not null default false",
             "deleted_at": "timestamptz"}
    return (
        schema()
        .table("instances", cols={"id": "integer", "is_active": "boolean not null default true",
                                  "deleted_at": "timestamptz"}, pk="id")
        .table("instance_size_stats", cols=stats, pk=("id", "collected_date"),
               partition_by=("RANGE", "collected_date"))
        .fk("instance_size_stats", "instance_id", "instances", on_delete="CASCADE")
        .index("instance_size_stats", ("instance_id", "collected_date"), name="uq_instance_size_stats_instance_date",
               unique=True, predicate="is_deleted = false")
        .table("instance_size_stats_2024", cols=stats, partition_of="instance_size_stats")
    )


class TestFactTableLifecycleColumns:
    def test_fact_table_lifecycle_columns_finds(self) -> None:
        """instance_size_stats carries is_deleted/deleted_at that instances already holds."""
        assert findings_for(capacity().build(), "fact-table-lifecycle-columns") == [Finding(
            rule="fact-table-lifecycle-columns", category="lifecycle", severity=Severity.P2,
            objects=("public.instance_size_stats",),
            title="fact table public.instance_size_stats carries lifecycle columns is_deleted, deleted_at that "
                  "belong to public.instances",
            evidence=(
                "public.instance_size_stats has is_deleted boolean NOT NULL DEFAULT false; "
                "deleted_at timestamp with time zone",
                "public.instance_size_stats is a fact table: it is partitioned by RANGE (collected_date), a time "
                "column: rows are time-series facts",
                "public.instance_size_stats.instance_id references public.instances, which holds the lifecycle: "
                "is_active, deleted_at",
            ),
            impact="Two sources of truth for whether a thing is live: they drift, every query must filter both, "
                   "and history rows get 'deleted' although the facts they record stay true.",
            root_cause="Lifecycle state was copied into the fact table instead of being read from the dimension "
                       "through a join.",
            fix_sql=(
                "-- filter through the dimension instead: JOIN public.instances and test is_active, deleted_at\n"
                "SET lock_timeout = '5s';\n"
                "CREATE UNIQUE INDEX uq_instance_size_stats_instance_date_new ON ONLY public.instance_size_stats "
                "(instance_id, collected_date);\n"
                "RESET lock_timeout;\n"
                "CREATE UNIQUE INDEX CONCURRENTLY instance_size_stats_2024_instance_id_collected_date_key ON "
                "public.instance_size_stats_2024 (instance_id, collected_date);\n"
                "SET lock_timeout = '5s';\n"
                "ALTER INDEX public.uq_instance_size_stats_instance_date_new ATTACH PARTITION "
                "public.instance_size_stats_2024_instance_id_collected_date_key;\n"
                "ALTER TABLE public.instance_size_stats DROP COLUMN is_deleted, DROP COLUMN deleted_at;\n"
                "ALTER INDEX public.uq_instance_size_stats_instance_date_new RENAME TO "
                "uq_instance_size_stats_instance_date;\n"
                "RESET lock_timeout;"
            ),
            verify_sql=(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND "
                "table_name = 'instance_size_stats' AND column_name IN ('is_deleted', 'deleted_at');"
            ),
            data=(
                ("column_defaults", ("false", None)),
                ("column_nullable", (False, True)),
                ("column_types", ("boolean", "timestamp with time zone")),
                ("columns", ("is_deleted", "deleted_at")),
                ("dimension", "public.instances"),
            ),
        )]

    def test_fact_table_by_name_finds(self) -> None:
        """A *_stats table with a collected_at stamp counts as a fact table without partitioning."""
        model = (schema().table("dbs", cols={"id": "bigint", "is_active": "bool"}, pk="id")
                 .table("db_stats", cols={"id": "bigint", "db_id": "bigint", "collected_at": "timestamptz",
                                          "deleted_at": "timestamptz"}, pk="id").build())
        assert brief(findings_for(model, "fact-table-lifecycle-columns")) == [(
            "fact-table-lifecycle-columns", Severity.P2, ("public.db_stats",),
            "fact table public.db_stats carries lifecycle columns deleted_at that belong to public.dbs",
            "-- filter through the dimension instead: JOIN public.dbs and test is_active\n"
            "SET lock_timeout = '5s';\nALTER TABLE public.db_stats DROP COLUMN deleted_at;\nRESET lock_timeout;",
        )]

    def test_fact_table_lifecycle_columns_clean(self) -> None:
        """Dimensions with lifecycle columns, and facts whose dimension has none, are not reported."""
        model = (schema().table("hosts", cols={"id": "bigint", "name": "text"}, pk="id")
                 .table("host_stats", cols={"id": "bigint", "host_id": "bigint", "collected_at": "timestamptz",
                                            "is_deleted": "bool"}, pk="id")
                 .table("customers", cols={"id": "bigint", "deleted_at": "timestamptz", "is_active": "bool"},
                        pk="id")
                 .table("orders", cols={"id": "bigint", "customer_id": "bigint", "deleted_at": "timestamptz"},
                        pk="id").build())
        assert findings_for(model, "fact-table-lifecycle-columns") == []

    @pytest.mark.parametrize("name", HOSTILE_NAMES)
    def test_fact_table_lifecycle_columns_fix_round_trip(self, pg_url: str, name: str) -> None:
        """The partial unique index is rebuilt per partition and attached, then the columns dropped."""
        s, t = ident(name), q(name, name)
        part = q(name, name[:50] + " 2024")
        ddl = f"""
        CREATE SCHEMA {s};
        CREATE TABLE {s}.instances (id int PRIMARY KEY, is_active bool NOT NULL DEFAULT true);
        CREATE TABLE {t} (id int, instance_id int NOT NULL REFERENCES {s}.instances, collected_date date NOT NULL,
            collected_at timestamptz NOT NULL DEFAULT now(), is_deleted bool NOT NULL DEFAULT false,
            deleted_at timestamptz, PRIMARY KEY (id, collected_date)) PARTITION BY RANGE (collected_date);
        CREATE TABLE {part} PARTITION OF {t} FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
        CREATE UNIQUE INDEX {ident(name[:55] + "_uq")} ON {t} (instance_id, collected_date) WHERE is_deleted = false;
        CREATE INDEX ON {t} (is_deleted);
        INSERT INTO {s}.instances VALUES (1);
        INSERT INTO {t} (id, instance_id, collected_date) VALUES (1, 1, '2024-02-01'), (2, 1, '2024-02-02');
        """
        finding = assert_fix_round_trip(pg_url, ddl, "fact-table-lifecycle-columns", [f"{name}.{name}"])
        assert run_query(pg_url, finding.verify_sql or "") == []
        rows = run_query(pg_url, f"SELECT indexname FROM pg_indexes WHERE schemaname = {_lit(name)} "
                                 f"AND indexname = {_lit(name[:55] + '_uq')}")
        assert rows == [(name[:55] + "_uq",)]


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def soft() -> SchemaBuilder:
    return schema().table("tags", cols={"id": "bigint", "name": "text not null", "deleted_at": "timestamptz"},
                          pk="id")


class TestSoftDeleteUniqueNotPartial:
    def test_soft_delete_unique_not_partial_finds(self) -> None:
        """A unique constraint and a unique index over business columns of a soft-deleted table."""
        model = soft().unique("tags", "name").index("tags", "(lower(name))", name="tags_lower", unique=True).build()
        model2 = (schema().table("t", cols={"id": "bigint", "code": "text", "is_deleted": "bool"}, pk="id")
                  .index("t", "code", name="t_code", unique=True).build())
        assert brief(findings_for(model, "soft-delete-unique-not-partial")
                     + findings_for(model2, "soft-delete-unique-not-partial")) == [
            ("soft-delete-unique-not-partial", Severity.P2, ("public.tags_name_key",),
             "unique key public.tags_name_key also counts soft-deleted rows of public.tags",
             "CREATE UNIQUE INDEX CONCURRENTLY tags_name_key_live ON public.tags (name) WHERE deleted_at IS NULL;\n"
             "SET lock_timeout = '5s';\nALTER TABLE public.tags DROP CONSTRAINT tags_name_key;\n"
             "RESET lock_timeout;"),
            ("soft-delete-unique-not-partial", Severity.P2, ("public.t_code",),
             "unique key public.t_code also counts soft-deleted rows of public.t",
             "CREATE UNIQUE INDEX CONCURRENTLY t_code_live ON public.t (code) WHERE is_deleted = false;\n"
             "DROP INDEX CONCURRENTLY public.t_code;"),
        ]

    def test_soft_delete_referenced_key_has_no_fix(self) -> None:
        """A unique key that foreign keys reference is reported without a fix."""
        model = (soft().unique("tags", "name")
                 .table("x", cols={"id": "bigint", "tag_name": "text"}, pk="id")
                 .fk("x", "tag_name", "tags", "name").build())
        [finding] = findings_for(model, "soft-delete-unique-not-partial")
        assert (finding.fix_sql, finding.evidence[-1]) == (None, "foreign keys reference public.tags (name)")

    def test_soft_delete_unique_not_partial_clean(self) -> None:
        """Partial indexes on live rows, keys including the flag, and tables without soft delete are fine."""
        model = (soft().index("tags", "name", name="tags_live", unique=True, predicate="(deleted_at IS NULL)")
                 .unique("tags", ("name", "deleted_at"))
                 .table("plain", cols={"id": "bigint", "name": "text"}, pk="id").unique("plain", "name").build())
        assert findings_for(model, "soft-delete-unique-not-partial") == []

    def test_keys_unique_forever_clean(self, pg_url: str) -> None:
        """Content hashes, idempotency keys, tokens and keys containing the primary key must stay
        unique across deleted rows (issue 11, item 5): not reported."""
        ddl = """
            CREATE TABLE uploads (id bigint PRIMARY KEY, tenant_id bigint NOT NULL, content_sha256 text,
                                  idempotency_key text, deleted_at timestamptz,
                                  UNIQUE (content_sha256), UNIQUE (idempotency_key), UNIQUE (id, tenant_id));
        """
        assert findings_for(model_from_ddl(pg_url, ddl), "soft-delete-unique-not-partial") == []

    def test_partial_key_fix_keeps_its_predicate(self, pg_url: str) -> None:
        """A unique index partial on another predicate: the evidence shows it, and the executed fix
        builds the live-rows index within that predicate."""
        ddl = """
            CREATE TABLE tags (id bigint PRIMARY KEY, name text NOT NULL, kind text NOT NULL,
                               deleted_at timestamptz);
            CREATE UNIQUE INDEX tags_public_name ON tags (name) WHERE kind = 'public';
            INSERT INTO tags VALUES (1, 'a', 'public', now());
        """
        finding = assert_fix_round_trip(pg_url, ddl, "soft-delete-unique-not-partial", ["public.tags_public_name"])
        assert "index predicate: WHERE kind = 'public'::text" in finding.evidence
        rows = run_query(pg_url, "SELECT pg_get_indexdef('tags_public_name_live'::regclass)")
        assert rows == [("CREATE UNIQUE INDEX tags_public_name_live ON public.tags USING btree (name) "
                         "WHERE ((kind = 'public'::text) AND (deleted_at IS NULL))",)]

    @pytest.mark.parametrize("name", HOSTILE_NAMES)
    def test_soft_delete_unique_not_partial_fix_round_trip(self, pg_url: str, name: str) -> None:
        """The partial index replaces the constraint for hostile names; a deleted key can be reused."""
        s, t, c = ident(name), q(name, name), ident(name)
        uq = name[:58] + "_key"
        ddl = f"""
        CREATE SCHEMA {s};
        CREATE TABLE {t} (id int PRIMARY KEY, {c} text NOT NULL, deleted_at timestamptz,
                          CONSTRAINT {ident(uq)} UNIQUE ({c}));
        INSERT INTO {t} VALUES (1, 'a', now()), (2, 'b', NULL);
        """
        assert_fix_round_trip(pg_url, ddl, "soft-delete-unique-not-partial", [f"{name}.{uq}"])
        run_query(pg_url, f"INSERT INTO {t} VALUES (3, 'a', NULL)")


def updated(trigger_source: str | None = None) -> SchemaBuilder:
    b = schema().table("tags", cols={"id": "bigint", "updated_at": "timestamptz not null default now()"}, pk="id")
    if trigger_source is not None:
        b = b.trigger("tags", "tags_touch", function_source=trigger_source)
    return b


class TestUpdatedAtNotMaintained:
    def test_updated_at_not_maintained_finds(self) -> None:
        """updated_at without trigger: the fix creates a trigger function and a BEFORE UPDATE trigger."""
        assert brief(findings_for(updated().build(), "updated-at-not-maintained", models=NO_MODELS)) == [(
            "updated-at-not-maintained", Severity.P2, ("public.tags.updated_at",),
            "public.tags.updated_at is never updated: no trigger, no ORM onupdate",
            "CREATE OR REPLACE FUNCTION public.dbaudit_set_updated_at() RETURNS trigger LANGUAGE plpgsql AS "
            "$fn$ BEGIN NEW.updated_at := now(); RETURN NEW; END $fn$;\n"
            "SET lock_timeout = '5s';\n"
            "CREATE TRIGGER tags_set_updated_at BEFORE UPDATE ON public.tags FOR EACH ROW EXECUTE FUNCTION "
            "public.dbaudit_set_updated_at();\n"
            "RESET lock_timeout;",
        )]

    def test_trigger_setting_another_column_does_not_count(self) -> None:
        """A BEFORE UPDATE trigger whose source never mentions updated_at does not maintain it."""
        model = updated("BEGIN NEW.version := NEW.version + 1; RETURN NEW; END").build()
        assert [f.rule for f in findings_for(model, "updated-at-not-maintained", models=NO_MODELS)] == [
            "updated-at-not-maintained"]

    def test_updated_at_not_maintained_clean(self) -> None:
        """A trigger setting it, or an ORM onupdate (model column or models input), is enough."""
        assert findings_for(updated("BEGIN NEW.updated_at = now(); RETURN NEW; END").build(),
                            "updated-at-not-maintained") == []
        orm_col = Column("updated_at", column_type("timestamptz"), orm_onupdate=True)
        orm = schema().table("tags", cols={"id": "bigint", "updated_at": orm_col}, pk="id").build()
        assert findings_for(updated().build(), "updated-at-not-maintained", models=orm) == []

    def test_skipped_without_triggers_capability(self) -> None:
        """A source that cannot read triggers skips the rule with a note instead of guessing."""
        model = schema(capabilities=()).table("tags", cols={"updated_at": "timestamptz"}).build()
        run = run_rules(RuleContext(model), Config(select=("updated-at-not-maintained",)))
        assert (run.findings, run.notes) == ((), (Note(
            "updated-at-not-maintained skipped: the builder source dbaudit.testing does not provide triggers",
            rule="updated-at-not-maintained"),))

    def test_unknown_without_models_or_code_is_a_note(self) -> None:
        """Without models or code nothing says the application does not maintain it: no finding, a
        note saying "unknown" (issue 11, item 4)."""
        run = run_rules(RuleContext(updated().build()), Config(select=("updated-at-not-maintained",)))
        assert (run.findings, run.notes) == ((), (Note(
            "updated-at-not-maintained: unknown for 1 column(s) without an update trigger "
            "(public.tags.updated_at): the application's ORM may keep them current; pass --models or "
            "--code to judge them", rule="updated-at-not-maintained"),))

    def test_rails_schema_clean(self, pg_url: str) -> None:
        """A Rails schema (schema_migrations + ar_internal_metadata): ActiveRecord sets updated_at."""
        ddl = """
            CREATE TABLE schema_migrations (version varchar PRIMARY KEY);
            CREATE TABLE ar_internal_metadata (key varchar PRIMARY KEY, value varchar,
                created_at timestamp(6) NOT NULL, updated_at timestamp(6) NOT NULL);
            CREATE TABLE posts (id bigint PRIMARY KEY, updated_at timestamp(6) NOT NULL);
        """
        model = model_from_ddl(pg_url, ddl)
        run = run_rules(RuleContext(model), Config(select=("updated-at-not-maintained",)))
        assert (run.findings, run.notes) == ((), ())

    def test_django_auto_now_from_code_clean_and_missing_finds(self, tmp_path: Path) -> None:
        """The code scan's Django auto_now=True maintains the column; a model field without it, in a
        scanned project, is a finding."""
        from dbaudit.sources.code import scan_code  # noqa: PLC0415

        (tmp_path / "blog").mkdir()
        (tmp_path / "blog" / "models.py").write_text(
            "from django.db import models\n"
            "class Post(models.Model):\n"
            "    updated_at = models.DateTimeField(auto_now=True)\n"
            "class Tag(models.Model):\n"
            "    updated_at = models.DateTimeField(null=True)\n", encoding="utf-8")
        model = (schema().table("blog_post", cols={"id": "bigint", "updated_at": "timestamptz"}, pk="id")
                 .table("blog_tag", cols={"id": "bigint", "updated_at": "timestamptz"}, pk="id").build())
        code = scan_code(tmp_path, model)
        assert [f.objects for f in findings_for(model, "updated-at-not-maintained", code=code)] == [
            ("public.blog_tag.updated_at",)]

    @pytest.mark.parametrize("name", HOSTILE_NAMES)
    def test_updated_at_not_maintained_fix_round_trip(self, pg_url: str, name: str) -> None:
        """The trigger fix works with hostile names and really maintains the column."""
        s, t = ident(name), q(name, name)
        ddl = f"""
        CREATE SCHEMA {s};
        CREATE TABLE {t} (id int PRIMARY KEY, updated_at timestamptz NOT NULL DEFAULT '2000-01-01');
        INSERT INTO {t} VALUES (1);
        """
        assert_fix_round_trip(pg_url, ddl, "updated-at-not-maintained", [f"{name}.{name}.updated_at"],
                              models=NO_MODELS)
        run_query(pg_url, f"UPDATE {t} SET id = 2")
        assert run_query(pg_url, f"SELECT updated_at > '2001-01-01' FROM {t}") == [(True,)]


class TestDeepCascade:
    def chain(self) -> SchemaBuilder:
        b = schema()
        for name in ("a", "b", "c", "d"):
            b = b.table(name, cols={"id": "bigint", "parent_id": "bigint"}, pk="id")
        return (b.fk("b", "parent_id", "a", on_delete="CASCADE").fk("c", "parent_id", "b", on_delete="CASCADE")
                .fk("d", "parent_id", "c", on_delete="CASCADE"))

    def test_deep_cascade_finds_three_levels(self) -> None:
        """a -> b -> c -> d cascades three levels: one finding on the root, every reached table with
        its chain, and a RESTRICT fix for the first hop of the too-deep chain."""
        [finding] = findings_for(self.chain().build(), "deep-cascade")
        assert (finding.objects, finding.title, finding.severity) == (
            ("public.a",), "deleting a row of public.a cascades into 3 table(s), 3 level(s) deep", Severity.P2)
        assert finding.evidence == (
            "one DELETE on public.a reaches 3 table(s) through ON DELETE CASCADE, 3 level(s) deep",
            "deepest chain: public.a -> public.b (b_parent_id_fkey ON DELETE CASCADE) -> public.c "
            "(c_parent_id_fkey ON DELETE CASCADE) -> public.d (d_parent_id_fkey ON DELETE CASCADE)",
            "reaches public.b: public.a -> public.b (b_parent_id_fkey ON DELETE CASCADE)",
            "reaches public.c: public.a -> public.b (b_parent_id_fkey ON DELETE CASCADE) -> public.c "
            "(c_parent_id_fkey ON DELETE CASCADE)",
            "reaches public.d: public.a -> public.b (b_parent_id_fkey ON DELETE CASCADE) -> public.c "
            "(c_parent_id_fkey ON DELETE CASCADE) -> public.d (d_parent_id_fkey ON DELETE CASCADE)",
        )
        assert finding.fix_sql is not None
        assert "ALTER TABLE public.b DROP CONSTRAINT b_parent_id_fkey, ADD CONSTRAINT b_parent_id_fkey FOREIGN KEY " \
               "(parent_id) REFERENCES public.a (id) ON DELETE RESTRICT NOT VALID;" in finding.fix_sql

    def test_deep_cascade_finds_history(self) -> None:
        """One level into a *_stats table is reported: history dies with its parent."""
        [finding] = findings_for(capacity().build(), "deep-cascade")
        assert (finding.objects, finding.title) == (
            ("public.instances",),
            "deleting a row of public.instances cascades into 1 table(s), 1 level(s) deep, including "
            "public.instance_size_stats")

    def test_deep_cascade_clean(self) -> None:
        """Two levels into ordinary tables, or a deeper max-depth option, are fine."""
        b = self.chain()
        two = (schema().table("a", cols={"id": "bigint"}, pk="id")
               .table("b", cols={"id": "bigint", "a_id": "bigint"}, pk="id").fk("b", "a_id", "a", on_delete="CASCADE")
               .table("c", cols={"id": "bigint", "b_id": "bigint"}, pk="id").fk("c", "b_id", "b", on_delete="CASCADE"))
        assert findings_for(two.build(), "deep-cascade") == []
        assert findings_for(b.build(), "deep-cascade", options={"max-depth": 3}) == []

    def test_deep_cascade_verify_sql_runs(self, pg_url: str) -> None:
        """The verification query lists the cascade constraints on a real database, hostile names included."""
        from tests.rules.conftest import model_from_ddl  # noqa: PLC0415

        model = model_from_ddl(pg_url, """
        CREATE TABLE "A b" (id int PRIMARY KEY);
        CREATE TABLE "we""ird_log" (id int PRIMARY KEY, a int REFERENCES "A b" ON DELETE CASCADE,
                                    recorded_at timestamptz);
        """)
        [finding] = findings_for(model, "deep-cascade")
        assert run_query(pg_url, finding.verify_sql or "") == [('"we""ird_log"', '"A b"', 'we"ird_log_a_fkey')]


class TestFindingsStayHashable:
    def test_findings_with_data_hash(self) -> None:
        """Findings (data included) stay hashable, so reports can de-duplicate them in sets."""
        found = [*findings_for(capacity().build(), "fact-table-lifecycle-columns"),
                 *findings_for(capacity().build(), "deep-cascade")]
        assert len({hash(f) for f in found}) == 2
