"""Integrity rules: per rule a triggering schema, near misses, and fix round trips on PostgreSQL."""

from __future__ import annotations

from dataclasses import replace

import pytest

from dbaudit.config import Config
from dbaudit.engine import run_rules
from dbaudit.findings import Finding, Severity
from dbaudit.model.schema import Location, SchemaModel, TableKind
from dbaudit.rules import RuleContext
from dbaudit.rules._code_facts import CodeFacts, ColumnValues
from dbaudit.sqltext import ident
from dbaudit.testing import SchemaBuilder, schema
from tests.rules.conftest import (
    HOSTILE_NAMES,
    assert_fix_round_trip,
    execute_script,
    findings_for,
    model_from_ddl,
    read_model,
    run_query,
)


def q(*parts: str) -> str:
    return ".".join(ident(p) for p in parts)


def brief(findings: list[Finding]) -> list[tuple[str, Severity, tuple[str, ...], str, str | None]]:
    return [(f.rule, f.severity, f.objects, f.title, f.fix_sql) for f in findings]


def instances() -> SchemaBuilder:
    return schema().table("instances", cols={"id": "integer", "name": "text not null"}, pk="id")


class TestFkMissing:
    def test_fk_missing_finds(self) -> None:
        """An integer *_id column naming a table's integer key without FK is reported in full."""
        model = (instances().table("database_size_aggregations",
                                   cols={"id": "bigint", "instance_id": "integer not null"}, pk="id").build())
        assert findings_for(model, "fk-missing") == [Finding(
            rule="fk-missing", category="integrity", severity=Severity.P1,
            objects=("public.database_size_aggregations.instance_id",),
            title="public.database_size_aggregations.instance_id references public.instances without a foreign key",
            evidence=(
                "public.database_size_aggregations.instance_id is integer NOT NULL and its name points at "
                "public.instances",
                "public.instances.id (integer) is the single-column key of public.instances",
                "no foreign key of public.database_size_aggregations covers instance_id",
            ),
            impact="Rows of public.database_size_aggregations can point at public.instances rows that do not "
                   "exist; joins silently drop them and reports built on them are wrong.",
            root_cause="The relation exists only in the column name (and maybe the ORM), never in the database.",
            fix_sql=(
                "-- no index covers instance_id: build one first\n"
                "CREATE INDEX CONCURRENTLY database_size_aggregations_instance_id_idx ON "
                "public.database_size_aggregations (instance_id);\n"
                "SET lock_timeout = '5s';\n"
                "ALTER TABLE public.database_size_aggregations ADD CONSTRAINT "
                "database_size_aggregations_instance_id_fkey FOREIGN KEY (instance_id) REFERENCES "
                "public.instances (id) NOT VALID;\n"
                "RESET lock_timeout;\n"
                "ALTER TABLE public.database_size_aggregations VALIDATE CONSTRAINT "
                "database_size_aggregations_instance_id_fkey;"
            ),
            verify_sql=(
                "SELECT count(*) AS orphan_rows FROM public.database_size_aggregations AS c LEFT JOIN "
                "public.instances AS p ON p.id = c.instance_id WHERE c.instance_id IS NOT NULL AND p.id IS NULL;"
            ),
            data=(("columns", ("instance_id",)), ("constraint", "database_size_aggregations_instance_id_fkey"),
                  ("ref_columns", ("id",)), ("ref_table", "public.instances"),
                  ("references", "public.instances.id"), ("table", "public.database_size_aggregations")),
        )]

    def test_fk_missing_finds_partitioned_with_per_partition_validation(self) -> None:
        """On a partitioned table the FK is added NOT VALID + validated per partition, then on the parent."""
        model = (
            instances()
            .table("aggs", cols={"id": "bigint", "instance_id": "int4 not null", "day": "date not null"},
                   pk=("id", "day"), partition_by=("RANGE", "day"))
            .table("aggs_2024", cols={"id": "bigint", "instance_id": "int4 not null", "day": "date not null"},
                   partition_of="aggs")
            .build()
        )
        [finding] = findings_for(model, "fk-missing")
        assert finding.fix_sql == (
            "-- no index covers instance_id: build one first\n"
            "-- Partitioned table: CREATE INDEX CONCURRENTLY is not supported on the parent, so\n"
            "-- create the parent index ON ONLY (catalog only), build each partition's index\n"
            "-- concurrently, then attach it; the parent index becomes valid when all are attached.\n"
            "SET lock_timeout = '5s';\n"
            "CREATE INDEX aggs_instance_id_idx ON ONLY public.aggs (instance_id);\n"
            "RESET lock_timeout;\n"
            "CREATE INDEX CONCURRENTLY aggs_2024_instance_id_idx ON public.aggs_2024 (instance_id);\n"
            "SET lock_timeout = '5s';\n"
            "ALTER INDEX public.aggs_instance_id_idx ATTACH PARTITION public.aggs_2024_instance_id_idx;\n"
            "ALTER TABLE public.aggs_2024 ADD CONSTRAINT aggs_2024_instance_id_fkey FOREIGN KEY (instance_id) "
            "REFERENCES public.instances (id) NOT VALID;\n"
            "RESET lock_timeout;\n"
            "ALTER TABLE public.aggs_2024 VALIDATE CONSTRAINT aggs_2024_instance_id_fkey;\n"
            "SET lock_timeout = '5s';\n"
            "ALTER TABLE public.aggs ADD CONSTRAINT aggs_instance_id_fkey FOREIGN KEY (instance_id) "
            "REFERENCES public.instances (id);\n"
            "RESET lock_timeout;"
        )

    def test_fk_missing_clean(self) -> None:
        """Near misses: an existing FK, a text column, an unknown stem, an ignored column, the key itself."""
        model = (
            instances()
            .table("a", cols={"id": "bigint", "instance_id": "integer"}, pk="id").fk("a", "instance_id", "instances")
            .table("b", cols={"id": "bigint", "instance_id": "text"}, pk="id")
            .table("c", cols={"id": "bigint", "widget_id": "integer"}, pk="id")
            .table("d", cols={"id": "bigint", "instance_id": "uuid"}, pk="id")
            .build()
        )
        assert findings_for(model, "fk-missing") == []

    def test_fk_missing_ignore_columns_option(self) -> None:
        """The rule option ignore-columns leaves named columns alone."""
        model = instances().table("a", cols={"id": "bigint", "instance_id": "integer"}, pk="id").build()
        assert findings_for(model, "fk-missing", options={"ignore-columns": ["instance_id"]}) == []

    def test_fk_missing_orm_evidence(self) -> None:
        """When the ORM models declare the FK, the evidence says so."""
        model = instances().table("a", cols={"id": "bigint", "instance_id": "integer"}, pk="id").build()
        orm = (instances().table("a", cols={"id": "bigint", "instance_id": "integer"}, pk="id")
               .fk("a", "instance_id", "instances", name="a_instance_id_fkey").build())
        [finding] = findings_for(model, "fk-missing", models=orm)
        assert finding.evidence[-1] == "the ORM models declare a_instance_id_fkey on instance_id"

    @pytest.mark.parametrize("name", HOSTILE_NAMES)
    def test_fk_missing_fix_round_trip(self, pg_url: str, name: str) -> None:
        """The fix adds a validated FK for hostile schema/table names; the orphan query runs."""
        s, t = ident(name), q(name, name)
        ddl = f"""
        CREATE SCHEMA {s};
        CREATE TABLE {s}.widgets (id integer PRIMARY KEY);
        CREATE TABLE {t} (id integer PRIMARY KEY, widget_id integer);
        INSERT INTO {s}.widgets VALUES (1), (2);
        INSERT INTO {t} VALUES (1, 1), (2, NULL), (3, 2);
        """
        assert_fix_round_trip(pg_url, ddl, "fk-missing", [f"{name}.{name}.widget_id"])

    def test_fk_missing_partitioned_round_trip(self, pg_url: str) -> None:
        """The per-partition fix runs on a real partitioned table and the parent ends with the FK."""
        ddl = """
        CREATE TABLE instances (id integer PRIMARY KEY);
        CREATE TABLE "Aggs" (id bigint, instance_id integer NOT NULL, day date NOT NULL, PRIMARY KEY (id, day))
            PARTITION BY RANGE (day);
        CREATE TABLE "Aggs 2024" PARTITION OF "Aggs" FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
        CREATE TABLE aggs_2025 PARTITION OF "Aggs" FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
        INSERT INTO instances VALUES (1);
        INSERT INTO "Aggs" VALUES (1, 1, '2024-05-01'), (2, 1, '2025-05-01');
        """
        assert_fix_round_trip(pg_url, ddl, "fk-missing", ["public.Aggs.instance_id"])
        rows = run_query(pg_url, "SELECT conname FROM pg_constraint WHERE conrelid = '\"Aggs\"'::regclass "
                                 "AND contype = 'f'")
        assert rows == [("Aggs_instance_id_fkey",)]

    def test_fk_missing_subpartitioned_round_trip(self, pg_url: str) -> None:
        """Two partition levels: leaves validate NOT VALID keys, then each level attaches them."""
        ddl = """
        CREATE TABLE instances (id integer PRIMARY KEY);
        CREATE TABLE aggs (id bigint, instance_id integer NOT NULL, day date NOT NULL, kind text NOT NULL,
                           PRIMARY KEY (id, day, kind)) PARTITION BY RANGE (day);
        CREATE TABLE aggs_2024 PARTITION OF aggs FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')
            PARTITION BY LIST (kind);
        CREATE TABLE aggs_2024_a PARTITION OF aggs_2024 FOR VALUES IN ('a');
        CREATE TABLE aggs_2024_b PARTITION OF aggs_2024 FOR VALUES IN ('b');
        INSERT INTO instances VALUES (1);
        INSERT INTO aggs VALUES (1, 1, '2024-05-01', 'a'), (2, 1, '2024-06-01', 'b');
        """
        finding = assert_fix_round_trip(pg_url, ddl, "fk-missing", ["public.aggs.instance_id"])
        assert (finding.fix_sql or "").count("NOT VALID") == 2


