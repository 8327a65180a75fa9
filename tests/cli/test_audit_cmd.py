"""``dbaudit audit`` end to end on a real PostgreSQL database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner, Result

from dbaudit.cli.main import cli
from dbaudit.model import model_to_json
from dbaudit.redact import redact_url
from dbaudit.testing import schema

SARIF_SCHEMA = Path(__file__).resolve().parents[1] / "report" / "sarif_schema" / "sarif-2.1.0.json"
REPORT_SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "report-schema-v1.json"

# Well-typed keys, one known problem: the association table has no index leading with tag_id (P1).
DDL = """
CREATE TABLE tags (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);
CREATE TABLE items (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);
CREATE TABLE item_tags (
    item_id bigint NOT NULL REFERENCES items (id),
    tag_id bigint NOT NULL REFERENCES tags (id),
    PRIMARY KEY (item_id, tag_id)
);
"""


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["audit", *args], catch_exceptions=False)


@pytest.fixture
def audited(pg_url: str, pg_exec: psycopg.Connection[tuple[object, ...]]) -> str:
    pg_exec.execute(DDL)
    return pg_url


def severities(document: dict[str, Any]) -> set[str]:
    return {f["severity"] for f in document["findings"]}


class TestJsonToStdout:
    def test_json_pipes_cleanly(self, audited: str) -> None:
        """--format json without -o prints exactly one JSON document on stdout (jq-ready)."""
        result = run(audited, "--format", "json")
        document = json.loads(result.stdout)
        assert document["format_version"] == 1
        fk = [f for f in document["findings"] if f["rule"] == "fk-without-index"]
        assert [(f["severity"], f["objects"]) for f in fk] == [("P1", ["public.item_tags.tag_id"])]
        assert document["sources"][0]["kind"] == "postgresql"
        assert "P0" not in severities(document)

    def test_exit_one_at_default_fail_on(self, audited: str) -> None:
        """A P1 finding fails the run at the default --fail-on P1."""
        assert run(audited, "--format", "json").exit_code == 1

    def test_exit_zero_when_below_fail_on(self, audited: str) -> None:
        """With --fail-on P0 and only P1/P2 findings the exit code is 0."""
        assert run(audited, "--format", "json", "--fail-on", "P0").exit_code == 0

    def test_ignore_removes_findings(self, audited: str) -> None:
        """--ignore drops a rule's findings from the report."""
        result = run(audited, "--format", "json", "--ignore", "fk-without-index")
        document = json.loads(result.stdout)
        assert [f for f in document["findings"] if f["rule"] == "fk-without-index"] == []

    def test_terminal_table_on_stderr(self, audited: str) -> None:
        """Humans get the findings table and summary on stderr, never on stdout."""
        result = run(audited, "--format", "json")
        assert "fk-without-index" in result.stderr
        assert "findings: P0 0 · P1" in result.stderr
        assert "findings: P0" not in result.stdout


class TestOutputDirectory:
    def test_writes_four_files(self, audited: str, tmp_path: Path) -> None:
        """-o DIR writes report.md, report.html, report.json and report.sarif, and nothing to stdout."""
        out = tmp_path / "reports"
        result = run(audited, "-o", str(out), "--lang", "zh")
        assert result.exit_code == 1
        assert result.stdout == ""
        assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.json", "report.md", "report.sarif"]
        assert "## III. 发现清单(按 P0/P1/P2)" in (out / "report.md").read_text(encoding="utf-8")
        assert "public.item_tags.tag_id" in (out / "report.html").read_text(encoding="utf-8")
        # finding text in Chinese on the terminal and in the HTML, English in the JSON contract
        assert "缺少支撑索引" in result.stderr
        assert "缺少支撑索引" in (out / "report.html").read_text(encoding="utf-8")
        titles = [f["title"] for f in json.loads((out / "report.json").read_text(encoding="utf-8"))["findings"]]
        assert "FK public.item_tags(tag_id) has no supporting index" in titles

    def test_files_validate(self, audited: str, tmp_path: Path) -> None:
        """The written JSON and SARIF validate against their schemas."""
        import jsonschema  # noqa: PLC0415

        run(audited, "-o", str(tmp_path), "--format", "json,sarif")
        assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json", "report.sarif"]
        for name, schema_path in (("report.json", REPORT_SCHEMA), ("report.sarif", SARIF_SCHEMA)):
            document = json.loads((tmp_path / name).read_text(encoding="utf-8"))
            spec = json.loads(schema_path.read_text(encoding="utf-8"))
            assert list(jsonschema.validators.validator_for(spec)(spec).iter_errors(document)) == []


class TestErrors:
    def test_unreachable_server(self) -> None:
        """An unreachable server is one line on stderr, exit 2, and the password appears nowhere."""
        result = run("postgresql://auditor:s3cret-pw@127.0.0.1:1/app", "--format", "json")
        assert result.exit_code == 2
        assert result.stdout == ""
        assert "s3cret-pw" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert result.stderr.startswith("error: ")

    def test_several_formats_need_output_dir(self, audited: str) -> None:
        """Two formats cannot share stdout: usage error, exit 2."""
        result = run(audited, "--format", "json,md")
        assert result.exit_code == 2
        assert "add -o DIR" in result.stderr

    def test_unknown_format(self, audited: str) -> None:
        """An unknown format is a usage error."""
        assert run(audited, "--format", "pdf").exit_code == 2


class TestModelJson:
    def test_audits_a_model_file(self, tmp_path: Path) -> None:
        """A model JSON is audited like a database; --format md prints the Markdown report."""
        model = (
            schema()
            .table("tags", cols={"id": "bigint identity", "name": "text not null"}, pk="id")
            .table("item_tags", cols={"item_id": "bigint not null", "tag_id": "bigint not null"},
                   pk=("item_id", "tag_id"))
            .fk("item_tags", "tag_id", "tags")
            .build()
        )
        path = tmp_path / "model.json"
        path.write_text(model_to_json(model), encoding="utf-8")
        result = run(str(path), "--format", "md", "--fail-on", "P0")
        assert result.exit_code == 0
        assert result.stdout.startswith("# Database audit report - ")
        assert "#### P1-1 (indexes) " in result.stdout


class TestConfiguration:
    def test_url_from_environment_and_config_fail_on(
        self, audited: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Without TARGET the URL comes from the variable named by url-env; fail-on comes from the file."""
        config = tmp_path / "dbaudit.toml"
        config.write_text('url-env = "APP_DATABASE_URL"\nfail-on = "P0"\n', encoding="utf-8")
        monkeypatch.setenv("APP_DATABASE_URL", audited)
        result = run("--config", str(config), "--format", "json")
        assert result.exit_code == 0
        # an embedded server has an empty password in its URL: that is masked too
        assert json.loads(result.stdout)["target"] == redact_url(audited)

    def test_missing_target(self, tmp_path: Path) -> None:
        """No TARGET and no url-env: a usage error naming what is missing."""
        config = tmp_path / "dbaudit.toml"
        config.write_text('fail-on = "P1"\n', encoding="utf-8")
        result = run("--format", "json", "--config", str(config))
        assert (result.exit_code, result.stderr) == (
            2, "error: missing TARGET (a database URL, .sql file or model JSON)\n"
        )
