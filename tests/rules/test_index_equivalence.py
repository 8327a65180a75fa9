"""Issue 11 item 9: index equivalence beyond exact prefixes, on real PostgreSQL.

A btree read backwards, INCLUDE columns, a partition's hand-made copy of an inherited index, a unique
index duplicated by a plain one; which index is kept; and one DROP per index across every index rule.
"""

from __future__ import annotations

import re

from dbaudit.findings import Finding
from dbaudit.model.schema import SchemaModel
from tests.rules.conftest import assert_fix_round_trip, execute_script, findings_for, model_from_ddl, read_model

DROP_RULES = ("duplicate-index", "redundant-index", "index-duplicates-constraint", "low-selectivity-index",
              "unused-index")


def pairs(findings: list[Finding]) -> list[tuple[str, ...]]:
    return [f.objects for f in findings]


def dropped(model: SchemaModel) -> list[str]:
    """Every index a DROP INDEX of any index rule names (one entry per statement)."""
    out: list[str] = []
    for rule_id in DROP_RULES:
        for finding in findings_for(model, rule_id):
            out += re.findall(r"^DROP INDEX (?:CONCURRENTLY )?(\S+);$", finding.fix_sql or "", re.M)
    return out


class TestBackwardScan:
    def test_desc_copy_of_an_ascending_index_is_a_duplicate(self, pg_url: str) -> None:
        """(a) and (a DESC) are one btree read in two directions; so are (a, b) and (a DESC, b DESC)."""
        model = model_from_ddl(pg_url, """
            CREATE TABLE t (id bigint PRIMARY KEY, a int, b int, c int);
            CREATE INDEX t_a ON t (a);
            CREATE INDEX t_a_desc ON t (a DESC);
            CREATE INDEX t_bc ON t (b, c);
            CREATE INDEX t_bc_desc ON t (b DESC, c DESC);
        """)
        found = findings_for(model, "duplicate-index")
        assert pairs(found) == [("public.t_a_desc", "public.t_a"), ("public.t_bc_desc", "public.t_bc")]
        assert "scanned backwards" in " ".join(found[0].evidence)

    def test_mixed_directions_and_nulls_order_are_not_equivalent(self, pg_url: str) -> None:
        """(b, c DESC) cannot give ORDER BY b, c; (a DESC NULLS LAST) read backwards is a NULLS FIRST."""
        model = model_from_ddl(pg_url, """
            CREATE TABLE t (id bigint PRIMARY KEY, a int, b int, c int);
            CREATE INDEX t_a ON t (a);
            CREATE INDEX t_a_desc_nl ON t (a DESC NULLS LAST);
            CREATE INDEX t_bc_mixed ON t (b, c DESC);
            CREATE INDEX t_bc_long ON t (b, c, id);
        """)
        assert [findings_for(model, r) for r in ("duplicate-index", "redundant-index")] == [[], []]

    def test_prefix_of_an_index_read_backwards_is_redundant(self, pg_url: str) -> None:
        """(a) leads (a DESC, b DESC) read backwards; the fix executes and the wider index stays."""
        ddl = """
            CREATE TABLE "Wëird T" (id bigint PRIMARY KEY, "select" int, b int);
            CREATE INDEX "short ix" ON "Wëird T" ("select");
            CREATE INDEX "long ix" ON "Wëird T" ("select" DESC, b DESC);
        """
        finding = assert_fix_round_trip(pg_url, ddl, "redundant-index", ["public.short ix", "public.long ix"])
        assert "scanned backwards" in " ".join(finding.evidence)

    def test_constraint_duplicate_read_backwards(self, pg_url: str) -> None:
        """(id DESC) beside the primary key (id) duplicates the constraint; the fix executes."""
        ddl = """
            CREATE TABLE t (id bigint PRIMARY KEY, v text);
            CREATE INDEX t_id_desc ON t (id DESC);
        """
        assert_fix_round_trip(pg_url, ddl, "index-duplicates-constraint", ["public.t_id_desc", "public.t_pkey"])


