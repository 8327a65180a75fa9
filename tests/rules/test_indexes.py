"""Rules of the indexes category: a triggering schema and near misses per rule, fixes executed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import psycopg

from dbaudit.config import Config
from dbaudit.engine import run_rules
from dbaudit.findings import Finding, Severity
from dbaudit.model.schema import IndexElement, Location, SchemaModel, TableStats
from dbaudit.rules import RuleContext
from dbaudit.rules._code_facts import CodeFacts, LatestRowQuery, OffsetPagination, SearchPattern
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

Brief = list[tuple[str, tuple[str, ...]]]


def brief(findings: list[Finding]) -> Brief:
    return [(f.severity.name, f.objects) for f in findings]


def tags_schema() -> SchemaBuilder:
    return (
        schema()
        .table("instances", {"id": "bigint identity"}, pk="id")
        .table("tags", {"id": "bigint identity"}, pk="id")
        .table("instance_tags", {"instance_id": "bigint not null", "tag_id": "bigint not null"},
               pk=("instance_id", "tag_id"))
        .fk("instance_tags", "instance_id", "instances")
        .fk("instance_tags", "tag_id", "tags")
    )


# --------------------------------------------------------------------------------------------
class TestFkWithoutIndex:
    def test_second_pk_column_finds(self) -> None:
        """tag_id is the second column of the PK (instance_id, tag_id): not covered."""
        found = findings_for(tags_schema().build(), "fk-without-index")
        assert brief(found) == [("P1", ("public.instance_tags.tag_id",))]
        assert found[0].fix_sql == (
            "CREATE INDEX CONCURRENTLY instance_tags_tag_id_idx ON public.instance_tags (tag_id);"
        )

    def test_whole_finding(self) -> None:
        """The complete finding: objects, evidence, impact, root cause, fix and verification."""
        rel = "'public.instance_tags'::regclass"
        assert findings_for(tags_schema().build(), "fk-without-index") == [
            Finding(
                rule="fk-without-index", category="indexes", severity=Severity.P1,
                objects=("public.instance_tags.tag_id",),
                title="FK public.instance_tags(tag_id) has no supporting index",
                evidence=(
                    "FK instance_tags_tag_id_fkey: public.instance_tags(tag_id) -> public.tags(id) "
                    "ON DELETE NO ACTION",
                    "no valid btree index (full, or partial on these columns IS NOT NULL) has these "
                    "columns as its leading keys",
                    "leading columns of existing indexes: instance_id",
                ),
                impact=(
                    "Deletes/updates of public.tags keys scan public.instance_tags sequentially, and joins "
                    "or filters from the parent side cannot use an index."
                ),
                root_cause="The FK was declared without an index on the referencing columns.",
                fix_sql="CREATE INDEX CONCURRENTLY instance_tags_tag_id_idx ON public.instance_tags (tag_id);",
                verify_sql=(
                    "SELECT 'public.instance_tags' AS table_name, ARRAY['tag_id'] AS fk_columns\n"
                    "WHERE NOT EXISTS (\n"
                    "  SELECT 1 FROM pg_index i\n"
                    "  JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam\n"
                    f"  WHERE i.indrelid = {rel} AND i.indisvalid\n"
                    "    AND (i.indpred IS NULL OR pg_get_expr(i.indpred, i.indrelid) = ANY "
                    "(ARRAY['(tag_id IS NOT NULL)']::text[]))\n"
                    "    AND am.amname = 'btree'\n"
                    "    AND (SELECT array_agg(k ORDER BY k) FROM unnest(i.indkey[0:0]) k)\n"
                    "      = (SELECT array_agg(a.attnum ORDER BY a.attnum) FROM pg_attribute a\n"
                    f"         WHERE a.attrelid = {rel} AND a.attname = ANY (ARRAY['tag_id']::text[])));"
                ),
            )
        ]

    def test_leading_columns_of_composite_index_clean(self) -> None:
        """An index (tag_id, instance_id) covers tag_id; the PK covers instance_id."""
        model = tags_schema().index("instance_tags", ("tag_id", "instance_id")).build()
        assert findings_for(model, "fk-without-index") == []

    def test_multi_column_fk_covered_in_other_order_clean(self) -> None:
        """FK (a, b) is covered by an index starting (b, a)."""
        model = (
            schema()
            .table("p", {"a": "int", "b": "int"}, pk=("a", "b"))
            .table("c", {"id": "int", "a": "int", "b": "int", "z": "int"}, pk="id")
            .fk("c", ("a", "b"), "p", ("a", "b"))
            .index("c", ("b", "a", "z"))
            .build()
        )
        assert findings_for(model, "fk-without-index") == []

    def test_partial_or_invalid_index_finds(self) -> None:
        """A partial index or an invalid index on tag_id does not count as coverage."""
        partial = tags_schema().index("instance_tags", "tag_id", predicate="tag_id > 0").build()
        invalid = tags_schema().index("instance_tags", "tag_id", valid=False).build()
        assert brief(findings_for(partial, "fk-without-index")) == [
            ("P1", ("public.instance_tags.tag_id",))
        ]
        assert brief(findings_for(invalid, "fk-without-index")) == [
            ("P1", ("public.instance_tags.tag_id",))
        ]

    def test_partial_not_null_index_covers_clean(self, pg_url: str) -> None:
        """A partial index WHERE fk IS NOT NULL covers the FK: PostgreSQL's referential-check lookup
        (``WHERE fk = $1``) uses it, as EXPLAIN shows on the real server."""
        ddl = """
            CREATE TABLE parent (id bigint PRIMARY KEY);
            CREATE TABLE child (id bigint PRIMARY KEY, "Parent Id" bigint REFERENCES parent);
            CREATE INDEX child_parent_partial ON child ("Parent Id") WHERE "Parent Id" IS NOT NULL;
        """
        model = model_from_ddl(pg_url, ddl)
        assert findings_for(model, "fk-without-index") == []
        with psycopg.connect(pg_url) as conn:
            conn.execute("SET enable_seqscan = off")
            plan = "\n".join(str(r[0]) for r in conn.execute(
                'EXPLAIN SELECT 1 FROM ONLY child x WHERE "Parent Id" = 1 FOR KEY SHARE OF x'))
        assert "child_parent_partial" in plan

    def test_skipped_indexes_are_named_with_the_reason_finds(self, pg_url: str) -> None:
        """Partial on another predicate, expression and non-btree indexes do not cover; the evidence
        names each and says why."""
        ddl = """
            CREATE TABLE parent (id bigint PRIMARY KEY);
            CREATE TABLE child (id bigint PRIMARY KEY, parent_id bigint REFERENCES parent, kind text);
            CREATE INDEX child_live ON child (parent_id) WHERE kind = 'live';
            CREATE INDEX child_expr ON child ((parent_id + 0));
            CREATE INDEX child_hash ON child USING hash (parent_id);
        """
        (finding,) = findings_for(model_from_ddl(pg_url, ddl), "fk-without-index")
        skipped = [line for line in finding.evidence if line.startswith("index ")]
        assert skipped == [
            "index child_expr skipped: a leading key is an expression, which a lookup by the column value "
            "cannot use",
            "index child_hash skipped: it is a hash index; a btree serves the referential checks and "
            "ordered joins",
            "index child_live skipped: it is partial (WHERE kind = 'live'::text): the lookups of the "
            "referential check by the key value do not imply that predicate",
        ]
        assert run_query(pg_url, finding.verify_sql or "") == [("public.child", ["parent_id"])]

    def test_verification_accepts_a_partial_not_null_index(self, pg_url: str) -> None:
        """After a partial NOT NULL index is built, the verification query returns no row."""
        ddl = """
            CREATE TABLE parent (id bigint PRIMARY KEY);
            CREATE TABLE child (id bigint PRIMARY KEY, parent_id bigint REFERENCES parent);
        """
        (finding,) = findings_for(model_from_ddl(pg_url, ddl), "fk-without-index")
        execute_script(pg_url, "CREATE INDEX child_p ON child (parent_id) WHERE parent_id IS NOT NULL;")
        assert run_query(pg_url, finding.verify_sql or "") == []

    def test_partitions_are_judged_by_their_parent(self) -> None:
        """Only the partitioned parent is reported, with an ON ONLY + ATTACH plan."""
        model = (
            schema()
            .table("instances", {"id": "bigint"}, pk="id")
            .table("stats", {"id": "bigint", "instance_id": "bigint", "d": "date"},
                   partition_by=("RANGE", "d"))
            .table("stats_2025_01", {"id": "bigint", "instance_id": "bigint", "d": "date"},
                   partition_of="stats")
            .fk("stats", "instance_id", "instances")
            .fk("stats_2025_01", "instance_id", "instances")
            .build()
        )
        found = findings_for(model, "fk-without-index")
        assert brief(found) == [("P1", ("public.stats.instance_id",))]
        assert found[0].fix_sql is not None
        assert found[0].fix_sql.splitlines()[3:] == [
            "SET lock_timeout = '5s';",
            "CREATE INDEX stats_instance_id_idx ON ONLY public.stats (instance_id);",
            "RESET lock_timeout;",
            "CREATE INDEX CONCURRENTLY stats_2025_01_instance_id_idx ON public.stats_2025_01 (instance_id);",
            "SET lock_timeout = '5s';",
            "ALTER INDEX public.stats_instance_id_idx ATTACH PARTITION public.stats_2025_01_instance_id_idx;",
            "RESET lock_timeout;",
        ]

    def test_fix_round_trip_hostile_names(self, pg_url: str) -> None:
        """The CREATE INDEX CONCURRENTLY fix executes and the finding disappears, whatever the name.

        One database for every hostile name (fast): the first round trip creates all tables.
        """
        ddl = "CREATE TABLE parent (id bigint PRIMARY KEY); INSERT INTO parent VALUES (1);\n"
        for name in HOSTILE_NAMES:
            q = '"' + name.replace('"', '""') + '"'
            ddl += f"CREATE TABLE {q} (id bigint PRIMARY KEY, {q} bigint REFERENCES parent);\n"
            ddl += f"INSERT INTO {q} VALUES (1, 1);\n"
        for i, name in enumerate(HOSTILE_NAMES):
            assert_fix_round_trip(pg_url, ddl if i == 0 else "", "fk-without-index", [f"public.{name}.{name}"])

    def test_partitioned_fix_round_trip(self, pg_url: str) -> None:
        """ON ONLY parent index, concurrent partition indexes and ATTACH execute on PostgreSQL."""
        ddl = """
            CREATE SCHEMA "Mixed Schema";
            CREATE TABLE "Mixed Schema".parent (id bigint PRIMARY KEY);
            CREATE TABLE "Mixed Schema"."Stats" (id bigint, "Parent Id" bigint
                REFERENCES "Mixed Schema".parent, d date, PRIMARY KEY (id, d)) PARTITION BY RANGE (d);
            CREATE TABLE "Mixed Schema"."Stats_2025_01" PARTITION OF "Mixed Schema"."Stats"
                FOR VALUES FROM ('2025-01-01') TO ('2025-02-01');
            CREATE TABLE "Mixed Schema"."Stats_2025_02" PARTITION OF "Mixed Schema"."Stats"
                FOR VALUES FROM ('2025-02-01') TO ('2025-03-01');
        """
        assert_fix_round_trip(pg_url, ddl, "fk-without-index", ["Mixed Schema.Stats.Parent Id"])


# --------------------------------------------------------------------------------------------
def table_with(*indexes: tuple[str, tuple[str, ...], dict[str, object]]) -> SchemaModel:
    builder = schema().table(
        "t", {"id": "bigint", "a": "text", "b": "text", "flag": "bool", "n": "int"}, pk="id"
    )
    for name, cols, kw in indexes:
        builder = builder.index("t", cols, name=name, **kw)  # type: ignore[arg-type]
    return builder.build()


class TestDuplicateIndex:
    def test_identical_indexes_finds(self) -> None:
        """Of two identical indexes the second by name is the duplicate."""
        model = table_with(("ix_a", ("a", "b"), {}), ("t_a_b_idx", ("a", "b"), {}))
        found = findings_for(model, "duplicate-index")
        assert brief(found) == [("P2", ("public.t_a_b_idx", "public.ix_a"))]
        assert found[0].fix_sql == "DROP INDEX CONCURRENTLY public.t_a_b_idx;"

    def test_near_misses_clean(self) -> None:
        """Different predicate, method or column order: not duplicates."""
        model = table_with(
            ("i1", ("a",), {}),
            ("i2", ("a",), {"predicate": "a <> ''"}),
            ("i3", ("a",), {"method": "hash"}),
            ("i4", ("a", "b"), {}),
            ("i5", ("b", "a"), {}),
        )
        assert findings_for(model, "duplicate-index") == []

    def test_unique_index_duplicated_by_a_plain_one_finds(self) -> None:
        """A plain index with a unique index's keys goes; the unique one stays whatever the names."""
        model = table_with(("i6", ("n",), {}), ("i7", ("n",), {"unique": True}))
        found = findings_for(model, "duplicate-index")
        assert brief(found) == [("P2", ("public.i6", "public.i7"))]
        assert found[0].title == "Index public.i6 duplicates unique index i7 on public.t"
        assert found[0].fix_sql == "DROP INDEX CONCURRENTLY public.i6;"

    def test_fix_round_trip(self, pg_url: str) -> None:
        """DROP INDEX CONCURRENTLY of the duplicate executes; the kept one remains."""
        ddl = """
            CREATE TABLE "Ünï Table" (id bigint PRIMARY KEY, "select" text);
            CREATE INDEX "a idx" ON "Ünï Table" ("select");
            CREATE INDEX "b ""idx"" x" ON "Ünï Table" ("select");
        """
        assert_fix_round_trip(
            pg_url, ddl, "duplicate-index", ['public.b "idx" x', "public.a idx"]
        )


