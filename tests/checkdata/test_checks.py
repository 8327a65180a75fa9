"""Data checks on real PostgreSQL, every name hostile: counts, sample keys, clean-ups, sampling, limits."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from dbaudit.checkdata import CheckOptions, Outcome, check_findings
from dbaudit.checkdata.render import render_json, render_markdown
from dbaudit.checkdata.results import CheckResult
from dbaudit.findings import Finding, Severity
from dbaudit.model.schema import SchemaModel
from dbaudit.scratch import ScratchServer
from dbaudit.sources.postgres import read_postgres
from dbaudit.sqltext import ident, qualified
from tests.databases import database_with

# Quotes, spaces, Unicode, reserved words, a 63-byte name, a line break, % and :name placeholders.
PARENT = 'we"ird\nunits'
CHILD = "select"
KEY = "Ünit id"
REF = "pct%:x_id"
COPY = "MixedCase"
WIDE = "n" * 63
PART = "tëst ünï"
SEQ = 'seq "q"'

DDL = f"""
CREATE TABLE {ident(PARENT)} ({ident(KEY)} integer PRIMARY KEY, {ident(COPY)} integer NOT NULL);
CREATE TABLE {ident(CHILD)} (id integer PRIMARY KEY, {ident(REF)} integer, {ident(COPY)} integer,
                             "status" text, "note col" varchar(10) DEFAULT 'x', created_at timestamptz);
INSERT INTO {ident(PARENT)} VALUES (1, 10), (2, 20);
INSERT INTO {ident(CHILD)} SELECT g, CASE WHEN g <= 3 THEN 100 + g ELSE 1 + g % 2 END,
    CASE WHEN g = 5 THEN 99 ELSE 10 * (1 + g % 2) END,
    (ARRAY['it''s', 'a' || chr(10) || 'b', '%s'])[1 + g % 3],
    CASE WHEN g <= 2 THEN NULL WHEN g <= 4 THEN repeat('v', 9 + g % 2) ELSE 'ok' END,
    now() - g * interval '1 hour'
FROM generate_series(1, 40) g;
CREATE TABLE {ident(PART)} (id bigint NOT NULL, day date NOT NULL, PRIMARY KEY (id, day)) PARTITION BY RANGE (day);
CREATE TABLE {ident(PART + " 1")} PARTITION OF {ident(PART)} FOR VALUES FROM ('2025-01-01') TO ('2025-02-01');
CREATE TABLE {ident(PART + " 2")} PARTITION OF {ident(PART)} FOR VALUES FROM ('2025-02-01') TO ('2025-03-01');
INSERT INTO {ident(PART)} VALUES (1, '2025-01-05'), (1, '2025-02-05'), (2, '2025-01-06'), (3, '2025-02-07');
CREATE SEQUENCE {ident(SEQ)} AS integer;
SELECT setval({qualified('public', SEQ)!r}::regclass, 2000000000);
CREATE TABLE {ident(WIDE)} (id integer PRIMARY KEY DEFAULT nextval({qualified('public', SEQ)!r}::regclass),
                            created_at timestamptz NOT NULL);
