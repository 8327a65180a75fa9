"""The snapshot file: a versioned JSON document (schema: ``docs/snapshot-schema-v1.json``).

A snapshot records, at one moment, every table's estimated (and, when asked, exact) row count and
size, the Alembic versions found in the database, a fingerprint of the schema and the schema model
itself (the same JSON as ``dbaudit inspect -o``), so that a snapshot is also a schema source for
``drift`` and ``audit``. Reading is strict: anything that is not a well-formed snapshot of a known
version raises :class:`SnapshotFormatError` with one line saying what is wrong.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dbaudit.model.schema import SchemaModel
from dbaudit.model.serialize import ModelFormatError, from_jsonable, to_jsonable

FORMAT = "dbaudit-snapshot"
FORMAT_VERSION = 1


class SnapshotFormatError(ValueError):
    """A document is not a snapshot this version of dbaudit can read."""


@dataclass(frozen=True, slots=True)
class TableSnapshot:
    """One relation that holds rows. ``count_error`` says why ``rows_exact`` is missing when exact
    counts were asked for (``timeout``, ``lock_timeout``, an error line)."""

    name: str
    kind: str
    rows_estimated: int | None
    rows_exact: int | None = None
    total_bytes: int | None = None
    count_error: str | None = None

    @property
    def rows(self) -> int | None:
        """The best count this snapshot has: exact when counted, else the estimate."""
        return self.rows_exact if self.rows_exact is not None else self.rows_estimated


@dataclass(frozen=True, slots=True)
class SnapshotSource:
    kind: str
    name: str
    dialect: str


@dataclass(frozen=True)
class Snapshot:
    taken_at: datetime
    source: SnapshotSource
    server_version: str | None
    exact: bool
    tables: tuple[TableSnapshot, ...]
    alembic_versions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    fingerprint: str | None = None
    schema: SchemaModel | None = None
    dbaudit_version: str = ""
    elapsed_s: float | None = None
    count_elapsed_s: float | None = None

    def table(self, name: str) -> TableSnapshot | None:
        return next((t for t in self.tables if t.name == name), None)


# --- writing ---------------------------------------------------------------------------------------


def snapshot_to_json(snapshot: Snapshot) -> str:
    """The document as text: header first, one table per line, then the schema model (one object
    per line, as model files are written), so that two snapshot files diff line by line."""
    encode = json.JSONEncoder(ensure_ascii=False).encode
    header: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "dbaudit_version": snapshot.dbaudit_version,
        "taken_at": snapshot.taken_at.isoformat(),
        "source": {"kind": snapshot.source.kind, "name": snapshot.source.name, "dialect": snapshot.source.dialect},
        "server_version": snapshot.server_version,
        "rows": "exact" if snapshot.exact else "estimated",
        "elapsed_s": None if snapshot.elapsed_s is None else round(snapshot.elapsed_s, 3),
        "count_elapsed_s": None if snapshot.count_elapsed_s is None else round(snapshot.count_elapsed_s, 3),
        "alembic_versions": {name: list(versions) for name, versions in snapshot.alembic_versions.items()},
        "fingerprint": snapshot.fingerprint,
    }
    parts = [f" {encode(key)}: {encode(value)}" for key, value in header.items()]
    tables = ",\n  ".join(encode(_table_json(t)) for t in snapshot.tables)
    parts.append(f' "tables": [\n  {tables}\n ]' if snapshot.tables else ' "tables": []')
    parts.append(f' "schema": {_schema_text(snapshot.schema, encode)}')
    return "{\n" + ",\n".join(parts) + "\n}\n"


def _table_json(table: TableSnapshot) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": table.name, "kind": table.kind, "rows_estimated": table.rows_estimated,
        "rows_exact": table.rows_exact, "total_bytes": table.total_bytes,
    }
    if table.count_error is not None:
        out["count_error"] = table.count_error
    return out


def _schema_text(model: SchemaModel | None, encode: Any) -> str:
    if model is None:
        return "null"
    items = []
    for key, value in to_jsonable(model).items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            inner = ",\n   ".join(encode(v) for v in value)
            items.append(f"  {encode(key)}: [\n   {inner}\n  ]")
        else:
            items.append(f"  {encode(key)}: {encode(value)}")
    return "{\n" + ",\n".join(items) + "\n }"


# --- reading ---------------------------------------------------------------------------------------


def snapshot_from_json(text: str) -> Snapshot:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SnapshotFormatError(f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except RecursionError:
        raise SnapshotFormatError("not valid JSON (nested too deeply)") from None
    return snapshot_from_document(document)


def is_snapshot(document: Any) -> bool:
    return isinstance(document, dict) and document.get("format") == FORMAT


def snapshot_from_document(document: Any) -> Snapshot:
    if not is_snapshot(document):
        raise SnapshotFormatError(f"not a dbaudit snapshot (no \"format\": \"{FORMAT}\")")
    version = document.get("format_version")
    if version != FORMAT_VERSION:
        raise SnapshotFormatError(
            f"unsupported snapshot format_version {version!r} (this dbaudit reads {FORMAT_VERSION})")
    read = _Reader(document)
    source = read.object("source")
    schema_data = document.get("schema")
    schema = None
    if schema_data is not None:
        try:
            schema = from_jsonable(SchemaModel, schema_data)
        except (ModelFormatError, TypeError, ValueError) as exc:
            raise SnapshotFormatError(f"schema: {exc}") from None
    return Snapshot(
        taken_at=read.timestamp("taken_at"),
        source=SnapshotSource(
            kind=_Reader(source, "source").text("kind"), name=_Reader(source, "source").text("name"),
            dialect=_Reader(source, "source").text("dialect"),
        ),
        server_version=read.optional_text("server_version"),
        exact=read.choice("rows", ("exact", "estimated")) == "exact",
        tables=tuple(_table(item, i) for i, item in enumerate(read.list("tables"))),
        alembic_versions=_versions(read.object("alembic_versions")),
        fingerprint=read.optional_text("fingerprint"),
        schema=schema,
        dbaudit_version=read.optional_text("dbaudit_version") or "",
        elapsed_s=read.optional_number("elapsed_s"),
        count_elapsed_s=read.optional_number("count_elapsed_s"),
    )


def _table(item: Any, index: int) -> TableSnapshot:
    read = _Reader(item, f"tables[{index}]")
    return TableSnapshot(
        name=read.text("name"), kind=read.text("kind"), rows_estimated=read.count("rows_estimated"),
        rows_exact=read.count("rows_exact"), total_bytes=read.count("total_bytes"),
        count_error=read.optional_text("count_error"),
    )


def _versions(data: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    out = {}
    for name, versions in data.items():
        if not isinstance(versions, list) or not all(isinstance(v, str) for v in versions):
            raise SnapshotFormatError(f"alembic_versions.{name} must be a list of strings")
        out[name] = tuple(versions)
    return out


class _Reader:
    """Typed access to one JSON object; every error names the key."""

    def __init__(self, data: Any, where: str = "") -> None:
        if not isinstance(data, dict):
            raise SnapshotFormatError(f"{where or 'document'} must be an object")
        self.data = data
        self.where = f"{where}." if where else ""

    def _get(self, key: str) -> Any:
        if key not in self.data:
            raise SnapshotFormatError(f"missing {self.where}{key}")
        return self.data[key]

    def text(self, key: str) -> str:
        value = self._get(key)
        if not isinstance(value, str):
            raise SnapshotFormatError(f"{self.where}{key} must be a string")
        return value

    def optional_text(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is not None and not isinstance(value, str):
            raise SnapshotFormatError(f"{self.where}{key} must be a string or null")
        return value

    def optional_number(self, key: str) -> float | None:
        value = self.data.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise SnapshotFormatError(f"{self.where}{key} must be a number or null")
        return None if value is None else float(value)

    def count(self, key: str) -> int | None:
        value = self._get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise SnapshotFormatError(f"{self.where}{key} must be a non-negative integer or null")
        return value

    def choice(self, key: str, allowed: tuple[str, ...]) -> str:
        value = self.text(key)
        if value not in allowed:
            raise SnapshotFormatError(f"{self.where}{key} must be one of {', '.join(allowed)}")
        return value

    def object(self, key: str) -> dict[str, Any]:
        value = self._get(key)
        if not isinstance(value, dict):
            raise SnapshotFormatError(f"{self.where}{key} must be an object")
        return value

    def list(self, key: str) -> list[Any]:
        value = self._get(key)
        if not isinstance(value, list):
            raise SnapshotFormatError(f"{self.where}{key} must be a list")
        return value

    def timestamp(self, key: str) -> datetime:
        text = self.text(key)
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            raise SnapshotFormatError(f"{self.where}{key} is not an ISO 8601 timestamp") from None


__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "Snapshot",
    "SnapshotFormatError",
    "SnapshotSource",
    "TableSnapshot",
    "is_snapshot",
    "snapshot_from_document",
    "snapshot_from_json",
    "snapshot_to_json",
]
