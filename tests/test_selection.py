"""Rule selectors name rules: a typo is an error wherever it is written (issue 17, item 3)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from dbaudit.cli.main import cli
from dbaudit.config import Config, ObjectIgnore
from dbaudit.errors import UsageError
from dbaudit.findings import Severity
from dbaudit.selection import catalogue, check_selectors, command_config, known_selectors, validate_config


class TestCatalogue:
    def test_every_kind_of_rule_is_selectable(self) -> None:
        """Schema, drift and migration rules, their categories and ALL are all known selectors."""
        known = set(known_selectors())
        assert {"ALL", "fk-without-index", "indexes", "pk-mismatch", "drift", "non-concurrent-index",
                "migrations", "missing-downgrade"} <= known
        assert len(catalogue()) == len({r.id for r in catalogue()})


class TestCheckSelectors:
    def test_unknown_selector_names_where_and_the_closest_rule(self) -> None:
        with pytest.raises(UsageError, match=r"unknown rule or category 'fk-mising' in --ignore "
                                             r"\(did you mean 'fk-missing'\?\)"):
            check_selectors(["indexes", "fk-mising"], where="--ignore")

    def test_known_selectors_pass(self) -> None:
        check_selectors(["ALL", "integrity", "fk-missing", "destructive-change", "pk-mismatch"], where="--select")

    @pytest.mark.parametrize(("config", "where"), [
        (Config(select=("integrty",)), "select of"),
        (Config(extend_select=("hous",)), "extend-select of"),
        (Config(ignore=("char-typ",)), "ignore of"),
        (Config(severity=(("fk-mising", Severity.P0),)), "severity of"),
        (Config(per_object_ignores=(ObjectIgnore(("public.*",), ("typo-rule",), "why"),)), "per-object-ignores of"),
        (Config(per_file_ignores=(ObjectIgnore(("versions/*.py",), ("missing-downgrad",), "why"),)),
         "per-file-ignores of"),
    ])
    def test_every_field_of_a_configuration_is_checked(self, config: Config, where: str) -> None:
        with pytest.raises(UsageError, match=where):
            validate_config(config)

    def test_a_plugin_rule_is_selectable(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """A team's rule, registered by a configured plugin, is known once the plugin is imported."""
        (tmp_path / "team_rules_selection.py").write_text(
            "from dbaudit.rules.registry import REGISTRY, rule\n"
            "from dbaudit.findings import Severity\n"
            "if 'team-only-rule' not in REGISTRY:\n"
            "    @rule('team-only-rule', category='house', severity=Severity.P2)\n"
            "    def team_only_rule(ctx):\n"
            "        '''Team rule.\n\n        ## What it does\n        x\n\n        ## Why is this bad?\n        x\n\n"
            "        ## Example\n        x\n\n        ## Use instead\n        x\n        '''\n"
            "        return []\n",
            encoding="utf-8",
        )
        monkeypatch.syspath_prepend(str(tmp_path))
        config = Config(select=("team-only-rule",), plugins=("team_rules_selection",))
        try:
            assert validate_config(config) is config
        finally:
            from dbaudit.rules.registry import REGISTRY  # noqa: PLC0415

            REGISTRY._rules.pop("team-only-rule", None)
            sys.modules.pop("team_rules_selection", None)


class TestCommandConfig:
    def test_command_line_over_file(self, tmp_path: Path) -> None:
        (tmp_path / "dbaudit.toml").write_text('select = ["integrity"]\nignore = ["fk-missing"]\n', encoding="utf-8")
        config = command_config(None, start_dir=tmp_path, select=("indexes,naming",), ignore=("char-type",),
                                extend_select=("house",))
        assert (config.select, config.ignore, config.extend_select) == (
            ("indexes", "naming"), ("fk-missing", "char-type"), ("house",))

    def test_extend_select_is_checked(self, tmp_path: Path) -> None:
        with pytest.raises(UsageError, match="'hose' in --extend-select"):
            command_config(None, start_dir=tmp_path, extend_select=("hose",))

    def test_file_selector_error_names_the_file(self, tmp_path: Path) -> None:
        (tmp_path / "dbaudit.toml").write_text('ignore = ["fk-mising"]\n', encoding="utf-8")
        with pytest.raises(UsageError, match=f"in ignore of {tmp_path / 'dbaudit.toml'}"):
            command_config(None, start_dir=tmp_path)


class TestLintSelection:
    def test_schema_rule_selection_says_it_checks_nothing(self, tmp_path: Path) -> None:
        """--select of schema rules only is valid (a shared config), but lint-migrations says it checks
        nothing instead of passing silently."""
        (tmp_path / "001.sql").write_text("CREATE INDEX i ON t (c);\n", encoding="utf-8")
        result = CliRunner().invoke(cli, ["lint-migrations", str(tmp_path), "--select", "fk-missing"])
        assert result.exit_code == 0
        assert "note: the selection (fk-missing) names no migration rule: nothing is checked" in result.stdout
