"""A stable fingerprint of a schema's structure (not its statistics or source locations)."""

from __future__ import annotations

import dataclasses
import hashlib
import json

from dbaudit.model.schema import SchemaModel, Table
from dbaudit.model.serialize import to_jsonable

# Activity, locations, and who owns or may use objects (differs between environments of one schema;
# the roles and session describe the server and the reading role, not the schema).
_VOLATILE_KEYS = frozenset({
    "stats", "location", "size_bytes", "scans", "last_value", "owner", "acl", "roles", "session",
    "schema_privileges",
})


def table_fingerprint(table: Table) -> str:
    """SHA-256 of one table's structure."""
    payload = json.dumps(to_jsonable(table, exclude=_VOLATILE_KEYS), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def schema_fingerprint(model: SchemaModel) -> str:
    """SHA-256 over every object's structure, independent of the order sources list them."""
    structural = dataclasses.replace(
        model,
        source=dataclasses.replace(model.source, name="", server_version=None, statistics_since=None, read_at=None),
        tables=tuple(sorted(model.tables, key=lambda t: (t.schema, t.name))),
        sequences=tuple(sorted(model.sequences, key=lambda s: (s.schema, s.name))),
        enums=tuple(sorted(model.enums, key=lambda e: (e.schema, e.name))),
        extensions=tuple(sorted(model.extensions, key=lambda e: e.name)),
        functions=tuple(sorted(model.functions, key=lambda f: (f.schema, f.name, f.arguments))),
    )
    payload = json.dumps(to_jsonable(structural, exclude=_VOLATILE_KEYS), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()
