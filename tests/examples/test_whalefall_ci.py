"""The example as a monorepo would hold it (under ``backend/``): CI outputs resolve against the root."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from dbaudit.scratch import ScratchServer
from tests.examples.conftest import WHALEFALL_DIR

SARIF_SCHEMAS = sorted((Path(__file__).parents[1] / "report" / "sarif_schema").glob("*.json"))


def _errors(document: Any, schema_path: Path) -> list[str]:
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


@pytest.fixture(scope="module")
def monorepo_sarif(tmp_path_factory: pytest.TempPathFactory, pg_server: ScratchServer,
                   whalefall_head_url: str) -> tuple[Path, dict[str, Any]]:
    """``dbaudit audit`` of the example copied to repo/backend, run from the repository root."""
    repo = tmp_path_factory.mktemp("monorepo")
    (repo / ".git").mkdir()
    shutil.copytree(WHALEFALL_DIR, repo / "backend", ignore=shutil.ignore_patterns("__pycache__"))
    done = subprocess.run(
        [sys.executable, "-m", "dbaudit.cli", "audit", whalefall_head_url, "--models", "app.models:Base",
         "--project", "backend", "--migrations", "backend", "--code", "backend", "--scratch-url",
         pg_server.admin_url, "--output-format", "sarif", "--output-file", "dbaudit.sarif"],
        cwd=repo, env={**os.environ, "DBAUDIT_DOCS_URL": "https://docs.example/dbaudit/"},
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]
    return repo, json.loads((repo / "dbaudit.sarif").read_text(encoding="utf-8"))


@pytest.mark.slow
class TestMonorepoSarif:
    def test_every_location_exists_under_the_repository_root(self, monorepo_sarif: tuple[Path, dict[str, Any]]) -> None:
        """Every physical location (primary and related) names a file that exists, relative to the root."""
        repo, log = monorepo_sarif
        results = log["runs"][0]["results"]
        assert len(results) > 50
        uris = [loc["physicalLocation"]["artifactLocation"] for r in results
                for loc in (*r["locations"], *r.get("relatedLocations", []))]
        assert {u.get("uriBaseId") for u in uris} == {"%SRCROOT%"}
        assert [u["uri"] for u in uris if not (repo / u["uri"]).is_file()] == []
        assert all(u["uri"].startswith("backend/") for u in uris)

    def test_fingerprints_unique(self, monorepo_sarif: tuple[Path, dict[str, Any]]) -> None:
        """No two results share a partial fingerprint."""
        _, log = monorepo_sarif
        fps = [r["partialFingerprints"]["dbauditFinding/v1"] for r in log["runs"][0]["results"]]
        assert len(set(fps)) == len(fps)

    def test_help_uri_and_schema(self, monorepo_sarif: tuple[Path, dict[str, Any]]) -> None:
        """Every rule has a helpUri to its page; the log validates against the official SARIF 2.1.0 schema."""
        _, log = monorepo_sarif
        rules = log["runs"][0]["tool"]["driver"]["rules"]
        assert all(r["helpUri"] == f"https://docs.example/dbaudit/docs/rules/{r['id']}.md" for r in rules)
        for schema_path in SARIF_SCHEMAS:
            assert _errors(log, schema_path) == []