class TestRedundantIndex:
    def test_prefixes_find(self) -> None:
        """(a) is a prefix of (a, b); (n) beside a unique (n) is duplicate-index's, not this rule's."""
        model = table_with(
            ("ix_a", ("a",), {}),
            ("ix_ab", ("a", "b"), {}),
            ("ix_n", ("n",), {}),
            ("ux_n", ("n",), {"unique": True}),
        )
        assert brief(findings_for(model, "redundant-index")) == [("P2", ("public.ix_a", "public.ix_ab"))]

    def test_prefix_of_a_unique_constraint_finds(self) -> None:
        """A leading prefix of a UNIQUE constraint's index is redundant."""
        model = (
            schema()
            .table("d", {"id": "int", "instance_id": "int", "name": "text"}, pk="id")
            .unique("d", ("instance_id", "name"))
            .index("d", "instance_id", name="ix_d_instance_id")
            .build()
        )
        assert brief(findings_for(model, "redundant-index")) == [
            ("P2", ("public.ix_d_instance_id", "public.d_instance_id_name_key"))
        ]

    def test_prefix_of_composite_pk_finds(self) -> None:
        """(id) is a prefix of the (id, period_start) primary key."""
        model = (
            schema()
            .table("agg", {"id": "bigint", "period_start": "date"}, pk=("id", "period_start"))
            .index("agg", "id", name="ix_agg_id")
            .build()
        )
        assert brief(findings_for(model, "redundant-index")) == [
            ("P2", ("public.ix_agg_id", "public.agg_pkey"))
        ]

    def test_near_misses_clean(self) -> None:
        """Unique short index, other predicate, opclass, collation, direction, method or invalid wider."""
        base = (
            schema()
            .table("t", {"id": "bigint", "a": "text", "b": "text"}, pk="id")
            .index("t", ("a", "b"), name="wide")
            .build()
        )
        t = base.table("public.t")
        assert t is not None
        wide = t.indexes[-1]
        variants = {
            "unique": replace(wide, name="s", elements=wide.elements[:1], unique=True),
            "predicate": replace(wide, name="s", elements=wide.elements[:1], predicate="a <> ''"),
            "opclass": replace(wide, name="s", elements=(
                IndexElement(column="a", opclass="pg_catalog.text_pattern_ops"),)),
            "collation": replace(wide, name="s", elements=(
                IndexElement(column="a", collation="pg_catalog.C"),)),
            "desc": replace(wide, name="s", elements=(IndexElement(column="a", descending=True),)),
            "hash": replace(wide, name="s", elements=wide.elements[:1], method="hash"),
        }
        results = {}
        for label, short in variants.items():
            model = replace(base, tables=(replace(t, indexes=(*t.indexes, short)),))
            results[label] = findings_for(model, "redundant-index")
        invalid_wide = replace(t, indexes=(t.indexes[0], replace(wide, valid=False),
                                           replace(wide, name="s", elements=wide.elements[:1])))
        results["invalid wider"] = findings_for(replace(base, tables=(invalid_wide,)), "redundant-index")
        assert results == {label: [] for label in [*variants, "invalid wider"]}

    def test_fix_round_trip(self, pg_url: str) -> None:
        """DROP INDEX CONCURRENTLY of the prefix index executes."""
        ddl = """
            CREATE TABLE "MixedCase" (id bigint PRIMARY KEY, "order" int, "x y" int);
            CREATE INDEX "Short" ON "MixedCase" ("order");
            CREATE INDEX "Long" ON "MixedCase" ("order", "x y");
        """
        assert_fix_round_trip(pg_url, ddl, "redundant-index", ["public.Short", "public.Long"])

    def test_partitioned_fix_round_trip(self, pg_url: str) -> None:
        """On a partitioned parent the fix is a (non-concurrent) DROP INDEX, and it executes."""
        ddl = """
            CREATE TABLE s (id bigint, inst int, d date, PRIMARY KEY (id, d)) PARTITION BY RANGE (d);
            CREATE TABLE s_1 PARTITION OF s FOR VALUES FROM ('2025-01-01') TO ('2025-02-01');
            CREATE INDEX ix_s_inst ON s (inst);
            CREATE INDEX ix_s_inst_d ON s (inst, d);
        """
        finding = assert_fix_round_trip(pg_url, ddl, "redundant-index",
                                        ["public.ix_s_inst", "public.ix_s_inst_d"])
        assert finding.fix_sql is not None
        assert finding.fix_sql.splitlines()[-3:] == [
            "SET lock_timeout = '5s';", "DROP INDEX public.ix_s_inst;", "RESET lock_timeout;"
        ]