INSERT INTO {ident(WIDE)} SELECT 2000000000 - 1000000 * (20 - g), now() - (20 - g) * interval '1 day'
FROM generate_series(1, 20) g;
ANALYZE;
"""


def t(name: str) -> str:
    return f"public.{name}"


def finding(rule: str, objects: tuple[str, ...], severity: Severity = Severity.P1, **data: Any) -> Finding:
    return Finding(rule=rule, category="test", severity=severity, objects=objects, title=f"{rule} test",
                   data=tuple(sorted(data.items())))


FINDINGS = {
    "orphans": finding("fk-missing", (t(f"{CHILD}.{REF}"),), table=t(CHILD), columns=(REF,), ref_table=t(PARENT),
                       ref_columns=(KEY,)),
    "inconsistent": finding("redundant-column-without-consistency", (t(f"{CHILD}.{COPY}"),), table=t(CHILD),
                            key=REF, column=COPY, ref_table=t(PARENT), ref_key=KEY, parent_column=COPY),
    "repeated-ids": finding("partitioned-orm-key-mismatch", (t(PART),), Severity.P0, table=t(PART),
                            orm_primary_key=("id",), partition_columns=("day",)),
    "near-limit": finding("secret-in-bounded-varchar", (t(f"{CHILD}.note col"),), table=t(CHILD),
                          column="note col", column_limit=10),
    "nulls": finding("nullable-with-default", (t(f"{CHILD}.note col"),), Severity.P2, table=t(CHILD),
                     column="note col"),
    "values": finding("status-without-check", (t(f"{CHILD}.status"),), Severity.P2, table=t(CHILD), column="status",
                      values=("it's", "%s")),
    "sequence": finding("int4-key-overflow-risk", (t(f"{WIDE}.id"),), Severity.P2, table=t(WIDE), column="id",
                        sequence=t(SEQ), column_max=2147483647),
    "partitions-ahead": finding("partitions-missing-ahead", (t(PART),), today="2025-02-20", last_bound="2025-03-01"),
}


@pytest.fixture(scope="module")
def hostile_url(pg_server: ScratchServer, pg_template: str) -> Iterator[str]:
    yield from database_with(pg_server, pg_template, DDL)


@pytest.fixture(scope="module")
def model(hostile_url: str) -> SchemaModel:
    return read_postgres(hostile_url)


def run(url: str, model: SchemaModel, kind: str, **options: Any) -> tuple[Finding, CheckResult]:
    findings, results = check_findings(url, model, (FINDINGS[kind],), CheckOptions(**options))
    assert len(results) == 1
    return findings[0], results[0]


class TestCounts:
    def test_orphans(self, hostile_url: str, model: SchemaModel) -> None:
        """Rows whose key matches no parent row are counted and named by their primary key."""
        found, result = run(hostile_url, model, "orphans")
        assert (result.outcome, result.problems, result.scanned, result.sample_percent) == (
            Outcome.CONFIRMED, 3, 40, None)
        assert [json.loads(s) for s in result.samples] == [{"id": i, REF: 100 + i} for i in (1, 2, 3)]
        assert found.severity is Severity.P0
        checked = next(e for e in found.evidence if e.startswith("check-data: "))
        assert checked.startswith("check-data: orphan rows: 3 in 40 rows (full scan); e.g. ")
        assert found.evidence[-1] == "severity raised P1 → P0: the data confirms it: 3 rows (check-data)"
        assert dict(found.data)["check_data.severity_before"] == "P1"

    def test_inconsistent_rows(self, hostile_url: str, model: SchemaModel) -> None:
        """Rows whose copied column disagrees with the parent reached through the key are counted."""
        _found, result = run(hostile_url, model, "inconsistent")
        assert (result.outcome, result.problems, result.scanned) == (Outcome.CONFIRMED, 1, 37)
        assert json.loads(result.samples[0]) == {"id": 5, REF: 2, COPY: 99, f"{PARENT}.{COPY}": 20}

    def test_ids_repeated_across_partitions(self, hostile_url: str, model: SchemaModel) -> None:
        """An id in two partitions is one shared id, listed with both partitions."""
        _found, result = run(hostile_url, model, "repeated-ids")
        assert (result.outcome, result.problems, result.scanned) == (Outcome.CONFIRMED, 1, 4)
        assert json.loads(result.samples[0]) == {
            "id": 1, "rows": 2, "partitions": [qualified("public", PART + " 1"), qualified("public", PART + " 2")]}

    def test_values_near_the_length_limit(self, hostile_url: str, model: SchemaModel) -> None:
        """Values within 10% of varchar(10) (9 characters or more) are counted with their length."""
        _found, result = run(hostile_url, model, "near-limit")
        assert (result.problems, result.detail) == (2, {"longest": 10, "limit": 10, "threshold": 9})
        assert [json.loads(s)["length"] for s in result.samples] == [10, 9]

    def test_nulls_before_not_null(self, hostile_url: str, model: SchemaModel) -> None:
        _found, result = run(hostile_url, model, "nulls")
        assert (result.outcome, result.problems, result.check.blocks_fix) == (Outcome.CONFIRMED, 2, True)

    def test_values_in_use(self, hostile_url: str, model: SchemaModel) -> None:
        """The values in use are listed; rows outside the models' values are the problem count."""
        _found, result = run(hostile_url, model, "values")
        assert result.detail == {"distinct": 3, "values": [["a\nb", 14], ["%s", 13], ["it's", 13]]}
        assert result.problems == 14

    def test_sequence_days_left_from_row_timestamps(self, hostile_url: str, model: SchemaModel) -> None:
        """2,000,000,000 of 2,147,483,647 used at 1,000,000 ids a day: ~147 days left, confirmed."""
        found, result = run(hostile_url, model, "sequence")
        d = result.detail
        assert (result.outcome, d["rate_from"], d["per_day"], d["days_left"], d["used_percent"]) == (
            Outcome.CONFIRMED, "rows", 1000000, 147, 93.1323)
        assert found.severity is Severity.P1

    def test_sequence_growth_between_two_snapshots(self, hostile_url: str, model: SchemaModel) -> None:
        """An earlier snapshot's position gives the growth rate when it is given."""
        taken = datetime(2000, 1, 1, tzinfo=UTC).isoformat()
        _found, result = run(hostile_url, model, "sequence", previous_sequences={t(SEQ): (1_000_000_000, taken)})
        assert result.detail["rate_from"] == "snapshots"
        assert 0 < result.detail["per_day"] < 1_000_000

    def test_partitions_ahead_with_rows_arriving(self, hostile_url: str, model: SchemaModel) -> None:
        _found, result = run(hostile_url, model, "partitions-ahead")
        assert (result.outcome, result.detail["newest"], result.detail["days_left"]) == (
            Outcome.CONFIRMED, "2025-02-07", 9)

    def test_cleanup_queries_run_and_clear_the_count(self, hostile_url: str, model: SchemaModel) -> None:
        """Each clean-up query is valid SQL on hostile names and leaves no problem row (rolled back)."""
        for kind in ("orphans", "inconsistent", "nulls"):
            _found, result = run(hostile_url, model, kind)
            assert result.check.cleanup_sql is not None
            with psycopg.connect(hostile_url) as conn:
                conn.execute(result.check.cleanup_sql.encode())
                source = f"{qualified('public', result.check.table.name)} AS c"
                row = conn.execute(result.check.count(source).encode()).fetchone()
                conn.rollback()
            assert row is not None
            assert row[0] == 0, kind