class TestFkMissingHistory:
    def test_append_only_logs_are_a_note_not_a_finding(self, pg_url: str) -> None:
        """History/audit/event logs keep ids without FKs on purpose (issue 11, item 6): by name, by
        comment, or written by a trigger: a note, never a finding or a blocking FK."""
        ddl = """
            CREATE TABLE users (id bigint PRIMARY KEY);
            CREATE TABLE user_history (id bigint PRIMARY KEY, user_id bigint NOT NULL);
            CREATE TABLE trail (id bigint PRIMARY KEY, user_id bigint);
            COMMENT ON TABLE trail IS 'Append-only audit trail: rows outlive the users they describe';
            CREATE TABLE written (id bigserial PRIMARY KEY, user_id bigint);
            CREATE FUNCTION remember() RETURNS trigger LANGUAGE plpgsql AS
                $$ BEGIN INSERT INTO written (user_id) VALUES (OLD.id); RETURN OLD; END $$;
            CREATE TRIGGER users_remember AFTER DELETE ON users FOR EACH ROW EXECUTE FUNCTION remember();
        """
        run = run_rules(RuleContext(model_from_ddl(pg_url, ddl)), Config(select=("fk-missing",)))
        assert run.findings == ()
        assert [n.message for n in run.notes] == [
            "fk-missing: 3 id column(s) of append-only history/log tables have no foreign key, presumably "
            "by design so that history outlives the rows it describes (public.trail.user_id, "
            "public.user_history.user_id, public.written.user_id); not reported"]

    def test_fk_on_every_partition_is_p2_without_a_fix(self, pg_url: str) -> None:
        """Keys declared per partition but not on the partitioned table: P2, no blocking fix; when a
        partition lacks it, the P1 finding names that partition."""
        ddl = """
            CREATE TABLE customers (id bigint PRIMARY KEY);
            CREATE TABLE payments (id bigint, customer_id bigint NOT NULL, d date NOT NULL,
                                   PRIMARY KEY (id, d)) PARTITION BY RANGE (d);
            CREATE TABLE payments_1 PARTITION OF payments FOR VALUES FROM ('2025-01-01') TO ('2025-02-01');
            CREATE TABLE payments_2 PARTITION OF payments FOR VALUES FROM ('2025-02-01') TO ('2025-03-01');
            ALTER TABLE payments_1 ADD FOREIGN KEY (customer_id) REFERENCES customers;
        """
        model = model_from_ddl(pg_url, ddl)
        [partial] = findings_for(model, "fk-missing")
        assert (partial.severity, partial.evidence[-1]) == (
            Severity.P1, "1 of 2 partitions declare the foreign key themselves; missing on: public.payments_2")
        execute_script(pg_url, "ALTER TABLE payments_2 ADD FOREIGN KEY (customer_id) REFERENCES customers;")
        [finding] = findings_for(read_model(pg_url), "fk-missing")
        assert (finding.severity, finding.fix_sql) == (Severity.P2, None)
        assert run_query(pg_url, finding.verify_sql or "") == [(0,)]


