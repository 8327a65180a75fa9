"""Capacity rules on real PostgreSQL: forecasts and estimates read by the statistics source (here without
pg_stat_statements: ``--stats`` reads growth, XID age and bloat without it)."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from dbaudit.config import Config
from dbaudit.engine import run_rules
from dbaudit.findings import Severity
from dbaudit.model.schema import SchemaModel
from dbaudit.model.statistics import RuntimeStatistics
from dbaudit.rules import RuleContext
from dbaudit.sources.stats import StatsOptions, read_statistics
from tests.rules.conftest import findings_for, read_model

INT4_MAX = 2_147_483_647
AT_80 = 1_717_986_917  # 80 % of the int4 range


def _loaded(pg_url: str, ddl: str) -> tuple[SchemaModel, RuntimeStatistics]:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(ddl)
    model = read_model(pg_url)
    stats = read_statistics(pg_url, model, options=StatsOptions(require=True))
    assert stats is not None
    return model, stats


def _events(per_day: int) -> str:
    """An int4 serial table at 80 % whose ids advance ``per_day`` a day (81 days of dated rows)."""
    return f"""
        CREATE TABLE events (id serial PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now());
        INSERT INTO events (id, created_at)
        SELECT {AT_80} - k * {per_day}, now() - make_interval(days => k) FROM generate_series(0, 80) k;
        SELECT setval('events_id_seq', {AT_80});
    """


class TestSequenceExhaustion:
    def test_sequence_at_80_percent_reports_its_days_left(self, pg_url: str) -> None:
        """80 % used, 3,000,000 ids a day: ~143 days left, P1, on the key column (grouped with the int4
        key finding, which carries the same forecast)."""
        model, stats = _loaded(pg_url, _events(3_000_000))
        (growth,) = stats.sequences
        expected = (INT4_MAX - AT_80) / 3_000_000
        assert growth.per_day == pytest.approx(3_000_000, rel=1e-6)
        assert growth.days_left == pytest.approx(expected, rel=1e-6)
        (found,) = findings_for(model, "sequence-exhaustion", runtime=stats)
        assert (found.severity, found.objects) == (Severity.P1, ("public.events.id",))
        assert found.title == f"Sequence public.events_id_seq runs out in ~{expected:,.0f} days (80.0% used)"
        assert dict(found.data)["days_left"] == pytest.approx(expected, abs=0.1)
        (key,) = findings_for(model, "int4-key-overflow-risk", runtime=stats)
        assert any(e.endswith(f"{expected:,.0f} days left at this rate (forecast)") for e in key.evidence)

    def test_slow_growth_is_beyond_the_horizon(self, pg_url: str) -> None:
        """80 % used but 100,000 ids a day (~4,295 days): no exhaustion finding; the key finding still
        says how long it lasts."""
        model, stats = _loaded(pg_url, _events(100_000))
        assert findings_for(model, "sequence-exhaustion", runtime=stats) == []
        (key,) = findings_for(model, "int4-key-overflow-risk", runtime=stats)
        assert any("4,295 days left" in e for e in key.evidence)

    def test_skipped_without_statistics(self, pg_url: str) -> None:
        """No statistics input: the capacity rules are skipped with a note."""
        model, _stats = _loaded(pg_url, _events(3_000_000))
        run = run_rules(RuleContext(model=model), Config(select=("capacity",)))
        assert (run.findings, set(run.rules_skipped)) == (
            (), {"sequence-exhaustion", "xid-wraparound-risk", "estimated-bloat"})
        assert all("no query statistics were read" in n.message for n in run.notes)


def _database(pg_url: str) -> str:
    return pg_url.rsplit("/", 1)[1].split("?", 1)[0]


class TestXidWraparound:
    def test_thresholds(self, pg_url: str) -> None:
        """Ages are read per database; past the thresholds (lowered here: a test cannot age a database by
        a billion transactions) the database is P1, then P0, with its headroom; not by default."""
        model, stats = _loaded(pg_url, "CREATE TABLE t (id int)")
        mine = f"database {_database(pg_url)}"
        assert [f for f in findings_for(model, "xid-wraparound-risk", runtime=stats) if f.objects == (mine,)] == []
        low: dict[str, Any] = {"warn_percent": 1e-9, "danger_percent": 100}
        (warn,) = [f for f in findings_for(model, "xid-wraparound-risk", runtime=stats, options=low)
                   if f.objects == (mine,)]
        assert warn.severity == Severity.P1
        assert "transaction IDs of headroom before wraparound" in warn.evidence[0]
        danger = {"warn_percent": 1e-9, "danger_percent": 1e-9}
        assert {f.severity for f in findings_for(model, "xid-wraparound-risk", runtime=stats, options=danger)
                if f.objects == (mine,)} == {Severity.P0}


class TestEstimatedBloat:
    def test_deleted_rows_leave_estimated_bloat(self, pg_url: str) -> None:
        """Nine rows in ten deleted without VACUUM: the table is reported as an estimate; a freshly
        loaded table with the same options is not."""
        model, stats = _loaded(pg_url, """
            CREATE TABLE churn (id int PRIMARY KEY, payload text NOT NULL);
            INSERT INTO churn SELECT g, repeat('x', 120) FROM generate_series(1, 20000) g;
            DELETE FROM churn WHERE id % 10 <> 0;
            CREATE TABLE fresh (id int PRIMARY KEY, payload text NOT NULL);
            INSERT INTO fresh SELECT g, repeat('x', 120) FROM generate_series(1, 2000) g;
            ANALYZE churn; ANALYZE fresh;
        """)
        options = {"min_bytes": 100_000, "min_ratio": 0.5}
        found = {f.objects[0]: f for f in findings_for(model, "estimated-bloat", runtime=stats, options=options)}
        assert "public.churn" in found
        assert "public.fresh" not in found
        assert "an estimate from pg_stats" in found["public.churn"].evidence[0]
        assert found["public.churn"].severity == Severity.P2
