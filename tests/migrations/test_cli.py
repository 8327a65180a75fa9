"""``dbaudit lint-migrations``: output formats, exit codes, --since, --fail-on, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from dbaudit.cli.main import cli


@pytest.fixture
def sql_dir(tmp_path: Path) -> Path:
    (tmp_path / "001_base.sql").write_text("CREATE TABLE t (a int, b text);\n", encoding="utf-8")
    (tmp_path / "002_change.sql").write_text(
        "SET lock_timeout = '2s';\nCREATE INDEX t_b ON t (b);\nALTER TABLE t DROP COLUMN a;\n", encoding="utf-8")
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["lint-migrations", *args])
    return result.exit_code, result.stdout, result.stderr


class TestLintCommand:
    def test_json_envelope(self, sql_dir: Path) -> None:
        """--format json prints the versioned envelope with findings and a summary; exit 1 on P1+."""
        code, out, _ = run(str(sql_dir), "--format", "json")
        doc = json.loads(out)
        assert code == 1
        assert (doc["format_version"], doc["sources"], doc["summary"]) == (
            1, [{"kind": "sql-migrations", "name": str(sql_dir)}], {"P0": 1, "P1": 1, "P2": 0})
        assert [(f["rule"], f["severity"], f["locations"]) for f in doc["findings"]] == [
            ("destructive-change", "P0", [{"path": "002_change.sql", "line": 3}]),
            ("non-concurrent-index", "P1", [{"path": "002_change.sql", "line": 2}]),
        ]

    def test_fail_on_threshold(self, sql_dir: Path) -> None:
        """Exit 0 when nothing is at or above --fail-on (here after --since leaves nothing)."""
        assert run(str(sql_dir), "--since", "002_change")[0] == 0
        assert run(str(sql_dir), "--fail-on", "P0")[0] == 1

    def test_table_output(self, sql_dir: Path) -> None:
        """The default output is a table with one row per finding and a summary line."""
        code, out, _ = run(str(sql_dir))
        assert code == 1
        assert "destructive-change" in out
        assert out.rstrip().endswith("2 finding(s) in 2 revision(s) (P0: 1, P1: 1, P2: 0)")

    def test_output_file(self, sql_dir: Path, tmp_path: Path) -> None:
        """-o writes the report to a file (atomically) and nothing to stdout."""
        target = tmp_path / "out" / "lint.json"
        code, out, _ = run(str(sql_dir), "--format", "json", "-o", str(target))
        assert (code, out) == (1, "")
        assert json.loads(target.read_text(encoding="utf-8"))["summary"] == {"P0": 1, "P1": 1, "P2": 0}

    def test_bad_fail_on(self, sql_dir: Path) -> None:
        """An unknown --fail-on is a usage error: exit 2."""
        code, _, err = run(str(sql_dir), "--fail-on", "P9")
        assert code == 2
        assert "Invalid value for '--fail-on'" in err

    def test_config_ignore_and_severity(self, sql_dir: Path) -> None:
        """[tool.dbaudit] ignore and severity overrides apply to migration findings."""
        (sql_dir / "dbaudit.toml").write_text(
            'ignore = ["destructive-change"]\n[severity]\n"non-concurrent-index" = "P2"\n', encoding="utf-8")
        code, out, _ = run(str(sql_dir), "--format", "json")
        doc = json.loads(out)
        assert (code, [(f["rule"], f["severity"]) for f in doc["findings"]]) == (0, [("non-concurrent-index", "P2")])

    def test_ignore_option(self, sql_dir: Path) -> None:
        """--ignore drops a rule's findings; the exit code follows what is left."""
        code, out, _ = run(str(sql_dir), "--format", "json", "--ignore", "destructive-change,non-concurrent-index")
        assert (code, json.loads(out)["findings"]) == (0, [])

    def test_unparsable_sql(self, tmp_path: Path) -> None:
        """A broken SQL migration is one clear error line and exit 2."""
        (tmp_path / "001.sql").write_text("ALTER TABLE ;\n", encoding="utf-8")
        code, _, err = run(str(tmp_path))
        assert code == 2
        assert err.startswith("error: 001.sql: unparsable SQL: syntax error at or near")
        assert err.strip().count("\n") == 0


class TestProcess:
    def test_broken_revision_exits_2_without_traceback(self, tmp_path: Path) -> None:
        """A revision file with a syntax error: exit 2, one line on stderr naming file and line."""
        versions = tmp_path / "migrations" / "versions"
        versions.mkdir(parents=True)
        (tmp_path / "migrations" / "env.py").write_text("", encoding="utf-8")
        (versions / "r1.py").write_text('revision = "r1"\ndown_revision = None\ndef upgrade(:\n', encoding="utf-8")
        proc = subprocess.run([str(Path(sys.executable).parent / "dbaudit"), "lint-migrations", str(tmp_path)],
                              capture_output=True, text=True, check=False)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.strip() == "error: migrations/versions/r1.py:3: broken migration file: invalid syntax"
