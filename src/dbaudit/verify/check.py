"""Verification of a split across several databases.

Per database: is it reachable; which tables are there that belong elsewhere or nowhere
(``unexpected_tables``); which expected tables are absent (``missing_tables``); is Alembic's current
revision the head of the configured migrations. Across databases: tables present in more than one
database, two names pointing at the same database, and foreign keys or views whose tables belong to
different databases (read from each live database and from each database's models).

Table names are relative to the database's default schema (``public``, SQLite's ``main``, MySQL's
current database): ``seats``, or ``audit.events`` in another schema, so that the same table compares
equal across PostgreSQL, SQLite and MySQL.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dbaudit.errors import ConnectionFailed
from dbaudit.model import SchemaModel, Table, TableKind
from dbaudit.verify.config import DatabasesConfig, DatabaseSpec, load_databases

MODELS_DEFAULT_SCHEMA = "public"  # what the models source gives a table declared without a schema


@dataclass(frozen=True)
class AlembicState:
    """``current``: revisions in the version table (``None`` when there is no such table);
    ``head``: heads of the configured migrations (``None`` without migrations)."""

    version_table: str
    current: tuple[str, ...] | None
    head: tuple[str, ...] | None

    @property
    def ok(self) -> bool | None:
        if self.head is None:
            return None
        return self.current is not None and sorted(self.current) == sorted(self.head)

    def to_json(self) -> dict[str, Any]:
        return {"current": _joined(self.current), "head": _joined(self.head), "ok": self.ok,
                "version_table": self.version_table}


def _joined(revisions: tuple[str, ...] | None) -> str | None:
    return ",".join(sorted(revisions)) if revisions else None


@dataclass(frozen=True)
class DatabaseReport:
    name: str
    reachable: bool
    error: str | None = None
    dialect: str | None = None
    tables: tuple[str, ...] = ()
    unexpected_tables: tuple[str, ...] = ()
    missing_tables: tuple[str, ...] = ()
    alembic: AlembicState | None = None
    same_database_as: tuple[str, ...] = ()

    @property
    def problems(self) -> list[str]:
        out = []
        if not self.reachable:
            out.append(f"unreachable: {self.error}")
        if self.unexpected_tables:
            out.append(f"{len(self.unexpected_tables)} unexpected tables")
        if self.missing_tables:
            out.append(f"{len(self.missing_tables)} missing tables")
        if self.alembic is not None and self.alembic.ok is False:
            out.append("Alembic is not at head")
        if self.same_database_as:
            out.append(f"same database as {', '.join(self.same_database_as)}")
        return out

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        alembic = self.alembic or AlembicState("alembic_version", None, None)
        return {
            "reachable": self.reachable,
            "unexpected_tables": list(self.unexpected_tables),
            "missing_tables": list(self.missing_tables),
            "alembic": alembic.to_json(),
            "ok": self.ok,
            "error": self.error,
            "dialect": self.dialect,
            "same_database_as": list(self.same_database_as),
        }


@dataclass(frozen=True)
class SharedTable:
    name: str
    databases: tuple[str, ...]


@dataclass(frozen=True)
class CrossReference:
    """A foreign key or a view whose tables belong to different databases."""

    kind: str  # "foreign_key" | "view"
    source: str  # "database" (read live) | "models"
    found_in: str  # the configured database whose live schema or models hold it
    object: str
    from_table: str
    from_database: str
    to_table: str
    to_database: str

    @property
    def message(self) -> str:
        what = "foreign key" if self.kind == "foreign_key" else "view"
        return (f"{what} {self.object} ({self.source} of {self.found_in}): {self.from_table} ({self.from_database}) "
                f"-> {self.to_table} ({self.to_database})")

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "source": self.source, "found_in": self.found_in, "object": self.object,
            "from_table": self.from_table, "from_database": self.from_database,
            "to_table": self.to_table, "to_database": self.to_database,
        }


@dataclass(frozen=True)
class VerifyResult:
    databases: tuple[DatabaseReport, ...]
    shared_tables: tuple[SharedTable, ...] = ()
    cross_references: tuple[CrossReference, ...] = ()
    config_path: str = ""

    @property
    def ok(self) -> bool:
        return all(d.ok for d in self.databases) and not self.shared_tables and not self.cross_references

    def to_json(self) -> dict[str, Any]:
        return {
            "databases": {d.name: d.to_json() for d in self.databases},
            "shared_tables": [{"name": s.name, "databases": list(s.databases)} for s in self.shared_tables],
            "cross_database_references": [c.to_json() for c in self.cross_references],
            "ok": self.ok,
        }


# --- the check ------------------------------------------------------------------------------------


@dataclass
class _Live:
    """What was read from one reachable database."""

    model: SchemaModel
    default_schema: str
    versions: dict[str, tuple[str, ...]]
    identity: tuple[str, ...]


@dataclass
class _Expected:
    patterns: tuple[str, ...]
    models: SchemaModel | None
    model_tables: dict[str, Table] = field(default_factory=dict)

    def matches(self, name: str) -> bool:
        return name in self.model_tables or any(fnmatch.fnmatchcase(name, p) for p in self.patterns)


@dataclass(frozen=True)
class Expectations:
    """What each database should hold, read from the configuration's models and migrations (each in a
    child process, side by side): reusable across :func:`verify` calls while those files are unchanged."""

    expected: dict[str, _Expected]
    heads: dict[str, tuple[str, ...] | None]


def read_expectations(cfg: DatabasesConfig) -> Expectations:
    from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415

    with ThreadPoolExecutor(max_workers=4) as pool:
        expected_jobs = {spec.name: pool.submit(_expected, spec) for spec in cfg.databases}
        head_jobs = {spec.name: pool.submit(_heads, spec) for spec in cfg.databases}
        return Expectations({name: job.result() for name, job in expected_jobs.items()},
                            {name: job.result() for name, job in head_jobs.items()})


def verify(config: str | Path | DatabasesConfig, *, expectations: Expectations | None = None) -> VerifyResult:
    """Check every database of the configuration (see the module docstring).

    Configuration errors (a missing environment variable, unimportable models, an unreadable
    migrations directory) raise :class:`~dbaudit.errors.UsageError` / ``SourceError``; an unreachable
    database is reported, not raised. ``expectations`` (from :func:`read_expectations`) skips reading
    the models and migrations again.
    """
    cfg = config if isinstance(config, DatabasesConfig) else load_databases(config)
    urls = {spec.name: spec.url() for spec in cfg.databases}  # every variable set, before any work
    known = expectations or read_expectations(cfg)
    expected, heads = known.expected, known.heads
    live: dict[str, _Live | None] = {}
    errors: dict[str, str] = {}
    for spec in cfg.databases:
        try:
            live[spec.name] = _read_live(spec, urls[spec.name])
        except ConnectionFailed as exc:
            live[spec.name], errors[spec.name] = None, str(exc)
    reports = [
        _report(spec, live[spec.name], errors.get(spec.name), expected[spec.name], heads=heads[spec.name],
                everyone=live)
        for spec in cfg.databases
    ]
    present = {r.name: set(r.tables) for r in reports if r.reachable}
    shared = tuple(
        SharedTable(name, tuple(sorted(db for db, tables in present.items() if name in tables)))
        for name in sorted(set().union(*present.values()) if present else set())
        if sum(name in tables for tables in present.values()) > 1
    )
    cross = tuple(_cross_references(cfg, live, expected))
    return VerifyResult(tuple(reports), shared, cross, str(cfg.path))


def _expected(spec: DatabaseSpec) -> _Expected:
    models = None
    if spec.models is not None:
        from dbaudit.sources.orm import read_models  # noqa: PLC0415

        models = read_models(spec.models, project_dir=str(spec.project) if spec.project else None,
                             bind_key=spec.bind_key)
    out = _Expected(spec.tables, models)
    if models is not None:
        out.model_tables = {relative(t.schema, t.name, MODELS_DEFAULT_SCHEMA): t for t in _owning_tables(models)}
    return out


def _heads(spec: DatabaseSpec) -> tuple[str, ...] | None:
    if spec.migrations is None:
        return None
    from dbaudit.sources.alembic_head import read_revision_graph  # noqa: PLC0415

    return read_revision_graph(str(spec.migrations)).heads


def _read_live(spec: DatabaseSpec, url: str) -> _Live:
    from dbaudit.live import open_live  # noqa: PLC0415
    from dbaudit.sources import load_source  # noqa: PLC0415

    schemas = spec.schemas or None
    with open_live(url, schemas=schemas) as db:
        versions = db.alembic_versions()
        default_schema = db.default_schema
    model = load_source(url, schemas=schemas)
    return _Live(model, default_schema, versions, database_identity(url))


def database_identity(url: str) -> tuple[str, ...]:
    """What names one physical database: server and database name, or a SQLite file's real path."""
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return ("sqlite", str(Path(parsed.database or "").resolve()))
    host = (parsed.host or "localhost").lower()
    host = "localhost" if host in ("127.0.0.1", "::1") else host
    default_port = {"postgresql": 5432, "mysql": 3306, "mariadb": 3306}.get(backend, 0)
    family = "mysql" if backend == "mariadb" else backend
    return (family, host, str(parsed.port or default_port), parsed.database or "")