def account_schema() -> SchemaBuilder:
    return (
        instances()
        .table("instance_accounts", cols={"id": "integer", "instance_id": "integer not null",
                                          "username": "text not null"}, pk="id")
        .fk("instance_accounts", "instance_id", "instances")
        .unique("instance_accounts", ("instance_id", "username"))
        .table("account_permission", cols={"id": "integer", "instance_id": "integer not null",
                                           "instance_account_id": "integer not null", "db_type": "text"}, pk="id")
        .fk("account_permission", "instance_id", "instances")
        .fk("account_permission", "instance_account_id", "instance_accounts", on_delete="CASCADE")
    )


class TestRedundantColumn:
    def test_redundant_column_finds(self) -> None:
        """account_permission.instance_id duplicates instance_accounts.instance_id with no composite FK."""
        [finding] = findings_for(account_schema().build(), "redundant-column-without-consistency")
        assert brief([finding]) == [(
            "redundant-column-without-consistency", Severity.P1, ("public.account_permission.instance_id",),
            "public.account_permission.instance_id duplicates public.instance_accounts.instance_id reachable "
            "through instance_account_id, unenforced",
            "-- no index covers instance_account_id, instance_id: build one first\n"
            "CREATE INDEX CONCURRENTLY account_permission_instance_account_id_instance_id_idx ON "
            "public.account_permission (instance_account_id, instance_id);\n"
            "CREATE UNIQUE INDEX CONCURRENTLY instance_accounts_id_instance_id_key ON public.instance_accounts "
            "(id, instance_id);\n"
            "SET lock_timeout = '5s';\n"
            "ALTER TABLE public.instance_accounts ADD CONSTRAINT instance_accounts_id_instance_id_key UNIQUE "
            "USING INDEX instance_accounts_id_instance_id_key;\n"
            "ALTER TABLE public.account_permission ADD CONSTRAINT "
            "account_permission_instance_account_id_instance_id_fkey FOREIGN KEY (instance_account_id, "
            "instance_id) REFERENCES public.instance_accounts (id, instance_id) ON DELETE CASCADE NOT VALID;\n"
            "RESET lock_timeout;\n"
            "ALTER TABLE public.account_permission VALIDATE CONSTRAINT "
            "account_permission_instance_account_id_instance_id_fkey;",
        )]
        assert finding.verify_sql == (
            "SELECT count(*) AS mismatched_rows FROM public.account_permission AS c JOIN public.instance_accounts "
            "AS p ON p.id = c.instance_account_id WHERE p.instance_id <> c.instance_id;"
        )

    def test_redundant_column_finds_through_common_grandparent(self) -> None:
        """Different spellings, both named after the grandparent they reference, are the same fact."""
        model = (
            instances()
            .table("accounts", cols={"id": "integer", "instance_id": "integer not null", "name": "text"},
                   pk="id")
            .fk("accounts", "instance_id", "instances").unique("accounts", ("instance_id", "name"))
            .table("perms", cols={"id": "integer", "instances_id": "integer", "account_id": "integer"}, pk="id")
            .fk("perms", "instances_id", "instances").fk("perms", "account_id", "accounts")
            .build()
        )
        assert [f.objects for f in findings_for(model, "redundant-column-without-consistency")] == [
            ("public.perms.instances_id",)]

    def test_redundant_column_clean_different_roles(self) -> None:
        """author_id and assignee_id both reference users but are different facts: not reported."""
        model = (
            schema().table("users", cols={"id": "bigint"}, pk="id")
            .table("tasks", cols={"id": "bigint", "assignee_id": "bigint"}, pk="id")
            .fk("tasks", "assignee_id", "users")
            .table("task_comments", cols={"id": "bigint", "task_id": "bigint", "author_id": "bigint"}, pk="id")
            .fk("task_comments", "task_id", "tasks").fk("task_comments", "author_id", "users")
            .build()
        )
        assert findings_for(model, "redundant-column-without-consistency") == []

    def test_redundant_column_clean_with_composite_fk(self) -> None:
        """A composite FK (instance_account_id, instance_id) -> (id, instance_id) keeps them consistent."""
        model = (account_schema().unique("instance_accounts", ("id", "instance_id"))
                 .fk("account_permission", ("instance_account_id", "instance_id"), "instance_accounts",
                     ("id", "instance_id")).build())
        assert findings_for(model, "redundant-column-without-consistency") == []

    def test_redundant_column_clean_with_trigger(self) -> None:
        """A row trigger on INSERT/UPDATE that mentions the column counts as enforcement."""
        model = account_schema().trigger("account_permission", "sync_instance", events=("INSERT", "UPDATE"),
                                         function_source="BEGIN NEW.instance_id := 1; RETURN NEW; END").build()
        assert findings_for(model, "redundant-column-without-consistency") == []

    def test_redundant_column_clean_same_name_other_tables(self) -> None:
        """Same-named FK columns that reference different tables are different facts."""
        model = (schema().table("x", cols={"id": "bigint"}, pk="id").table("y", cols={"id": "bigint"}, pk="id")
                 .table("p", cols={"id": "bigint", "owner_id": "bigint"}, pk="id").fk("p", "owner_id", "x")
                 .table("c", cols={"id": "bigint", "p_id": "bigint", "owner_id": "bigint"}, pk="id")
                 .fk("c", "p_id", "p").fk("c", "owner_id", "y").build())
        assert findings_for(model, "redundant-column-without-consistency") == []

    def test_redundant_column_clean_plain_copies(self) -> None:
        """Same-named non-key columns (db_type) are not reported: only keys are judged."""
        model = (instances()
                 .table("accounts", cols={"id": "integer", "db_type": "text"}, pk="id")
                 .table("perms", cols={"id": "integer", "account_id": "integer", "db_type": "text"}, pk="id")
                 .fk("perms", "account_id", "accounts").build())
        assert findings_for(model, "redundant-column-without-consistency") == []

    def test_redundant_column_clean_same_name_people(self, pg_url: str) -> None:
        """A comment's user_id and its topic's user_id name different people (commenter, topic author);
        per-table counters and external ids are not shared facts either (issue 11, item 2)."""
        ddl = """
            CREATE TABLE users (id bigint PRIMARY KEY);
            CREATE TABLE topics (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users,
                                 creator_id bigint REFERENCES users, sequential_id integer NOT NULL,
                                 external_id text NOT NULL);
            CREATE TABLE comments (id bigint PRIMARY KEY, topic_id bigint NOT NULL REFERENCES topics,
                                   user_id bigint NOT NULL REFERENCES users, creator_id bigint REFERENCES users,
                                   sequential_id integer NOT NULL, external_id text NOT NULL);
        """
        assert findings_for(model_from_ddl(pg_url, ddl), "redundant-column-without-consistency") == []

    def test_redundant_column_tenant_pattern_is_one_p2_finding(self, pg_url: str) -> None:
        """organization_id carried by a parent and copied into many children, unenforced: one P2
        finding listing every child column, not one P1 per table."""
        children = [f"child_{i}" for i in range(6)]
        ddl = "CREATE TABLE organizations (id bigint PRIMARY KEY);\n"
        ddl += ("CREATE TABLE invoices (id bigint PRIMARY KEY, "
                "organization_id bigint NOT NULL REFERENCES organizations);\n")
        for child in children:
            ddl += (f"CREATE TABLE {child} (id bigint PRIMARY KEY, invoice_id bigint REFERENCES invoices, "
                    "organization_id bigint NOT NULL REFERENCES organizations);\n")
        [finding] = findings_for(model_from_ddl(pg_url, ddl), "redundant-column-without-consistency")
        assert (finding.severity, finding.objects) == (
            Severity.P2, tuple(f"public.{c}.organization_id" for c in children))
        assert finding.title == ("6 tables copy the tenant column organization_id from their parent "
                                 "without a composite foreign key")
        assert run_query(pg_url, finding.verify_sql or "") == [(0,)]

    def test_redundant_column_tenant_below_pattern_is_per_table(self, pg_url: str) -> None:
        """Two children copying the tenant column are reported one by one (not a schema-wide pattern)."""
        ddl = """
            CREATE TABLE organizations (id bigint PRIMARY KEY);
            CREATE TABLE invoices (id bigint PRIMARY KEY, organization_id bigint NOT NULL REFERENCES organizations);
            CREATE TABLE a (id bigint PRIMARY KEY, invoice_id bigint REFERENCES invoices,
                            organization_id bigint NOT NULL REFERENCES organizations);
            CREATE TABLE b (id bigint PRIMARY KEY, invoice_id bigint REFERENCES invoices,
                            organization_id bigint NOT NULL REFERENCES organizations);
        """
        found = findings_for(model_from_ddl(pg_url, ddl), "redundant-column-without-consistency")
        assert [(f.severity, f.objects) for f in found] == [
            (Severity.P1, ("public.a.organization_id",)), (Severity.P1, ("public.b.organization_id",))]

    @pytest.mark.parametrize("name", HOSTILE_NAMES)
    def test_redundant_column_fix_round_trip(self, pg_url: str, name: str) -> None:
        """The unique index + composite FK fix runs with hostile parent table and FK column names."""
        s, parent, col = ident(name), q(name, name), ident(name)
        ddl = f"""
        CREATE SCHEMA {s};
        CREATE TABLE {s}.instances (id integer PRIMARY KEY);
        CREATE TABLE {parent} (id integer PRIMARY KEY, instance_id integer NOT NULL REFERENCES {s}.instances,
                               username text NOT NULL, UNIQUE (instance_id, username));
        CREATE TABLE {s}.perms (id integer PRIMARY KEY, instance_id integer NOT NULL REFERENCES {s}.instances,
                                {col} integer NOT NULL REFERENCES {parent} ON DELETE CASCADE);
        INSERT INTO {s}.instances VALUES (1), (2);
        INSERT INTO {parent} VALUES (10, 1, 'a'), (20, 2, 'b');
        INSERT INTO {s}.perms VALUES (1, 1, 10), (2, 2, 20);
        """
        finding = assert_fix_round_trip(pg_url, ddl, "redundant-column-without-consistency",
                                        [f"{name}.perms.instance_id"])
        assert run_query(pg_url, finding.verify_sql or "") == [(0,)]


