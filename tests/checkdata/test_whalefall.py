"""check-data on the bundled example: exactly what its generator planted, nothing on clean data."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from dbaudit.checkdata import CheckDataResult, Outcome, check_data
from dbaudit.cli.main import cli
from dbaudit.config import Config
from dbaudit.scratch import ScratchServer
from tests.whalefall import WHALEFALL_DIR, BuiltExample, copy_of

MODELS = ("app.models:Base", str(WHALEFALL_DIR))
# The rules whose findings have a data check (a narrower audit keeps the test quick).
CHECKED = ["fk-missing", "redundant-column-without-consistency", "partitioned-orm-key-mismatch",
           "secret-in-bounded-varchar", "nullable-with-default", "int4-key-overflow-risk",
           "partitions-missing-ahead", "status-without-check"]


@pytest.fixture(scope="module")
def planted_url(pg_server: ScratchServer, whalefall_data_template: BuiltExample) -> Iterator[str]:
    yield from copy_of(pg_server, whalefall_data_template)


@pytest.fixture(scope="module")
def clean_url(pg_server: ScratchServer, whalefall_clean_template: BuiltExample) -> Iterator[str]:
    yield from copy_of(pg_server, whalefall_clean_template)


def checked(url: str) -> CheckDataResult:
    return check_data(url, config=Config().merged(select=CHECKED), models=MODELS[0], project_dir=MODELS[1])


@pytest.fixture(scope="module")
def planted_run(planted_url: str) -> CheckDataResult:
    return checked(planted_url)


class TestWhalefallData:
    def test_finds_exactly_the_planted_problems(self, planted_run: CheckDataResult,
                                                whalefall_data_template: BuiltExample) -> None:
        """Each planted problem is confirmed with the generator's count; nothing else is confirmed."""
        confirmed = {(r.check.rule, r.check.objects[0], r.check.kind, r.problems)
                     for r in planted_run.results if r.outcome is Outcome.CONFIRMED}
        planted = {(p["rule"], p["object"], p["kind"], p["count"]) for p in whalefall_data_template.planted}
        assert len(planted) == 6
        assert confirmed == planted
        assert planted_run.count(Outcome.SKIPPED) == 0

    def test_sequence_exhaustion_matches_the_plant(self, planted_run: CheckDataResult,
                                                   whalefall_data_template: BuiltExample) -> None:
        """The fast int4 key: the share used and the days left the generator planted."""
        plant = next(p for p in whalefall_data_template.planted if p["kind"] == "sequence")
        result = next(r for r in planted_run.results if r.check.objects == (plant["object"],))
        assert result.detail["used_percent"] == plant["used_percent"]
        assert abs(result.detail["days_left"] - plant["days_left"]) <= 2

    def test_confirmed_findings_rise_and_say_so(self, planted_run: CheckDataResult) -> None:
        """fk-missing (P1) with orphans becomes P0, and its evidence names the orphan rows."""
        fk = next(f for f in planted_run.findings if f.rule == "fk-missing")
        assert fk.severity.name == "P0"
        assert any(e.startswith("check-data: orphan rows: 12 in ") for e in fk.evidence)
        assert fk.evidence[-1].startswith("severity raised P1 → P0: ")
        assert "the data confirms it: 12 rows (check-data)" in fk.evidence[-1]
        assert dict(fk.data)["check_data.severity_before"] == "P1"

    def test_clean_database_confirms_nothing(self, clean_url: str) -> None:
        """The same example generated without plants: no check confirms a problem, none is skipped."""
        run = checked(clean_url)
        assert [(r.check.rule, r.check.objects[0]) for r in run.results if r.outcome is Outcome.CONFIRMED] == []
        assert run.count(Outcome.SKIPPED) == 0
        assert run.count(Outcome.CLEARED) > 0


class TestCommands:
    def test_check_data_json_and_exit_code(self, planted_url: str) -> None:
        """`dbaudit check-data URL --format json`: one JSON document, exit 1 as problems are confirmed."""
        result = CliRunner().invoke(cli, ["check-data", planted_url, "--select", "fk-missing,nullable-with-default",
                                          "--format", "json"], catch_exceptions=False)
        document = json.loads(result.stdout)
        assert (result.exit_code, document["kind"], document["summary"]["confirmed"]) == (1, "check-data", 2)
        assert "password" not in result.stdout

    def test_audit_with_check_data(self, planted_url: str) -> None:
        """`audit --check-data` puts the data's verdict into the findings of the report."""
        result = CliRunner().invoke(cli, ["audit", planted_url, "--select", "fk-missing", "--check-data",
                                          "--format", "json"], catch_exceptions=False)
        document = json.loads(result.stdout)
        (fk,) = document["findings"]
        assert (fk["severity"], fk["data"]["check_data.outcome"], fk["data"]["check_data.problems"]) == (
            "P0", "confirmed", 12)
        assert any(n["message"].startswith("check-data: 1 findings checked") for n in document["notes"])

    def test_check_data_refuses_a_database_without_rows_to_read(self, tmp_path: Path) -> None:
        """Only a live PostgreSQL database has data to check: anything else is one line, exit 2."""
        database = tmp_path / "app.db"
        with sqlite3.connect(database) as conn:
            conn.execute("CREATE TABLE t (id integer PRIMARY KEY, status text)")
        result = CliRunner().invoke(cli, ["check-data", f"sqlite:///{database}"])
        assert result.exit_code == 2
        assert "needs a live PostgreSQL database URL" in result.output