class TestInclude:
    def test_plain_index_beside_the_same_keys_with_include_is_redundant(self, pg_url: str) -> None:
        """(a) is served by (a) INCLUDE (b); the fix drops (a) and keeps the covering index."""
        ddl = """
            CREATE TABLE t (id bigint PRIMARY KEY, a int, b int);
            CREATE INDEX t_a ON t (a);
            CREATE INDEX t_a_cover ON t (a) INCLUDE (b);
        """
        finding = assert_fix_round_trip(pg_url, ddl, "redundant-index", ["public.t_a", "public.t_a_cover"])
        assert finding.title == "Index public.t_a has the keys of t_a_cover on public.t"
        remaining = {ix.name for t in read_model(pg_url).tables for ix in t.indexes}
        assert remaining == {"t_pkey", "t_a_cover"}

    def test_include_order_does_not_matter_and_unique_is_kept(self, pg_url: str) -> None:
        """INCLUDE (b, c) equals INCLUDE (c, b); a unique (a) is never dropped for a covering (a)."""
        model = model_from_ddl(pg_url, """
            CREATE TABLE t (id bigint PRIMARY KEY, a int, b int, c int, d int);
            CREATE INDEX t_a_bc ON t (a) INCLUDE (b, c);
            CREATE INDEX t_a_cb ON t (a) INCLUDE (c, b);
            CREATE UNIQUE INDEX t_d_key ON t (d);
            CREATE INDEX t_d_cover ON t (d) INCLUDE (b);
        """)
        assert pairs(findings_for(model, "duplicate-index")) == [("public.t_a_cb", "public.t_a_bc")]
        assert findings_for(model, "redundant-index") == []

    def test_include_not_among_the_wider_columns_is_not_redundant(self, pg_url: str) -> None:
        """(a) INCLUDE (c) is not covered by (a, b): c is not there for index-only scans."""
        model = model_from_ddl(pg_url, """
            CREATE TABLE t (id bigint PRIMARY KEY, a int, b int, c int);
            CREATE INDEX t_a_c ON t (a) INCLUDE (c);
            CREATE INDEX t_ab ON t (a, b);
        """)
        assert findings_for(model, "redundant-index") == []


class TestUniqueness:
    def test_plain_index_duplicating_a_unique_index(self, pg_url: str) -> None:
        """The plain copy of a unique index goes even when its name sorts first; the fix executes."""
        ddl = """
            CREATE TABLE t (id bigint PRIMARY KEY, email text);
            CREATE INDEX a_email ON t (email);
            CREATE UNIQUE INDEX z_email_key ON t (email);
        """
        finding = assert_fix_round_trip(pg_url, ddl, "duplicate-index", ["public.a_email", "public.z_email_key"])
        assert finding.fix_sql == "DROP INDEX CONCURRENTLY public.a_email;"

    def test_nulls_not_distinct_unique_index_is_kept(self, pg_url: str) -> None:
        """A UNIQUE NULLS NOT DISTINCT index enforces more than a plain unique constraint: kept; a plain
        unique index beside it is the one reported."""
        model = model_from_ddl(pg_url, """
            CREATE TABLE t (id bigint PRIMARY KEY, code text UNIQUE, ref text);
            CREATE UNIQUE INDEX t_code_nnd ON t (code) NULLS NOT DISTINCT;
            CREATE UNIQUE INDEX a_ref ON t (ref);
            CREATE UNIQUE INDEX b_ref_nnd ON t (ref) NULLS NOT DISTINCT;
        """)
        assert findings_for(model, "index-duplicates-constraint") == []
        assert pairs(findings_for(model, "duplicate-index")) == [("public.a_ref", "public.b_ref_nnd")]