def relative(schema: str, name: str, default_schema: str) -> str:
    return name if schema == default_schema else f"{schema}.{name}"


def _owning_tables(model: SchemaModel) -> list[Table]:
    """Tables that own rows (not partitions, not views), without Alembic's bookkeeping tables."""
    return [
        t for t in model.tables
        if t.kind in (TableKind.TABLE, TableKind.PARTITIONED_TABLE) and t.partition_of is None
        and not is_version_table(t)
    ]


def is_version_table(table: Table) -> bool:
    """Alembic's bookkeeping: a table whose only column is ``version_num``."""
    return [c.name for c in table.columns] == ["version_num"]


def _report(
    spec: DatabaseSpec, live: _Live | None, error: str | None, expected: _Expected, *, heads: tuple[str, ...] | None,
    everyone: dict[str, _Live | None],
) -> DatabaseReport:
    if live is None:
        return DatabaseReport(spec.name, reachable=False, error=error,
                              alembic=AlembicState(spec.version_table, None, heads))
    present = sorted(
        name for t in _owning_tables(live.model)
        if (name := relative(t.schema, t.name, live.default_schema)) != spec.version_table
        and not any(fnmatch.fnmatchcase(name, p) for p in spec.ignore_tables)
    )
    unexpected = tuple(n for n in present if not expected.matches(n))
    missing = [p for p in expected.patterns if not any(fnmatch.fnmatchcase(n, p) for n in present)]
    missing += [n for n in expected.model_tables if n not in present and n not in missing]
    current = current_revisions(live.versions, spec.version_table, live.default_schema)
    same = tuple(sorted(
        other for other, other_live in everyone.items()
        if other != spec.name and other_live is not None and other_live.identity == live.identity
    ))
    return DatabaseReport(
        spec.name, reachable=True, dialect=live.model.source.dialect, tables=tuple(present),
        unexpected_tables=unexpected, missing_tables=tuple(sorted(missing)),
        alembic=AlembicState(spec.version_table, current, heads), same_database_as=same,
    )