class TestTableWithoutPrimaryKey:
    def test_table_without_primary_key_finds(self) -> None:
        """Tables and partitioned parents without PK are reported; partitions are not."""
        model = (schema()
                 .table("events", cols={"event_id": "bigint not null", "payload": "jsonb"})
                 .index("events", "event_id", name="events_event_id_key", unique=True)
                 .table("logs", cols={"at": "date not null"}, partition_by=("RANGE", "at"))
                 .table("logs_2024", cols={"at": "date not null"}, partition_of="logs")
                 .build())
        assert brief(findings_for(model, "table-without-primary-key")) == [
            ("table-without-primary-key", Severity.P1, ("public.events",), "public.events has no primary key",
             "SET lock_timeout = '5s';\n"
             "ALTER TABLE public.events ADD CONSTRAINT events_event_id_key PRIMARY KEY USING INDEX "
             "events_event_id_key;\nRESET lock_timeout;"),
            ("table-without-primary-key", Severity.P1, ("public.logs",), "public.logs has no primary key", None),
        ]

    def test_table_without_primary_key_clean(self) -> None:
        """Tables with a PK and views are not reported."""
        model = schema().table("a", cols={"id": "bigint"}, pk="id").table(
            "v", cols={"x": "int"}, kind=TableKind.VIEW).build()
        assert findings_for(model, "table-without-primary-key") == []

    @pytest.mark.parametrize("name", HOSTILE_NAMES)
    def test_table_without_primary_key_fix_round_trip(self, pg_url: str, name: str) -> None:
        """Promoting a unique index to the primary key works with hostile names."""
        s, t, c = ident(name), q(name, name), ident(name)
        ddl = f"""
        CREATE SCHEMA {s};
        CREATE TABLE {t} ({c} bigint NOT NULL, payload text);
        CREATE UNIQUE INDEX {ident(name[:60] + "_ix")} ON {t} ({c});
        INSERT INTO {t} VALUES (1, 'a'), (2, 'b');
        """
        assert_fix_round_trip(pg_url, ddl, "table-without-primary-key", [f"{name}.{name}"])


