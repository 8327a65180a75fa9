"""Rules of the partitioning category: bounds arithmetic, triggering schemas, near misses, fixes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

import pytest

from dbaudit.findings import Finding
from dbaudit.model.schema import Location, SchemaModel, Table
from dbaudit.rules._code_facts import CodeFacts, PartitionTask
from dbaudit.rules.partitioning import Bound, add_months, gaps, parse_range_bound
from dbaudit.testing import schema
from tests.rules.conftest import (
    assert_fix_round_trip,
    execute_script,
    findings_for,
    model_from_ddl,
    read_model,
    run_query,
)

Brief = list[tuple[str, tuple[str, ...]]]
TODAY = {"today": "2025-02-10"}


def brief(findings: list[Finding]) -> Brief:
    return [(f.severity.name, f.objects) for f in findings]


def monthly(lower: str, upper: str) -> str:
    return f"FOR VALUES FROM ('{lower}') TO ('{upper}')"


def partitioned(bounds: dict[str, str], key_type: str = "date", strategy: str = "RANGE") -> SchemaModel:
    """``stats`` partitioned on ``d`` with partitions named by ``bounds`` (name -> bound text)."""
    cols = {"id": "bigint", "d": key_type}
    builder = schema().table("stats", cols, partition_by=(strategy, "d"))  # type: ignore[arg-type]
    for name in bounds:
        builder = builder.table(name, cols, partition_of="stats")
    model = builder.build()
    tables = tuple(
        replace(t, partition_bound=bounds[t.name]) if t.name in bounds else t for t in model.tables
    )
    return replace(model, tables=tables)


class TestBounds:
    def test_parse_date_and_timestamp_bounds(self) -> None:
        """Dates, timestamps and MINVALUE/MAXVALUE parse to dates."""
        t = Table("public", "p", partition_bound="FOR VALUES FROM ('2025-01-01 00:00:00+00') TO (MAXVALUE)")
        m = Table("public", "m", partition_bound="FOR VALUES FROM (MINVALUE) TO ('2025-01-01')")
        assert (parse_range_bound(t), parse_range_bound(m), parse_range_bound(Table("public", "d"))) == (
            Bound(t, date(2025, 1, 1), date.max),
            Bound(m, date.min, date(2025, 1, 1)),
            None,
        )

    def test_gaps_split_at_month_boundaries(self) -> None:
        """Uncovered time between and after partitions, cut per month."""
        p = Table("public", "p")
        bounds = [Bound(p, date(2025, 1, 1), date(2025, 2, 1)), Bound(p, date(2025, 3, 1), date(2025, 3, 15))]
        assert gaps(bounds, date(2025, 1, 1), date(2025, 5, 1)) == [
            (date(2025, 2, 1), date(2025, 3, 1)),
            (date(2025, 3, 15), date(2025, 4, 1)),
            (date(2025, 4, 1), date(2025, 5, 1)),
        ]

    def test_add_months_clamps_to_month_end(self) -> None:
        """Jan 31 + 1 month is Feb 28."""
        assert (add_months(date(2025, 1, 31), 1), add_months(date(2025, 11, 1), 2)) == (
            date(2025, 2, 28), date(2026, 1, 1),
        )


class TestPartitionsMissingAhead:
    def test_last_partition_in_february_finds(self) -> None:
        """Partitions up to March 1st leave the next two months uncovered: P1, fix creates Mar-Apr."""
        model = partitioned({"stats_2025_01": monthly("2025-01-01", "2025-02-01"),
                             "stats_2025_02": monthly("2025-02-01", "2025-03-01")})
        found = findings_for(model, "partitions-missing-ahead", options=TODAY)
        assert brief(found) == [("P1", ("public.stats",))]
        assert found[0].evidence[2:4] == (
            "last partition public.stats_2025_02 FOR VALUES FROM ('2025-02-01') TO ('2025-03-01')",
            f"{(date(2025, 3, 1) - date.fromisoformat(TODAY['today'])).days} days until the last partition's "
            "upper bound (2025-03-01)",
        )
        assert dict(found[0].data)["days_left"] == (date(2025, 3, 1) - date.fromisoformat(TODAY["today"])).days
        assert found[0].fix_sql is not None
        assert [line.strip() for line in found[0].fix_sql.splitlines()[2:]] == [
            "SET lock_timeout = '5s';",
            "CREATE TABLE public.stats_2025_03 PARTITION OF public.stats",
            "FOR VALUES FROM ('2025-03-01') TO ('2025-04-01');",
            "CREATE TABLE public.stats_2025_04 PARTITION OF public.stats",
            "FOR VALUES FROM ('2025-04-01') TO ('2025-05-01');",
            "RESET lock_timeout;",
        ]

    def test_default_partition_lowers_severity(self) -> None:
        """With a DEFAULT partition inserts do not fail: P2."""
        model = partitioned({"stats_2025_02": monthly("2025-02-01", "2025-03-01"), "stats_default": "DEFAULT"})
        assert brief(findings_for(model, "partitions-missing-ahead", options=TODAY)) == [
            ("P2", ("public.stats",))
        ]

    def test_covered_list_and_integer_keys_clean(self) -> None:
        """Coverage through April 10th, LIST partitioning and integer range keys are not reported."""
        covered = partitioned({"a": monthly("2025-01-01", "2025-03-01"), "b": monthly("2025-03-01", "2025-05-01")})
        listed = partitioned({"a": "FOR VALUES IN ('x')"}, strategy="LIST")
        integer = partitioned({"a": "FOR VALUES FROM (0) TO (10)"}, key_type="int")
        assert [findings_for(m, "partitions-missing-ahead", options=TODAY) for m in (covered, listed, integer)] == [
            [], [], []
        ]

    @pytest.mark.parametrize("key_type", ["date", "timestamptz"])
    def test_fix_round_trip(self, pg_url: str, key_type: str) -> None:
        """The CREATE TABLE ... PARTITION OF statements execute; coverage is complete afterwards."""
        ddl = f"""
            CREATE TABLE "Size ""Stats"" x" (id bigint, "Day" {key_type} NOT NULL) PARTITION BY RANGE ("Day");
            CREATE TABLE "Size ""Stats""_2025_01" PARTITION OF "Size ""Stats"" x"
                FOR VALUES FROM ('2025-01-01') TO ('2025-02-01');
        """
        # assert_fix_round_trip passes no rule options; the same steps with `today` fixed:
        _round_trip_with_options(pg_url, ddl, "partitions-missing-ahead", ('public.Size "Stats" x',), TODAY)


def _round_trip_with_options(
    pg_url: str, ddl: str, rule_id: str, objects: tuple[str, ...], options: dict[str, str]
) -> None:
    before = [f for f in findings_for(model_from_ddl(pg_url, ddl), rule_id, options=options) if f.objects == objects]
    assert len(before) == 1
    assert before[0].fix_sql
    assert before[0].verify_sql
    run_query(pg_url, before[0].verify_sql)
    execute_script(pg_url, before[0].fix_sql)
    after = [f for f in findings_for(read_model(pg_url), rule_id, options=options) if f.objects == objects]
    assert after == []


PARTITION_FN = """
BEGIN
  EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF stats FOR VALUES FROM (%L) TO (%L)',
                 'stats_' || to_char(NEW.d, 'YYYY_MM'), date_trunc('month', NEW.d),
                 date_trunc('month', NEW.d) + interval '1 month');
  RETURN NEW;