def current_revisions(
    versions: dict[str, tuple[str, ...]], version_table: str, default_schema: str,
) -> tuple[str, ...] | None:
    """The revisions in ``version_table`` (bare: in the default schema) among the version tables found."""
    wanted = version_table if "." in version_table else f"{default_schema}.{version_table}"
    return versions.get(wanted)


# --- across databases ------------------------------------------------------------------------------


def _cross_references(
    cfg: DatabasesConfig, live: dict[str, _Live | None], expected: dict[str, _Expected],
) -> Iterator[CrossReference]:
    def owners(name: str) -> set[str]:
        return {db for db, exp in expected.items() if exp.matches(name)}

    seen: set[tuple[str, str, str]] = set()
    for spec in cfg.databases:
        sides: list[tuple[str, SchemaModel, str]] = []
        found = live.get(spec.name)
        if found is not None:
            sides.append(("database", found.model, found.default_schema))
        models = expected[spec.name].models
        if models is not None:
            sides.append(("models", models, MODELS_DEFAULT_SCHEMA))
        for source, model, default in sides:
            for ref in _references(model, default):
                kind, obj, from_table, to_table = ref
                key = (kind, from_table, to_table)
                if key in seen:
                    continue
                from_owner, to_owner = owners(from_table), owners(to_table)
                if not from_owner or not to_owner or from_owner & to_owner:
                    continue
                seen.add(key)
                yield CrossReference(kind, source, spec.name, obj, from_table, ",".join(sorted(from_owner)),
                                     to_table, ",".join(sorted(to_owner)))