class TestIndexDuplicatesConstraint:
    def test_plain_and_unique_index_on_constraint_columns_find(self) -> None:
        """A plain index and a unique index on the unique constraint's column both duplicate it."""
        model = (
            schema()
            .table("tags", {"id": "int", "name": "text", "code": "text"}, pk="id")
            .unique("tags", "name")
            .unique("tags", "code")
            .index("tags", "name", name="ix_tags_name")
            .index("tags", "code", name="ix_tags_code", unique=True)
            .build()
        )
        assert brief(findings_for(model, "index-duplicates-constraint")) == [
            ("P2", ("public.ix_tags_code", "public.tags_code_key")),
            ("P2", ("public.ix_tags_name", "public.tags_name_key")),
        ]

    def test_near_misses_clean(self) -> None:
        """Partial, pattern-opclass or wider indexes serve other queries than the constraint."""
        model = (
            schema()
            .table("tags", {"id": "int", "name": "text"}, pk="id")
            .unique("tags", "name")
            .index("tags", "name", name="ix_partial", predicate="name <> ''")
            .index("tags", ("name", "id"), name="ix_wide")
            .index("tags", "(lower(name))", name="ix_lower")
            .build()
        )
        t = model.table("public.tags")
        assert t is not None
        pattern = replace(t.indexes[-1], name="ix_pattern",
                          elements=(IndexElement(column="name", opclass="pg_catalog.text_pattern_ops"),))
        model = replace(model, tables=(replace(t, indexes=(*t.indexes, pattern)),))
        assert findings_for(model, "index-duplicates-constraint") == []

    def test_fix_round_trip(self, pg_url: str) -> None:
        """Dropping the extra unique index keeps the constraint and clears the finding."""
        ddl = """
            CREATE TABLE "tëst" (id bigint PRIMARY KEY, "Name" text UNIQUE);
            CREATE UNIQUE INDEX "ix tëst Name" ON "tëst" ("Name");
        """
        assert_fix_round_trip(pg_url, ddl, "index-duplicates-constraint",
                              ["public.ix tëst Name", "public.tëst_Name_key"])