END
"""


class TestPartitionCreatedByTrigger:
    def test_before_insert_creating_partitions_finds_with_second_path(self) -> None:
        """The trigger is reported; the application task appears as the second creation path."""
        builder = schema().table("stats", {"id": "bigint", "d": "date"}, partition_by=("RANGE", "d"))
        model = builder.trigger("stats", "stats_partition_trigger", events=("INSERT",),
                                function="public.create_partition", function_source=PARTITION_FN).build()
        code = CodeFacts(partition_tasks=(PartitionTask(("stats",), Location("app/tasks/p.py", 49)),))
        found = findings_for(model, "partition-created-by-trigger", code=code)
        assert brief(found) == [("P2", ("public.stats",))]
        assert found[0].evidence == (
            "trigger stats_partition_trigger: BEFORE INSERT ON public.stats EXECUTE FUNCTION "
            "public.create_partition()",
            "function public.create_partition executes CREATE TABLE ... PARTITION OF",
            "second creation path: application partition task at app/tasks/p.py:49",
        )

    def test_other_triggers_clean(self) -> None:
        """An updated_at trigger and an AFTER INSERT trigger creating nothing are not reported."""
        model = (
            schema().table("stats", {"id": "bigint", "d": "date"}, partition_by=("RANGE", "d"))
            .trigger("stats", "upd", events=("UPDATE",), function_source="BEGIN NEW.updated_at = now(); END")
            .trigger("stats", "ins", timing="AFTER", events=("INSERT",), function_source="BEGIN RETURN NULL; END")
            .build()
        )
        assert findings_for(model, "partition-created-by-trigger") == []

    def test_fix_round_trip(self, pg_url: str) -> None:
        """DROP TRIGGER executes; the finding is gone."""
        ddl = f"""
            CREATE TABLE stats (id bigint, d date NOT NULL) PARTITION BY RANGE (d);
            CREATE FUNCTION "Create Partition"() RETURNS trigger LANGUAGE plpgsql AS $fn${PARTITION_FN}$fn$;
            CREATE TRIGGER "stats partition" BEFORE INSERT ON stats
                FOR EACH ROW EXECUTE FUNCTION "Create Partition"();
        """
        assert_fix_round_trip(pg_url, ddl, "partition-created-by-trigger", ["public.stats"])


MISALIGNED = """
    CREATE TABLE "Stats" (id bigint, "Inst" int, d date NOT NULL) PARTITION BY RANGE (d);
    CREATE TABLE "Stats_1" PARTITION OF "Stats" FOR VALUES FROM ('2025-01-01') TO ('2025-02-01');
    CREATE TABLE "Stats_2" PARTITION OF "Stats" FOR VALUES FROM ('2025-02-01') TO ('2025-03-01');
    CREATE TABLE "Stats_3" PARTITION OF "Stats" FOR VALUES FROM ('2025-03-01') TO ('2025-04-01');
    CREATE INDEX "ix Inst" ON ONLY "Stats" ("Inst");
    CREATE INDEX "Stats_1 inst" ON "Stats_1" ("Inst");
    ALTER INDEX "ix Inst" ATTACH PARTITION "Stats_1 inst";
    CREATE INDEX "Stats_2 inst" ON "Stats_2" ("Inst");