def _references(model: SchemaModel, default: str) -> Iterator[tuple[str, str, str, str]]:
    """(kind, object, from table, to table) for every FK and every table a view reads."""
    for table in model.tables:
        name = relative(table.schema, table.name, default)
        for fk in table.foreign_keys:
            yield "foreign_key", f"{name}.{fk.name}", name, relative(fk.ref_schema, fk.ref_table, default)
        if table.kind in (TableKind.VIEW, TableKind.MATERIALIZED_VIEW) and table.view_definition:
            read = sorted(view_tables(table.view_definition, default, set(model.schemas)))
            for first in read:
                for other in read:
                    if first < other:
                        yield "view", name, first, other


_IDENT = r'(?:"(?:[^"]|"")+"|`(?:[^`]|``)+`|[^\W\d][\w$]*)'
_QUALIFIED = re.compile(rf"({_IDENT})\s*\.\s*({_IDENT})")
_FROM = re.compile(rf"\b(?:FROM|JOIN)\s+({_IDENT})(?![\w$\"`]|\s*\.)", re.IGNORECASE)


def view_tables(definition: str, default: str, schemas: set[str]) -> set[str]:
    """Table names a view's SQL mentions: ``schema.table`` pairs whose first part is one of
    ``schemas`` (not ``alias.column``), and bare names after FROM / JOIN."""
    names = {
        relative(schema, _unquote(b), default)
        for a, b in _QUALIFIED.findall(definition) if (schema := _unquote(a)) in schemas
    }
    names |= {_unquote(n) for n in _FROM.findall(definition)}
    return names


def _unquote(token: str) -> str:
    if token[:1] == '"':
        return token[1:-1].replace('""', '"')
    if token[:1] == "`":
        return token[1:-1].replace("``", "`")
    return token.lower() if token.isascii() else token


def problems(result: VerifyResult) -> Iterable[str]:
    """Every problem as one line (for the Markdown report and the terminal)."""
    for report in result.databases:
        for problem in report.problems:
            yield f"{report.name}: {problem}"
    groups: dict[tuple[str, ...], list[str]] = {}
    for shared in result.shared_tables:
        groups.setdefault(shared.databases, []).append(shared.name)
    for databases, names in groups.items():
        shown = ", ".join(names[:10]) + (f", … ({len(names) - 10} more)" if len(names) > 10 else "")
        yield f"{len(names)} tables present in {' and '.join(databases)}: {shown}"
    for ref in result.cross_references:
        yield ref.message


__all__ = [
    "AlembicState",
    "CrossReference",
    "DatabaseReport",
    "Expectations",
    "SharedTable",
    "VerifyResult",
    "current_revisions",
    "database_identity",
    "is_version_table",
    "problems",
    "read_expectations",
    "relative",
    "verify",
    "view_tables",
]