class TestLowSelectivityIndex:
    def test_boolean_index_finds(self) -> None:
        """A full single-column btree on a boolean column."""
        model = table_with(("ix_flag", ("flag",), {}))
        assert brief(findings_for(model, "low-selectivity-index")) == [
            ("P2", ("public.ix_flag", "public.t.flag"))
        ]

    def test_partial_composite_and_non_boolean_clean(self) -> None:
        """Partial boolean index, boolean as a second key, and an integer column are fine."""
        model = table_with(
            ("ix_flag_partial", ("flag",), {"predicate": "flag"}),
            ("ix_n_flag", ("n", "flag"), {}),
            ("ix_n", ("n",), {}),
        )
        assert findings_for(model, "low-selectivity-index") == []

    def test_fix_round_trip(self, pg_url: str) -> None:
        """The DROP INDEX CONCURRENTLY fix executes."""
        ddl = 'CREATE TABLE "select" (id int PRIMARY KEY, "Is Active" bool); ' \
              'CREATE INDEX "ix""active" ON "select" ("Is Active");'
        assert_fix_round_trip(pg_url, ddl, "low-selectivity-index",
                              ['public.ix"active', "public.select.Is Active"])

    def test_line_break_in_a_name_stays_inside_the_comment(self, pg_url: str) -> None:
        """A column named with a line break cannot escape the advisory comment of the fix."""
        name = '"x\nDROP TABLE t; --"'
        ddl = f"CREATE TABLE t (id int PRIMARY KEY, {name} bool); CREATE INDEX ix_x ON t ({name});"
        finding = assert_fix_round_trip(pg_url, ddl, "low-selectivity-index",
                                        ["public.ix_x", "public.t.x\nDROP TABLE t; --"])
        assert finding.fix_sql is not None
        assert [line for line in finding.fix_sql.splitlines() if not line.startswith("--")] == [
            "DROP INDEX CONCURRENTLY public.ix_x;"
        ]


