"""``dbaudit fleet`` against real databases: live ones, a dead one, a silent one, a drifted one."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import psycopg
import pytest
from click.testing import CliRunner, Result

from dbaudit.cli.main import cli
from dbaudit.fleet import FleetConfig, FleetTarget, audit_fleet, merge_fleet, write_fleet_report
from dbaudit.scratch import ScratchServer
from tests.databases import database_with

ROOT = Path(__file__).resolve().parents[2]
FLEET_SCHEMA = ROOT / "docs" / "fleet-schema-v1.json"
REPORT_SCHEMA = ROOT / "docs" / "report-schema-v1.json"

# One known problem per database: no index leads with item_tags.tag_id (fk-without-index, P1).
DDL = """
CREATE TABLE tags (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);
CREATE TABLE items (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);
CREATE TABLE item_tags (
    item_id bigint NOT NULL REFERENCES items (id),
    tag_id bigint NOT NULL REFERENCES tags (id),
    PRIMARY KEY (item_id, tag_id)
);
CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);
"""
# The same schema after a migration one database has not run and a hand-made change.
DRIFT = """
ALTER TABLE items ADD COLUMN price numeric(10, 2);
CREATE TABLE audit_log (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text NOT NULL);
DROP TABLE item_tags;
"""
Conn = psycopg.Connection[tuple[object, ...]]


def _set_version(url: str, version: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO alembic_version VALUES (%s)", (version,))


@pytest.fixture(scope="module")
def fleet_urls(pg_server: ScratchServer, pg_template: str) -> Iterator[dict[str, str]]:
    """Three databases of one structure (two at revision r2, one still at r1) and a drifted fourth."""
    made = [database_with(pg_server, pg_template, ddl, prefix="dbaudit_t_fleet_")
            for ddl in (DDL, DDL, DDL, DDL + DRIFT)]
    urls = [next(gen) for gen in made]
    names = ("eu-1", "eu-2", "us-1", "drifted")
    for url, version in zip(urls, ("r2", "r2", "r1", "r2"), strict=True):
        _set_version(url, version)
    yield dict(zip(names, urls, strict=True))
    for gen in made:
        gen.close()


def _fleet(urls: dict[str, str], *names: str) -> FleetConfig:
    return FleetConfig(tuple(FleetTarget(name=n, url=urls[n]) for n in names))


def _validate(document: Any, schema_path: Path) -> list[str]:
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def _closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


class TestDeadDatabase:
    def test_dead_database_fails_alone(self, fleet_urls: dict[str, str], tmp_path: Path) -> None:
        """A database nobody answers for is reported with its one-line error; the live ones are audited
        and their reports written; the exit code is 2 with a clear last line."""
        dead = f"postgresql://nobody:s3cret@127.0.0.1:{_closed_port()}/gone"
        out = tmp_path / "out"
        result = run("fleet", fleet_urls["eu-1"], fleet_urls["eu-2"], fleet_urls["us-1"], dead, "-o", str(out),
                     "--format", "json,md")
        assert result.exit_code == 2, result.stderr
        document = json.loads((out / "fleet.json").read_text(encoding="utf-8"))
        by_name = {d["name"]: d for d in document["databases"]}
        assert by_name["gone"]["status"] == "error"
        assert "server unreachable" in by_name["gone"]["error"]
        assert sorted(n for n, d in by_name.items() if d["status"] == "ok") == sorted(
            n for n in by_name if n != "gone")
        assert len(by_name) == 4
        for name, db in by_name.items():
            if name != "gone":
                report = json.loads((out / db["reports"][0].rsplit("/", 1)[0] / "report.json").read_text())
                assert report["database"]["name"] == name
                assert [f["objects"] for f in report["findings"] if f["rule"] == "fk-without-index"] == [
                    ["public.item_tags.tag_id"]]
        assert not (out / "gone").exists()
        last = result.stderr.strip().splitlines()[-1]
        assert last.startswith("error: 1 of 4 databases could not be audited: gone (")
        assert "s3cret" not in result.stderr
        assert "s3cret" not in (out / "fleet.json").read_text() + (out / "fleet.md").read_text()
        # progress per database: its start, then its outcome with the count of databases done
        assert "gone: auditing (" in result.stderr
        assert re.search(r"^\[[1-4]/4\] gone: FAILED \([0-9.]+ s\): ", result.stderr, re.M), result.stderr
        assert len(re.findall(r"^\[[1-4]/4\] ", result.stderr, re.M)) == 4

    def test_silent_database_times_out_alone(self, fleet_urls: dict[str, str], tmp_path: Path) -> None:
        """A server that accepts the connection and never answers is stopped at --timeout; with one
        worker, the database after it is audited by a fresh worker, long before the driver's own 10 s
        connect timeout would have ended the wait."""
        with socket.socket() as silent:
            silent.bind(("127.0.0.1", 0))
            silent.listen(8)  # the kernel completes the handshake; nobody ever speaks
            port = silent.getsockname()[1]
            started = time.monotonic()
            result = audit_fleet([f"postgresql://x@127.0.0.1:{port}/silent", fleet_urls["eu-1"]],
                                 output_dir=tmp_path, formats=("json",), timeout_s=1.5, concurrency=1)
            took = time.monotonic() - started
        by_name = {d.name: d for d in result.databases}
        assert by_name["silent"].status == "timeout"
        assert by_name["silent"].error == "timed out after 1.5 s"
        assert next(d for n, d in by_name.items() if n != "silent").ok
        assert took < 9, took
        assert result.exit_code() == 2

    def test_unset_variable_fails_alone(self, fleet_urls: dict[str, str], tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
        """A fleet file target whose url_env is not set fails with that reason; the others run."""
        monkeypatch.delenv("DBAUDIT_TEST_FLEET_NOWHERE", raising=False)
        monkeypatch.setenv("DBAUDIT_TEST_FLEET_EU1", fleet_urls["eu-1"])
        config = tmp_path / "fleet.toml"
        config.write_text('[[targets]]\nname = "eu-1"\nurl_env = "DBAUDIT_TEST_FLEET_EU1"\n\n'
                          '[[targets]]\nname = "lost"\nurl_env = "DBAUDIT_TEST_FLEET_NOWHERE"\n', encoding="utf-8")
        result = audit_fleet(config, output_dir=tmp_path / "out", formats=("json",))
        by_name = {d.name: d for d in result.databases}
        assert by_name["eu-1"].ok
        assert by_name["lost"].status == "error"
        assert by_name["lost"].error == "environment variable DBAUDIT_TEST_FLEET_NOWHERE is not set"


@pytest.fixture(scope="module")
def fleet_dir(fleet_urls: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The four databases audited in one fleet run, two at a time, with the aggregated report."""
    out = tmp_path_factory.mktemp("fleet")
    result = audit_fleet(_fleet(fleet_urls, "eu-1", "eu-2", "us-1", "drifted"), output_dir=out,
                         formats=("json", "md", "html"), concurrency=2)
    write_fleet_report(result, out)
    return out