class TestUniqueOnNullableColumn:
    def test_unique_on_nullable_column_finds(self) -> None:
        """A nullable scope reference beside a NOT NULL column, in a constraint or a unique index."""
        model = (schema().table("tenants", cols={"id": "bigint"}, pk="id")
                 .table("sites", cols={"id": "bigint"}, pk="id")
                 .table("users", cols={"id": "bigint", "email": "text not null", "tenant_id": "bigint"}, pk="id")
                 .table("pages", cols={"id": "bigint", "site_id": "bigint", "nick": "text not null"}, pk="id")
                 .fk("users", "tenant_id", "tenants")
                 .unique("users", ("tenant_id", "email"))
                 .index("pages", ("site_id", "nick"), name="pages_site_nick", unique=True)
                 .build())
        assert brief(findings_for(model, "unique-on-nullable-column")) == [
            ("unique-on-nullable-column", Severity.P2, ("public.pages_site_nick", "public.pages.site_id"),
             "unique key public.pages_site_nick allows duplicate rows where site_id IS NULL",
             "CREATE UNIQUE INDEX CONCURRENTLY pages_site_nick_nnd ON public.pages (site_id, nick) "
             "NULLS NOT DISTINCT;\nDROP INDEX CONCURRENTLY public.pages_site_nick;\n"
             "SET lock_timeout = '5s';\n"
             "ALTER INDEX public.pages_site_nick_nnd RENAME TO pages_site_nick;\nRESET lock_timeout;"),
            ("unique-on-nullable-column", Severity.P2,
             ("public.users_tenant_id_email_key", "public.users.tenant_id"),
             "unique key public.users_tenant_id_email_key allows duplicate rows where tenant_id IS NULL",
             "CREATE UNIQUE INDEX CONCURRENTLY users_tenant_id_email_key_nnd ON public.users (tenant_id, email) "
             "NULLS NOT DISTINCT;\n"
             "SET lock_timeout = '5s';\n"
             "ALTER TABLE public.users DROP CONSTRAINT users_tenant_id_email_key, ADD CONSTRAINT "
             "users_tenant_id_email_key UNIQUE USING INDEX users_tenant_id_email_key_nnd;\nRESET lock_timeout;"),
        ]

    def test_unique_on_nullable_column_clean(self) -> None:
        """NOT NULL columns, NULLS NOT DISTINCT, and partial IS NOT NULL predicates are fine."""
        model = (schema().table("users", cols={"id": "bigint", "email": "text not null", "nick": "text",
                                               "code": "text", "org_id": "bigint not null"}, pk="id")
                 .unique("users", "email").unique("users", ("org_id", "nick"), nulls_not_distinct=True)
                 .index("users", ("org_id", "code"), name="users_code", unique=True,
                        predicate="(code IS NOT NULL)")
                 .build())
        assert findings_for(model, "unique-on-nullable-column") == []

    def test_intended_nulls_clean(self, pg_url: str) -> None:
        """Intended patterns (issue 11, item 5): either/or partial keys, UNIQUE (id, tenant_id) as the
        target of a composite FK, all-nullable keys, a single optional unique value, drafts sharing a
        NULL number, either/or scopes in two keys, a polymorphic reference."""
        ddl = """
            CREATE TABLE tenants (id bigint PRIMARY KEY);
            CREATE TABLE projects (id bigint PRIMARY KEY, tenant_id bigint REFERENCES tenants,
                                   CONSTRAINT projects_id_tenant_key UNIQUE (id, tenant_id));
            CREATE TABLE tasks (id bigint PRIMARY KEY, project_id bigint, tenant_id bigint,
                                FOREIGN KEY (project_id, tenant_id) REFERENCES projects (id, tenant_id));
            CREATE TABLE approvals (id bigint PRIMARY KEY, user_id bigint, group_id bigint,
                                    rule text NOT NULL, email text UNIQUE, number integer,
                                    project_id bigint NOT NULL REFERENCES projects,
                                    UNIQUE (user_id, group_id), UNIQUE (project_id, number));
            CREATE TABLE entitlements (id bigint PRIMARY KEY, feature_id bigint NOT NULL, plan_id bigint,
                                       subscription_id bigint, payable_id bigint, payable_type text,
                                       UNIQUE (feature_id, plan_id), UNIQUE (feature_id, subscription_id),
                                       UNIQUE (payable_id, payable_type, feature_id));
            CREATE UNIQUE INDEX approvals_user ON approvals (user_id, rule) WHERE user_id IS NOT NULL;
            CREATE UNIQUE INDEX approvals_group ON approvals (group_id, rule) WHERE group_id IS NOT NULL;
        """
        assert findings_for(model_from_ddl(pg_url, ddl), "unique-on-nullable-column") == []

    def test_partial_fix_keeps_its_predicate(self, pg_url: str) -> None:
        """The predicate is in the evidence, and the executed fix rebuilds the index with it."""
        ddl = """
            CREATE TABLE sites (id bigint PRIMARY KEY);
            CREATE TABLE redirects (id bigint PRIMARY KEY, site_id bigint REFERENCES sites,
                                    old_path text NOT NULL, active boolean NOT NULL DEFAULT true);
            CREATE UNIQUE INDEX redirects_path ON redirects (old_path, site_id) WHERE active;
            INSERT INTO redirects VALUES (1, NULL, '/a', true), (2, NULL, '/a', false);
        """
        finding = assert_fix_round_trip(pg_url, ddl, "unique-on-nullable-column",
                                        ["public.redirects_path", "public.redirects.site_id"])
        assert "index predicate: WHERE active" in finding.evidence
        rows = run_query(pg_url, "SELECT pg_get_indexdef('redirects_path'::regclass)")
        assert rows == [("CREATE UNIQUE INDEX redirects_path ON public.redirects USING btree (old_path, site_id) "
                         "NULLS NOT DISTINCT WHERE active",)]

    @pytest.mark.parametrize("name", HOSTILE_NAMES)
    def test_unique_on_nullable_column_fix_round_trip(self, pg_url: str, name: str) -> None:
        """Rebuilding the constraint with NULLS NOT DISTINCT works with hostile names."""
        s, t, c = ident(name), q(name, name), ident(name)
        ddl = f"""
        CREATE SCHEMA {s};
        CREATE TABLE {s}.scopes (id bigint PRIMARY KEY);
        CREATE TABLE {t} (id bigint PRIMARY KEY, scope_id bigint REFERENCES {s}.scopes, {c} text NOT NULL,
                          CONSTRAINT {ident(name[:58] + "_uq")} UNIQUE (scope_id, {c}));
        INSERT INTO {s}.scopes VALUES (1);
        INSERT INTO {t} VALUES (1, NULL, 'a'), (2, 1, 'a');
        """
        uq = (name[:58] + "_uq")
        assert_fix_round_trip(pg_url, ddl, "unique-on-nullable-column", [f"{name}.{uq}", f"{name}.{name}.scope_id"])

    def test_unique_index_fix_round_trip(self, pg_url: str) -> None:
        """A plain unique index (not a constraint) is rebuilt and renamed back."""
        ddl = """
        CREATE TABLE "A bs" (id bigint PRIMARY KEY);
        CREATE TABLE "T" (id bigint PRIMARY KEY, "A b_id" bigint REFERENCES "A bs", c int NOT NULL);
        CREATE UNIQUE INDEX "Ix" ON "T" (c, "A b_id" DESC);
        INSERT INTO "A bs" VALUES (7);
        INSERT INTO "T" VALUES (1, NULL, 1), (2, 7, 1);
        """
        assert_fix_round_trip(pg_url, ddl, "unique-on-nullable-column", ["public.Ix", "public.T.A b_id"])