class TestLowSelectivityFromStatistics:
    """Issue 11 item 14: non-boolean columns judged from pg_stats, only when statistics exist."""

    ROWS = "INSERT INTO o (status, kind, note) SELECT (ARRAY['new', 'paid', 'sent'])[1 + g % 3], " \
           "CASE WHEN g % 100 = 0 THEN 'rare' ELSE 'common' END, 'n' FROM generate_series(1, 12000) g;"

    def test_evenly_spread_status_finds(self, pg_url: str) -> None:
        """A 3-valued evenly spread status on 12,000 analyzed rows: no lookup is selective; the
        evidence quotes pg_stats (never the values) and the DROP executes."""
        ddl = f"""
            CREATE TABLE o (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, status text, kind text, note text);
            CREATE INDEX "o status ix" ON o (status);
            {self.ROWS}
            ANALYZE o;
        """
        finding = assert_fix_round_trip(pg_url, ddl, "low-selectivity-index",
                                        ["public.o status ix", "public.o.status"])
        assert finding.title == "Index public.o status ix is on low-selectivity column status"
        assert finding.evidence[1].startswith(
            "pg_stats for public.o.status: about 3 distinct value(s), frequencies 33%")
        assert "paid" not in " ".join(finding.evidence)
        assert finding.verify_sql is not None
        assert "pg_stats" in finding.verify_sql

    def test_rare_value_partial_unanalyzed_small_or_used_clean(self, pg_url: str) -> None:
        """A rare value (1%) makes lookups selective; a partial index is fine; without ANALYZE the
        selectivity is unknown; a small table or a scanned index is not reported."""
        ddl = f"""
            CREATE TABLE o (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, status text, kind text, note text);
            CREATE INDEX o_kind ON o (kind);
            CREATE INDEX o_status_partial ON o (status) WHERE status = 'new';
            CREATE INDEX o_note ON o (note);
            {self.ROWS}
            ANALYZE o (status, kind);
            CREATE TABLE small (id int PRIMARY KEY, status text);
            CREATE INDEX small_status ON small (status);
            INSERT INTO small SELECT g, (ARRAY['a', 'b'])[1 + g % 2] FROM generate_series(1, 500) g;
            ANALYZE small;
            CREATE TABLE used (id int PRIMARY KEY, status text);
            CREATE INDEX used_status ON used (status);
            INSERT INTO used SELECT g, (ARRAY['a', 'b'])[1 + g % 2] FROM generate_series(1, 12000) g;
            ANALYZE used;
            SET enable_seqscan = off;
            SELECT count(*) FROM used WHERE status = 'a';
            SELECT pg_stat_force_next_flush();
        """
        model = model_from_ddl(pg_url, ddl)
        o = model.table("public.o")
        assert o is not None
        assert o.stats is not None
        assert o.stats.column("note") is None  # never analyzed: unknown, not accused
        run = run_rules(RuleContext(model), Config(select=("low-selectivity-index",)))
        assert run.findings == ()
        assert [n.message for n in run.notes] == [
            "low-selectivity-index: 1 single-column index(es) on non-boolean columns not judged, their columns "
            "have no planner statistics (run ANALYZE): public.o_note"]


