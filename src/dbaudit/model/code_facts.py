"""The facts the code source hands to schema rules (``RuleContext.inputs["code"]``).

The scanner (``dbaudit.sources.code``) walks application code and produces a :class:`CodeFacts`;
rules read only these typed values, never source text. They live in the model layer because both a
source (which builds them) and the rules (which read them) depend on them. Table names are ``schema.table`` or a bare
``table`` (resolved against the model: ``public`` first, then a unique match in any schema).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from dbaudit.model.schema import Location, SchemaModel, Table

SearchKind = Literal["contains", "ilike", "like"]


@dataclass(frozen=True, slots=True)
class SearchPattern:
    """A search whose pattern starts with a wildcard (``col.contains(x)``, ``ILIKE '%x%'``)."""

    table: str
    column: str
    kind: SearchKind
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class LatestRowQuery:
    """A "latest row per key" query: ``GROUP BY keys`` + ``max(time)``, ``DISTINCT ON``, windows."""

    table: str
    key_columns: tuple[str, ...]
    time_column: str
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class JoinCondition:
    """An equality join between two columns (``.join(Tag, Tag.id == instance_tags.c.tag_id)``)."""

    table: str
    column: str
    other_table: str
    other_column: str
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class OffsetPagination:
    """``OFFSET`` computed from a page number (unbounded depth); ``table`` when known."""

    table: str | None
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class PartitionTask:
    """Application code that creates partitions (a scheduled task, a service method)."""

    tables: tuple[str, ...]
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class EncryptedColumn:
    """Application code stores reversible ciphertext in a column (``scheme``: ``fernet``,
    ``base64-fernet`` for base64 of a Fernet token, ...)."""

    table: str
    column: str
    scheme: str = "base64-fernet"
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class EphemeralKey:
    """An encryption key generated at run time when the configured one is missing."""

    call: str
    setting: str | None = None
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class CredentialInConfig:
    """A password or secret written into code or configuration (the value itself is never kept)."""

    kind: Literal["url-password", "secret-assignment"]
    name: str
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class ColumnValues:
    """Literal values the application reads or writes for a column (status vocabularies)."""

    table: str
    column: str
    values: tuple[str, ...]
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class AutoUpdatedColumn:
    """A column the application's ORM sets on every UPDATE (SQLAlchemy ``onupdate=``, Django
    ``auto_now=True``); ``how`` names the mechanism."""

    table: str
    column: str
    how: str
    location: Location | None = None


@dataclass(frozen=True)
class CodeFacts:
    searches: tuple[SearchPattern, ...] = ()
    latest_rows: tuple[LatestRowQuery, ...] = ()
    offsets: tuple[OffsetPagination, ...] = ()
    partition_tasks: tuple[PartitionTask, ...] = ()
    encrypted_columns: tuple[EncryptedColumn, ...] = field(default=())
    ephemeral_keys: tuple[EphemeralKey, ...] = ()
    credentials: tuple[CredentialInConfig, ...] = ()
    column_values: tuple[ColumnValues, ...] = ()
    auto_updated: tuple[AutoUpdatedColumn, ...] = ()
    joins: tuple[JoinCondition, ...] = ()
    files_scanned: int = 0


def code_facts(inputs: dict[str, object]) -> CodeFacts:
    """The code facts of a run, or empty facts when the input is absent or of another shape."""
    facts = inputs.get("code")
    return facts if isinstance(facts, CodeFacts) else CodeFacts()


def resolve_table(model: SchemaModel, name: str) -> Table | None:
    """``schema.table`` as is; a bare name in ``public`` first, then a unique match anywhere."""
    if "." in name:
        return model.table(name)
    table = model.table(f"public.{name}")
    if table is not None:
        return table
    matches = [t for t in model.tables if t.name == name]
    return matches[0] if len(matches) == 1 else None