class TestFkNotValidated:
    def test_fk_not_validated_finds(self) -> None:
        """NOT VALID foreign keys and checks are reported with VALIDATE as the fix."""
        model = (instances().table("a", cols={"id": "bigint", "instance_id": "integer", "n": "int"}, pk="id")
                 .fk("a", "instance_id", "instances", validated=False)
                 .check("a", "a_n_check", "(n > 0)", "n", validated=False).build())
        assert brief(findings_for(model, "fk-not-validated")) == [
            ("fk-not-validated", Severity.P2, ("public.a_instance_id_fkey",),
             "constraint public.a_instance_id_fkey on public.a is NOT VALID",
             "ALTER TABLE public.a VALIDATE CONSTRAINT a_instance_id_fkey;"),
            ("fk-not-validated", Severity.P2, ("public.a_n_check",),
             "constraint public.a_n_check on public.a is NOT VALID",
             "ALTER TABLE public.a VALIDATE CONSTRAINT a_n_check;"),
        ]

    def test_fk_not_validated_clean(self) -> None:
        """Validated constraints are not reported."""
        model = (instances().table("a", cols={"id": "bigint", "instance_id": "integer"}, pk="id")
                 .fk("a", "instance_id", "instances").check("a", "a_check", "(id > 0)").build())
        assert findings_for(model, "fk-not-validated") == []

    @pytest.mark.parametrize("name", HOSTILE_NAMES)
    def test_fk_not_validated_fix_round_trip(self, pg_url: str, name: str) -> None:
        """VALIDATE CONSTRAINT runs for hostile constraint names; the orphan query runs first."""
        s, t = ident(name), q(name, name)
        fk = name[:58] + "_fk"
        ddl = f"""
        CREATE SCHEMA {s};
        CREATE TABLE {s}.p (id int PRIMARY KEY);
        CREATE TABLE {t} (id int PRIMARY KEY, p_id int);
        INSERT INTO {s}.p VALUES (1);
        INSERT INTO {t} VALUES (1, 1);
        ALTER TABLE {t} ADD CONSTRAINT {ident(fk)} FOREIGN KEY (p_id) REFERENCES {s}.p NOT VALID;
        """
        assert_fix_round_trip(pg_url, ddl, "fk-not-validated", [f"{name}.{fk}"])