class TestInvalidIndex:
    def test_invalid_finds_valid_clean(self) -> None:
        """Only the invalid index is reported."""
        model = table_with(("ix_bad", ("a",), {"valid": False}), ("ix_ok", ("b",), {}))
        assert brief(findings_for(model, "invalid-index")) == [("P1", ("public.ix_bad",))]

    def test_fix_round_trip(self, pg_url: str) -> None:
        """Drop and concurrent re-creation of an invalid index executes and leaves it valid."""
        ddl = """
            CREATE TABLE "Weird ""T"" x" (id int PRIMARY KEY, "from" text);
            CREATE INDEX "ix from" ON "Weird ""T"" x" ("from" text_pattern_ops);
            UPDATE pg_index SET indisvalid = false WHERE indexrelid = '"ix from"'::regclass;
        """
        finding = assert_fix_round_trip(pg_url, ddl, "invalid-index", ["public.ix from"])
        assert finding.fix_sql is not None
        assert finding.fix_sql.splitlines()[-1] == (
            'CREATE INDEX CONCURRENTLY "ix from" ON public."Weird ""T"" x" USING btree '
            '("from" text_pattern_ops);'
        )


class TestUnusedIndex:
    @staticmethod
    def model(scans: int, *, rows: int = 100, unique: bool = False, stats_days: float = 30) -> SchemaModel:
        base = table_with(("ix_a", ("a",), {"unique": unique}))
        t = base.table("public.t")
        assert t is not None
        indexes = tuple(replace(ix, scans=scans if ix.name == "ix_a" else 5) for ix in t.indexes)
        stats = TableStats(n_live_tup=rows, seq_scan=3, idx_scan=5)
        source = replace(base.source, statistics_since=datetime(2025, 1, 1, tzinfo=UTC),
                         read_at=datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=stats_days))
        return replace(base, source=source, tables=(replace(t, indexes=indexes, stats=stats),))

    def test_zero_scans_finds(self) -> None:
        """idx_scan = 0 on a table with rows and reads, statistics 30 days old: the evidence says so."""
        found = findings_for(self.model(0), "unused-index")
        assert brief(found) == [("P2", ("public.ix_a",))]
        assert found[0].evidence[-1].startswith("the statistics cover 30.0 days (since 2025-01-01T00:00+00:00")

    def test_young_statistics_are_a_note(self) -> None:
        """Statistics 2 hours old say nothing about use (issue 11, item 7): no finding, a note saying how
        long they cover; the minimum is the rule option min-statistics-days."""
        young = self.model(0, stats_days=2 / 24)
        run = run_rules(RuleContext(young), Config(select=("unused-index",)))
        assert run.findings == ()
        assert [n.message for n in run.notes] == [
            "unused-index: 1 index(es) show idx_scan = 0, but the statistics cover 2.0 hours (minimum 7 "
            "days, rule option min-statistics-days): too short to call an index unused; not reported"]
        assert brief(findings_for(young, "unused-index", options={"min-statistics-days": 0.05})) == [
            ("P2", ("public.ix_a",))]
        assert findings_for(self.model(0, stats_days=30), "unused-index",
                            options={"min-statistics-days": 31}) == []

    def test_used_unique_or_unread_table_clean(self) -> None:
        """Scanned indexes, unique indexes and empty tables are not reported."""
        assert [
            findings_for(self.model(7), "unused-index"),
            findings_for(self.model(0, unique=True), "unused-index"),
            findings_for(self.model(0, rows=0), "unused-index"),
        ] == [[], [], []]

    def test_fix_round_trip(self, pg_url: str) -> None:
        """With real statistics the index is reported and DROP INDEX CONCURRENTLY executes."""
        ddl = """
            CREATE TABLE "Ev ents" (id int PRIMARY KEY, note text);
            CREATE INDEX "ix note" ON "Ev ents" (note);
            INSERT INTO "Ev ents" SELECT g, 'x' FROM generate_series(1, 50) g;
            ANALYZE "Ev ents";
            SELECT count(*) FROM "Ev ents";
        """
        finding = assert_fix_round_trip(pg_url, ddl, "unused-index", ["public.ix note"],
                                        options={"min-statistics-days": 0})
        assert "the statistics cover" in finding.evidence[-1]

    def test_reader_fetches_the_statistics_window(self, pg_url: str) -> None:
        """The PostgreSQL reader takes stats_reset / the server start and the server clock from its bulk
        namespace query: the age is known and not negative."""
        model = read_model(pg_url)
        age = model.source.statistics_age_days
        assert age is not None
        assert age >= 0


