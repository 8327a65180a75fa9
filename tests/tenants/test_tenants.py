"""Schema-per-tenant databases on a real PostgreSQL: one structure audited once, deviations reported,
findings stated for every schema they apply to and counted once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import psycopg
import pytest
from click.testing import CliRunner

from dbaudit import audit
from dbaudit.cli.main import cli
from dbaudit.config import Config
from dbaudit.findings import Finding
from dbaudit.sources import load_source
from dbaudit.tenants import Difference, find_clusters, plan_tenants

Conn = psycopg.Connection[tuple[object, ...]]
REPORT_SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "report-schema-v1.json"

# {s}: the schema. One known problem per tenant: orders.placed_at is timestamp without time zone.
TENANT = """
CREATE SCHEMA {s};
CREATE TABLE {s}.customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);
CREATE TABLE {s}.orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES {s}.customers (id),
    placed_at timestamp NOT NULL DEFAULT now(),
    total numeric(12,2) NOT NULL DEFAULT 0
);
CREATE INDEX orders_customer_idx ON {s}.orders (customer_id);
CREATE TABLE {s}.order_lines (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id bigint NOT NULL REFERENCES {s}.orders (id) ON DELETE CASCADE,
    quantity integer NOT NULL CHECK (quantity > 0)
);
CREATE INDEX order_lines_order_idx ON {s}.order_lines (order_id);
"""
SAME = ("tenant_a", "tenant_b", "tenant_c")


def make(conn: Conn, schema: str, extra: str = "") -> None:
    conn.execute(TENANT.replace("{s}", schema) + extra.replace("{s}", schema))


@pytest.fixture
def tenants(pg_url: str, pg_exec: Conn) -> str:
    """Three identical tenants, one with an extra column, one without the orders' customer index."""
    for schema in SAME:
        make(pg_exec, schema)
    make(pg_exec, "tenant_d", "ALTER TABLE {s}.orders ADD COLUMN note text;")
    make(pg_exec, "tenant_e", "DROP INDEX {s}.orders_customer_idx;")
    return pg_url


