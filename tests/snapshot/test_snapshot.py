"""Snapshots and their diff: the file format, the JSON Schema, thresholds, and the done-when flow
(snapshot -> delete rows / add a column -> snapshot -> diff) on real PostgreSQL, SQLite and MariaDB."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import psycopg
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from dbaudit.cli.main import cli
from dbaudit.errors import SourceError
from dbaudit.model import SchemaModel, SourceInfo, schema_fingerprint
from dbaudit.snapshot import (
    Snapshot,
    SnapshotFormatError,
    SnapshotSource,
    TableSnapshot,
    Threshold,
    diff_snapshots,
    read_snapshot,
    snapshot_from_json,
    snapshot_to_json,
    take_snapshot,
    write_snapshot,
)
from dbaudit.sources import load_source

Conn = psycopg.Connection[tuple[Any, ...]]
SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "snapshot-schema-v1.json").read_text(encoding="utf-8"))

SHOP = """
CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL);
CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers (id), total numeric);
INSERT INTO customers SELECT g, 'c' || g || '@example.com' FROM generate_series(1, 40) g;
INSERT INTO orders SELECT g, 1 + g % 40, g FROM generate_series(1, 300) g;
CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);
INSERT INTO alembic_version VALUES ('0001');
"""


def _snap(tables: list[TableSnapshot], *, exact: bool = True, schema: SchemaModel | None = None,
          fingerprint: str | None = None) -> Snapshot:
    return Snapshot(datetime(2025, 10, 27, tzinfo=UTC), SnapshotSource("postgresql", "db", "postgresql"), "15",
                    exact, tuple(tables), {}, fingerprint, schema)


def _run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


class TestDocument:
    def test_round_trip_and_schema(self, pg_exec: Conn, pg_url: str, tmp_path: Path) -> None:
        """What snapshot writes validates against docs/snapshot-schema-v1.json and reads back equal."""
        pg_exec.execute(SHOP)
        snapshot = take_snapshot(pg_url, exact=True)
        path = write_snapshot(snapshot, tmp_path / "s.json")
        jsonschema.validate(json.loads(path.read_text(encoding="utf-8")), SCHEMA)
        again = read_snapshot(path)
        assert again.tables == snapshot.tables
        assert again.schema == snapshot.schema
        assert again.fingerprint == snapshot.fingerprint
        assert again.alembic_versions == {"public.alembic_version": ("0001",)}
        assert snapshot_to_json(again) == path.read_text(encoding="utf-8")

    def test_password_never_written(self, pg_url: str, tmp_path: Path) -> None:
        """The source URL is stored without its password."""
        url = pg_url.replace("postgres@", "postgres:hunter2@")
        text = snapshot_to_json(take_snapshot(url))
        assert "hunter2" not in text
        assert "***" in text

    @pytest.mark.parametrize(("text", "message"), [
        ("{not json", "not valid JSON"),
        ('{"format": "other"}', 'not a dbaudit snapshot'),
        ('{"format": "dbaudit-snapshot", "format_version": 9}', "unsupported snapshot format_version 9"),
        ('{"format": "dbaudit-snapshot", "format_version": 1, "taken_at": "2025-01-01T00:00:00+00:00", '
         '"source": {"kind": "sqlite", "name": "x", "dialect": "sqlite"}, "rows": "estimated", '
         '"alembic_versions": {}, "tables": [{"name": "t", "kind": "table", "rows_estimated": -1, '
         '"rows_exact": null, "total_bytes": null}], "schema": null}', "tables[0].rows_estimated must be"),
        ('{"format": "dbaudit-snapshot", "format_version": 1, "taken_at": "yesterday", '
         '"source": {"kind": "sqlite", "name": "x", "dialect": "sqlite"}}', "taken_at is not an ISO"),
    ])
    def test_corrupted_documents_say_what_is_wrong(self, text: str, message: str) -> None:
        with pytest.raises(SnapshotFormatError, match=re.escape(message)):
            snapshot_from_json(text)

    def test_truncated_file_is_one_line_exit_2(self, pg_exec: Conn, pg_url: str, tmp_path: Path) -> None:
        """A corrupted snapshot given to diff (or drift) is one line on stderr and exit code 2."""
        pg_exec.execute(SHOP)
        good = write_snapshot(take_snapshot(pg_url), tmp_path / "good.json")
        bad = tmp_path / "bad.json"
        bad.write_text(good.read_text(encoding="utf-8")[:500], encoding="utf-8")
        for args in (["diff", str(good), str(bad)], ["drift", str(bad), str(good)]):
            proc = subprocess.run([sys.executable, "-m", "dbaudit.cli", *args], capture_output=True, text=True,
                                  check=False)
            assert proc.returncode == 2, proc.stderr
            assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
            assert "Traceback" not in proc.stderr
            assert str(bad) in proc.stderr

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(SourceError, match="no such snapshot file"):
            read_snapshot(tmp_path / "none.json")


class TestThresholds:
    @pytest.mark.parametrize(("text", "before", "change", "crossed"), [
        ("0", 10, 1, True), ("0", 10, 0, False), ("5", 100, 5, False), ("5", 100, 6, True),
        ("5%", 100, 5, False), ("5%", 100, 6, True), ("10%", 0, 1, True), ("2.5%", 1000, 26, True),
    ])
    def test_crossed(self, text: str, before: int, change: int, crossed: bool) -> None:
        assert Threshold.parse(text).crossed(before, change) is crossed

    @pytest.mark.parametrize("text", ["", "-1", "ten", "5 %%", "1e3"])
    def test_rejected(self, text: str) -> None:
        with pytest.raises(ValueError, match="row count"):
            Threshold.parse(text)


class TestDiff:
    def test_rows_compared_on_the_same_basis(self) -> None:
        """Exact when both sides counted, else estimates when both have them, else unknown."""
        old = _snap([TableSnapshot("s.a", "table", 100, 90), TableSnapshot("s.b", "table", 10, None),
                     TableSnapshot("s.c", "table", None, None), TableSnapshot("s.gone", "table", 5, 5)])
        new = _snap([TableSnapshot("s.a", "table", 100, 80), TableSnapshot("s.b", "table", 12, 12),
                     TableSnapshot("s.c", "table", None, 3), TableSnapshot("s.new", "table", 1, 7)])
        diff = diff_snapshots(old, new, max_row_loss=Threshold.parse("5"))
        got = {t.name: (t.status, t.rows_before, t.rows_after, t.rows_delta, t.rows_basis) for t in diff.tables}
        assert got == {
            "s.a": ("changed", 90, 80, -10, "exact"),
            "s.b": ("changed", 10, 12, 2, "estimated"),
            "s.c": ("unknown", None, 3, None, None),
            "s.gone": ("removed", 5, None, -5, "exact"),
            "s.new": ("added", None, 7, 7, "exact"),
        }
        assert [(v.table, v.kind) for v in diff.violations] == [("s.a", "row-loss")]
        assert diff.schema_changes is None
        assert diff.schema_note is not None
        assert "OLD and NEW" in diff.schema_note

    def test_partitioned_parent_not_judged_twice(self) -> None:
        """A parent's sum is shown, but thresholds judge its partitions only."""
        old = _snap([TableSnapshot("s.p", "partitioned_table", 10, 10), TableSnapshot("s.p1", "partition", 10, 10)])
        new = _snap([TableSnapshot("s.p", "partitioned_table", 4, 4), TableSnapshot("s.p1", "partition", 4, 4)])
        diff = diff_snapshots(old, new, max_row_loss=Threshold.parse("0"))
        assert [v.table for v in diff.violations] == ["s.p1"]

    def test_same_fingerprint_skips_the_comparison(self) -> None:
        model = SchemaModel(SourceInfo("postgresql", "db"))
        same = _snap([], schema=model, fingerprint="f" * 64)
        diff = diff_snapshots(same, same)
        assert diff.schema_changes == ()