# --------------------------------------------------------------------------------------------
LOC = Location("app/repo.py", 12)


class TestSearchWithoutTrigramIndex:
    def test_contains_search_finds(self) -> None:
        """A leading-wildcard search on a column with only a btree index."""
        model = table_with(("ix_a", ("a",), {}))
        code = CodeFacts(searches=(SearchPattern("t", "a", "contains", LOC),))
        found = findings_for(model, "search-without-trigram-index", code=code)
        assert brief(found) == [("P1", ("public.t.a",))]
        assert found[0].locations == (LOC,)

    def test_trigram_index_or_unknown_column_clean(self) -> None:
        """A gin_trgm_ops index serves the search; unknown tables/columns are ignored."""
        base = table_with()
        t = base.table("public.t")
        assert t is not None
        trgm = replace(t.indexes[0], name="trgm", unique=False, primary=False, constraint=None,
                       method="gin", elements=(IndexElement(column="a", opclass="public.gin_trgm_ops"),))
        model = replace(base, tables=(replace(t, indexes=(*t.indexes, trgm)),))
        code = CodeFacts(searches=(SearchPattern("t", "a", "ilike", LOC),
                                   SearchPattern("t", "nope", "like", LOC),
                                   SearchPattern("other", "a", "like", LOC)))
        assert findings_for(model, "search-without-trigram-index", code=code) == []

    def test_fix_round_trip(self, pg_trgm_url: str) -> None:
        """CREATE EXTENSION pg_trgm + CREATE INDEX CONCURRENTLY ... USING gin executes."""
        ddl = 'CREATE TABLE "Host Names" (id int PRIMARY KEY, "Name" text);'
        code = CodeFacts(searches=(SearchPattern("Host Names", "Name", "ilike", LOC),))
        assert_fix_round_trip(pg_trgm_url, ddl, "search-without-trigram-index",
                              ["public.Host Names.Name"], code=code)

    def test_jsonb_searched_as_text_round_trip(self, pg_trgm_url: str) -> None:
        """A jsonb column searched as ``col::text LIKE`` gets an expression trigram index that executes."""
        ddl = 'CREATE TABLE logs (id int PRIMARY KEY, "Context" jsonb);'
        code = CodeFacts(searches=(SearchPattern("logs", "Context", "like", LOC),))
        finding = assert_fix_round_trip(pg_trgm_url, ddl, "search-without-trigram-index",
                                        ["public.logs.Context"], code=code)
        assert finding.fix_sql is not None
        assert finding.fix_sql.splitlines()[-1] == (
            'CREATE INDEX CONCURRENTLY "logs_Context_trgm_idx" ON public.logs USING gin '
            '((("Context")::text) gin_trgm_ops);'
        )


