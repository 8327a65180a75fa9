"""The aggregated view built from database summaries, and reading a directory of reports."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from dbaudit.fleet import FleetResult
from dbaudit.fleet.aggregate import _label
from dbaudit.fleet.merge import read_reports
from dbaudit.fleet.render import render_fleet
from dbaudit.fleet.summary import DatabaseSummary, RuleCount, failed

NOW = datetime(2026, 1, 2, tzinfo=UTC)


def db(
    name: str, fingerprint: str | None = "f1", tables: dict[str, str] | None = None, **counts: int,
) -> DatabaseSummary:
    return DatabaseSummary(
        name=name, counts={"P0": counts.get("p0", 0), "P1": counts.get("p1", 0), "P2": counts.get("p2", 0)},
        rules={"fk-without-index": RuleCount(counts.get("p1", 0), "P1")} if counts.get("p1") else {},
        fingerprint=fingerprint, table_fingerprints=tables,
    )


def fleet(*databases: DatabaseSummary) -> FleetResult:
    return FleetResult(tuple(databases), generated_at=NOW, dbaudit_version="0")


class TestExitCode:
    def test_as_audit(self) -> None:
        """0 without findings at fail-on, 1 with, 2 as soon as one database could not be audited."""
        assert fleet(db("a", p2=3)).exit_code() == 0
        assert fleet(db("a", p2=3), db("b", p1=1)).exit_code() == 1
        assert fleet(db("a"), failed("b", "timeout", "timed out after 5 s")).exit_code() == 2

    def test_fail_on_per_database(self) -> None:
        """Each database counts against its own fail-on (its configuration, or the fleet's --fail-on)."""
        strict = DatabaseSummary(name="a", counts={"P0": 0, "P1": 0, "P2": 2}, fail_on="P2")
        assert fleet(strict).exit_code() == 1


class TestGroups:
    def test_reference_is_the_largest_group(self) -> None:
        """Groups are labelled by size; the others list missing, extra and changed tables against A."""
        ref = {"public.a": "1", "public.b": "2"}
        other = {"public.a": "1", "public.b": "9", "public.c": "3"}
        result = fleet(db("x", "fp2", other), db("y", "fp1", ref), db("z", "fp1", ref))
        a, b = result.groups
        assert (a.label, a.databases, b.label, b.databases) == ("A", ("y", "z"), "B", ("x",))
        assert (b.missing_tables, b.extra_tables, b.changed_tables) == ((), ("public.c",), ("public.b",))
        assert result.drift_matrix == {"A": {"A": 0, "B": 2}, "B": {"A": 2, "B": 0}}
        assert result.group_of == {"x": "B", "y": "A", "z": "A"}

    def test_difference_outside_tables(self) -> None:
        """Same tables, other fingerprints: the difference is said to lie in other objects."""
        same = {"public.a": "1"}
        (_, b) = fleet(db("x", "fp1", same), db("y", "fp1", same), db("z", "fp2", same)).groups
        assert b.other_objects_differ
        assert b.table_differences == 0

    def test_unknown_tables_and_no_fingerprint(self) -> None:
        """A group whose reports hold no per-table fingerprints is not described; a database with no
        fingerprint at all is listed apart, not grouped."""
        result = fleet(db("x", "fp1", {"public.a": "1"}), db("y", "fp2", None), db("z", None))
        assert [g.tables_known for g in result.groups] == [True, False]
        assert result.drift_matrix["A"]["B"] is None
        assert result.without_fingerprint == ("z",)
        assert "| A | = | ? |" in render_fleet(result, "md")

    def test_labels(self) -> None:
        """A..Z, then AA, AB: labels never run out."""
        assert [_label(n) for n in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]


class TestMatrix:
    def test_rows(self) -> None:
        """One row per rule: worst severity over the fleet, total, counts per database."""
        a = DatabaseSummary(name="a", rules={"r1": RuleCount(2, "P2"), "r2": RuleCount(1, "P0")})
        b = DatabaseSummary(name="b", rules={"r1": RuleCount(3, "P1")})
        rows = fleet(a, b).matrix
        assert [(r.rule, r.severity, r.total, r.counts) for r in rows] == [
            ("r2", "P0", 1, {"a": 1}), ("r1", "P1", 5, {"a": 2, "b": 3})]


class TestReadReports:
    def test_directory(self, tmp_path: Path) -> None:
        """Reports are found at any depth and named by database.name; a report.json that cannot be read
        is a failed database; other JSON files are passed over with a note, the fleet's own silently;
        two reports of one name are named by their paths."""
        report = {"format_version": 1, "findings": [{"rule": "r", "severity": "P1"}], "summary": {"P1": 1},
                  "database": {"name": "app"}}
        for rel in ("eu/report.json", "us/report.json"):
            (tmp_path / rel).parent.mkdir(parents=True)
            (tmp_path / rel).write_text(json.dumps(report))
        (tmp_path / "solo.json").write_text(json.dumps({**report, "database": {"name": "solo"}}))
        (tmp_path / "broken").mkdir()
        (tmp_path / "broken" / "report.json").write_text("{half")
        (tmp_path / "snapshot.json").write_text(json.dumps({"format": "snapshot"}))
        (tmp_path / "fleet.json").write_text(json.dumps({"fleet_format_version": 1}))
        summaries, notes = read_reports(tmp_path)
        assert [(s.name, s.status) for s in summaries] == [
            ("broken", "error"), ("eu", "ok"), ("solo", "ok"), ("us", "ok")]
        assert summaries[0].error is not None
        assert summaries[0].error.startswith("unreadable report broken/report.json:")
        assert notes == ["snapshot.json passed over: not a dbaudit audit report (JSON format version 1)"]
        assert summaries[1].rules["r"] == RuleCount(1, "P1")
        assert summaries[1].reports == ("eu/report.json",)