def rule_findings(findings: tuple[Finding, ...], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


class TestDetection:
    def test_shared_structure_and_deviations(self, tenants: str) -> None:
        """The three identical schemas are one structure, audited through tenant_a; tenant_d and tenant_e
        join the cluster as deviants with exactly what differs."""
        (cluster,) = find_clusters(load_source(tenants))
        assert cluster.template.schemas == SAME
        assert cluster.tables == 3
        deviants = {d.group.schemas: d.differences for d in cluster.deviants}
        assert deviants == {
            ("tenant_d",): (Difference("extra", "column", "tenant_d.orders.note", "text"),),
            ("tenant_e",): (Difference(
                "missing", "index", "tenant_e.orders_customer_idx", "",
                "CREATE INDEX orders_customer_idx ON tenant_e.orders USING btree (customer_id)"),),
        }

    def test_schemas_sharing_table_names_are_not_merged(self, tenants: str, pg_exec: Conn) -> None:
        """A schema with the same table names whose tables all differ (other columns) stays on its own."""
        pg_exec.execute("""
            CREATE SCHEMA shop;
            CREATE TABLE shop.customers (id integer PRIMARY KEY, email text);
            CREATE TABLE shop.orders (id integer PRIMARY KEY, amount integer);
            CREATE TABLE shop.order_lines (id integer PRIMARY KEY, sku text);
        """)
        (cluster,) = find_clusters(load_source(tenants))
        assert "shop" not in cluster.schemas
        assert set(cluster.schemas) == {*SAME, "tenant_d", "tenant_e"}

    def test_any_schema_name(self, pg_url: str, pg_exec: Conn) -> None:
        """Schemas whose names need quotes, with their own enum type, serial sequence and trigger function,
        are one structure: each schema's name is recognised in defaults, types and definitions."""
        ddl = """
            CREATE SCHEMA {q};
            CREATE TYPE {q}.state AS ENUM ('open', 'done');
            CREATE FUNCTION {q}.touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
            CREATE TABLE {q}.items (id serial PRIMARY KEY, state {q}.state NOT NULL DEFAULT 'open');
            CREATE INDEX items_state_idx ON {q}.items (state) WHERE state = 'open'::{q}.state;
            CREATE TRIGGER items_touch BEFORE UPDATE ON {q}.items FOR EACH ROW EXECUTE FUNCTION {q}.touch();
        """
        names = ('Tenant "1"', "Tenant 2", "select")
        for name in names:
            pg_exec.execute(ddl.replace("{q}", '"' + name.replace('"', '""') + '"'))
        (cluster,) = find_clusters(load_source(pg_url))
        assert sorted(cluster.template.schemas) == sorted(names)
        assert cluster.deviants == ()

    def test_no_cluster_below_the_minimum(self, pg_url: str, pg_exec: Conn) -> None:
        """Two identical schemas, or schemas that merely share table names, are audited as they are."""
        make(pg_exec, "tenant_a")
        make(pg_exec, "tenant_b")
        for n, column in enumerate(("total numeric", "note text", "amount integer")):
            pg_exec.execute(f"CREATE SCHEMA shop_{n}; CREATE TABLE shop_{n}.orders (id integer PRIMARY KEY, {column})")
        model = load_source(pg_url)
        assert find_clusters(model) == ()
        assert plan_tenants(model) is None
        assert len(find_clusters(model, min_schemas=2)) == 1


class TestAudit:
    def test_findings_are_stated_once_for_all_their_schemas(self, tenants: str) -> None:
        """The timestamp finding of the shared structure is one finding on tenant_a that applies to the five
        schemas (the deviants have it too); the rules ran on one schema per structure."""
        result = audit(tenants)
        assert result.tenants is not None
        assert sorted(result.audited_model.schemas) == ["public", "tenant_a", "tenant_d", "tenant_e"]
        (found,) = rule_findings(result.findings, "timestamp-without-time-zone")
        assert found.objects == ("tenant_a.orders.placed_at",)
        data = dict(found.data)
        assert data["tenant_schemas"] == 5
        assert data["tenant_groups"] == ["tenant_a", "tenant_d", "tenant_e"]
        assert "(in 5 schemas of one structure)" in found.title
        assert found.evidence[-1] == ("the same structure, and this finding, are in 5 schemas: "
                                      "tenant_a, tenant_b, tenant_c, tenant_d, tenant_e")

    def test_counts_are_not_multiplied(self, tenants: str) -> None:
        """Without the dedupe every schema has its own finding; with it the count is one per structure."""
        full = audit(tenants, config=Config(tenant_dedupe=False))
        folded = audit(tenants)
        assert full.tenants is None
        assert len(rule_findings(full.findings, "timestamp-without-time-zone")) == 5
        assert len(rule_findings(folded.findings, "timestamp-without-time-zone")) == 1
        assert rule_findings(full.findings, "tenant-schema-deviation") == []

    def test_deviation_of_one_schema_is_its_own_finding(self, tenants: str) -> None:
        """The FK tenant_e lost its index for is reported on tenant_e alone, not for the others."""
        (fk,) = rule_findings(audit(tenants).findings, "fk-without-index")
        assert fk.objects[0] == "tenant_e.orders.customer_id"
        assert "tenant_schemas" not in dict(fk.data)

    def test_deviation_findings(self, tenants: str) -> None:
        """tenant-schema-deviation names each deviating schema and what differs, with the template."""
        found = {f.objects[0]: f for f in rule_findings(audit(tenants).findings, "tenant-schema-deviation")}
        assert sorted(found) == ["tenant_d", "tenant_e"]
        assert found["tenant_d"].objects == ("tenant_d", "tenant_d.orders.note")
        assert found["tenant_d"].title == (
            "schema tenant_d differs from the structure of tenant_a that 3 schemas share")
        assert found["tenant_d"].evidence == (
            "extra column tenant_d.orders.note (text): the template tenant_a has none",)
        assert found["tenant_e"].evidence == (
            "missing index tenant_e.orders_customer_idx (CREATE INDEX orders_customer_idx ON tenant_e.orders USING "
            "btree (customer_id)): the template tenant_a has it",)

    def test_verification_sql_lists_the_differences(self, tenants: str, pg_exec: Conn) -> None:
        """The deviation's verification query, run on the database, returns exactly what differs."""
        found = {f.objects[0]: f for f in rule_findings(audit(tenants).findings, "tenant-schema-deviation")}
        rows = {schema: pg_exec.execute(str(f.verify_sql)).fetchall() for schema, f in found.items()}
        assert rows["tenant_d"] == [("tenant_d", "column", "orders.note", "text")]
        assert rows["tenant_e"] == [
            ("tenant_a", "index", "orders.orders_customer_idx",
             "CREATE INDEX orders_customer_idx ON orders USING btree (customer_id)")]

    def test_statistics_are_the_largest_of_the_group(self, tenants: str, pg_exec: Conn) -> None:
        """The audited template table carries the row count of the largest tenant it stands for."""
        pg_exec.execute("INSERT INTO tenant_c.customers (name) SELECT 'c' || n FROM generate_series(1, 2000) n; "
                        "ANALYZE tenant_c.customers")
        result = audit(tenants)
        table = result.audited_model.table("tenant_a.customers")
        assert table is not None
        assert table.stats is not None
        assert (table.stats.rows_estimate or 0) >= 2000
        original = result.model.table("tenant_a.customers")
        assert original is not None
        assert original.stats is not None
        assert (original.stats.rows_estimate or 0) < 2000


class TestReports:
    def test_cli_reports_and_switch(self, tenants: str, tmp_path: Path) -> None:
        """The reports list the cluster and its deviations (JSON valid against the documented schema);
        --no-tenant-dedupe audits every schema on its own."""
        runner = CliRunner()
        result = runner.invoke(cli, ["audit", tenants, "-o", str(tmp_path / "on"), "-q"], catch_exceptions=False)
        assert result.exit_code in (0, 1), result.output
        document = json.loads((tmp_path / "on" / "report.json").read_text())
        schema = json.loads(REPORT_SCHEMA.read_text())
        assert list(jsonschema.Draft202012Validator(schema).iter_errors(document)) == []
        (cluster,) = document["tenants"]
        assert cluster["template"] == "tenant_a"
        assert cluster["schemas"] == list(SAME)
        assert [d["audited"] for d in cluster["deviants"]] == ["tenant_d", "tenant_e"]
        markdown = (tmp_path / "on" / "report.md").read_text()
        assert "- 5 schemas share the structure of tenant_a (3 tables); the rules ran on tenant_a once" in markdown
        assert "    - extra column tenant_d.orders.note (text): the template tenant_a has none" in markdown
        html = (tmp_path / "on" / "report.html").read_text()
        assert "Tenant schemas (one structure, audited once)" in html

        result = runner.invoke(cli, ["audit", tenants, "-o", str(tmp_path / "off"), "-q", "--no-tenant-dedupe"],
                               catch_exceptions=False)
        off: dict[str, Any] = json.loads((tmp_path / "off" / "report.json").read_text())
        assert "tenants" not in off
        assert len([f for f in off["findings"] if f["rule"] == "timestamp-without-time-zone"]) == 5

    def test_chinese_report(self, tenants: str, tmp_path: Path) -> None:
        """The tenant section and the deviation lines are written in Chinese."""
        CliRunner().invoke(cli, ["audit", tenants, "-o", str(tmp_path), "-q", "--lang", "zh", "--format", "md"],
                           catch_exceptions=False)
        text = (tmp_path / "report.md").read_text()
        assert "5 个 schema 与 tenant_a 结构相同(3 张表); 规则只在 tenant_a 上运行一次" in text
        assert "多出列 tenant_d.orders.note (text): 模板 tenant_a 中没有" in text
        assert "(同一结构的 5 个 schema 均如此)" in text
