"""Fleet files and command-line targets: what is accepted, and the one-line errors for the rest."""

from __future__ import annotations

from pathlib import Path

import pytest

from dbaudit.errors import UsageError
from dbaudit.fleet import load_fleet
from dbaudit.fleet.config import fleet_from_targets, unique_names
from dbaudit.fleet.facts import database_name


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "fleet.toml"
    path.write_text(text, encoding="utf-8")
    return path


class TestLoadFleet:
    def test_defaults_and_settings(self, tmp_path: Path) -> None:
        """[defaults] apply to every target unless it sets its own; paths are relative to the file;
        [fleet] settings are read with - or _ in their names."""
        path = _write(tmp_path, """
[fleet]
concurrency = 4
timeout = 90
fail-on = "p0"

[defaults]
models = "app.models:Base"
migrations = "migrations"
timeout = 30

[[targets]]
name = "eu-1"
url_env = "EU1_URL"

[[targets]]
url = "postgresql://audit@us-1.internal:5433/orders"
migrations = "other"
""")
        fleet = load_fleet(path)
        assert (fleet.concurrency, fleet.timeout_s, fleet.fail_on) == (4, 90.0, "P0")
        eu, us = fleet.targets
        assert (eu.name, eu.url_env, eu.models, eu.timeout_s) == ("eu-1", "EU1_URL", "app.models:Base", 30.0)
        assert eu.migrations == str(tmp_path.resolve() / "migrations")
        assert (us.name, us.migrations) == ("orders", str(tmp_path.resolve() / "other"))

    @pytest.mark.parametrize(("text", "error"), [
        ('[[targets]]\nname = "a"\nurl = "postgresql://u:pw@h/db"\n', "targets[1].url holds a password"),
        ('[[targets]]\nname = "a"\n', "[targets[1]] needs url_env"),
        ('[[targets]]\nname = "a"\nurl_env = "X"\nurl = "postgresql://h/db"\n', "not both"),
        ('[[targets]]\nname = "a"\nurl_env = "X"\n\n[[targets]]\nname = "a"\nurl_env = "Y"\n',
         "targets 1 and 2 are both named 'a'"),
        ('[[targets]]\nname = "a"\nurl_env = "X"\nmodel = "m:B"\n', "unknown key 'model' in targets[1] (did you "
                                                                    "mean 'models'?)"),
        ('[[targets]]\nname = "a/b"\nurl_env = "X"\n', "may hold only letters"),
        ('[fleet]\nconcurrency = 0\n[[targets]]\nname = "a"\nurl_env = "X"\n', "fleet.concurrency must be"),
        ('[fleet]\nfail_on = "P3"\n[[targets]]\nname = "a"\nurl_env = "X"\n', "fleet.fail-on must be one of"),
        ("[fleet]\nconcurrency = 2\n", "no [[targets]]"),
    ])
    def test_errors(self, tmp_path: Path, text: str, error: str) -> None:
        """Each mistake is one UsageError naming the file and the key; a password never appears in it."""
        with pytest.raises(UsageError) as raised:
            load_fleet(_write(tmp_path, text))
        assert error in str(raised.value)
        assert str(tmp_path) in str(raised.value)
        assert "pw@" not in str(raised.value)


class TestTargetsFromCommandLine:
    def test_names(self) -> None:
        """Targets are named after their database; the same database on two hosts gets the host added."""
        fleet = fleet_from_targets(["postgresql://a@db1/app", "postgresql://a@db2:6432/app", "postgresql:///orders",
                                    "schema.sql"])
        assert [t.name for t in fleet.targets] == ["app-db1", "app-db2:6432", "orders", "schema"]
        assert [t.slug for t in fleet.targets] == ["app-db1", "app-db2_6432", "orders", "schema"]

    def test_same_url_twice(self) -> None:
        """The same URL twice still gives two names (and two report directories)."""
        assert unique_names(["app", "app", "app"], ["h", "h", "h"]) == ["app-h", "app-h-2", "app-h-3"]

    @pytest.mark.parametrize(("target", "name"), [
        ("postgresql://u:secret@h:5432/billing?sslmode=require", "billing"),
        ("postgresql://h/?dbname=ledger", "ledger"),
        ("sqlite:////var/data/app.db", "app"),
        ("models/orders.json", "orders"),
    ])
    def test_database_name(self, target: str, name: str) -> None:
        """The short name of a URL is its database (never its password), of a file its stem."""
        assert database_name(target) == name