class TestDoneWhen:
    def _flow(self, url: str, change: Any, tmp_path: Path) -> tuple[Any, dict[str, Any]]:
        old, new = tmp_path / "old.json", tmp_path / "new.json"
        first = _run("snapshot", url, "-o", str(old), "--exact", "--jobs", "2")
        assert first.exit_code == 0, first.output
        change()
        second = _run("snapshot", url, "-o", str(new), "--exact")
        assert second.exit_code == 0, second.output
        result = _run("diff", str(old), str(new), "--format", "json", "--max-row-loss", "0")
        return result, json.loads(result.stdout)

    def test_postgres(self, pg_exec: Conn, pg_url: str, tmp_path: Path) -> None:
        """Exact row changes and the added column are reported; --max-row-loss 0 exits 1."""
        pg_exec.execute(SHOP)

        def change() -> None:
            pg_exec.execute("DELETE FROM orders WHERE id <= 25; ALTER TABLE customers ADD COLUMN phone text")

        result, doc = self._flow(pg_url, change, tmp_path)
        assert result.exit_code == 1
        rows = {t["name"]: (t["rows_before"], t["rows_after"], t["rows_delta"]) for t in doc["tables"]}
        assert rows["public.orders"] == (300, 275, -25)
        assert rows["public.customers"] == (40, 40, 0)
        assert [(c["change"], c["rule"], c["objects"]) for c in doc["schema_changes"]] == [
            ("added", "extra-column", ["public.customers.phone"])]
        assert [v["table"] for v in doc["violations"]] == ["public.orders"]
        ok = _run("diff", str(tmp_path / "old.json"), str(tmp_path / "new.json"), "--max-row-loss", "10%")
        assert ok.exit_code == 0, ok.output
        assert "public.customers.phone" in ok.output
        assert "| `public.orders` | changed | 300 | 275 | -25 | exact |" in ok.output

    def test_sqlite(self, tmp_path: Path) -> None:
        db = tmp_path / "shop.db"
        with sqlite3.connect(db) as conn:
            conn.executescript("CREATE TABLE items (id integer primary key, name text);"
                               "INSERT INTO items (name) SELECT 'x' FROM (WITH RECURSIVE c(n) AS "
                               "(SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 50) SELECT n FROM c);")

        def change() -> None:
            with sqlite3.connect(db) as conn:
                conn.executescript("DELETE FROM items WHERE id > 45; ALTER TABLE items ADD COLUMN price real;")

        result, doc = self._flow(f"sqlite:///{db}", change, tmp_path)
        assert result.exit_code == 1
        assert [(t["name"], t["rows_delta"]) for t in doc["tables"]] == [("main.items", -5)]
        assert [c["objects"] for c in doc["schema_changes"]] == [["main.items.price"]]

    @pytest.mark.mysql
    def test_mariadb(self, mysql_url: str, tmp_path: Path) -> None:
        engine = sa.create_engine(mysql_url)
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE items (id int primary key, name varchar(20))")
            conn.exec_driver_sql("INSERT INTO items VALUES " + ", ".join(f"({i}, 'x')" for i in range(30)))

        def change() -> None:
            with engine.begin() as conn:
                conn.exec_driver_sql("DELETE FROM items WHERE id < 3")
                conn.exec_driver_sql("ALTER TABLE items ADD COLUMN price decimal(8, 2)")

        try:
            result, doc = self._flow(mysql_url, change, tmp_path)
        finally:
            engine.dispose()
        schema = sa.engine.make_url(mysql_url).database
        assert result.exit_code == 1
        assert [(t["name"], t["rows_before"], t["rows_after"]) for t in doc["tables"]] == [(f"{schema}.items", 30, 27)]
        assert [c["objects"] for c in doc["schema_changes"]] == [[f"{schema}.items.price"]]


