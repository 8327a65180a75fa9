"""JSON (contract v1, validated against docs/report-schema-v1.json) and SARIF 2.1.0 (official schema)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from dbaudit.report.json_report import render_json, report_dict
from dbaudit.report.sarif import render_sarif, sarif_dict
from tests.report.fixtures import small_context, small_findings

ROOT = Path(__file__).resolve().parents[2]
SARIF_SCHEMAS = sorted((Path(__file__).parent / "sarif_schema").glob("*.json"))
CONTRACT_FINDING_KEYS = {
    "rule", "category", "severity", "objects", "title", "evidence", "impact", "root_cause",
    "fix_sql", "verify_sql", "locations",
}


def validate(document: Any, schema_path: Path) -> list[str]:
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


class TestJson:
    def test_validates_against_documented_schema(self) -> None:
        """The JSON report validates against docs/report-schema-v1.json."""
        document = json.loads(render_json(small_context()))
        assert validate(document, ROOT / "docs" / "report-schema-v1.json") == []

    def test_schema_rejects_broken_report(self) -> None:
        """The documented schema is strict enough to catch a wrong severity."""
        document = report_dict(small_context())
        document["findings"][0]["severity"] = "HIGH"
        assert validate(document, ROOT / "docs" / "report-schema-v1.json") != []

    def test_contract_keys(self) -> None:
        """Top-level and per-finding keys of the PRODUCT.md contract are present with their meaning."""
        document = json.loads(render_json(small_context()))
        assert document["format_version"] == 1
        assert document["dbaudit_version"] == "0.1.0"
        assert document["summary"] == {"P0": 1, "P1": 2, "P2": 1}
        assert document["sources"][0] == {"kind": "postgresql", "name": "postgresql://app:***@db/whalefall",
                                          "role": "target"}
        assert all(set(f) >= CONTRACT_FINDING_KEYS for f in document["findings"])
        assert [f["severity"] for f in document["findings"]] == ["P0", "P1", "P1", "P2"]

    def test_findings_are_finding_to_json(self) -> None:
        """Each finding is exactly Finding.to_json, sorted most severe first."""
        document = report_dict(small_context())
        expected = sorted(small_findings(), key=lambda f: f.sort_key)
        assert [{k: v for k, v in f.items() if k not in ("id", "group")} for f in document["findings"]] == [
            f.to_json() for f in expected]
        assert len({f["id"] for f in document["findings"]}) == len(expected)
        assert [f["group"] for f in document["findings"]][:1] == ["secrets"]


class TestSarif:
    @pytest.mark.parametrize("schema_path", SARIF_SCHEMAS, ids=lambda p: p.name)
    def test_validates_against_official_schema(self, schema_path: Path) -> None:
        """The SARIF log validates against the SARIF 2.1.0 JSON schema."""
        document = json.loads(render_sarif(small_context(), docs_base_uri="https://example.org/dbaudit/"))
        assert validate(document, schema_path) == []

    def test_schema_rejects_broken_log(self) -> None:
        """The vendored schema catches an invalid level (it really validates)."""
        document = sarif_dict(small_context())
        document["runs"][0]["results"][0]["level"] = "fatal"
        assert all(validate(document, p) != [] for p in SARIF_SCHEMAS)

    def test_rule_descriptors(self) -> None:
        """Rules carry id, name, descriptions, help, default level by severity and category tags."""
        driver = sarif_dict(small_context(), docs_base_uri="https://example.org/")["runs"][0]["tool"]["driver"]
        assert driver["name"] == "dbaudit"
        fk = next(r for r in driver["rules"] if r["id"] == "fk-without-index")
        assert fk == {
            "id": "fk-without-index",
            "name": "FkWithoutIndex",
            "shortDescription": {"text": "Foreign key without a supporting index"},
            "fullDescription": {"text": "Deletes on the parent scan the child table."},
            "help": {"text": "Foreign key without a supporting index\n\n## What it does\nFinds FKs.",
                     "markdown": "Foreign key without a supporting index\n\n## What it does\nFinds FKs."},
            "defaultConfiguration": {"level": "warning"},
            "properties": {"tags": ["indexes", "database"], "category": "indexes",
                           "docs": "docs/rules/fk-without-index.md"},
            "helpUri": "https://example.org/docs/rules/fk-without-index.md",
        }

    def test_result_with_file_location(self) -> None:
        """A finding with file:line gets a physical location and its other locations as related ones."""
        results = sarif_dict(small_context())["runs"][0]["results"]
        first = results[0]
        assert (first["ruleId"], first["level"]) == ("secret-in-bounded-varchar", "error")
        assert first["locations"] == [{
            "physicalLocation": {
                "artifactLocation": {"uri": "app/models/credential.py", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 80},
            },
            "logicalLocations": [{"name": "password", "fullyQualifiedName": "public.credentials.password",
                                  "kind": "column"}],
        }]
        assert len(first["relatedLocations"]) == 1
        document = report_dict(small_context())
        json_id = next(f["id"] for f in document["findings"] if f["rule"] == "secret-in-bounded-varchar")
        assert first["partialFingerprints"] == {"dbauditFinding/v1": json_id}

    def test_result_without_file_location(self) -> None:
        """A finding on a live database names its object as a logical location and gets a placeholder
        physical location (GitHub rejects a log with any result lacking one)."""
        results = sarif_dict(small_context())["runs"][0]["results"]
        dup = next(r for r in results if r["ruleId"] == "index-duplicates-constraint")
        assert dup["level"] == "note"
        assert dup["locations"] == [{
            "physicalLocation": {"artifactLocation": {"uri": ".dbaudit/database/public.ix_credentials_name",
                                                      "uriBaseId": "%SRCROOT%"}},
            "logicalLocations": [{"name": "ix_credentials_name", "fullyQualifiedName": "public.ix_credentials_name",
                                  "kind": "index"}],
        }]

    def test_anchored_where_models_declare_the_object(self) -> None:
        """With the ORM model as a locator, a finding without file:line points at the declaration."""
        from dataclasses import replace  # noqa: PLC0415

        from dbaudit.model.schema import Location  # noqa: PLC0415
        from tests.report.fixtures import small_model  # noqa: PLC0415

        model = small_model()
        orm = replace(model, tables=tuple(
            replace(t, location=Location("app/models/credential.py", 12)) if t.name == "credentials" else t
            for t in model.tables
        ))
        results = sarif_dict(small_context(locators=[orm]))["runs"][0]["results"]
        dup = next(r for r in results if r["ruleId"] == "index-duplicates-constraint")
        assert dup["locations"][0]["physicalLocation"] == {
            "artifactLocation": {"uri": "app/models/credential.py", "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": 12},
        }

    def test_every_result_has_a_physical_location(self) -> None:
        """GitHub code scanning needs a physical location on every result."""
        results = sarif_dict(small_context())["runs"][0]["results"]
        assert all("physicalLocation" in r["locations"][0] for r in results)

    def test_rule_index_points_at_rule(self) -> None:
        """Each result's ruleIndex names the descriptor with its ruleId."""
        run = sarif_dict(small_context())["runs"][0]
        rules = run["tool"]["driver"]["rules"]
        assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"])
