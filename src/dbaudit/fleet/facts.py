"""Who an audited database is, as the JSON report records it for ``dbaudit fleet``.

Every audit's JSON names its database and the Alembic revisions it is at (``database.name``,
``database.alembic_versions``). An audit made for a fleet (``dbaudit audit --fleet-name NAME``, and every
audit ``dbaudit fleet`` runs) also records the structure fingerprints of :mod:`dbaudit.model.fingerprint`:
the whole schema's (the same as a snapshot's) and each table's, shortened to :data:`TABLE_DIGITS` hex
digits. They cost about a second per 5,000 tables, so a plain audit does without them.
"""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit

from dbaudit.report.context import DatabaseFacts

if TYPE_CHECKING:
    from dbaudit.auditing import AuditResult
    from dbaudit.model import SchemaModel

# A table's fingerprint in the JSON: 64 bits tell tables apart well enough, at a quarter of the size.
TABLE_DIGITS = 16
_FILE_SUFFIXES = re.compile(r"\.(sql|json)$", re.IGNORECASE)


def database_name(target: str) -> str:
    """A short name for a target: the database of a URL (``app`` of ``postgresql://u@h/app``), the
    file name of an SQLite URL, a ``.sql`` file or a model JSON, without its suffix."""
    if "://" in target:
        parts = urlsplit(target)
        if parts.scheme.startswith("sqlite"):
            return PurePath(unquote(parts.path)).stem or "sqlite"
        name = unquote(parts.path.lstrip("/"))
        if not name:
            name = (parse_qs(parts.query).get("dbname") or [""])[0]
        return name or parts.hostname or parts.scheme.split("+")[0]
    return _FILE_SUFFIXES.sub("", PurePath(target).name) or target


def fingerprints(model: SchemaModel) -> tuple[str, dict[str, str]]:
    """The schema's structure fingerprint and each table's (shortened), by qualified name."""
    from dbaudit.model.fingerprint import schema_fingerprint, table_fingerprint  # noqa: PLC0415

    tables = {t.qualified_name: table_fingerprint(t)[:TABLE_DIGITS] for t in model.tables}
    return schema_fingerprint(model), dict(sorted(tables.items()))


def database_facts(
    result: AuditResult, *, target: str, name: str | None = None, with_fingerprints: bool = False,
) -> DatabaseFacts:
    """The JSON report's ``database``: ``name`` (default: from ``target``), the Alembic revisions the
    audit read, and with ``with_fingerprints`` the structure fingerprints."""
    schema_fp, tables = fingerprints(result.model) if with_fingerprints else (None, None)
    return DatabaseFacts(name=name or database_name(target), alembic_versions=result.alembic_versions,
                         fingerprint=schema_fp, tables=tables)


__all__ = ["TABLE_DIGITS", "database_facts", "database_name", "fingerprints"]