class TestPartitions:
    DDL = """
        CREATE TABLE m (id bigint, dev int, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
        CREATE TABLE m_1 PARTITION OF m FOR VALUES FROM ('2025-01-01') TO ('2025-02-01');
        CREATE TABLE m_2 PARTITION OF m FOR VALUES FROM ('2025-02-01') TO ('2025-03-01');
        CREATE INDEX m_dev ON m (dev);
        CREATE INDEX m_1_dev_copy ON m_1 (dev);
        CREATE INDEX m_2_dev_copy ON m_2 (dev DESC);
        CREATE INDEX m_2_id ON m_2 (id);
    """

    def test_hand_made_copies_of_inherited_indexes(self, pg_url: str) -> None:
        """Each partition's hand-made copy of the inherited (dev) index is reported in one finding per
        parent, keeping the attached index; (id) leads the inherited primary key: redundant."""
        model = model_from_ddl(pg_url, self.DDL)
        found = findings_for(model, "duplicate-index")
        assert pairs(found) == [("public.m_1_dev_copy", "public.m_2_dev_copy")]
        assert found[0].title == (
            "2 index(es) on 2 partition(s) of public.m duplicate another index of their partition")
        assert all("(attached to public.m_dev)" in line for line in found[0].evidence)
        assert pairs(findings_for(model, "redundant-index")) == [("public.m_2_id",)]
        assert findings_for(model, "index-duplicates-constraint") == []

    def test_fix_drops_only_the_copies(self, pg_url: str) -> None:
        """The grouped fix executes concurrently; the inherited indexes and the parent's stay."""
        model = model_from_ddl(pg_url, self.DDL)
        (finding,) = findings_for(model, "duplicate-index")
        assert finding.fix_sql == (
            "DROP INDEX CONCURRENTLY public.m_1_dev_copy;\nDROP INDEX CONCURRENTLY public.m_2_dev_copy;"
        )
        assert finding.verify_sql is not None
        execute_script(pg_url, finding.fix_sql)
        after = read_model(pg_url)
        assert findings_for(after, "duplicate-index") == []
        assert sorted(ix.name for t in after.tables for ix in t.indexes if "dev" in ix.name) == [
            "m_1_dev_idx", "m_2_dev_idx", "m_dev"]

    def test_two_hand_made_twins_on_a_partition(self, pg_url: str) -> None:
        """Without a parent index, two identical hand-made indexes of a partition are duplicates (as
        pagila's payment partitions have); the attached primary key is never proposed for drop."""
        model = model_from_ddl(pg_url, """
            CREATE TABLE p (id bigint, c int, at date, PRIMARY KEY (at, id)) PARTITION BY RANGE (at);
            CREATE TABLE p_1 PARTITION OF p FOR VALUES FROM ('2025-01-01') TO ('2025-02-01');
            CREATE INDEX idx_fk_p_1_c ON p_1 (c);
            CREATE INDEX p_1_c_idx ON p_1 (c);
        """)
        assert pairs(findings_for(model, "duplicate-index")) == [("public.p_1_c_idx",)]
        assert dropped(model) == ["public.p_1_c_idx"]


class TestOneDropPerIndex:
    def test_no_index_is_dropped_twice_and_no_pair_loses_both(self, pg_url: str) -> None:
        """Twins that both lead a wider index, an unused low-selectivity copy, a chain of prefixes:
        every index rule together drops each index once, and the widest indexes stay."""
        ddl = """
            CREATE TABLE t (id bigint PRIMARY KEY, a int, b int, c int, flag boolean, s text);
            CREATE INDEX t_a1 ON t (a);
            CREATE INDEX t_a2 ON t (a DESC);
            CREATE INDEX t_ab ON t (a, b);
            CREATE INDEX t_abc ON t (a, b, c);
            CREATE INDEX t_flag1 ON t (flag);
            CREATE INDEX t_flag2 ON t (flag);
            CREATE INDEX t_id ON t (id);
            INSERT INTO t SELECT g, g, g, g, g % 2 = 0, 's' FROM generate_series(1, 50) g;
            ANALYZE t;
        """
        execute_script(pg_url, ddl + "SELECT count(*) FROM t WHERE id = 1; SELECT pg_stat_force_next_flush();")
        model = read_model(pg_url)
        drops = dropped(model)
        assert sorted(drops) == ["public.t_a1", "public.t_a2", "public.t_ab", "public.t_flag1", "public.t_flag2",
                                 "public.t_id"]
        by_rule = {r: pairs(findings_for(model, r)) for r in DROP_RULES}
        assert by_rule == {
            "duplicate-index": [],
            "redundant-index": [("public.t_a1", "public.t_abc"), ("public.t_a2", "public.t_abc"),
                                ("public.t_ab", "public.t_abc")],
            "index-duplicates-constraint": [("public.t_id", "public.t_pkey")],
            # two useless boolean twins: each dropped once, neither kept for the other
            "low-selectivity-index": [("public.t_flag1", "public.t.flag"), ("public.t_flag2", "public.t.flag")],
            # t_abc is unused but kept in place of the prefixes: dropping it would lose their access path
            "unused-index": [],
        }
        execute_script(pg_url, ";\n".join(f"DROP INDEX CONCURRENTLY {name}" for name in drops) + ";")
        assert {ix.name for t in read_model(pg_url).tables for ix in t.indexes} == {"t_pkey", "t_abc"}
