"""The CI options shared by ``audit`` and ``lint-migrations``: output formats, statistics, baselines."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from dbaudit.cli.main import cli
from dbaudit.scratch import ScratchServer

# 002 holds two hazards: a DROP COLUMN (P0) and an index built without CONCURRENTLY (P1).
CHANGE = "SET lock_timeout = '2s';\nCREATE INDEX t_b ON t (b);\nALTER TABLE t DROP COLUMN a;\n"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def sql_dir(tmp_path: Path) -> Path:
    root = tmp_path / "db"
    root.mkdir()
    (root / "001_base.sql").write_text("CREATE TABLE t (a int, b text, c int);\n", encoding="utf-8")
    (root / "002_change.sql").write_text(CHANGE, encoding="utf-8")
    return root


class TestLintOutputFormats:
    def test_concise(self, sql_dir: Path) -> None:
        """concise: path:line:col: SEVERITY rule title, most severe first; exit 1 on findings."""
        result = run("lint-migrations", str(sql_dir), "--output-format", "concise")
        assert result.exit_code == 1
        lines = result.stdout.splitlines()
        assert [line.split(": ", 1)[0] for line in lines] == [
            f"{(sql_dir / '002_change.sql').resolve()}:3:1", f"{(sql_dir / '002_change.sql').resolve()}:2:1"]
        assert lines[0].split(": ", 1)[1].startswith("P0 destructive-change ")
        assert "finding(s) in 2 revision(s)" in result.stderr

    def test_paths_relative_to_repository(self, sql_dir: Path) -> None:
        """Inside a repository, paths are relative to its root (the project is in a subdirectory)."""
        (sql_dir.parent / ".git").mkdir()
        result = run("lint-migrations", str(sql_dir), "--output-format", "github")
        assert result.stdout.splitlines()[0].startswith(
            "::error file=db/002_change.sql,line=3,title=destructive-change (P0)::")

    def test_sarif_and_gitlab_and_junit(self, sql_dir: Path, tmp_path: Path) -> None:
        """Every machine format parses; --output-file writes it instead of stdout."""
        sarif = tmp_path / "out.sarif"
        result = run("lint-migrations", str(sql_dir), "--output-format", "sarif", "--output-file", str(sarif))
        assert result.stdout == ""
        log = json.loads(sarif.read_text(encoding="utf-8"))
        assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["destructive-change", "non-concurrent-index"]
        assert log["runs"][0]["properties"]["command"] == "lint-migrations"
        gitlab = json.loads(run("lint-migrations", str(sql_dir), "--output-format", "gitlab").stdout)
        assert [i["severity"] for i in gitlab] == ["critical", "major"]
        junit = ET.fromstring(run("lint-migrations", str(sql_dir), "--output-format", "junit").stdout)
        assert junit.get("failures") == "2"

    def test_json_same_as_legacy_format(self, sql_dir: Path) -> None:
        """--output-format json is the envelope --format json always printed."""
        new = json.loads(run("lint-migrations", str(sql_dir), "--output-format", "json").stdout)
        old = json.loads(run("lint-migrations", str(sql_dir), "--format", "json").stdout)
        assert new == old

    def test_both_format_options_is_an_error(self, sql_dir: Path) -> None:
        """--format and --output-format together: one usage line, exit 2."""
        result = run("lint-migrations", str(sql_dir), "--format", "json", "--output-format", "concise")
        assert result.exit_code == 2
        assert "use --output-format" in result.stderr

    def test_statistics(self, sql_dir: Path) -> None:
        """--statistics prints one count per rule instead of the findings."""
        result = run("lint-migrations", str(sql_dir), "--statistics")
        assert [line.split()[:3] for line in result.stdout.splitlines()[:2]] == [
            ["1", "P0", "destructive-change"], ["1", "P1", "non-concurrent-index"]]

    def test_extend_select_adds_to_select(self, sql_dir: Path) -> None:
        """--extend-select adds rules to a --select (the selection layer resolves both)."""
        only = run("lint-migrations", str(sql_dir), "--select", "destructive-change", "--output-format", "concise")
        assert len(only.stdout.splitlines()) == 1
        known = run("lint-migrations", str(sql_dir), "--select", "destructive-change",
                    "--extend-select", "non-concurrent-index", "--output-format", "concise")
        assert len(known.stdout.splitlines()) == 2


class TestLintBaseline:
    def test_known_passes_new_fails_moved_matches(self, sql_dir: Path, tmp_path: Path) -> None:
        """A baseline silences what it records, also when lines move; a new finding fails the run."""
        baseline = tmp_path / "dbaudit-baseline.json"
        written = run("lint-migrations", str(sql_dir), "--baseline", str(baseline), "--write-baseline")
        assert written.exit_code == 0
        document = json.loads(baseline.read_text(encoding="utf-8"))
        assert [e["rule"] for e in document["findings"]] == ["destructive-change", "non-concurrent-index"]

        known = run("lint-migrations", str(sql_dir), "--baseline", str(baseline), "--output-format", "concise")
        assert (known.exit_code, known.stdout) == (0, "")

        (sql_dir / "002_change.sql").write_text("-- moved down\n\n\n" + CHANGE, encoding="utf-8")
        moved = run("lint-migrations", str(sql_dir), "--baseline", str(baseline), "--output-format", "concise")
        assert (moved.exit_code, moved.stdout) == (0, "")

        more = "SET lock_timeout = '2s';\nALTER TABLE t DROP COLUMN c;\n"
        (sql_dir / "003_more.sql").write_text(more, encoding="utf-8")
        new = run("lint-migrations", str(sql_dir), "--baseline", str(baseline), "--output-format", "concise")
        assert new.exit_code == 1
        assert [line.split(": ", 1)[1].split()[:2] for line in new.stdout.splitlines()] == [
            ["P0", "destructive-change"]]
        assert "003_more.sql:2:1" in new.stdout

    def test_missing_baseline_is_a_usage_error(self, sql_dir: Path, tmp_path: Path) -> None:
        """A baseline file that does not exist: one line naming it, exit 2."""
        result = CliRunner().invoke(cli, ["lint-migrations", str(sql_dir), "--baseline", str(tmp_path / "no.json")])
        assert result.exit_code == 2
        assert "create it with --write-baseline" in result.stderr

    def test_write_baseline_needs_a_file(self, sql_dir: Path) -> None:
        """--write-baseline without --baseline is a usage error."""
        result = CliRunner().invoke(cli, ["lint-migrations", str(sql_dir), "--write-baseline"])
        assert result.exit_code == 2


SCHEMA = """
CREATE TABLE accounts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);
CREATE TABLE events (account_id bigint NOT NULL REFERENCES accounts (id), body text);
"""


class TestAuditCi:
    def test_baseline_and_formats_on_a_sql_file(self, tmp_path: Path, pg_server: ScratchServer) -> None:
        """audit FILE.sql: the baseline matches after lines move, a new table fails; formats print."""
        ddl = tmp_path / "schema.sql"
        ddl.write_text(SCHEMA, encoding="utf-8")
        baseline = tmp_path / "baseline.json"
        scratch = ("--scratch-url", pg_server.admin_url)
        assert run("audit", str(ddl), *scratch, "--baseline", str(baseline), "--write-baseline").exit_code == 0

        concise = run("audit", str(ddl), *scratch, "--output-format", "concise", "--fail-on", "P2")
        assert concise.exit_code == 1
        assert all(line.startswith(f"{ddl.resolve()}:") or ": P" in line for line in concise.stdout.splitlines())

        ddl.write_text("-- header\n\n" + SCHEMA, encoding="utf-8")
        moved = run("audit", str(ddl), *scratch, "--baseline", str(baseline), "--output-format", "concise",
                    "--fail-on", "P2")
        assert (moved.exit_code, moved.stdout) == (0, "")

        ddl.write_text(SCHEMA + "CREATE TABLE loose (v text);\n", encoding="utf-8")
        new = run("audit", str(ddl), *scratch, "--baseline", str(baseline), "--output-format", "concise",
                  "--fail-on", "P2")
        assert new.exit_code == 1
        assert {line.split(": ", 1)[1].split()[1] for line in new.stdout.splitlines()} >= {"table-without-primary-key"}
        assert "public.loose" in new.stdout
        assert "public.events" not in new.stdout.replace("public.events.", "")

    def test_format_to_stdout_conflicts_with_output_format(self, tmp_path: Path) -> None:
        """--format json (stdout) and --output-format github (stdout) together: usage error, exit 2."""
        result = CliRunner().invoke(cli, ["audit", str(tmp_path / "x.sql"), "--format", "json",
                                          "--output-format", "github"])
        assert result.exit_code == 2
        assert "stdout takes one document" in result.stderr


class TestPerFileIgnores:
    def test_glob_over_the_finding_file_with_reason(self, sql_dir: Path, tmp_path: Path) -> None:
        """per-file-ignores silences a rule in matching files only; an entry matching nothing is a note."""
        config = tmp_path / "dbaudit.toml"
        config.write_text(
            '[per-file-ignores]\n'
            '"002_*.sql" = { rules = ["destructive-change"], reason = "dropped before the launch" }\n'
            '"legacy/*.sql" = { rules = ["ALL"], reason = "old" }\n', encoding="utf-8")
        result = run("lint-migrations", str(sql_dir), "--config", str(config), "--output-format", "json")
        document = json.loads(result.stdout)
        assert [f["rule"] for f in document["findings"]] == ["non-concurrent-index"]
        assert any("per-file-ignores legacy/*.sql" in n["message"] for n in document["notes"])

    def test_reason_is_required(self, sql_dir: Path, tmp_path: Path) -> None:
        """An entry without a reason is a configuration error naming the key."""
        config = tmp_path / "dbaudit.toml"
        config.write_text('[[per-file-ignores]]\npaths = ["db/*.sql"]\nrules = ["ALL"]\n', encoding="utf-8")
        result = CliRunner().invoke(cli, ["lint-migrations", str(sql_dir), "--config", str(config)])
        assert result.exit_code == 2
        assert "per-file-ignores for db/*.sql: a non-empty reason is required" in result.stderr


class TestChangedRevisions:
    def test_only_the_given_revisions_are_reported(self, sql_dir: Path) -> None:
        """--changed lints the whole project but reports only the revisions named (a pre-commit run)."""
        (sql_dir / "003_more.sql").write_text("SET lock_timeout = '2s';\nALTER TABLE t DROP COLUMN c;\n",
                                              encoding="utf-8")
        result = run("lint-migrations", "--changed", str(sql_dir / "003_more.sql"), "--output-format", "json")
        document = json.loads(result.stdout)
        assert [(f["rule"], f["locations"][0]["path"]) for f in document["findings"]] == [
            ("destructive-change", "003_more.sql")]
        assert result.exit_code == 1

    def test_alembic_revision_file_finds_its_project(self) -> None:
        """A Python revision file leads to the Alembic project above it."""
        example = Path(__file__).resolve().parents[2] / "src" / "dbaudit" / "examples" / "whalefall"
        revision = next((example / "migrations" / "versions").glob("*drop_credentials_instance_ids.py"))
        result = run("lint-migrations", "--changed", str(revision), "--output-format", "json")
        document = json.loads(result.stdout)
        assert {f["locations"][0]["path"] for f in document["findings"]} == {
            f"migrations/versions/{revision.name}"}

    def test_missing_changed_file_is_a_usage_error(self, tmp_path: Path) -> None:
        """Without --changed several PATHs are several projects; with it, a file outside any project is
        a usage error."""
        stray = tmp_path / "stray.py"
        stray.write_text("x = 1\n")
        result = CliRunner().invoke(cli, ["lint-migrations", "--changed", str(stray)])
        assert result.exit_code == 2