def status_schema(values: str = "(status IN ('running', 'done'))") -> SchemaBuilder:
    return (schema().table("sync_sessions", cols={"id": "bigint", "status": "varchar(20) not null"}, pk="id")
            .check("sync_sessions", "sync_sessions_status_check", values, "status"))


class TestCheckValuesDrift:
    def test_check_values_drift_finds_code_values(self) -> None:
        """Values the code writes that the CHECK rejects are P1, with a NOT VALID replacement CHECK."""
        code = {"public.sync_sessions.status": {"running", "done", "paused"}}
        assert brief(findings_for(status_schema().build(), "check-values-drift", code=code)) == [(
            "check-values-drift", Severity.P1, ("public.sync_sessions.status",),
            "public.sync_sessions.status: the database rejects values the application uses: paused",
            "SET lock_timeout = '5s';\n"
            "ALTER TABLE public.sync_sessions ADD CONSTRAINT sync_sessions_status_check_new CHECK (status IN "
            "('done', 'paused', 'running')) NOT VALID;\n"
            "RESET lock_timeout;\n"
            "ALTER TABLE public.sync_sessions VALIDATE CONSTRAINT sync_sessions_status_check_new;\n"
            "SET lock_timeout = '5s';\n"
            "ALTER TABLE public.sync_sessions DROP CONSTRAINT sync_sessions_status_check;\n"
            "ALTER TABLE public.sync_sessions RENAME CONSTRAINT sync_sessions_status_check_new TO "
            "sync_sessions_status_check;\n"
            "RESET lock_timeout;",
        )]

    def test_check_values_drift_finds_orm_extra_values_p2(self) -> None:
        """Values only the database allows (the ORM CHECK is narrower) are P2 without a fix."""
        orm = status_schema("status IN ('running')").build()
        assert brief(findings_for(status_schema().build(), "check-values-drift", models=orm)) == [(
            "check-values-drift", Severity.P2, ("public.sync_sessions.status",),
            "public.sync_sessions.status: the database allows values the application never uses: done", None,
        )]

    def test_check_values_drift_reads_model_enum_values(self) -> None:
        """Values of the application enum a model ties to the column count as used, with its location."""
        enum_at = Location("app/models/sync_session.py", 19)
        orm = status_schema().build()
        table = orm.tables[0]
        status = replace(table.column("status"), model_values=("running", "done", "paused"),
                         model_values_location=enum_at)
        orm = replace(orm, tables=(replace(table, columns=tuple(
            status if c.name == "status" else c for c in table.columns)),))
        (finding,) = findings_for(status_schema().build(), "check-values-drift", models=orm)
        assert (finding.severity, finding.title, finding.locations[-1]) == (
            Severity.P1, "public.sync_sessions.status: the database rejects values the application uses: paused",
            enum_at,
        )

    def test_check_values_drift_reads_code_facts_and_enums(self) -> None:
        """CodeFacts column values (bare table names) are compared with enum values; the fix adds values."""
        model = (schema().enum("log_level", ("DEBUG", "INFO"))
                 .table("unified_logs", cols={"id": "bigint", "level": "log_level not null"}, pk="id").build())
        facts = CodeFacts(column_values=(ColumnValues("unified_logs", "level", ("INFO", "TRACE")),))
        assert brief(findings_for(model, "check-values-drift", code=facts)) == [(
            "check-values-drift", Severity.P1, ("public.unified_logs.level",),
            "public.unified_logs.level: the database rejects values the application uses: TRACE",
            "SET lock_timeout = '5s';\nALTER TYPE public.log_level ADD VALUE IF NOT EXISTS 'TRACE';\n"
            "RESET lock_timeout;",
        )]

    def test_check_values_drift_clean(self) -> None:
        """Same values on both sides, or columns the inputs do not mention, are not reported."""
        orm = status_schema("status IN ('done', 'running')").build()
        code = {"public.other.status": {"x"}}
        assert findings_for(status_schema().build(), "check-values-drift", models=orm, code=code) == []

    @pytest.mark.parametrize("name", HOSTILE_NAMES)
    def test_check_values_drift_fix_round_trip(self, pg_url: str, name: str) -> None:
        """The replacement CHECK is created, validated and renamed for hostile names and values."""
        s, t, c = ident(name), q(name, name), ident(name)
        ddl = f"""
        CREATE SCHEMA {s};
        CREATE TABLE {t} (id int PRIMARY KEY, {c} varchar(20) NOT NULL,
                          CONSTRAINT {ident(name[:56] + "_check")} CHECK ({c} IN ('a', 'b''s')));
        INSERT INTO {t} VALUES (1, 'a');
        """
        code = {f"{name}.{name}.{name}": {"a", "b's", "it's new"}}
        assert_fix_round_trip(pg_url, ddl, "check-values-drift", [f"{name}.{name}.{name}"], code=code)

    def test_check_values_drift_enum_round_trip(self, pg_url: str) -> None:
        """ALTER TYPE ... ADD VALUE runs and the enum then holds the code's values."""
        ddl = """
        CREATE TYPE "Log Level" AS ENUM ('DEBUG', 'INFO');
        CREATE TABLE logs (id int PRIMARY KEY, level "Log Level" NOT NULL);
        """
        assert_fix_round_trip(pg_url, ddl, "check-values-drift", ["public.logs.level"],
                              code={"public.logs.level": {"DEBUG", "INFO", "TRACE"}})