class TestAsSource:
    def test_snapshot_feeds_drift_and_audit(self, pg_exec: Conn, pg_url: str, tmp_path: Path) -> None:
        """load_source reads a snapshot's schema; drift against the live database finds nothing."""
        pg_exec.execute(SHOP)
        path = write_snapshot(take_snapshot(pg_url), tmp_path / "s.json")
        assert schema_fingerprint(load_source(str(path))) == schema_fingerprint(load_source(pg_url))
        assert _run("drift", str(path), pg_url).exit_code == 0
        audit = _run("audit", str(path), "--format", "json", "--fail-on", "P0")
        assert audit.exit_code == 0, audit.output
        assert json.loads(audit.stdout)["findings"]

    def test_model_file_audit_reads_no_statistics(self, pg_exec: Conn, pg_url: str, tmp_path: Path) -> None:
        """A PostgreSQL model file (or snapshot) is not a live database: no statistics, no error."""
        pg_exec.execute(SHOP)
        model = tmp_path / "model.json"
        assert _run("inspect", pg_url, "-o", str(model)).exit_code == 0
        audit = _run("audit", str(model), "--format", "json", "--fail-on", "P0", "--stats")
        assert audit.exit_code == 0, audit.output
        assert "--stats needs a live PostgreSQL database" in audit.stdout

    def test_rows_only_snapshot_is_not_a_schema_source(self, pg_exec: Conn, pg_url: str, tmp_path: Path) -> None:
        pg_exec.execute(SHOP)
        path = write_snapshot(take_snapshot(pg_url, schema=False), tmp_path / "rows.json")
        assert read_snapshot(path).fingerprint is None
        with pytest.raises(SourceError, match="holds no schema model"):
            load_source(str(path))


class TestCli:
    def test_output_must_be_a_file(self, tmp_path: Path) -> None:
        result = _run("snapshot", "sqlite:///x.db", "-o", str(tmp_path))
        assert result.exit_code == 2

    def test_bad_threshold_is_usage_error(self, tmp_path: Path) -> None:
        path = tmp_path / "s.json"
        write_snapshot(_snap([]), path)
        result = _run("diff", str(path), str(path), "--max-row-loss", "lots")
        assert result.exit_code == 2
        assert "--max-row-loss" in result.output
