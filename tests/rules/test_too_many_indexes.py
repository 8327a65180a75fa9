"""Issue 11 item 11: too many indexes on one (write-heavy) table, one finding per table, real PostgreSQL."""

from __future__ import annotations

from dbaudit.config import Config
from dbaudit.engine import run_rules
from dbaudit.findings import Finding
from dbaudit.rules import RuleContext
from tests.rules.conftest import findings_for, model_from_ddl, run_query


def indexes(table: str, count: int) -> str:
    return "\n".join(f"CREATE INDEX {table}_i{i} ON {table} ((c + {i}));" for i in range(count))


def evidence(finding: Finding) -> str:
    return "\n".join(finding.evidence)


class TestTooManyIndexes:
    def test_more_than_fifteen_indexes_without_statistics(self, pg_url: str) -> None:
        """16 indexes (the primary key included), no activity: reported on structure alone, saying
        write-heaviness is unknown; 15 indexes are not."""
        model = model_from_ddl(pg_url, f"""
            CREATE TABLE wide (id int PRIMARY KEY, c int);
            {indexes("wide", 15)}
            CREATE TABLE fifteen (id int PRIMARY KEY, c int);
            {indexes("fifteen", 14)}
        """)
        (finding,) = findings_for(model, "too-many-indexes")
        assert finding.objects == ("public.wide",)
        assert finding.title == "public.wide has 16 indexes (more than 15 indexes)"
        assert "write activity unknown" in evidence(finding)
        assert finding.fix_sql is None
        assert finding.verify_sql is not None
        assert len(run_query(pg_url, finding.verify_sql)) == 16

    def test_write_heavy_table_whose_indexes_outweigh_it(self, pg_url: str) -> None:
        """A partitioned table with 8 indexes, 3,000 rows written and no index scan: write-heavy (with
        min-writes lowered), one finding on the parent with its partitions' activity summed."""
        model = model_from_ddl(pg_url, f"""
            CREATE TABLE ev (id int, c int, d date, PRIMARY KEY (id, d)) PARTITION BY RANGE (d);
            CREATE TABLE ev_1 PARTITION OF ev FOR VALUES FROM ('2025-01-01') TO ('2025-02-01');
            CREATE TABLE ev_2 PARTITION OF ev FOR VALUES FROM ('2025-02-01') TO ('2025-03-01');
            {indexes("ev", 7)}
            INSERT INTO ev SELECT g, g, '2025-01-01'::date + g % 50 FROM generate_series(1, 3000) g;
            UPDATE ev SET c = c + 1 WHERE id <= 100;
            SELECT pg_stat_force_next_flush();
            ANALYZE ev;
        """)
        (finding,) = findings_for(model, "too-many-indexes", options={"min-writes": 1000})
        assert finding.objects == ("public.ev",)
        assert finding.title == "public.ev has 8 indexes (a write-heavy table whose indexes outweigh its data)"
        assert "3,000 rows inserted, 100 updated" in evidence(finding)
        assert "(write-heavy)" in evidence(finding)
        assert findings_for(model, "too-many-indexes") == []  # below the default 100,000 writes

    def test_unknown_write_activity_is_a_note(self, pg_url: str) -> None:
        """8 indexes and no activity recorded: write-heaviness unknown, said in a note, no finding."""
        model = model_from_ddl(pg_url, f"CREATE TABLE q (id int PRIMARY KEY, c int); {indexes('q', 7)}")
        run = run_rules(RuleContext(model), Config(select=("too-many-indexes",)))
        assert (run.findings, [n.message for n in run.notes]) == ((), [
            "too-many-indexes: write-heaviness unknown for 1 table(s) with 8 to 15 indexes (no activity "
            "statistics): public.q"])

    def test_read_heavy_table_clean(self, pg_url: str) -> None:
        """8 indexes but more index scans than writes: not write-heavy, not reported."""
        model = model_from_ddl(pg_url, f"""
            CREATE TABLE rd (id int PRIMARY KEY, c int);
            {indexes("rd", 7)}
            INSERT INTO rd SELECT g, g FROM generate_series(1, 1500) g;
            ANALYZE rd;
            SET enable_seqscan = off;
            DO $$ BEGIN FOR i IN 1..2000 LOOP PERFORM 1 FROM rd WHERE id = i; END LOOP; END $$;
            SELECT pg_stat_force_next_flush();
        """)
        table = model.table("public.rd")
        assert table is not None
        assert table.stats is not None
        assert (table.stats.idx_scan or 0) > 1500
        assert findings_for(model, "too-many-indexes", options={"min-writes": 1000}) == []