class TestOnTheCatalog:
    def test_catalog_check_expression_is_parsed(self, pg_url: str) -> None:
        """A CHECK written with IN is read back (as = ANY (ARRAY[...])) and compared correctly."""
        model: SchemaModel = model_from_ddl(pg_url, """
        CREATE TABLE s (id int PRIMARY KEY, status varchar(20) CHECK (status IN ('running', 'done')));
        """)
        found = findings_for(model, "check-values-drift", code={"public.s.status": {"running", "done", "x"}})
        assert [f.title for f in found] == ["public.s.status: the database rejects values the application uses: x"]


class TestLockGuarded:
    def test_brief_locks_get_a_timeout_concurrent_steps_do_not(self) -> None:
        """SET lock_timeout wraps ALTER runs; CONCURRENTLY and VALIDATE steps run without it."""
        from dbaudit.rules.integrity import lock_guarded  # noqa: PLC0415

        script = "\n".join([
            "-- note", "CREATE UNIQUE INDEX CONCURRENTLY a ON t (x);",
            "ALTER TABLE t ADD CONSTRAINT c UNIQUE USING INDEX a;",
            "ALTER TABLE u ADD CONSTRAINT f FOREIGN KEY (x) REFERENCES t (x) NOT VALID;",
            "ALTER TABLE u VALIDATE CONSTRAINT f;",
        ])
        assert lock_guarded(script) == "\n".join([
            "-- note", "CREATE UNIQUE INDEX CONCURRENTLY a ON t (x);", "SET lock_timeout = '5s';",
            "ALTER TABLE t ADD CONSTRAINT c UNIQUE USING INDEX a;",
            "ALTER TABLE u ADD CONSTRAINT f FOREIGN KEY (x) REFERENCES t (x) NOT VALID;",
            "RESET lock_timeout;", "ALTER TABLE u VALIDATE CONSTRAINT f;",
        ])
        assert lock_guarded(None) is None
