#!/usr/bin/env python3
"""Scaffold a schema rule: the rule stub (four doc headings) in src/dbaudit/rules/<category>.py and a
test class with one ``_finds`` and one ``_clean`` test in tests/rules/test_<category>.py.

    .venv/bin/python scripts/new_rule.py my-rule-id --category naming --severity P2 [--fix sometimes]

Then fill in the check, run ``pytest tests/rules/test_<category>.py`` and ``scripts/gen_rule_docs.py``.
A new category module must also be added to ``CATEGORY_MODULES`` in ``src/dbaudit/rules/__init__.py``.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KEBAB = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*\Z")

RULE = '''

@rule("{id}", category="{category}", severity=Severity.{severity}, fix="{fix}")
def {func}(ctx: RuleContext) -> Iterator[Finding]:
    """TODO: one-line summary of what is wrong.

    ## What it does
    TODO: which objects the rule looks at and when it reports them.

    ## Why is this bad?
    TODO: the consequence in production, in one paragraph.

    ## Example
    ```sql
    -- TODO: DDL that triggers the rule
    ```

    ## Use instead
    ```sql
    -- TODO: the fixed DDL (CONCURRENTLY / NOT VALID where locks matter)
    ```

    ## References
    - https://www.postgresql.org/docs/current/
    """
    for table in ctx.model.base_tables:
        if False:  # TODO: the condition
            yield {func}.finding(
                objects=[table.qualified_name],
                title=f"TODO {{table.qualified_name}}",
                evidence=[],
                impact="TODO",
                root_cause="TODO",
                fix_sql=None,  # build it only through dbaudit.sqltext
                verify_sql=None,
            )
'''

MODULE_HEADER = '''"""Rules of the {category} category."""

from __future__ import annotations

from collections.abc import Iterator

from dbaudit.findings import Finding, Severity
from dbaudit.rules.registry import RuleContext, rule
'''

TEST_HEADER = '''"""Rules of the {category} category."""

from __future__ import annotations

from dbaudit.testing import schema
from tests.rules.conftest import findings_for
'''

TEST = '''

class Test{cls}:
    def test_{func}_finds(self) -> None:
        """TODO: the situation that triggers {id}."""
        model = schema().table("t", cols={{"id": "bigint"}}, pk="id").build()
        assert [(f.rule, f.objects) for f in findings_for(model, "{id}")] == [("{id}", ("public.t",))]

    def test_{func}_clean(self) -> None:
        """TODO: the near miss that must not trigger {id}."""
        model = schema().table("t", cols={{"id": "bigint"}}, pk="id").build()
        assert findings_for(model, "{id}") == []
'''


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Scaffold a dbaudit schema rule.")
    parser.add_argument("id")
    parser.add_argument("--category", required=True)
    parser.add_argument("--severity", choices=["P0", "P1", "P2"], default="P2")
    parser.add_argument("--fix", choices=["always", "sometimes", "never"], default="never")
    args = parser.parse_args(argv)
    if not KEBAB.match(args.id):
        print(f"rule id {args.id!r} is not kebab-case", file=sys.stderr)
        return 2
    if not re.fullmatch(r"[a-z][a-z0-9_]*", args.category):
        print(f"category {args.category!r} must be a Python module name", file=sys.stderr)
        return 2
    func = args.id.replace("-", "_")
    fields = {"id": args.id, "category": args.category, "severity": args.severity, "fix": args.fix,
              "func": func, "cls": "".join(p.title() for p in args.id.split("-"))}
    module = ROOT / "src" / "dbaudit" / "rules" / f"{args.category}.py"
    tests = ROOT / "tests" / "rules" / f"test_{args.category}.py"
    source = module.read_text(encoding="utf-8") if module.exists() else MODULE_HEADER.format(**fields)
    if f'@rule("{args.id}"' in source:
        print(f"{args.id} already exists in {module}", file=sys.stderr)
        return 2
    module.write_text(source.rstrip("\n") + "\n" + RULE.format(**fields), encoding="utf-8")
    test_source = tests.read_text(encoding="utf-8") if tests.exists() else TEST_HEADER.format(**fields)
    tests.write_text(test_source.rstrip("\n") + "\n" + TEST.format(**fields), encoding="utf-8")
    print(f"wrote {module.relative_to(ROOT)} and {tests.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