class TestLimits:
    def test_clean_data_is_cleared(self, hostile_url: str, model: SchemaModel) -> None:
        """A full check that finds nothing clears the finding and keeps its severity."""
        clean = finding("nullable-with-default", (t(f"{PARENT}.{COPY}"),), Severity.P2, table=t(PARENT), column=COPY)
        findings, results = check_findings(hostile_url, model, (clean,))
        assert (results[0].outcome, findings[0].severity) == (Outcome.CLEARED, Severity.P2)
        assert findings[0].evidence[-2:] == (
            "check-data: no NULL rows in 2 rows (full scan)",
            "severity kept at P2: the data shows none today (check-data), the schema still allows it")

    def test_costly_check_samples_its_table(self, hostile_url: str, model: SchemaModel) -> None:
        """Above --max-cost a samplable check reads a TABLESAMPLE; the sample's estimate is reported."""
        _found, result = run(hostile_url, model, "orphans", max_cost=1)
        assert result.sample_percent is not None
        assert result.sample_percent < 100
        assert result.outcome in (Outcome.CONFIRMED, Outcome.NOT_SEEN)
        assert result.cost is not None

    def test_comparing_check_is_skipped_rather_than_sampled(self, hostile_url: str, model: SchemaModel) -> None:
        """Repeated ids cannot be found in a sample: above --max-cost the check is not run, and says why."""
        found, result = run(hostile_url, model, "repeated-ids", max_cost=1)
        assert result.outcome is Outcome.SKIPPED
        assert "run with --full" in (result.reason or "")
        assert found.severity is Severity.P0
        assert found.evidence[-1].startswith("check-data: not run: estimated cost")

    def test_full_ignores_the_cost_limit(self, hostile_url: str, model: SchemaModel) -> None:
        _found, result = run(hostile_url, model, "repeated-ids", max_cost=1, full=True)
        assert (result.outcome, result.sample_percent) == (Outcome.CONFIRMED, None)

    def test_failing_check_is_skipped(self, hostile_url: str, model: SchemaModel) -> None:
        """A check the server refuses is skipped with the reason; the run goes on."""
        slow = finding("nullable-with-default", (t(f"{CHILD}.x"),), table=t(CHILD), column="status")
        broken = finding("nullable-with-default", (t(f"{CHILD}.y"),), table=t(CHILD), column="no such column")
        findings, results = check_findings(hostile_url, model, (broken, slow), CheckOptions())
        assert [r.outcome for r in results] == [Outcome.SKIPPED, Outcome.CLEARED]
        assert "no such column" in (results[0].reason or "")
        by_object = {f.objects: f for f in findings}
        assert by_object[broken.objects].evidence[-1] == "check-data: not run: column c.no such column does not exist"


class TestReports:
    def test_markdown_in_both_languages_and_json(self, hostile_url: str, model: SchemaModel) -> None:
        """Every kind renders in English and Chinese; the JSON keeps counts, samples and clean-ups."""
        findings, results = check_findings(hostile_url, model, tuple(FINDINGS.values()), CheckOptions())
        now = datetime(2026, 1, 2, tzinfo=UTC)
        english = render_markdown(results, findings, target="db", generated_at=now, options=CheckOptions())
        chinese = render_markdown(results, findings, target="db", generated_at=now, options=CheckOptions(), lang="zh")
        assert "## Confirmed by the data" in english
        assert "## 数据已证实" in chinese
        assert "孤儿行" in chinese
        assert "checkdata." not in english + chinese  # no phrase key left untranslated
        document = json.loads(render_json(results, findings, target="db", generated_at=now, dbaudit_version="x",
                                          options=CheckOptions()))
        assert document["summary"]["confirmed"] == 8
        orphans = next(c for c in document["checks"] if c["kind"] == "orphans")
        assert (orphans["problems"], orphans["finding"]["severity_before"]) == (3, "P1")
        assert orphans["cleanup_sql"].startswith("DELETE FROM public.\"select\"")