"""


class TestPartitionIndexMisaligned:
    def test_unattached_and_missing_partition_indexes_find(self, model_from_ddl: Callable[[str], SchemaModel]) -> None:
        """The parent index is reported with the partitions lacking an equivalent index."""
        found = findings_for(model_from_ddl(MISALIGNED), "partition-index-misaligned")
        assert brief(found) == [("P2", ("public.ix Inst", "public.Stats"))]
        assert found[0].evidence[1] == "partitions without an equivalent index: public.Stats_3"

    def test_partition_only_unique_index_finds(self, model_from_ddl: Callable[[str], SchemaModel]) -> None:
        """A unique index on one partition that the parent lacks is reported."""
        model = model_from_ddl("""
            CREATE TABLE s (id bigint, d date NOT NULL) PARTITION BY RANGE (d);
            CREATE TABLE s_1 PARTITION OF s FOR VALUES FROM ('2025-01-01') TO ('2025-02-01');
            CREATE UNIQUE INDEX s_1_id ON s_1 (id);
        """)
        assert brief(findings_for(model, "partition-index-misaligned")) == [("P2", ("public.s_1_id", "public.s_1"))]

    def test_aligned_indexes_clean(self, model_from_ddl: Callable[[str], SchemaModel]) -> None:
        """A parent index created normally (cascading to partitions) and a matching PK are fine."""
        model = model_from_ddl("""
            CREATE TABLE s (id bigint, d date NOT NULL, PRIMARY KEY (id, d)) PARTITION BY RANGE (d);
            CREATE TABLE s_1 PARTITION OF s FOR VALUES FROM ('2025-01-01') TO ('2025-02-01');
            CREATE INDEX s_d ON s (d);
        """)
        assert findings_for(model, "partition-index-misaligned") == []

    def test_fix_round_trip(self, pg_url: str) -> None:
        """Missing partition indexes are built concurrently and all attached; the parent turns valid."""
        assert_fix_round_trip(pg_url, MISALIGNED, "partition-index-misaligned", ["public.ix Inst", "public.Stats"])


class TestPartitionedOrmKeyMismatch:
    @staticmethod
    def db() -> SchemaModel:
        return (
            schema().table("stats", {"id": "bigint", "d": "date"}, pk=("id", "d"), partition_by=("RANGE", "d"))
            .build()
        )

    def test_orm_pk_without_partition_key_finds(self) -> None:
        """The ORM maps id alone while the table is partitioned by d: P0."""
        orm = schema().table("stats", {"id": "bigint", "d": "date"}, pk="id").build()
        found = findings_for(self.db(), "partitioned-orm-key-mismatch", models=orm)
        assert brief(found) == [("P0", ("public.stats",))]
        assert found[0].evidence == (
            "database: PARTITION BY RANGE (d); PRIMARY KEY (id, d)",
            "ORM: primary key (id)",
        )

    def test_orm_pk_with_partition_key_clean(self) -> None:
        """The ORM's composite key includes the partition key."""
        orm = schema().table("stats", {"id": "bigint", "d": "date"}, pk=("id", "d")).build()
        assert findings_for(self.db(), "partitioned-orm-key-mismatch", models=orm) == []


class TestLongNames:
    def test_63_byte_parent_gets_distinct_hashed_partition_names(self, pg_url: str) -> None:
        """Partitions of a 63-byte parent get hashed names that fit and do not collide, and execute."""
        parent = "p" * 63
        ddl = f"""
            CREATE TABLE {parent} (id bigint, d date NOT NULL) PARTITION BY RANGE (d);
            CREATE TABLE part_1 PARTITION OF {parent} FOR VALUES FROM ('2025-01-01') TO ('2025-02-01');
        """
        _round_trip_with_options(pg_url, ddl, "partitions-missing-ahead", (f"public.{parent}",), TODAY)
        names = [t.name for t in read_model(pg_url).tables if t.partition_of == f"public.{parent}"]
        assert (len(names), all(len(n.encode()) <= 63 for n in names)) == (4, True)

    def test_63_byte_partitions_get_distinct_index_names(self, pg_url: str) -> None:
        """fk-without-index on partitions whose names differ only after 54 bytes: the plan executes."""
        base = "s" * 58
        ddl = f"""
            CREATE TABLE parent (id bigint PRIMARY KEY);
            CREATE TABLE {base} (id bigint, parent_id bigint REFERENCES parent, d date NOT NULL)
                PARTITION BY RANGE (d);
            CREATE TABLE {base}_2025 PARTITION OF {base} FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
            CREATE TABLE {base}_2026 PARTITION OF {base} FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
        """
        assert_fix_round_trip(pg_url, ddl, "fk-without-index", [f"public.{base}.parent_id"])
