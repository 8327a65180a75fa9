"""The CI writers (concise, github, gitlab, junit, sarif) on hand-built findings, and path mapping."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from dbaudit.findings import Finding, Severity, fingerprint, unique_fingerprints
from dbaudit.model.schema import Location
from dbaudit.output import PathMapper, RunInfo, render_findings, repository_root
from dbaudit.output.sarif import MAX_RESULTS, sarif_log
from dbaudit.output.statistics import render_statistics
from tests.report.fixtures import RULES, small_findings

SARIF_SCHEMAS = sorted((Path(__file__).parents[1] / "report" / "sarif_schema").glob("*.json"))


def info(**kwargs: Any) -> RunInfo:
    return RunInfo(tool_version="0.1.0", rules=RULES, **kwargs)


def drop(n: int) -> Finding:
    return Finding(rule="destructive-change", category="migrations", severity=Severity.P0,
                   objects=(f"public.t.c{n}",), title=f"Column public.t.c{n} is dropped",
                   evidence=("ALTER TABLE t DROP COLUMN c, now: 100%",),
                   locations=(Location("migrations/versions/002_drop.py", 10 + n),))


class TestConcise:
    def test_one_line_per_finding(self) -> None:
        """path:line:col: SEVERITY rule title; a finding without a file is printed against its object."""
        text = render_findings("concise", small_findings()[:3], info())
        assert text.splitlines() == [
            "migrations/versions/20251219161048_baseline_production_schema.py:1452:1: P1 fk-without-index "
            "FK instance_tags.tag_id has no index with tag_id leading",
            "app/models/credential.py:80:1: P0 secret-in-bounded-varchar "
            "credentials.password stores ciphertext in varchar(255)",
            "public.ix_credentials_name: P2 index-duplicates-constraint "
            "ix_credentials_name duplicates credentials_name_key",
        ]

    def test_declared_location_is_used(self) -> None:
        """A finding on a database object is shown where the models declare it."""
        declared = {"public.ix_credentials_name": Location("app/models/credential.py", 12)}
        text = render_findings("concise", [small_findings()[2]], info(declared=declared))
        assert text.startswith("app/models/credential.py:12:1: P2 index-duplicates-constraint")


class TestGithub:
    def test_annotation_levels_and_escaping(self) -> None:
        """P0 is ::error, with file, line and title; %, newlines, ':' and ',' are escaped."""
        finding = replace(drop(1), title="50% of rows\nlost", locations=(Location("a,b:c.py", 3),))
        (line,) = render_findings("github", [finding], info()).splitlines()
        assert line == ("::error file=a%2Cb%3Ac.py,line=3,title=destructive-change (P0)::50% of rows%0Alost. "
                        "ALTER TABLE t DROP COLUMN c, now: 100%25.").replace("50% of", "50%25 of")

    def test_notice_without_file(self) -> None:
        """A P2 finding with nowhere to point is a notice without file."""
        (line,) = render_findings("github", [small_findings()[2]], info()).splitlines()
        assert line.startswith("::notice title=index-duplicates-constraint (P2)::ix_credentials_name duplicates")


class TestGitlab:
    def test_code_quality_fields(self) -> None:
        """Every issue has description, check_name, fingerprint, severity and location.path/lines.begin."""
        issues = json.loads(render_findings("gitlab", small_findings(), info()))
        assert [(i["check_name"], i["severity"], i["location"]) for i in issues] == [
            ("fk-without-index", "major",
             {"path": "migrations/versions/20251219161048_baseline_production_schema.py", "lines": {"begin": 1452}}),
            ("secret-in-bounded-varchar", "critical", {"path": "app/models/credential.py", "lines": {"begin": 80}}),
            ("index-duplicates-constraint", "minor",
             {"path": ".dbaudit/database/public.ix_credentials_name", "lines": {"begin": 1}}),
            ("pk-mismatch", "major", {"path": "app/models/instance_size_stat.py", "lines": {"begin": 47}}),
        ]
        assert all(set(i) >= {"description", "check_name", "fingerprint", "severity", "location"} for i in issues)

    def test_fingerprints_unique_even_for_repeats(self) -> None:
        """The same finding twice gets two fingerprints (GitLab drops issues with equal ones)."""
        issues = json.loads(render_findings("gitlab", [drop(1), drop(1)], info()))
        first, second = (i["fingerprint"] for i in issues)
        assert first == drop(1).fingerprint == fingerprint("destructive-change", "public.t.c1")
        assert second == fingerprint("destructive-change", "public.t.c1", 1)


class TestJunit:
    def test_one_failed_case_per_finding_grouped_by_file(self) -> None:
        """Each finding is a failed test case in the suite of its file; the XML parses."""
        root = ET.fromstring(render_findings("junit", [drop(1), drop(2), small_findings()[2]], info()))
        assert root.get("failures") == "3"
        suites = {s.get("name"): [c.get("name") for c in s] for s in root}
        assert suites == {
            "migrations/versions/002_drop.py": ["destructive-change public.t.c1", "destructive-change public.t.c2"],
            "database": ["index-duplicates-constraint public.ix_credentials_name"],
        }
        case = root.find("testsuite/testcase")
        assert case is not None
        assert case.get("line") == "11"
        failure = case.find("failure")
        assert failure is not None
        assert failure.get("type") == "P0"

    def test_no_findings_is_one_passing_case(self) -> None:
        """An empty run still reports a test, so CI shows the check ran."""
        root = ET.fromstring(render_findings("junit", [], info(command="lint-migrations")))
        assert [c.get("name") for c in root.iter("testcase")] == ["no findings"]
        assert root.find(".//failure") is None

    def test_control_characters_do_not_break_the_xml(self) -> None:
        """A hostile identifier with control characters still gives well-formed XML."""
        bad = replace(drop(1), objects=("public.t\x01\x1b.c",), title="bell \x07 here")
        ET.fromstring(render_findings("junit", [bad], info()))


def validate(document: Any, schema_path: Path) -> list[str]:
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


class TestSarif:
    @pytest.mark.parametrize("schema_path", SARIF_SCHEMAS, ids=lambda p: p.name)
    def test_lint_style_log_validates(self, schema_path: Path) -> None:
        """A log of migration findings (no model, no numbers) validates against SARIF 2.1.0."""
        log = sarif_log([drop(1), drop(2)], info(command="lint-migrations", docs_base_uri="https://d.example/x/"))
        assert validate(log, schema_path) == []

    def test_help_uri_from_docs_base(self) -> None:
        """helpUri is the docs base plus the rule's page."""
        log = sarif_log([drop(1)], info(docs_base_uri="https://d.example/x/"))
        (rule,) = log["runs"][0]["tool"]["driver"]["rules"]
        assert rule["helpUri"] == "https://d.example/x/docs/rules/destructive-change.md"

    def test_partial_fingerprints_unique(self) -> None:
        """One rule reporting the same object twice still gives unique partialFingerprints."""
        results = sarif_log([drop(1), drop(1), drop(2)], info())["runs"][0]["results"]
        fps = [r["partialFingerprints"]["dbauditFinding/v1"] for r in results]
        assert len(set(fps)) == 3

    def test_capped_with_a_note(self) -> None:
        """More than MAX_RESULTS findings: the most severe are kept and a notification says so."""
        many = [replace(drop(n), severity=Severity.P2) for n in range(MAX_RESULTS + 5)] + [drop(0)]
        run = sarif_log(many, info())["runs"][0]
        assert len(run["results"]) == MAX_RESULTS
        assert run["results"][0]["level"] == "error"
        (note,) = run["invocations"][0]["toolExecutionNotifications"]
        assert note["message"]["text"].startswith(f"6 of {MAX_RESULTS + 6} results were left out")

    def test_paths_relative_to_repository_root(self, tmp_path: Path) -> None:
        """A project under backend/ has its locations resolved against the repository root."""
        (tmp_path / ".git").mkdir()
        migration = tmp_path / "backend" / "migrations" / "versions" / "002_drop.py"
        migration.parent.mkdir(parents=True)
        migration.write_text("# revision\n", encoding="utf-8")
        paths = PathMapper.for_run([tmp_path / "backend"], cwd=tmp_path / "backend")
        (result,) = sarif_log([drop(1)], info(paths=paths))["runs"][0]["results"]
        artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert artifact == {"uri": "backend/migrations/versions/002_drop.py", "uriBaseId": "%SRCROOT%"}