class TestAggregate:
    def test_drift_matrix(self, fleet_dir: Path) -> None:
        """The drifted database forms group B, described against the three alike ones (group A): the
        table it lacks, the table only it has, the table whose structure differs."""
        drift = json.loads((fleet_dir / "fleet.json").read_text())["drift"]
        a, b = drift["groups"]
        assert (a["label"], a["databases"], a["reference"]) == ("A", ["eu-1", "eu-2", "us-1"], True)
        assert (b["label"], b["databases"]) == ("B", ["drifted"])
        assert b["missing_tables"] == ["public.item_tags"]
        assert b["extra_tables"] == ["public.audit_log"]
        assert b["changed_tables"] == ["public.items"]
        assert drift["matrix"] == {"A": {"A": 0, "B": 3}, "B": {"A": 3, "B": 0}}
        md = (fleet_dir / "fleet.md").read_text()
        assert "- group B: tables with another structure: public.items" in md
        assert "| B | " in md

    def test_findings_matrix(self, fleet_dir: Path) -> None:
        """fk-without-index is counted once in each database that has item_tags, not in the drifted one."""
        rows = {r["rule"]: r for r in json.loads((fleet_dir / "fleet.json").read_text())["findings_matrix"]}
        row = rows["fk-without-index"]
        assert row["databases"] == {"eu-1": 1, "eu-2": 1, "us-1": 1}
        assert (row["severity"], row["total"]) == ("P1", 3)

    def test_alembic_side_by_side(self, fleet_dir: Path) -> None:
        """us-1 is at r1 while the others are at r2: it is the one named as behind."""
        alembic = json.loads((fleet_dir / "fleet.json").read_text())["alembic"]
        assert alembic["tables"] == ["public.alembic_version"]
        assert alembic["common"] == {"public.alembic_version": ["r2"]}
        assert alembic["differing"] == ["us-1"]
        assert alembic["databases"]["us-1"] == {"public.alembic_version": ["r1"]}

    def test_documents_validate(self, fleet_dir: Path) -> None:
        """fleet.json validates against docs/fleet-schema-v1.json, each database's report.json against
        the audit report's schema, and the HTML links each database's HTML report."""
        assert _validate(json.loads((fleet_dir / "fleet.json").read_text()), FLEET_SCHEMA) == []
        for name in ("eu-1", "eu-2", "us-1", "drifted"):
            assert _validate(json.loads((fleet_dir / name / "report.json").read_text()), REPORT_SCHEMA) == []
        assert 'href="drifted/report.html"' in (fleet_dir / "fleet.html").read_text()


