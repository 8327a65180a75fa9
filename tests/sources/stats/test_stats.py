"""The statistics source on real servers: the loaded WhaleFall example's slow paths, generic plans that
execute nothing, EXPLAIN ANALYZE on request, HypoPG verification, a SELECT-only role, and servers
without pg_stat_statements."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import psycopg
import pytest
from psycopg import sql

from dbaudit.auditing import AuditResult, audit
from dbaudit.config import Config
from dbaudit.model.statistics import RuntimeStatistics, StatementStats, runtime_statistics
from dbaudit.report import build_context, render
from dbaudit.sources.postgres import read_postgres
from dbaudit.sources.stats import StatsOptions, read_statistics
from tests.examples.conftest import WHALEFALL_DIR
from tests.sources.stats.conftest import StatsDatabase
from tests.sources.test_postgres import with_user


@pytest.fixture(scope="module")
def whalefall_audit(loaded_whalefall: StatsDatabase) -> AuditResult:
    """The audit of the loaded example with its code (statistics read automatically)."""
    return audit(loaded_whalefall.url, code=str(WHALEFALL_DIR), config=Config(select=("capacity",)))


def _stats(result: AuditResult) -> RuntimeStatistics:
    found = runtime_statistics(result.inputs)
    assert found is not None, [n.message for n in result.notes]
    return found


def _kinds(statement: StatementStats) -> set[tuple[str, str]]:
    return {(p.kind, p.table) for p in statement.patterns}


def _expert_paths(stats: RuntimeStatistics) -> dict[str, StatementStats]:
    """The first statement of B1 for each slow path of the expert report."""
    found: dict[str, StatementStats] = {}
    for s in stats.by_time:
        kinds = _kinds(s)
        if ("latest", "public.database_size_stats") in kinds:
            found.setdefault("latest-row", s)
        if ("search", "public.unified_logs") in kinds:
            found.setdefault("like-search", s)
        if any(p.kind == "join" and "instance_tags.tag_id" in f"{p.table}.{p.columns[0]} {p.other}"
               for p in s.patterns):
            found.setdefault("tag-join", s)
    return found


class TestWhaleFallStatistics:
    def test_section_b_lists_the_expert_paths_by_measured_time(self, whalefall_audit: AuditResult) -> None:
        """B1 lists the latest-row query, the LIKE search and the tag join, ranked by total time, each
        with its generic plan and the code path it comes from."""
        stats = _stats(whalefall_audit)
        ranked = stats.by_time
        assert [s.total_ms for s in ranked] == sorted((s.total_ms for s in ranked), reverse=True)
        paths = _expert_paths(stats)
        assert set(paths) == {"latest-row", "like-search", "tag-join"}
        assert paths["latest-row"].rank_time == 1
        for statement in paths.values():
            assert statement.plan is not None
            assert statement.plan.source == "generic"
            assert statement.plan.total_cost
        latest = paths["latest-row"]
        assert [f"{c.path}:{c.line}" for c in latest.code_paths] == [
            "app/repositories/ledgers/database_ledger_repository.py:92"]
        assert any(s.large and s.relation.startswith("public.database_size_stats_") for s in latest.plan.seq_scans)
        assert {c.path for c in paths["like-search"].code_paths} == {"app/repositories/history_logs_repository.py"}

    def test_report_text_in_english_and_chinese(self, whalefall_audit: AuditResult) -> None:
        """Section B of the Markdown report shows the ranking, the plan evidence and index advice in both
        languages; the JSON carries the statistics."""
        result = whalefall_audit
        context = build_context(result.model, result.findings, generated_at=datetime(2026, 1, 1, tzinfo=UTC),
                                dbaudit_version="test", notes=result.notes, sources=result.sources,
                                code_facts=result.inputs.get("code"), statistics=_stats(result))
        english, chinese = render(context, "md", lang="en"), render(context, "md", lang="zh")
        b_en = english.split("### B. ", 1)[1].split("## III.", 1)[0]
        b_zh = chinese.split("### B. ", 1)[1].split("## III.", 1)[0]
        assert "#### B1. Slowest statements (pg_stat_statements, by total time)" in b_en
        assert "1) latest row per (instance_id, database_name) by max(collected_at) on database_size_stats:" in b_en
        assert "Plan (generic plan, cost " in b_en
        assert "Seq Scan on database_size_stats_" in b_en
        assert "`app/repositories/ledgers/database_ledger_repository.py:92`" in b_en
        assert "#### B1. 最慢的语句(pg_stat_statements, 按总耗时)" in b_zh
        assert "database_size_stats 按 (instance_id, database_name) 取 max(collected_at) 的\"最新一条\"查询" in b_zh
        assert "执行计划(通用计划, 代价 " in b_zh
        assert "#### B3. 各表读写情况(pg_stat_user_tables)" in b_zh
        assert "| `database_size_stats` |" in b_en  # partitions counted in their parent
        assert '"statistics"' in render(context, "json")
        html = render(context, "html", lang="zh")
        assert "B1. 最慢的语句" in html
        assert "已用 HypoPG 验证" in html or not _stats(result).hypopg

    def test_an_advised_index_is_verified_by_a_hypothetical_index(self, whalefall_audit: AuditResult,
                                                                    loaded_whalefall: StatsDatabase) -> None:
        """The (instance_id, database_name, collected_at) index for the latest-row query lowers its cost
        with a HypoPG hypothetical index; no index is created."""
        if not loaded_whalefall.hypopg:
            pytest.skip("HypoPG is not installed on this server (Debian: postgresql-NN-hypopg)")
        latest = _expert_paths(_stats(whalefall_audit))["latest-row"]
        verified = [a for a in latest.advice if a.check == "verified"]
        assert [a.columns for a in verified] == [("instance_id", "database_name", "collected_at")]
        (advice,) = verified
        assert advice.cost_before is not None
        assert advice.cost_after is not None
        assert advice.cost_after < advice.cost_before
        model = read_postgres(loaded_whalefall.url)
        table = model.table("public.database_size_stats")
        assert table is not None
        assert all(i.columns != advice.columns for i in table.indexes)


class TestPlans:
    def test_dml_is_planned_not_run_and_analyze_only_for_parameterless_selects(self, stats_url: str) -> None:
        """UPDATE/DELETE statements get a generic plan and change nothing; with explain_analyze a
        parameterless SELECT is analyzed, one with parameters keeps its generic plan."""
        with psycopg.connect(stats_url, autocommit=True) as conn:
            conn.execute("CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL)")
            conn.execute("INSERT INTO t SELECT g, 0 FROM generate_series(1, 2000) g")
            conn.execute("ANALYZE t")
            conn.execute("SELECT pg_stat_statements_reset()")
            for i in range(3):
                conn.execute("UPDATE t SET v = v + 1 WHERE id = %s", (i + 1,))
                conn.execute("DELETE FROM t WHERE id = %s", (-i,))
                conn.execute("SELECT count(*) FROM t")
                conn.execute("SELECT * FROM t WHERE v = %s", (i,))
            before = conn.execute("SELECT sum(v), count(*) FROM t").fetchone()
        model = read_postgres(stats_url)
        stats = read_statistics(stats_url, model, options=StatsOptions(explain_analyze=True))
        assert stats is not None
        by_text = {s.query.split(" WHERE ")[0].split(" SET ")[0]: s for s in stats.statements}
        for statement in (by_text["UPDATE t"], by_text["DELETE FROM t"]):
            assert statement.plan is not None
            assert statement.plan.source == "generic"
            assert "t_pkey" in statement.plan.indexes_used
        counted = by_text["SELECT count(*) FROM t"]
        assert counted.plan is not None
        assert counted.plan.source == "analyze"
        assert counted.plan.actual_ms is not None
        filtered = by_text["SELECT * FROM t"]
        assert filtered.plan is not None
        assert filtered.plan.source == "generic"
        assert filtered.plan.text.startswith("(generic plan: its parameter values are unknown, not analyzed)")
        assert [a.columns for a in filtered.advice] == [("v",)]
        with psycopg.connect(stats_url) as conn:
            assert conn.execute("SELECT sum(v), count(*) FROM t").fetchone() == before
            assert conn.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 't'").fetchone() == (1,)

    def test_select_only_role(self, stats_url: str) -> None:
        """A role with SELECT alone reads statistics: other roles' statements are hidden (a note) until it
        may read all statistics; then they are planned and advice is checked with HypoPG as that role."""
        role = f"dbaudit_ro_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(stats_url, autocommit=True) as conn:
            conn.execute("CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL)")
            conn.execute("INSERT INTO t SELECT g, g % 100 FROM generate_series(1, 20000) g")
            conn.execute("ANALYZE t")
            conn.execute(sql.SQL("CREATE ROLE {0} LOGIN; GRANT SELECT ON t TO {0}").format(sql.Identifier(role)))
            for i in range(3):
                conn.execute("SELECT * FROM t WHERE v = %s", (i,))
        try:
            as_role = with_user(stats_url, role)
            model = read_postgres(as_role)
            hidden = read_statistics(as_role, model)
            assert hidden is not None
            assert hidden.statements == ()
            assert any("hidden from this role" in n for n in hidden.notes)
            with psycopg.connect(stats_url, autocommit=True) as conn:
                conn.execute(sql.SQL("GRANT pg_read_all_stats TO {}").format(sql.Identifier(role)))
            seen = read_statistics(as_role, model)
            assert seen is not None
            (statement,) = [s for s in seen.statements if "v =" in s.query]
            (advice,) = statement.advice
            assert advice.columns == ("v",)
            if seen.hypopg:
                assert advice.check == "verified"
        finally:
            with psycopg.connect(stats_url, autocommit=True) as conn:
                conn.execute(sql.SQL("DROP OWNED BY {0}; DROP ROLE {0}").format(sql.Identifier(role)))


class TestWithoutPgStatStatements:
    def test_automatic_skips_and_required_reads_the_rest(self, pg_url: str) -> None:
        """Without pg_stat_statements the automatic mode reads nothing; --stats reads activity, XID age,
        bloat and growth and says why statements are missing."""
        with psycopg.connect(pg_url) as conn:
            preloaded = conn.execute("SHOW shared_preload_libraries").fetchone()
        if preloaded and "pg_stat_statements" in str(preloaded[0]):
            pytest.skip("the test server preloads pg_stat_statements")
        model = read_postgres(pg_url)
        assert read_statistics(pg_url, model) is None
        stats = read_statistics(pg_url, model, options=StatsOptions(require=True))
        assert stats is not None
        assert (stats.statements_available, stats.statements) == (False, ())
        assert any(x.scope == "database" for x in stats.xid)
        assert any(n.startswith("pg_stat_statements is not installed") for n in stats.notes)