class TestLatestRowWithoutIndex:
    def stats(self) -> SchemaBuilder:
        return schema().table(
            "stats", {"id": "bigint", "instance_id": "int", "db": "text", "collected_at": "timestamptz"},
            pk="id",
        )

    def test_group_by_max_without_index_finds(self) -> None:
        """No (instance_id, db, collected_at) index."""
        code = CodeFacts(latest_rows=(LatestRowQuery("stats", ("instance_id", "db"), "collected_at", LOC),))
        found = findings_for(self.stats().index("stats", ("instance_id", "db")).build(),
                             "latest-row-without-index", code=code)
        assert brief(found) == [("P1", ("public.stats", "public.stats.instance_id", "public.stats.db",
                                        "public.stats.collected_at"))]

    def test_keys_then_time_index_clean(self) -> None:
        """(db, instance_id, collected_at) serves the query (keys in any order, then time)."""
        code = CodeFacts(latest_rows=(LatestRowQuery("stats", ("instance_id", "db"), "collected_at", LOC),))
        model = self.stats().index("stats", ("db", "instance_id", "collected_at")).build()
        assert findings_for(model, "latest-row-without-index", code=code) == []

    def test_fix_round_trip(self, pg_url: str) -> None:
        """The (keys…, time DESC) index is created concurrently on every partition and attached."""
        ddl = """
            CREATE TABLE "Size Stats" (id bigint, "Inst" int, d date, "at" timestamptz,
                PRIMARY KEY (id, d)) PARTITION BY RANGE (d);
            CREATE TABLE "Size Stats 1" PARTITION OF "Size Stats"
                FOR VALUES FROM ('2025-01-01') TO ('2025-02-01');
        """
        code = CodeFacts(latest_rows=(LatestRowQuery("Size Stats", ("Inst",), "at", LOC),))
        assert_fix_round_trip(pg_url, ddl, "latest-row-without-index",
                              ["public.Size Stats", "public.Size Stats.Inst", "public.Size Stats.at"],
                              code=code)


class TestDeepOffsetPagination:
    def test_offset_finds(self) -> None:
        """Each unbounded OFFSET site is one finding, named by table when known."""
        code = CodeFacts(offsets=(OffsetPagination("t", LOC), OffsetPagination(None, Location("a.py", 3))))
        assert brief(findings_for(table_with(), "deep-offset-pagination", code=code)) == [
            ("P2", ("a.py:3",)),
            ("P2", ("public.t",)),
        ]

    def test_no_offsets_clean(self) -> None:
        """No code facts, no findings."""
        assert findings_for(table_with(), "deep-offset-pagination", code=CodeFacts()) == []


class TestFkVerifyQuery:
    def test_verify_returns_a_row_until_fixed(self, pg_url: str) -> None:
        """verify_sql shows the problem (one row) before the fix and its absence (no row) after."""
        from tests.rules.conftest import execute_script, model_from_ddl, run_query  # noqa: PLC0415

        ddl = """
            CREATE TABLE parent (a int, b int, PRIMARY KEY (a, b));
            CREATE TABLE child (id int PRIMARY KEY, a int, b int, FOREIGN KEY (b, a) REFERENCES parent (b, a));
            CREATE INDEX child_a_partial ON child (a, b) WHERE a > 0;
        """
        (finding,) = findings_for(model_from_ddl(pg_url, ddl), "fk-without-index")
        assert finding.verify_sql is not None
        assert finding.fix_sql is not None
        before = run_query(pg_url, finding.verify_sql)
        execute_script(pg_url, finding.fix_sql)
        assert (before, run_query(pg_url, finding.verify_sql)) == ([("public.child", ["b", "a"])], [])


class TestInvalidTwin:
    def test_invalid_copy_of_a_valid_index_is_dropped_not_rebuilt(self, pg_url: str) -> None:
        """A failed retry left an invalid twin: duplicate-index stays silent, invalid-index only drops it."""
        ddl = """
            CREATE TABLE t (id int PRIMARY KEY, a text);
            CREATE INDEX t_a ON t (a);
            CREATE INDEX t_a_ccnew ON t (a);
            UPDATE pg_index SET indisvalid = false WHERE indexrelid = 't_a_ccnew'::regclass;
        """
        finding = assert_fix_round_trip(pg_url, ddl, "invalid-index", ["public.t_a_ccnew"])
        model = read_model(pg_url)
        names = [ix.name for ix in model.tables[0].indexes]
        assert (finding.fix_sql, findings_for(model, "duplicate-index"), names) == (
            "-- A valid identical index already serves this definition: drop the leftover only.\n"
            "DROP INDEX CONCURRENTLY public.t_a_ccnew;",
            [],
            ["t_a", "t_pkey"],
        )

    def test_duplicate_index_ignores_invalid_copies(self) -> None:
        """An invalid identical index is not reported as a duplicate."""
        model = table_with(("ix_a", ("a",), {}), ("ix_a_ccnew", ("a",), {"valid": False}))
        assert findings_for(model, "duplicate-index") == []