class TestMerge:
    def test_merge_equals_in_process(self, fleet_urls: dict[str, str], tmp_path: Path) -> None:
        """JSON reports of separate `dbaudit audit --fleet-name` runs merge into the same aggregate
        (databases, findings matrix, drift, Alembic) as the fleet run in one process."""
        names = ("eu-1", "us-1", "drifted")
        for name in names:
            audited = run("audit", fleet_urls[name], "--fleet-name", name, "--format", "json",
                          "-o", str(tmp_path / "jobs" / name), "-q")
            assert audited.exit_code in (0, 1), audited.stderr
        merged = run("fleet", "--merge", str(tmp_path / "jobs"))
        assert merged.exit_code == 1, merged.stderr
        in_process = audit_fleet(_fleet(fleet_urls, *names), output_dir=tmp_path / "fleet", formats=("json",))
        mine = json.loads((tmp_path / "jobs" / "fleet.json").read_text())
        theirs = in_process.to_json()

        def same(document: dict[str, Any]) -> dict[str, Any]:
            local = {"elapsed_s", "reports"}  # the run's own: timings and where it wrote
            return {**{k: document[k] for k in ("summary", "findings_matrix", "drift", "alembic", "exit_code")},
                    "databases": [{k: v for k, v in d.items() if k not in local} for d in document["databases"]]}

        assert same(mine) == same(theirs)
        assert mine["mode"] == "merge"
        assert theirs["mode"] == "run"

    def test_missing_report_of_an_expected_database(self, fleet_urls: dict[str, str], tmp_path: Path) -> None:
        """With the fleet file, a database whose job wrote no report is a failed database (exit 2)."""
        audited = run("audit", fleet_urls["eu-1"], "--fleet-name", "eu-1", "--format", "json",
                      "-o", str(tmp_path / "jobs" / "eu-1"), "-q")
        assert audited.exit_code in (0, 1)
        config = tmp_path / "fleet.toml"
        config.write_text('[[targets]]\nname = "eu-1"\nurl_env = "A"\n\n[[targets]]\nname = "eu-2"\nurl_env = "B"\n',
                          encoding="utf-8")
        result = merge_fleet(tmp_path / "jobs", expected=config)
        by_name = {d.name: d for d in result.databases}
        assert by_name["eu-1"].ok
        assert (by_name["eu-2"].status, by_name["eu-2"].error) == (
            "missing", f"no report for this database in {tmp_path / 'jobs'}")
        assert result.exit_code() == 2


class TestConcurrency:
    def test_bounded(self, fleet_urls: dict[str, str], tmp_path: Path) -> None:
        """Six audits of one database with --concurrency 2: never more than two run at once (the pool's
        own count), and the server never sees more than 2 × 2 dbaudit connections to that database (an
        audit's catalog read uses two), sampled from pg_stat_activity throughout the run."""
        url = fleet_urls["eu-1"]
        database = url.rsplit("/", 1)[1]
        seen: list[int] = []
        stop = threading.Event()

        def sample() -> None:
            with psycopg.connect(url, autocommit=True, application_name="fleet-test-sampler") as conn:
                while not stop.is_set():
                    row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                                       "AND application_name = 'dbaudit'", (database,)).fetchone()
                    seen.append(int(row[0]) if row else 0)
                    time.sleep(0.002)

        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            result = audit_fleet([url] * 6, output_dir=tmp_path, formats=("json",), concurrency=2)
        finally:
            stop.set()
            sampler.join()
        assert [d.status for d in result.databases] == ["ok"] * 6
        assert result.peak_running == 2
        assert result.concurrency == 2
        assert max(seen) <= 4, max(seen)
        assert max(seen) >= 1  # the sampler saw the audits (the bound above is not vacuous)


class TestAuditJson:
    def test_database_block(self, fleet_urls: dict[str, str]) -> None:
        """A plain audit's JSON names its database and Alembic revisions; with --fleet-name it also carries
        the schema fingerprint a snapshot records, and each table's."""
        from dbaudit import take_snapshot  # noqa: PLC0415

        url = fleet_urls["us-1"]
        plain = json.loads(run("audit", url, "--format", "json", "-q").stdout)["database"]
        assert plain == {"name": url.rsplit("/", 1)[1], "alembic_versions": {"public.alembic_version": ["r1"]},
                         "fingerprint": None, "tables": None}
        named = json.loads(run("audit", url, "--format", "json", "-q", "--fleet-name", "us-1").stdout)["database"]
        assert named["name"] == "us-1"
        assert named["fingerprint"] == take_snapshot(url).fingerprint
        assert sorted(named["tables"]) == ["public.alembic_version", "public.item_tags", "public.items",
                                           "public.tags"]
        assert all(len(fp) == 16 for fp in named["tables"].values())
