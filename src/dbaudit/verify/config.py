"""The multi-database configuration read by ``verify`` and ``serve``.

In ``dbaudit.toml`` (top level) or ``pyproject.toml`` (``[tool.dbaudit]``)::

    [databases.users]
    url_env = "USERS_DATABASE_URL"          # required: the environment variable holding the URL
    tables = ["admin_*", "redeem_codes"]    # names or globs of the tables that belong here
    models = "app.models.users:UsersBase"   # and/or SQLAlchemy models (DeclarativeBase, registry, MetaData)
    bind_key = "users"                      # only the models bound to this key (Flask-SQLAlchemy)
    migrations = "migrations/users"         # Alembic project (alembic.ini dir or script dir)
    version_table = "alembic_version"       # where Alembic keeps the current revision (default)
    ignore_tables = ["spatial_ref_sys"]     # present but neither expected nor unexpected
    schemas = ["public"]                    # schemas to read (default: every user schema)
    snapshots = "snapshots/users-*.json"    # serve: the newest snapshot's time is reported

    [serve]
    interval = 60          # seconds between health refreshes
    audit_interval = 900   # seconds between schema reads + rule runs (rows, partitions, findings)

Keys may be written with ``_`` or ``-``. Relative paths are relative to the configuration file.
Database URLs are refused anywhere in the file: only environment variable names.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dbaudit.errors import UsageError
from dbaudit.tablereader import ENV_NAME, TableReader

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
# Every key of [databases.NAME], with what it means (the configuration's JSON Schema is built from it).
DATABASE_KEY_DOCS: dict[str, str] = {
    "url_env": "Environment variable holding the database URL (required; URLs are refused in the file).",
    "tables": "Names or globs of the tables that belong to this database.",
    "models": "SQLAlchemy models of this database: package.module:Base (DeclarativeBase, registry, MetaData).",
    "bind_key": "Only the models bound to this key (Flask-SQLAlchemy __bind_key__).",
    "migrations": "Alembic project of this database (alembic.ini directory or script directory).",
    "version_table": "Alembic's version table (default alembic_version).",
    "ignore_tables": "Globs of tables neither expected nor unexpected.",
    "schemas": "Schemas to read (default: every user schema).",
    "snapshots": "Glob of this database's snapshot files (serve reports the newest taken_at).",
    "project": "Directory put on sys.path to import the models (default: the file's directory).",
}
_DATABASE_KEYS = tuple(DATABASE_KEY_DOCS)
_SERVE_KEYS = ("interval", "audit_interval")


@dataclass(frozen=True)
class DatabaseSpec:
    """One named database and what is expected of it."""

    name: str
    url_env: str
    tables: tuple[str, ...] = ()
    models: str | None = None
    bind_key: str | None = None
    migrations: Path | None = None
    version_table: str = "alembic_version"
    ignore_tables: tuple[str, ...] = ()
    schemas: tuple[str, ...] = ()
    snapshots: str | None = None
    project: Path | None = None

    def url(self) -> str:
        """The URL from the environment; a configuration error when the variable is not set."""
        value = os.environ.get(self.url_env, "").strip()
        if not value:
            raise UsageError(f"databases.{self.name}: environment variable {self.url_env} is not set")
        return value


@dataclass(frozen=True)
class ServeSettings:
    interval_s: float = 60.0
    audit_interval_s: float = 900.0


@dataclass(frozen=True)
class DatabasesConfig:
    path: Path
    databases: tuple[DatabaseSpec, ...]
    serve: ServeSettings = ServeSettings()

    @property
    def base_dir(self) -> Path:
        return self.path.parent


def load_databases(path: str | Path) -> DatabasesConfig:
    """Read and validate ``[databases.*]`` (and ``[serve]``) from a TOML file; errors name key and file."""
    from dbaudit.config import read_toml  # noqa: PLC0415

    file = Path(path)
    data = read_toml(file)
    if file.name == "pyproject.toml":
        tool = data.get("tool", {})
        data = tool.get("dbaudit", {}) if isinstance(tool, Mapping) else {}
    return _Reader(file).config(data)


class _Reader(TableReader):
    def config(self, data: Mapping[str, Any]) -> DatabasesConfig:
        section = data.get("databases")
        if not isinstance(section, Mapping) or not section:
            raise self.fail("no [databases.NAME] table: name each database, its url_env and its tables")
        self.reject_urls(section, "databases")
        databases = tuple(self.database(str(name), spec) for name, spec in section.items())
        return DatabasesConfig(self.path, databases, self.serve(data.get("serve", {})))

    def reject_urls(self, value: Any, where: str) -> None:
        """Refuse a URL anywhere, without echoing it (it may hold a password)."""
        if isinstance(value, str) and _URL.match(value.strip()):
            raise self.fail(f"{where} holds a URL: database URLs are not allowed in configuration; "
                            'name an environment variable instead (url_env = "USERS_DATABASE_URL")')
        if isinstance(value, Mapping):
            for key, item in value.items():
                self.reject_urls(item, f"{where}.{key}")
        elif isinstance(value, list):
            for item in value:
                self.reject_urls(item, where)

    def database(self, name: str, spec: Any) -> DatabaseSpec:
        where = f"databases.{name}"
        if not isinstance(spec, Mapping):
            raise self.fail(f"[{where}] must be a table")
        values = self.keys(spec, _DATABASE_KEYS, f"[{where}]")
        if "url_env" not in values:
            raise self.fail(f"[{where}] needs url_env, the environment variable holding its URL")
        url_env = self.text(values["url_env"], f"{where}.url_env")
        if not ENV_NAME.match(url_env):
            raise self.fail(f"{where}.url_env must name an environment variable (e.g. \"USERS_DATABASE_URL\")")
        tables = self.strings(values.get("tables", []), f"{where}.tables")
        models = self.optional_text(values.get("models"), f"{where}.models")
        if models is not None and ":" not in models:
            raise self.fail(f"{where}.models must be an import path such as \"app.models:Base\"")
        if not tables and models is None:
            raise self.fail(f"[{where}] says nothing about its tables: add tables = [...] and/or models = \"...\"")
        bind_key = self.optional_text(values.get("bind_key"), f"{where}.bind_key")
        if bind_key is not None and models is None:
            raise self.fail(f"{where}.bind_key needs models (the import path holding the bound models)")
        migrations = self.optional_text(values.get("migrations"), f"{where}.migrations")
        project = self.optional_text(values.get("project"), f"{where}.project")
        return DatabaseSpec(
            name=name, url_env=url_env, tables=tables, models=models, bind_key=bind_key,
            migrations=self.base / migrations if migrations else None,
            version_table=self.optional_text(values.get("version_table"), f"{where}.version_table")
            or "alembic_version",
            ignore_tables=self.strings(values.get("ignore_tables", []), f"{where}.ignore_tables"),
            schemas=self.strings(values.get("schemas", []), f"{where}.schemas"),
            snapshots=self.optional_text(values.get("snapshots"), f"{where}.snapshots"),
            project=self.base / project if project else self.base,
        )

    def serve(self, data: Any) -> ServeSettings:
        if not isinstance(data, Mapping):
            raise self.fail("[serve] must be a table")
        values = self.keys(data, _SERVE_KEYS, "[serve]")
        out = ServeSettings()
        for key, value in values.items():
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise self.fail(f"serve.{key} must be a positive number of seconds")
        return ServeSettings(
            interval_s=float(values.get("interval", out.interval_s)),
            audit_interval_s=float(values.get("audit_interval", out.audit_interval_s)),
        )

    def strings(self, value: Any, where: str) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(f"{where} must be a list of names")
        return tuple(v.strip() for v in value)


__all__ = ["DATABASE_KEY_DOCS", "DatabaseSpec", "DatabasesConfig", "ServeSettings", "load_databases"]
