"""The databases of a fleet: a TOML file, or targets named on the command line.

A fleet file (any name; keys may be written with ``_`` or ``-``)::

    [fleet]                          # optional; the command line wins
    concurrency = 8                  # audits at once
    timeout = 300                    # seconds per database
    fail-on = "P1"                   # exit 1 at or above (default: each target's configuration, else P1)

    [defaults]                       # optional; any target key but name, url and url_env
    config = "dbaudit.toml"          # dbaudit configuration (selection, severities, suppressions)
    models = "app.models:Base"       # SQLAlchemy models
    project = "."                    # directory put on sys.path for the models
    migrations = "migrations"        # Alembic project
    code = "app"                     # application code to scan
    timeout = 600

    [[targets]]
    name = "eu-1"                    # the report directory's name (default: the URL's database)
    url_env = "EU1_DATABASE_URL"     # the environment variable holding the URL...

    [[targets]]
    name = "us-1"
    url = "postgresql://audit@us-1.internal/app"   # ...or the URL itself, without a password

Relative paths are relative to the file. A URL holding a password is refused: its place is an
environment variable. A target whose variable is not set fails alone, with that reason.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dbaudit.errors import UsageError
from dbaudit.fleet.facts import database_name
from dbaudit.redact import redact_url
from dbaudit.tablereader import ENV_NAME, TableReader

_NAME = re.compile(r"[\w][\w.-]*\Z")
_NOT_NAME = re.compile(r"[^\w.-]+")
_SEVERITIES = ("P0", "P1", "P2")
_PATH_KEYS = ("config", "project", "migrations", "code")
# Keys of a target; [defaults] takes all but the first three.
TARGET_KEYS: dict[str, str] = {
    "name": "The database's name in the fleet and its report directory (default: the URL's database).",
    "url": "The database URL (a URL with a password is refused: use url_env).",
    "url_env": "Environment variable holding the database URL.",
    "config": "dbaudit configuration file (dbaudit.toml or pyproject.toml) for this database's audit.",
    "models": "SQLAlchemy models: package.module:Base.",
    "project": "Directory put on sys.path to import the models.",
    "migrations": "Alembic project (alembic.ini directory or script directory).",
    "code": "Application code to scan for query patterns.",
    "timeout": "Seconds this database's audit may take before it is stopped.",
}
FLEET_KEYS: dict[str, str] = {
    "concurrency": "Audits running at once.",
    "timeout": "Seconds each database's audit may take (a target's own timeout wins).",
    "fail_on": "Exit 1 when a finding is at or above this severity (P0, P1, P2).",
}


@dataclass(frozen=True)
class FleetTarget:
    """One database of a fleet: where it is, and the inputs its audit reads besides the database."""

    name: str
    url: str | None = field(default=None, repr=False)
    url_env: str | None = None
    config: str | None = None
    models: str | None = None
    project: str | None = None
    migrations: str | None = None
    code: str | None = None
    timeout_s: float | None = None

    def resolve_url(self) -> str:
        """The URL, from the environment when the target names a variable."""
        if self.url is not None:
            return self.url
        value = os.environ.get(self.url_env or "", "").strip()
        if not value:
            raise UsageError(f"environment variable {self.url_env} is not set")
        return value

    @property
    def slug(self) -> str:
        """The name as a directory name (names from the command line may hold any character)."""
        return _NOT_NAME.sub("_", self.name).strip("._") or "database"


@dataclass(frozen=True)
class FleetConfig:
    """A fleet: its targets and the run settings the file gives (``None``: not given)."""

    targets: tuple[FleetTarget, ...]
    path: Path | None = None
    concurrency: int | None = None
    timeout_s: float | None = None
    fail_on: str | None = None

    @property
    def base_dir(self) -> Path:
        """Where relative paths and dbaudit configuration files are looked up from."""
        return self.path.resolve().parent if self.path is not None else Path.cwd()


def load_fleet(path: str | Path) -> FleetConfig:
    """Read and check a fleet file; every error is one :class:`UsageError` naming the file and key."""
    from dbaudit.config import read_toml  # noqa: PLC0415

    file = Path(path)
    return _Reader(file).fleet(read_toml(file))


def fleet_from_targets(targets: Sequence[str]) -> FleetConfig:
    """A fleet of URLs (or ``.sql`` / model files) named on the command line, each named after its
    database; two of the same name get their host (then a number) added."""
    names = unique_names([database_name(t) for t in targets], [_host(t) for t in targets])
    return FleetConfig(tuple(FleetTarget(name=n, url=t) for n, t in zip(names, targets, strict=True)))


def unique_names(names: Sequence[str], hosts: Sequence[str]) -> list[str]:
    """``names`` made unique: a repeated name gets its host, and a number when that is not enough."""
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    out: list[str] = []
    seen: set[str] = set()
    for name, host in zip(names, hosts, strict=True):
        candidate = f"{name}-{host}" if counts[name] > 1 and host else name
        number = 2
        unique = candidate
        while unique in seen:
            unique = f"{candidate}-{number}"
            number += 1
        seen.add(unique)
        out.append(unique)
    return out


def _host(target: str) -> str:
    from urllib.parse import urlsplit  # noqa: PLC0415

    if "://" not in target:
        return ""
    try:
        parts = urlsplit(target)
        host = parts.hostname or ""
        return f"{host}:{parts.port}" if host and parts.port else host
    except ValueError:
        return ""


class _Reader(TableReader):
    def fleet(self, data: Mapping[str, Any]) -> FleetConfig:
        self.keys(data, ("fleet", "defaults", "targets"), "the file's top level")
        settings = self.table(data.get("fleet", {}), "fleet")
        values = self.keys(settings, tuple(FLEET_KEYS), "fleet")
        defaults = self.keys(self.table(data.get("defaults", {}), "defaults"), tuple(TARGET_KEYS)[3:], "defaults")
        raw = data.get("targets")
        if not isinstance(raw, list) or not raw:
            raise self.fail('no [[targets]]: list each database with its name and url_env (or url)')
        targets = [self.target(item, n, defaults) for n, item in enumerate(raw, start=1)]
        seen: dict[str, int] = {}
        for n, target in enumerate(targets, start=1):
            if target.name in seen:
                raise self.fail(f"targets {seen[target.name]} and {n} are both named {target.name!r}")
            seen[target.name] = n
        return FleetConfig(
            tuple(targets), self.path,
            concurrency=self.positive_int(values.get("concurrency"), "fleet.concurrency"),
            timeout_s=self.seconds(values.get("timeout"), "fleet.timeout"),
            fail_on=self.severity(values.get("fail_on"), "fleet.fail-on"),
        )

    def target(self, item: Any, number: int, defaults: Mapping[str, Any]) -> FleetTarget:
        where = f"targets[{number}]"
        values = {**defaults, **self.keys(self.table(item, where), tuple(TARGET_KEYS), where)}
        url = self.optional_text(values.get("url"), f"{where}.url")
        url_env = self.optional_text(values.get("url_env"), f"{where}.url_env")
        if (url is None) == (url_env is None):
            raise self.fail(f"[{where}] needs url_env (the environment variable holding its URL) or url, not both")
        if url is not None and redact_url(url) != url:
            raise self.fail(f"{where}.url holds a password: put the URL in an environment variable and name it "
                            'with url_env = "..." instead')
        if url_env is not None and not ENV_NAME.match(url_env):
            raise self.fail(f'{where}.url_env must name an environment variable (e.g. "EU1_DATABASE_URL")')
        name = self.optional_text(values.get("name"), f"{where}.name")
        if name is None:
            name = _NOT_NAME.sub("_", database_name(url)) if url is not None else (url_env or "").lower()
        if not _NAME.match(name):
            raise self.fail(f"{where}.name {name!r} may hold only letters, digits, '_', '-' and '.'")
        models = self.optional_text(values.get("models"), f"{where}.models")
        if models is not None and ":" not in models:
            raise self.fail(f'{where}.models must be an import path such as "app.models:Base"')
        paths = {key: self.path_value(values.get(key), f"{where}.{key}") for key in _PATH_KEYS}
        return FleetTarget(
            name=name, url=url, url_env=url_env, models=models, **paths,
            timeout_s=self.seconds(values.get("timeout"), f"{where}.timeout"),
        )

    def path_value(self, value: Any, where: str) -> str | None:
        text = self.optional_text(value, where)
        return None if text is None else str(self.base / text)

    def positive_int(self, value: Any, where: str) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise self.fail(f"{where} must be a whole number of at least 1")
        return value

    def seconds(self, value: Any, where: str) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise self.fail(f"{where} must be a positive number of seconds")
        return float(value)

    def severity(self, value: Any, where: str) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or value.upper() not in _SEVERITIES:
            raise self.fail(f"{where} must be one of {', '.join(_SEVERITIES)}")
        return value.upper()


__all__ = ["FLEET_KEYS", "TARGET_KEYS", "FleetConfig", "FleetTarget", "fleet_from_targets", "load_fleet",
           "unique_names"]
