"""``dbaudit rules``: the catalogue table, JSON, one rule's documentation, unknown ids."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from dbaudit.cli.main import cli
from dbaudit.cli.rules_cmd import catalogue, rule_markdown


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["rules", *args], env={"COLUMNS": "80"})
    return result.exit_code, result.stdout, result.stderr


class TestRulesCommand:
    def test_table_lists_every_rule(self) -> None:
        """The default table has a row per catalogue rule with its id, category and severity."""
        code, out, _ = run()
        assert code == 0
        for rule_ in catalogue():
            assert rule_.id in out
        assert re.search(r"│ redundant-column-without-consistency +│ integrity +│ P1 +│ sometimes +│ stable +│", out)

    def test_json_lists_rule_facts(self) -> None:
        """--format json gives id, category, severity, fix, status, requires, title, rationale per rule."""
        code, out, _ = run("--format", "json")
        data = json.loads(out)
        assert code == 0
        entry = next(r for r in data if r["id"] == "updated-at-not-maintained")
        assert entry == {
            "id": "updated-at-not-maintained", "category": "lifecycle", "severity": "P2", "fix": "always",
            "status": "stable", "requires": ["triggers"],
            "title": "An updated_at column that nothing maintains: no update trigger and no ORM hook.",
            "rationale": entry["rationale"],
        }
        assert entry["rationale"].startswith("A default of `now()` fills the column on INSERT only.")
        assert len(data) == len(catalogue())

    def test_category_filter(self) -> None:
        """A category argument lists only that category's rules."""
        code, out, _ = run("naming", "--format", "json")
        assert (code, [r["id"] for r in json.loads(out)]) == (0, ["sequence-name-mismatch", "non-snake-case"])

    def test_one_rule_prints_its_documentation(self) -> None:
        """dbaudit rules ID renders the rule's docs with its headings."""
        code, out, _ = run("fk-missing")
        assert code == 0
        for heading in ("fk-missing", "What it does", "Why is this bad?", "Example", "Use instead", "NOT VALID"):
            assert heading in out

    def test_one_rule_in_chinese(self) -> None:
        """--lang zh puts the rule's one-line summary in Chinese first; the documentation stays English."""
        code, out, _ = run("fk-missing", "--lang", "zh")
        assert code == 0
        assert "列指向另一张表的键, 但没有外键约束该关联" in out
        assert "What it does" in out
        assert run("fk-missing")[1].count("列指向") == 0

    def test_table_in_chinese(self) -> None:
        """The catalogue table's titles are Chinese with --lang zh."""
        code, out, _ = run("naming", "--lang", "zh")
        assert code == 0
        assert "序列名不是" in out

    def test_one_rule_json_includes_doc(self) -> None:
        """dbaudit rules ID --format json includes the whole docstring."""
        code, out, _ = run("deep-cascade", "--format", "json")
        assert code == 0
        assert json.loads(out)["doc"].startswith("One DELETE silently removes rows in many tables")

    def test_unknown_id_exits_2_with_suggestion(self) -> None:
        """An unknown id is a one-line error with a suggestion and exit code 2."""
        code, out, err = run("fk-mising")
        assert (code, out) == (2, "")
        assert "unknown rule or category 'fk-mising' (did you mean 'fk-missing'?)" in err


class TestRuleMarkdown:
    def test_page_starts_with_id_title_and_facts(self) -> None:
        """The generated page has the id, the summary and a facts table, then the sections."""
        rule_ = catalogue().get("non-snake-case")
        assert rule_ is not None
        page = rule_markdown(rule_)
        assert page.startswith(
            "# non-snake-case\n\nA table, column, index, constraint or sequence name is not lower snake_case.\n\n"
            "| | |\n| --- | --- |\n| Category | `naming` |\n| Default severity | P2 |\n"
            "| Fix available | sometimes |\n| Status | stable |\n| Needs | nothing beyond the schema |\n\n"
            "## What it does\n")
