"""Exact index coverage and equivalence logic shared by the index and partitioning rules."""

from __future__ import annotations

import time

from dbaudit.engine import run_rules
from dbaudit.model.schema import Index, IndexElement, PrimaryKey, Table
from dbaudit.rules import REGISTRY, RuleContext
from dbaudit.rules._indexing import (
    Locking,
    bounded_name,
    covering_index,
    covers_columns,
    create_index_plan,
    create_index_sql,
    effective_indexes,
    identical,
    is_prefix,
    normalize_predicate,
    recreate_index_sql,
    render,
    unique_name,
)
from dbaudit.testing import schema

A, B, C = IndexElement(column="a"), IndexElement(column="b"), IndexElement(column="c")


def ix(name: str, *elements: IndexElement, **kw: object) -> Index:
    return Index(name, elements, **kw)  # type: ignore[arg-type]


class TestCoverage:
    def test_leading_columns_in_any_order_cover(self) -> None:
        """FK columns {a, b} are covered by an index whose first two keys are (b, a)."""
        assert covers_columns(ix("i", B, A, C), ["a", "b"]) is True

    def test_non_leading_column_does_not_cover(self) -> None:
        """A column in second position does not cover a single-column FK."""
        assert covers_columns(ix("i", A, B), ["b"]) is False

    def test_partial_invalid_expression_and_hash_do_not_cover(self) -> None:
        """Partial, invalid, expression-led and non-btree indexes never count as coverage."""
        assert [
            covers_columns(ix("p", A, predicate="a > 0"), ["a"]),
            covers_columns(ix("v", A, valid=False), ["a"]),
            covers_columns(ix("e", IndexElement(expression="lower(a)")), ["a"]),
            covers_columns(ix("h", A, method="hash"), ["a"]),
        ] == [False, False, False, False]

    def test_primary_key_counts_even_when_the_source_omits_its_index(self) -> None:
        """A PK declared without its backing index (ORM-built model) still covers its columns."""
        table = Table("public", "t", primary_key=PrimaryKey("t_pkey", ("a", "b")))
        found = covering_index(table, ["a"])
        assert (found.name if found else None, len(effective_indexes(table))) == ("t_pkey", 1)


class TestEquivalence:
    def test_prefix_compares_direction_collation_and_opclass(self) -> None:
        """(a) is a prefix of (a, b) but not of (a DESC, b), (a COLLATE "C", b) or (a text_pattern_ops, b)."""
        assert [
            is_prefix((A,), (A, B)),
            is_prefix((A,), (IndexElement(column="a", descending=True), B)),
            is_prefix((A,), (IndexElement(column="a", collation="pg_catalog.C"), B)),
            is_prefix((A,), (IndexElement(column="a", opclass="pg_catalog.text_pattern_ops"), B)),
        ] == [True, False, False, False]

    def test_identical_requires_same_predicate_include_method_and_uniqueness(self) -> None:
        """Only an index equal in every semantic property is identical."""
        base = ix("x", A, B)
        assert [
            identical(base, ix("y", A, B)),
            identical(base, ix("y", A, B, predicate="a > 0")),
            identical(base, ix("y", A, B, include=("c",))),
            identical(base, ix("y", A, B, method="hash")),
            identical(base, ix("y", A, B, unique=True)),
            identical(base, ix("y", B, A)),
        ] == [True, False, False, False, False, False]

    def test_predicates_compare_without_outer_parentheses_or_spacing(self) -> None:
        """``(is_deleted = false)`` and ``is_deleted  = false`` are the same predicate."""
        assert normalize_predicate("(is_deleted = false)") == normalize_predicate("is_deleted  = false")


class TestNames:
    def test_long_names_keep_63_bytes_and_do_not_collide(self) -> None:
        """Two long names sharing a 63-byte prefix get different hashed suffixes."""
        a, b = bounded_name("n" * 70 + "_a"), bounded_name("n" * 70 + "_b")
        assert (len(a.encode()), len(b.encode()), a != b) == (63, 63, True)

    def test_unique_name_adds_a_counter(self) -> None:
        """A taken name gets a numeric suffix."""
        assert unique_name("t_a_idx", {"t_a_idx"}) == "t_a_idx2"


