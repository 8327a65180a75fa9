"""Loading and merging [tool.dbaudit] configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from dbaudit.config import Config, HouseConfig, ObjectIgnore, load_config
from dbaudit.errors import UsageError
from dbaudit.findings import Severity

FULL = """
[tool.dbaudit]
select = ["integrity", "indexes"]
extend-select = ["house"]
ignore = ["char-type"]
severity = { "fk-missing" = "P0", naming = "p2" }
fail-on = "P2"
lang = "zh"
url-env = "DATABASE_URL"

[tool.dbaudit.per-object-ignores]
"audit.*_history" = { rules = ["fk-without-index"], reason = "append-only archive" }

[tool.dbaudit.house]
required-columns = ["created_at", "updated_at"]
pk-type = ["bigint", "UUID"]
table-name-pattern = "^[a-z][a-z0-9_]*$"
timestamps-trigger = true

[tool.dbaudit.rule-options.deep-cascade]
max-depth = 3
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


class TestLoad:
    def test_full_pyproject(self, tmp_path: Path) -> None:
        """Every key of [tool.dbaudit] is read into the Config value."""
        path = write(tmp_path, "pyproject.toml", FULL)
        assert load_config(str(path)) == Config(
            select=("integrity", "indexes"), extend_select=("house",), ignore=("char-type",),
            severity=(("fk-missing", Severity.P0), ("naming", Severity.P2)),
            per_object_ignores=(ObjectIgnore(("audit.*_history",), ("fk-without-index",), "append-only archive"),),
            fail_on=Severity.P2, lang="zh", url_env="DATABASE_URL",
            house=HouseConfig(required_columns=("created_at", "updated_at"), pk_types=("bigint", "uuid"),
                              table_name_pattern="^[a-z][a-z0-9_]*$", timestamps_trigger=True),
            rule_options=(("deep-cascade", (("max-depth", 3),)),),
            path=str(path),
        )

    def test_options_merge_house_and_rule_options(self, tmp_path: Path) -> None:
        """Config.options() gives the house rules their settings and passes rule-options through."""
        options = load_config(str(write(tmp_path, "pyproject.toml", FULL))).options()
        assert options["house-required-columns"] == {"columns": ["created_at", "updated_at"]}
        assert options["house-naming-pattern"] == {"patterns": {"table": "^[a-z][a-z0-9_]*$"}}
        assert options["house-timestamps-trigger"] == {"enabled": True, "column": "updated_at"}
        assert options["deep-cascade"] == {"max-depth": 3}

    def test_dbaudit_toml_is_found_upwards_and_wins(self, tmp_path: Path) -> None:
        """dbaudit.toml (top-level keys) is discovered from a subdirectory before pyproject.toml."""
        write(tmp_path, "pyproject.toml", '[tool.dbaudit]\nfail-on = "P0"\n')
        write(tmp_path, "dbaudit.toml", 'fail-on = "P2"\n')
        sub = tmp_path / "a" / "b"
        sub.mkdir(parents=True)
        assert load_config(start_dir=sub).fail_on is Severity.P2

    def test_array_of_tables_ignores(self, tmp_path: Path) -> None:
        """per-object-ignores also accepts [[...]] entries with several object globs."""
        path = write(tmp_path, "dbaudit.toml", """
[[per-object-ignores]]
objects = ["public.legacy_*", "public.old"]
rules = ["naming"]
reason = "renamed in Q3"
""")
        assert load_config(str(path)).per_object_ignores == (
            ObjectIgnore(("public.legacy_*", "public.old"), ("naming",), "renamed in Q3"),)

    def test_no_file_gives_defaults(self, tmp_path: Path) -> None:
        """Without any configuration file the defaults apply."""
        assert load_config(start_dir=tmp_path) == Config()

    def test_pyproject_without_section_is_skipped(self, tmp_path: Path) -> None:
        """A pyproject.toml without [tool.dbaudit] is not a dbaudit configuration."""
        write(tmp_path, "pyproject.toml", "[project]\nname = 'x'\n")
        assert load_config(start_dir=tmp_path) == Config()


class TestErrors:
    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ('[tool.dbaudit]\nselct = ["ALL"]\n', "unknown key 'selct' in [tool.dbaudit] (did you mean 'select'?)"),
            ('[tool.dbaudit.house]\nrequired-column = ["x"]\n',
             "unknown key 'required-column' in [tool.dbaudit.house] (did you mean 'required-columns'?)"),
            ('[tool.dbaudit.per-object-ignores]\n"public.x" = { rules = ["ALL"] }\n',
             "per-object-ignores for public.x: a non-empty reason is required"),
            ('[tool.dbaudit.per-object-ignores]\n"public.x" = ["ALL"]\n', "needs a reason"),
            ('[tool.dbaudit]\nfail-on = "P9"\n', "fail-on: unknown severity 'P9'"),
            ('[tool.dbaudit]\nlang = "fr"\n', 'lang must be "en" or "zh"'),
            ('[tool.dbaudit]\nurl-env = "postgresql://u:hunter2@h/db"\n', "database URLs are not allowed"),
            ('[tool.dbaudit.house]\ntable-name-pattern = "("\n', "not a valid regular expression"),
            ("[tool.dbaudit\n", "invalid TOML"),
        ],
    )
    def test_bad_configuration(self, tmp_path: Path, text: str, message: str) -> None:
        """Each mistake is a UsageError naming the file and the key."""
        path = write(tmp_path, "pyproject.toml", text)
        with pytest.raises(UsageError) as info:
            load_config(str(path))
        assert str(path) in str(info.value)
        assert message in str(info.value)

    def test_url_value_is_never_echoed(self, tmp_path: Path) -> None:
        """A URL anywhere in the file is refused without printing it (it may hold a password)."""
        path = write(tmp_path, "dbaudit.toml", '[rule-options.x]\ndsn = "postgresql://u:hunter2@h/db"\n')
        with pytest.raises(UsageError) as info:
            load_config(str(path))
        assert "hunter2" not in str(info.value)
        assert "rule-options.x.dsn holds a URL" in str(info.value)

    def test_missing_file(self, tmp_path: Path) -> None:
        """An explicit path that does not exist is a UsageError."""
        with pytest.raises(UsageError, match="does not exist"):
            load_config(str(tmp_path / "nope.toml"))


class TestMerge:
    def test_cli_over_file(self) -> None:
        """--select and --fail-on replace; --ignore and --extend-select add; comma lists split."""
        base = Config(select=("integrity",), ignore=("fk-missing",), extend_select=("house",))
        merged = base.merged(select=["naming,lifecycle"], ignore=["deep-cascade"], extend_select=["x"],
                             fail_on="p0")
        assert merged == Config(select=("naming", "lifecycle"), ignore=("fk-missing", "deep-cascade"),
                                extend_select=("house", "x"), fail_on=Severity.P0)

    def test_empty_cli_select_keeps_file(self) -> None:
        """No --select on the command line keeps the file's selection."""
        assert Config(select=("naming",)).merged(select=[]).select == ("naming",)

    def test_bad_cli_severity(self) -> None:
        """An invalid --fail-on is a UsageError."""
        with pytest.raises(UsageError, match="--fail-on"):
            Config().merged(fail_on="high")
