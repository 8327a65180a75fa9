"""docs/config-schema.json: in sync with the loader and the catalogue, and as strict as the loader."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from dbaudit.config import config_from_mapping

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "docs" / "config-schema.json").read_text(encoding="utf-8"))

GOOD = """
select = ["integrity", "fk-without-index"]
extend-select = ["house"]
ignore = ["char-type"]
fail-on = "P0"
lang = "zh"
url-env = "DATABASE_URL"
severity = { "fk-missing" = "P0", naming = "P2" }
plugins = ["myproject.dbaudit_rules"]

[per-object-ignores]
"public.*_history" = { rules = ["fk-without-index"], reason = "archive tables" }

[per-file-ignores]
"migrations/versions/2019_*.py" = { rules = ["missing-downgrade"], reason = "history before the squash" }

[house]
required-columns = ["created_at"]
pk-type = ["bigint", "uuid"]
timestamps-trigger = true

[rule-options.fk-missing]
ignore-columns = ["external_id"]
"""


def errors(document: Any) -> list[str]:
    return [e.message for e in jsonschema.Draft7Validator(SCHEMA).iter_errors(document)]


class TestConfigSchema:
    def test_in_sync(self) -> None:
        """The committed schema is what scripts/gen_config_schema.py writes now."""
        done = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_config_schema.py"), "--check"],
                              capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr

    def test_documented_example_validates_and_loads(self) -> None:
        """A configuration using every key validates, and the loader accepts it too."""
        data = tomllib.loads(GOOD)
        assert errors(data) == []
        config_from_mapping(data, Path("dbaudit.toml"), section="dbaudit.toml")

    @pytest.mark.parametrize("bad", [
        {"selekt": ["ALL"]},
        {"fail-on": "P3"},
        {"house": {"required-colums": ["x"]}},
        {"per-file-ignores": {"a/*.py": {"rules": ["ALL"]}}},
        {"url-env": "postgresql://u:p@h/db"},
    ])
    def test_rejects_what_the_loader_rejects(self, bad: dict[str, Any]) -> None:
        """Unknown keys, bad severities, suppressions without a reason and URLs are schema errors."""
        assert errors(bad) != []

    def test_selectors_complete_to_rule_ids(self) -> None:
        """Editors complete selectors from the rule catalogue (ids and categories)."""
        choices = SCHEMA["definitions"]["selector"]["anyOf"][0]["enum"]
        assert {"ALL", "integrity", "fk-without-index", "missing-downgrade"} <= set(choices)