class TestDdl:
    def test_create_index_sql_quotes_everything(self) -> None:
        """Hostile identifiers, opclass, ordering, INCLUDE and predicate are spelled correctly."""
        sql = create_index_sql(
            "My Schema",
            'we"ird',
            "select",
            [IndexElement(column="Name", opclass="public.gin_trgm_ops"), IndexElement(column="t", descending=True)],
            include=("x y",),
            predicate="(a > 0)",
        )
        assert sql == (
            'CREATE INDEX CONCURRENTLY "select" ON "My Schema"."we""ird" '
            '("Name" public.gin_trgm_ops, t DESC NULLS LAST) INCLUDE ("x y") WHERE a > 0'
        )

    def test_recreate_uses_the_catalog_definition_with_concurrently(self) -> None:
        """The catalog's definition gains CONCURRENTLY after INDEX."""
        table = Table("public", "t")
        index = ix("u", A, unique=True, definition="CREATE UNIQUE INDEX u ON public.t USING btree (a)")
        assert recreate_index_sql(table, index) == (
            "CREATE UNIQUE INDEX CONCURRENTLY u ON public.t USING btree (a)"
        )

    def test_partitioned_plan_creates_on_only_then_attaches_each_partition(self) -> None:
        """Parent ON ONLY, then per partition CONCURRENTLY + ATTACH."""
        model = (
            schema()
            .table("s", {"id": "bigint", "d": "date"}, partition_by=("RANGE", "d"))
            .table("s_2025_01", {"id": "bigint", "d": "date"}, partition_of="s")
            .table("s_2025_02", {"id": "bigint", "d": "date"}, partition_of="s")
            .build()
        )
        table = model.table("public.s")
        assert table is not None
        assert create_index_plan(model, table, [IndexElement(column="id")]).splitlines()[3:] == [
            "SET lock_timeout = '5s';",
            "CREATE INDEX s_id_idx ON ONLY public.s (id);",
            "RESET lock_timeout;",
            "CREATE INDEX CONCURRENTLY s_2025_01_id_idx ON public.s_2025_01 (id);",
            "SET lock_timeout = '5s';",
            "ALTER INDEX public.s_id_idx ATTACH PARTITION public.s_2025_01_id_idx;",
            "RESET lock_timeout;",
            "CREATE INDEX CONCURRENTLY s_2025_02_id_idx ON public.s_2025_02 (id);",
            "SET lock_timeout = '5s';",
            "ALTER INDEX public.s_id_idx ATTACH PARTITION public.s_2025_02_id_idx;",
            "RESET lock_timeout;",
        ]

    def test_render_guards_only_locking_statements(self) -> None:
        """Runs of strong-lock statements get SET/RESET lock_timeout; comments stay inside a run."""
        assert render(["-- c", Locking("ALTER TABLE t ADD x int;"), "-- why", Locking("ALTER TABLE t DROP y;"),
                       "UPDATE t SET x = 1;"]).splitlines() == [
            "-- c",
            "SET lock_timeout = '5s';",
            "ALTER TABLE t ADD x int;",
            "-- why",
            "ALTER TABLE t DROP y;",
            "RESET lock_timeout;",
            "UPDATE t SET x = 1;",
        ]


class TestScale:
    def test_rules_stay_linear_on_a_large_schema(self) -> None:
        """3,000 tables with a finding per table in every rule: the three categories run in seconds."""
        builder = schema()
        for i in range(3000):
            builder = builder.table(f"t{i}", {"id": "serial", "parent_id": "int", "flag": "bool default true",
                                              "password": "varchar(255)"}, pk="id")
            if i:
                builder = builder.fk(f"t{i}", "parent_id", f"t{i // 2}")
            builder = builder.index(f"t{i}", "flag")
        ctx = RuleContext(model=builder.build())
        started = time.perf_counter()
        counts = {
            r.id: len(list(r(ctx)))
            for r in REGISTRY
            if r.category in ("indexes", "types", "partitioning") and not r.requires
        }
        elapsed = time.perf_counter() - started
        assert (counts["fk-without-index"], counts["int4-key-overflow-risk"], elapsed < 20) == (2999, 3000, True)


class TestDialects:
    def test_other_dialects_keep_findings_without_postgres_sql(self) -> None:
        """On a MySQL model a general rule still reports, without PostgreSQL fix/verify SQL; PostgreSQL-only
        rules are skipped by the engine with a note."""
        model = (
            schema(dialect="mysql", capabilities=())
            .table("p", {"id": "bigint"}, pk="id")
            .table("c", {"id": "bigint", "p_id": "bigint", "doc": "json"}, pk=("id", "p_id"))
            .fk("c", "p_id", "p")
            .build()
        )
        run = run_rules(RuleContext(model=model))
        fk = [f for f in run.findings if f.rule == "fk-without-index"]
        assert ([(f.objects, f.fix_sql, f.verify_sql) for f in fk], "json-not-jsonb" in run.rules_skipped) == (
            [(("public.c.p_id",), None, None)],
            True,
        )