class TestFingerprint:
    def test_ignores_lines_title_and_severity(self) -> None:
        """A moved, reworded, re-graded finding keeps its fingerprint; another object does not."""
        base = drop(1)
        moved = replace(base, locations=(Location("migrations/versions/002_drop.py", 99),), title="Reworded",
                        severity=Severity.P2)
        assert moved.fingerprint == base.fingerprint
        assert drop(2).fingerprint != base.fingerprint

    def test_repeats_numbered_by_ordinal(self) -> None:
        """The n-th finding of one rule on one object gets ordinal n; a line suffix is not identity."""
        assert unique_fingerprints([drop(1), drop(1)]) == [
            fingerprint("destructive-change", "public.t.c1"), fingerprint("destructive-change", "public.t.c1", 1)]
        assert fingerprint("r", "app/settings.py:14") == fingerprint("r", "app/settings.py")


class TestPathMapper:
    def test_first_base_holding_the_file_wins(self, tmp_path: Path) -> None:
        """Relative paths resolve against the input root that has the file, then against the repository."""
        (tmp_path / ".git").write_text("gitdir: elsewhere\n", encoding="utf-8")  # a worktree's .git file
        (tmp_path / "svc" / "code" / "app").mkdir(parents=True)
        (tmp_path / "svc" / "code" / "app" / "x.py").write_text("", encoding="utf-8")
        paths = PathMapper.for_run([tmp_path / "svc" / "models", tmp_path / "svc" / "code"], cwd=tmp_path / "svc")
        assert repository_root(tmp_path / "svc") == tmp_path.resolve()
        assert paths("app/x.py") == "svc/code/app/x.py"
        assert paths("missing.py") == "svc/models/missing.py"
        assert paths("/elsewhere/y.py") == "/elsewhere/y.py"

    def test_without_root_paths_are_unchanged(self) -> None:
        """The default mapper leaves paths as the findings spell them."""
        assert PathMapper()("app/x.py") == "app/x.py"


class TestStatistics:
    def test_counts_per_rule_most_first(self) -> None:
        """One line per rule with its count and most serious severity, and a total."""
        text = render_statistics([drop(1), drop(2), *small_findings()[:1]], info())
        lines = text.splitlines()
        assert lines[0].split()[:3] == ["2", "P0", "destructive-change"]
        assert lines[1].split()[:3] == ["1", "P1", "fk-without-index"]
        assert lines[-1].split() == ["3", "findings", "of", "2", "rule(s)"]

    def test_json(self) -> None:
        """With JSON, a list of rule counts."""
        rows = json.loads(render_statistics([drop(1), drop(2)], info(), as_json=True))
        assert rows == [{"rule": "destructive-change", "severity": "P0", "count": 2,
                         "title": "Destructive change"}]
