"""``dbaudit drift A B``: sources by spec, JSON contract, exit codes 0 / 1 / 2."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
from click.testing import CliRunner

from dbaudit.cli.main import cli
from dbaudit.model import model_to_json
from dbaudit.scratch import ScratchServer
from dbaudit.sources.postgres import read_postgres
from tests.sources.test_alembic_head import MODELS, _linear


def _project(root: Path) -> Path:
    project = _linear(root)
    (project / "app").mkdir()
    (project / "app" / "__init__.py").write_text("")
    (project / "app" / "models.py").write_text(MODELS)
    return project


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["drift", *args])
    return result.exit_code, result.output


def _run_stdout(*args: str) -> tuple[int, str]:
    """The exit code and stdout alone (stderr may carry progress status lines off a terminal)."""
    result = CliRunner().invoke(cli, ["drift", *args])
    return result.exit_code, result.stdout


class TestDriftCommand:
    def test_clean_project_exits_zero(self, tmp_path: Path, pg_server: ScratchServer) -> None:
        """Models and migrations that agree: exit 0 and an empty findings list in the JSON contract."""
        project = _project(tmp_path)
        code, output = _run_stdout(
            f"migrations:{project}", "models:app.models:Base", "--project", str(project),
            "--format", "json", "--scratch-url", pg_server.admin_url,
        )
        report = json.loads(output)
        assert (code, report["format_version"], report["findings"], report["summary"],
                [s["kind"] for s in report["sources"]]) == (
            0, 1, [], {"P0": 0, "P1": 0, "P2": 0}, ["migrations", "models"]
        )

    def test_drift_exits_one_and_writes_file(
        self, tmp_path: Path, pg_server: ScratchServer, pg_url: str,
        pg_exec: psycopg.Connection[tuple[object, ...]],
    ) -> None:
        """Models against a database missing a foreign key: exit 1, the finding in the JSON file."""
        project = _project(tmp_path / "p")
        pg_exec.execute(
            "CREATE TABLE users (id serial PRIMARY KEY, email varchar(255) NOT NULL);"
            "CREATE TABLE orders (id int PRIMARY KEY, user_id int NOT NULL);"
            "CREATE INDEX ix_orders_user_id ON orders (user_id);"
        )
        out = tmp_path / "drift.json"
        code, _output = _run("models:app.models:Base", pg_url, "--project", str(project), "--format", "json",
                             "-o", str(out))
        report = json.loads(out.read_text())
        assert (code, [(f["rule"], f["severity"], f["objects"]) for f in report["findings"]]) == (
            1, [("fk-only-in-models", "P1", ["public.orders.user_id"])]
        )

    def test_fail_on_p0_exits_zero_for_p1(
        self, tmp_path: Path, pg_url: str, pg_exec: psycopg.Connection[tuple[object, ...]]
    ) -> None:
        """--fail-on P0 ignores a P1 finding for the exit code."""
        pg_exec.execute("CREATE TABLE t (id int PRIMARY KEY, c int)")
        model_file = tmp_path / "m.json"
        model_file.write_text(model_to_json(read_postgres(pg_url)))
        pg_exec.execute("DROP TABLE t; CREATE TABLE t (id int PRIMARY KEY, c int NOT NULL, d int NOT NULL)")
        code, _output = _run(str(model_file), pg_url, "--fail-on", "P0", "--format", "json")
        assert code == 0

    def test_database_vs_model_json_terminal(
        self, tmp_path: Path, pg_url: str, pg_exec: psycopg.Connection[tuple[object, ...]]
    ) -> None:
        """A model JSON against a live database prints the findings table; between two databases a
        missing table is P2, so the exit code is 1 only with --fail-on P2."""
        pg_exec.execute("CREATE TABLE t (id int PRIMARY KEY)")
        model_file = tmp_path / "m.json"
        model_file.write_text(model_to_json(read_postgres(pg_url)))
        pg_exec.execute("DROP TABLE t")
        code, output = _run(str(model_file), pg_url)
        strict, _ = _run(str(model_file), pg_url, "--fail-on", "P2")
        assert (code, strict, "missing-table" in output, "1 findings" in output) == (0, 1, True, True)

    def test_unreadable_source_exits_two(self, tmp_path: Path) -> None:
        """A models spec that cannot be imported is one error line and exit 2."""
        code, output = _run("models:nothing_here_xyz:Base", "models:nothing_here_xyz:Base",
                            "--project", str(tmp_path))
        assert (code, output.strip()) == (
            2, "error: models: cannot load nothing_here_xyz:Base: ModuleNotFoundError: No module named "
               "'nothing_here_xyz'"
        )

    def test_unknown_format_exits_two(self) -> None:
        """An unknown --format is a usage error."""
        code, output = _run("a.json", "b.json", "--format", "pdf")
        assert (code, output.strip()) == (2, "error: unknown format 'pdf' (expected md, html, json or sarif)")
