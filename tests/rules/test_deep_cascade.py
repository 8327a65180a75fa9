"""Issue 11 item 16: deep-cascade counts every table a DELETE reaches, on real PostgreSQL.

User and tenant deletes into business or history tables, P0 at ten tables, cycles, partitioned
children in the fix, and a linear walk on a long chain.
"""

from __future__ import annotations

import psycopg
import pytest

from dbaudit.findings import Severity
from dbaudit.model.schema import ForeignKey, PrimaryKey, ReferentialAction, SchemaModel, SourceInfo, Table
from dbaudit.rules._cascade import CascadeGraph
from tests.rules.conftest import assert_fix_round_trip, execute_script, findings_for, model_from_ddl, run_query

SHOP = """
    CREATE TABLE users (id bigint PRIMARY KEY);
    CREATE TABLE sessions (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users ON DELETE CASCADE);
    CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users ON DELETE CASCADE);
    CREATE TABLE payments (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders);
"""


class TestUserAndTenantDeletes:
    def test_user_delete_into_business_table_is_p1_and_fix_executes(self, pg_url: str) -> None:
        """users -> orders (which payments reference) is a risky hop; users -> sessions (a leaf) is not.
        The fix switches only users -> orders to RESTRICT, and executes."""
        finding = assert_fix_round_trip(pg_url, SHOP, "deep-cascade", ["public.users"])
        assert finding.severity is Severity.P1
        assert finding.title == ("deleting a row of public.users cascades into 2 table(s), 1 level(s) deep, "
                                 "one hop into public.orders")
        assert ("risky one-hop cascade from public.users (a user/tenant table) into public.orders: "
                "business table referenced by public.payments") in finding.evidence
        assert finding.fix_sql is not None
        assert "sessions" not in finding.fix_sql
        execute_script(pg_url, "INSERT INTO users VALUES (1); INSERT INTO orders VALUES (1, 1);")
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            execute_script(pg_url, "DELETE FROM users WHERE id = 1")

    def test_tenant_delete_reaching_ten_tables_is_p0(self, pg_url: str) -> None:
        """Deleting one tenant wipes 12 tables (fan-out and chains): P0, every table with its chain."""
        ddl = ["CREATE TABLE tenants (id bigint PRIMARY KEY);"]
        for i in range(6):
            ddl.append(f"CREATE TABLE t{i} (id bigint PRIMARY KEY, tenant_id bigint NOT NULL "
                       "REFERENCES tenants ON DELETE CASCADE);")
            ddl.append(f"CREATE TABLE t{i}_items (id bigint PRIMARY KEY, t{i}_id bigint NOT NULL "
                       f"REFERENCES t{i} ON DELETE CASCADE);")
        model = model_from_ddl(pg_url, "\n".join(ddl))
        (finding,) = findings_for(model, "deep-cascade")
        assert finding.severity is Severity.P0
        assert dict(finding.data)["reached"] == 12
        reaches = [line for line in finding.evidence if line.startswith("reaches ")]
        assert len(reaches) == 12
        assert ("reaches public.t3_items: public.tenants -> public.t3 (t3_tenant_id_fkey ON DELETE CASCADE) -> "
                "public.t3_items (t3_items_t3_id_fkey ON DELETE CASCADE)") in reaches
        assert finding.verify_sql is not None
        assert len(run_query(pg_url, finding.verify_sql)) == 12

    def test_user_owned_details_and_short_chains_clean(self, pg_url: str) -> None:
        """A user's sessions and tokens (leaf tables) and a two-level chain of ordinary tables: fine."""
        model = model_from_ddl(pg_url, """
            CREATE TABLE users (id bigint PRIMARY KEY);
            CREATE TABLE sessions (id bigint PRIMARY KEY, user_id bigint REFERENCES users ON DELETE CASCADE);
            CREATE TABLE api_tokens (id bigint PRIMARY KEY, user_id bigint REFERENCES users ON DELETE CASCADE);
            CREATE TABLE posts (id bigint PRIMARY KEY, user_id bigint REFERENCES users ON DELETE SET NULL);
            CREATE TABLE projects (id bigint PRIMARY KEY);
            CREATE TABLE boards (id bigint PRIMARY KEY, project_id bigint REFERENCES projects ON DELETE CASCADE);
            CREATE TABLE cards (id bigint PRIMARY KEY, board_id bigint REFERENCES boards ON DELETE CASCADE);
        """)
        assert findings_for(model, "deep-cascade") == []


