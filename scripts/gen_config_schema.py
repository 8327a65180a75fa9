#!/usr/bin/env python3
"""Write docs/config-schema.json, the JSON Schema of ``[tool.dbaudit]`` / ``dbaudit.toml``, from the
configuration loader's keys and the rule catalogue; ``--check`` exits 1 when the committed file differs.

    .venv/bin/python scripts/gen_config_schema.py [--check]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from dbaudit.atomic import write_text_atomic
from dbaudit.cli.rules_cmd import catalogue
from dbaudit.config_schema import config_schema

OUT = Path(__file__).resolve().parents[1] / "docs" / "config-schema.json"


def generate() -> str:
    registry = catalogue()
    schema = config_schema([r.id for r in registry], list(registry.categories))
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 when docs/config-schema.json is stale")
    args = parser.parse_args()
    text = generate()
    if args.check:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if current != text:
            print(f"{OUT} is out of date: run scripts/gen_config_schema.py", file=sys.stderr)
            return 1
        return 0
    write_text_atomic(OUT, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
