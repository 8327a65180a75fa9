"""Severity calibration on real PostgreSQL statistics: the same rule at different severities, with
the reason stated; the configuration's severity wins; unknown statistics keep the default and say so."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import Any

import psycopg
import pytest

from dbaudit.auditing import audit, calibration_input
from dbaudit.calibrate import (
    SCALE,
    CalibrationInput,
    DataFact,
    Reason,
    calibrate,
    decide,
    parse_bytes,
    thresholds,
)
from dbaudit.config import Config
from dbaudit.findings import Finding, Severity
from dbaudit.migrations.grading import COSTS
from dbaudit.model.code_facts import CodeFacts, JoinCondition, SearchPattern
from dbaudit.model.schema import Location, SchemaModel, Table
from dbaudit.model.statistics import QueryPattern, RuntimeStatistics, StatementStats
from dbaudit.report.writing import calibration_text
from dbaudit.rules.families import PROFILES
from dbaudit.scratch import ScratchServer
from tests.rules.conftest import findings_for, read_model

# 12 rows, 20,000 rows, 2,000 rows whose reltuples says 120 M after ANALYZE, and a table never
# analyzed: autovacuum off so that nothing re-counts them during the tests.
DDL = """
CREATE TABLE parent (id int PRIMARY KEY) WITH (autovacuum_enabled = false);
CREATE TABLE tiny (id int PRIMARY KEY, parent_id int REFERENCES parent) WITH (autovacuum_enabled = false);
CREATE TABLE mid (id int PRIMARY KEY, parent_id int REFERENCES parent) WITH (autovacuum_enabled = false);
CREATE TABLE huge (id int PRIMARY KEY, parent_id int REFERENCES parent) WITH (autovacuum_enabled = false);
CREATE TABLE fresh (id int PRIMARY KEY, parent_id int REFERENCES parent) WITH (autovacuum_enabled = false);
INSERT INTO parent SELECT generate_series(1, 10);
INSERT INTO tiny SELECT g, 1 + g % 10 FROM generate_series(1, 12) g;
INSERT INTO mid SELECT g, 1 + g % 10 FROM generate_series(1, 20000) g;
INSERT INTO huge SELECT g, 1 + g % 10 FROM generate_series(1, 2000) g;
INSERT INTO fresh VALUES (1, 1), (2, 2);
ANALYZE parent; ANALYZE tiny; ANALYZE mid; ANALYZE huge;
UPDATE pg_class SET reltuples = 120000000 WHERE oid = 'huge'::regclass;
"""


@pytest.fixture(scope="module")
def calib_url(pg_server: ScratchServer, pg_template: str) -> Iterator[str]:
    url = pg_server.create_database(template=pg_template, prefix="dbaudit_t_")
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            for statement in DDL.split(";\n"):
                if statement.strip():
                    conn.execute(statement.encode())
        yield url
    finally:
        pg_server.drop_database(url)


@pytest.fixture(scope="module")
def model(calib_url: str) -> SchemaModel:
    """The database as read, its activity statistics covering no time (tests that need a window age it:
    the test server's own uptime must not decide what they see)."""
    return aged(read_model(calib_url), 0)


@pytest.fixture(scope="module")
def fk_findings(model: SchemaModel) -> dict[str, Finding]:
    """fk-without-index on each child table, by table name (each one P1 by default)."""
    found = findings_for(model, "fk-without-index")
    return {f.objects[0].split(".")[1]: f for f in found}


def run(findings: list[Finding], evidence: CalibrationInput, config: Config | None = None) -> dict[str, Finding]:
    out, _ = calibrate(findings, evidence, config)
    return {f.objects[0].split(".")[1]: f for f in out}


def line(finding: Finding) -> str:
    return str(dict(finding.data).get("calibration.line", ""))


def with_table(model: SchemaModel, name: str, **stats: Any) -> SchemaModel:
    """``model`` with one table's statistics changed (activity counters no test server can show)."""
    def changed(t: Table) -> Table:
        if t.qualified_name != name or t.stats is None:
            return t
        return dataclasses.replace(t, stats=dataclasses.replace(t.stats, **stats))
    return dataclasses.replace(model, tables=tuple(changed(t) for t in model.tables))


def aged(model: SchemaModel, days: float) -> SchemaModel:
    """``model`` whose activity statistics cover ``days`` (a server up that long)."""
    read_at = model.source.read_at
    assert read_at is not None
    return dataclasses.replace(model, source=dataclasses.replace(
        model.source, statistics_since=read_at - timedelta(days=days)))


class TestSize:
    def test_same_rule_three_severities_with_reasons(self, model: SchemaModel, fk_findings: dict[str, Finding]) -> None:
        """The missing FK index is P2 on 12 rows, P1 on 20,000, P0 on 120 M: each move says why."""
        out = run(list(fk_findings.values()), CalibrationInput(model))
        assert {name: out[name].severity for name in ("tiny", "mid", "huge")} == {
            "tiny": Severity.P2, "mid": Severity.P1, "huge": Severity.P0}
        assert line(out["tiny"]).startswith("severity lowered P1 → P2: tiny has 12 rows")
        assert line(out["huge"]).startswith("severity raised P1 → P0: huge holds 120.0 M rows (")
        assert out["tiny"].evidence[-1] == line(out["tiny"])
        assert line(out["mid"]) == ""  # neither small nor large: nothing to say, nothing moved

    def test_never_analyzed_keeps_default_and_says_unknown(
        self, model: SchemaModel, fk_findings: dict[str, Finding],
    ) -> None:
        """A table no ANALYZE counted keeps its severity, and the finding says the size is unknown."""
        out = run([fk_findings["fresh"]], CalibrationInput(model))
        assert (out["fresh"].severity, line(out["fresh"])) == (
            Severity.P1, "severity kept at P1: the size of fresh is unknown (never analyzed)")

    def test_thresholds_are_rule_options(self, model: SchemaModel, fk_findings: dict[str, Finding]) -> None:
        """``small-rows`` / ``large-rows`` by rule id move the 20,000-row table either way."""
        lower = Config(rule_options=(("fk-without-index", (("small-rows", 50_000),)),))
        higher = Config(rule_options=(("indexes", (("large-rows", 15_000),)),))
        assert run([fk_findings["mid"]], CalibrationInput(model), lower)["mid"].severity is Severity.P2
        assert run([fk_findings["mid"]], CalibrationInput(model), higher)["mid"].severity is Severity.P0

    def test_source_without_statistics_is_one_note(self, model: SchemaModel, fk_findings: dict[str, Finding]) -> None:
        """A model whose tables have no row counts (a .sql file), or only MySQL's cached estimates,
        keeps every severity, with one note."""
        bare = dataclasses.replace(model, tables=tuple(dataclasses.replace(t, stats=None) for t in model.tables))
        mysql = dataclasses.replace(model, source=dataclasses.replace(model.source, dialect="mysql"))
        for source in (bare, mysql):
            out, notes = calibrate(list(fk_findings.values()), CalibrationInput(source))
            assert [(f.severity, line(f)) for f in out] == [(Severity.P1, "")] * len(out)
            assert [n.rule for n in notes] == ["calibration"]

    def test_rewrite_hazard_weighed_by_duration(self, model: SchemaModel) -> None:
        """A pending table rewrite of a small table is P2; of 40 GB, P0 (grading's throughputs)."""
        hazard = Finding("column-type-rewrite", "migrations", Severity.P1, ("public.mid.parent_id",), "rewrite")
        quick = run([hazard], CalibrationInput(model))["mid"]
        assert (quick.severity, line(quick).split(": ", 1)[0]) == (Severity.P2, "severity lowered P1 → P2")
        big = with_table(model, "public.mid", table_bytes=30 * 1024**3, total_bytes=40 * 1024**3)
        slow = run([hazard], CalibrationInput(big))["mid"]
        assert slow.severity is Severity.P0
        assert "mid (40.0 GB) holds ACCESS EXCLUSIVE for about 14 minutes" in line(slow)


class TestConfiguration:
    def test_severity_override_wins(self, model: SchemaModel, fk_findings: dict[str, Finding]) -> None:
        """A rule (or category) whose severity the configuration sets is left alone, unannotated."""
        for key in ("fk-without-index", "indexes"):
            config = Config(severity=((key, Severity.P1),))
            out = run([fk_findings["tiny"]], CalibrationInput(model), config)["tiny"]
            assert (out.severity, line(out)) == (Severity.P1, "")

    def test_override_wins_in_the_audit(self, calib_url: str) -> None:
        """Through ``audit``: calibrated by default, the configured severity when one is set; a data
        check recalibrates the audit's findings from their defaults."""
        def tiny_of(findings: Iterable[Finding]) -> Finding:
            (tiny,) = [f for f in findings if f.rule == "fk-without-index" and f.objects[0] == "public.tiny.parent_id"]
            return tiny

        select = Config(select=("fk-without-index",))
        result = audit(calib_url, config=select, stats=False)
        tiny = tiny_of(result.findings)
        assert (tiny.severity, "calibration.from" in dict(tiny.data)) == (Severity.P2, True)
        overridden = audit(calib_url, config=dataclasses.replace(select, severity=(("indexes", Severity.P0),)))
        assert (tiny_of(overridden.findings).severity, tiny_of(overridden.findings).data) == (Severity.P0, ())
        data = {tiny.fingerprint: DataFact("confirmed", 2)}
        again, _ = calibrate(result.findings, calibration_input(result.model, result.inputs, data), select)
        assert tiny_of(again).severity is Severity.P1

    def test_calibration_off_by_option(self, model: SchemaModel, fk_findings: dict[str, Finding]) -> None:
        config = Config(rule_options=(("ALL", (("calibrate", False),)),))
        assert run([fk_findings["tiny"]], CalibrationInput(model), config)["tiny"].severity is Severity.P1

    def test_option_values(self) -> None:
        """Sizes in bytes or with units; the rule id beats its category beats ALL."""
        assert [parse_bytes(v) for v in (1024, "10 GB", "500MB", "1.5kB")] == [1024, 10 * 1024**3, 500 * 1024**2, 1536]
        options = {"ALL": {"small-rows": 1}, "indexes": {"small-rows": 2}, "fk-without-index": {"small-rows": 3}}
        assert [thresholds(options, r, "indexes").small_rows for r in ("fk-without-index", "redundant-index")] == [3, 2]
        with pytest.raises(ValueError, match="not a size"):
            parse_bytes("lots")


class TestCodeAndActivity:
    def test_code_path_holds_a_small_table(self, model: SchemaModel, fk_findings: dict[str, Finding]) -> None:
        """A small table the code joins through keeps its severity, and says both facts."""
        code = CodeFacts(joins=(JoinCondition("parent", "id", "tiny", "parent_id", Location("app/repo.py", 7)),))
        out = run([fk_findings["tiny"]], CalibrationInput(model, code=code))["tiny"]
        assert (out.severity, line(out)) == (Severity.P1, (
            "severity kept at P1: tiny has 12 rows, but the code joins through tiny.parent_id at app/repo.py:7"))

    def test_no_code_path_and_no_parent_deletes_support_the_lowering(
        self, model: SchemaModel, fk_findings: dict[str, Finding],
    ) -> None:
        quiet = with_table(aged(model, 3), "public.parent", n_tup_del=0)
        out = run([fk_findings["tiny"]], CalibrationInput(quiet, code=CodeFacts()))["tiny"]
        assert line(out) == ("severity lowered P1 → P2: tiny has 12 rows; no scanned code path uses it; no row of "
                             "parent was deleted in 3.0 days of statistics")

    def test_parent_deletes_raise(self, model: SchemaModel, fk_findings: dict[str, Finding]) -> None:
        """Each delete of the referenced table scans the child: 300 deletes/s raise the finding."""
        busy = with_table(aged(model, 1), "public.parent", n_tup_del=300 * 86400)
        out = run([fk_findings["mid"]], CalibrationInput(busy))["mid"]
        assert (out.severity, line(out)) == (
            Severity.P0, "severity raised P1 → P0: parent deletes 300 rows/s, each one scanning the child")

    def test_writes_raise_an_index_finding(self, model: SchemaModel) -> None:
        """Every write maintains every index: a table written 200 rows/s lifts too-many-indexes to P1."""
        many = Finding("too-many-indexes", "indexes", Severity.P2, ("public.mid",), "16 indexes")
        hot = with_table(aged(model, 1), "public.mid", n_tup_ins=100 * 86400, n_tup_upd=100 * 86400, n_tup_del=0)
        out = run([many], CalibrationInput(hot))["mid"]
        assert (out.severity, line(out)) == (Severity.P1, "severity raised P2 → P1: mid is written 200 rows/s")

    def test_rates_need_an_hour_of_statistics(self, model: SchemaModel, fk_findings: dict[str, Finding]) -> None:
        young = with_table(aged(model, 0.01), "public.parent", n_tup_del=10**9)
        assert run([fk_findings["mid"]], CalibrationInput(young))["mid"].severity is Severity.P1

    def test_frequent_statement_raises_a_search(self, model: SchemaModel) -> None:
        """pg_stat_statements shows the search running 5 times a second: P1 -> P0."""
        where = Location("app/search.py", 4)
        search = Finding("search-without-trigram-index", "indexes", Severity.P1, ("public.mid.id",), "search",
                         locations=(where,))
        read_at = model.source.read_at
        assert read_at is not None
        statement = StatementStats(queryid=1, query="SELECT ...", calls=5 * 7200, total_ms=1.0, mean_ms=1.0, rows=1,
                                   patterns=(QueryPattern("like", "public.mid", ("id",)),))
        runtime = RuntimeStatistics(collected_at=read_at, stats_since=read_at - timedelta(hours=2),
                                    statements=(statement,))
        code = CodeFacts(searches=(SearchPattern("mid", "id", "ilike", where),))
        out = run([search], CalibrationInput(model, code=code, runtime=runtime))["mid"]
        assert (out.severity, line(out)) == (Severity.P0, (
            "severity raised P1 → P0: the code runs it 5.0×/s (36,000 calls in 2.0 hours, pg_stat_statements); "
            "the code searches mid.id at app/search.py:4"))

    def test_unused_table_lowers_its_findings(self, model: SchemaModel) -> None:
        """No scan and no write in 8 days: the table's findings drop a level, unless the models map it."""
        idle = with_table(aged(model, 8), "public.mid", seq_scan=0, idx_scan=0, n_tup_ins=0, n_tup_upd=0, n_tup_del=0)
        drift = Finding("fk-missing", "integrity", Severity.P1, ("public.mid.parent_id",), "missing fk")
        out = run([drift], CalibrationInput(idle))["mid"]
        assert (out.severity, line(out)) == (
            Severity.P2, "severity lowered P1 → P2: mid was neither read nor written in 8.0 days of statistics "
                         "(this server only)")
        assert run([drift], CalibrationInput(idle, models=idle))["mid"].severity is Severity.P1


class TestData:
    def test_confirmed_raises_cleared_informs(self, model: SchemaModel, fk_findings: dict[str, Finding]) -> None:
        """check-data's outcome comes in by fingerprint or on the finding itself."""
        mid = fk_findings["mid"]
        confirmed = run([mid], CalibrationInput(model, data={mid.fingerprint: DataFact("confirmed", 3)}))["mid"]
        assert (confirmed.severity, line(confirmed)) == (
            Severity.P0, "severity raised P1 → P0: the data confirms it: 3 rows (check-data)")
        carried = dataclasses.replace(mid, data=(("check_data.outcome", "cleared"),))
        cleared = run([carried], CalibrationInput(model))["mid"]
        assert (cleared.severity, line(cleared)) == (
            Severity.P1, "severity kept at P1: the data shows none today (check-data), the schema still allows it")

    def test_data_against_size_cancel_out(self, model: SchemaModel, fk_findings: dict[str, Finding]) -> None:
        tiny = fk_findings["tiny"]
        out = run([tiny], CalibrationInput(model, data={tiny.fingerprint: DataFact("confirmed")}))["tiny"]
        assert (out.severity, line(out)) == (
            Severity.P1, "severity kept at P1: tiny has 12 rows, but the data confirms it (check-data)")

    def test_calibrating_again_starts_from_the_default(
        self, model: SchemaModel, fk_findings: dict[str, Finding],
    ) -> None:
        """A second run (check-data after the audit) recomputes from the rule's severity: one line."""
        once, _ = calibrate([fk_findings["tiny"]], CalibrationInput(model))
        twice, _ = calibrate(once, CalibrationInput(model))
        assert twice == once
        data = {fk_findings["tiny"].fingerprint: DataFact("confirmed")}
        again, _ = calibrate(once, CalibrationInput(model, data=data))
        assert (again[0].severity, sum(e.startswith("severity ") for e in again[0].evidence)) == (Severity.P1, 1)


class TestRules:
    def test_bounds_and_one_level(self) -> None:
        """Never above P0 or below P2, one level at most, a hold cancels a lowering."""
        raise_, lower, hold = Reason.of("raise", "large"), Reason.of("lower", "small"), Reason.of("hold", "code_join")
        assert [decide(Severity.P0, [raise_, raise_]), decide(Severity.P2, [lower]), decide(Severity.P2, [raise_]),
                decide(Severity.P1, [lower, hold]), decide(Severity.P1, [raise_, lower])] == [
            Severity.P0, Severity.P2, Severity.P1, Severity.P1, Severity.P1]

    def test_scale_table_matches_the_profiles(self) -> None:
        """Every scale-sensitive profile says how it scales (activity, or a rewrite's duration)."""
        sensitive = {rule for rule, p in PROFILES.items() if p.scale_sensitive}
        assert sensitive == set(SCALE) | {r for r, (kind, _) in COSTS.items() if kind != "fails"}

    def test_text_in_chinese(self, model: SchemaModel, fk_findings: dict[str, Finding]) -> None:
        """The reasons are phrases of the catalogue: the report writes them in its language."""
        tiny = run([fk_findings["tiny"]], CalibrationInput(model))["tiny"]
        assert calibration_text(dict(tiny.data), "zh") == "严重度由 P1 下调为 P2: tiny 只有 12 行"