class TestGraph:
    def test_cycle_is_counted_once_and_named(self, pg_url: str) -> None:
        """a <-> b cascade into each other and on into c -> d -> e: the group is reported once, the
        cycle is named, and every table is counted once."""
        model = model_from_ddl(pg_url, """
            CREATE TABLE a (id int PRIMARY KEY, b_id int);
            CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a ON DELETE CASCADE);
            ALTER TABLE a ADD FOREIGN KEY (b_id) REFERENCES b ON DELETE CASCADE;
            CREATE TABLE c (id int PRIMARY KEY, b_id int REFERENCES b ON DELETE CASCADE);
            CREATE TABLE d (id int PRIMARY KEY, c_id int REFERENCES c ON DELETE CASCADE);
            CREATE TABLE e (id int PRIMARY KEY, d_id int REFERENCES d ON DELETE CASCADE);
        """)
        (finding,) = findings_for(model, "deep-cascade")
        assert finding.objects == ("public.a",)
        assert dict(finding.data)["tables"] == ("public.b", "public.c", "public.d", "public.e")
        assert "cycle: public.b is in a cascade cycle" in finding.evidence

    def test_long_chain_walks_linearly(self) -> None:
        """A 3,000-table chain: no recursion limit, depth and reach exact."""
        tables = [Table("public", "t0", columns=(), primary_key=PrimaryKey("t0_pkey", ("id",)))]
        for i in range(1, 3000):
            fk = ForeignKey(f"t{i}_fk", ("p",), "public", f"t{i - 1}", ("id",), on_delete=ReferentialAction.CASCADE)
            tables.append(Table("public", f"t{i}", foreign_keys=(fk,), primary_key=PrimaryKey(f"t{i}_pkey", ("id",))))
        graph = CascadeGraph.of(SchemaModel(SourceInfo("test", "chain"), ("public",), tuple(tables)))
        assert (graph.roots(), graph.depth("public.t0"), len(graph.reached("public.t0"))) == (
            ("public.t0",), 2999, 2999)
        assert len(graph.chains("public.t0")["public.t2999"]) == 2999


class TestPartitionedHistoryFix:
    def test_partitioned_history_child_fix_executes(self, pg_url: str) -> None:
        """A time-partitioned history child: each partition gets a validated RESTRICT key first, then
        the parent's key is swapped (which attaches them): no NOT VALID on the partitioned table."""
        ddl = """
            CREATE TABLE devices (id bigint PRIMARY KEY);
            CREATE TABLE "device Stats" (id bigint, device_id bigint NOT NULL REFERENCES devices ON DELETE CASCADE,
                collected_at timestamptz NOT NULL, PRIMARY KEY (id, collected_at)) PARTITION BY RANGE (collected_at);
            CREATE TABLE "device Stats_2025" PARTITION OF "device Stats"
                FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
            INSERT INTO devices VALUES (1);
            INSERT INTO "device Stats" VALUES (1, 1, '2025-03-01');
        """
        finding = assert_fix_round_trip(pg_url, ddl, "deep-cascade", ["public.devices"])
        assert finding.fix_sql is not None
        assert 'ALTER TABLE public."device Stats_2025" ADD CONSTRAINT "device Stats_2025_device_id_restrict"' \
               in finding.fix_sql
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            execute_script(pg_url, "DELETE FROM devices WHERE id = 1")
