"""Normalisers: what two sources may spell differently but mean the same.

- Types compare by canonical name (``integer``/``INTEGER``/``int4`` -> ``int4``), length, precision,
  scale and "is an array" (PostgreSQL does not enforce array dimensions). ``timestamp`` and
  ``timestamptz`` differ; ``timestamp(6)`` is ``timestamp``.
- Server defaults compare without casts, outer parentheses and case (``now()`` = ``CURRENT_TIMESTAMP``,
  ``'x'::character varying`` = ``'x'``, ``'0'`` = ``0``).
- Index expressions and predicates compare the same way.
- CHECK constraints yield the value list of ``c IN (...)`` / ``c = ANY (ARRAY[...])``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dbaudit.model import CheckConstraint, Column, ColumnType, Index, SchemaModel
from dbaudit.sqltext import strip_outer_parens

_ALIASES = {
    "integer": "int4", "int": "int4", "serial": "int4", "serial4": "int4",
    "smallint": "int2", "smallserial": "int2", "serial2": "int2",
    "bigint": "int8", "bigserial": "int8", "serial8": "int8",
    "character varying": "varchar", "character": "bpchar", "char": "bpchar",
    "boolean": "bool", "double precision": "float8", "float": "float8", "real": "float4",
    "decimal": "numeric",
    "timestamp without time zone": "timestamp", "timestamp with time zone": "timestamptz",
    "time without time zone": "time", "time with time zone": "timetz",
}
_DEFAULT_TIME_PRECISION = 6


@dataclass(frozen=True)
class TypeKey:
    name: str
    length: int | None
    precision: int | None
    scale: int | None
    is_array: bool


def canonical_type_name(name: str) -> str:
    text = name.strip().lower()
    if text.startswith("public."):
        text = text[len("public."):]
    text = text.rstrip("[]")
    return _ALIASES.get(text, text)


def type_key(column_type: ColumnType) -> TypeKey:
    name = canonical_type_name(column_type.name)
    precision = column_type.precision
    timelike = name in ("timestamp", "timestamptz", "time", "timetz", "interval")
    if timelike and precision == _DEFAULT_TIME_PRECISION:
        precision = None
    scale = column_type.scale
    if name == "numeric" and precision is not None and scale is None:
        scale = 0
    length = column_type.length
    if name == "bpchar" and length is None:
        length = 1
    return TypeKey(name, length, precision, scale, column_type.array_dims > 0)


def unbounded_text(column_type: ColumnType) -> bool:
    """``text`` or ``varchar`` without a length: the same storage and limits on PostgreSQL."""
    key = type_key(column_type)
    return not key.is_array and key.length is None and key.name in ("text", "varchar")


_CAST = re.compile(
    r"::\s*(?:\"[^\"]+\"|[a-z_][a-z0-9_]*)(?:\s+(?:varying|precision|with(?:out)?\s+time\s+zone))*"
    r"(?:\s*\(\s*\d+(?:\s*,\s*\d+)?\s*\))?(?:\s*\[\])*",
    re.I,
)
_LITERAL = re.compile(r"'(?:[^']|'')*'")
_SYNONYMS = (
    (re.compile(r"\bcurrent_timestamp\b(?!\s*\()"), "now()"),
    (re.compile(r"\btransaction_timestamp\(\)"), "now()"),
    (re.compile(r"\blocaltimestamp\b"), "localtimestamp"),
    (re.compile(r"\bcurrent_date\b"), "current_date"),
)


def normalize_sql(text: str | None) -> str | None:
    """An expression with casts, redundant parentheses, case and spacing normalised."""
    if text is None:
        return None
    literals: list[str] = []

    def keep(match: re.Match[str]) -> str:
        literals.append(match.group(0))
        return f"\x00{len(literals) - 1}\x00"

    body = _LITERAL.sub(keep, text)
    body = _CAST.sub("", body).lower()
    for pattern, replacement in _SYNONYMS:
        body = pattern.sub(replacement, body)
    body = re.sub(r'"([a-z_][a-z0-9_$]*)"', r"\1", body)
    body = re.sub(r"\s+", " ", body).strip()
    body = re.sub(r"\s*([(),=<>])\s*", r"\1", body)
    body = strip_outer_parens(body)
    body = re.sub(r"\(([a-z_][a-z0-9_]*|\x00\d+\x00)\)", r"\1", body)
    for _ in range(3):
        body = re.sub(r"\(\(([^()]*)\)\)", r"(\1)", body)
    return re.sub(r"\x00(\d+)\x00", lambda m: literals[int(m.group(1))], body)




_SCALAR_LITERAL = re.compile(r"'(-?\d+(?:\.\d+)?|true|false)'", re.I)


def normalize_default(text: str | None) -> str | None:
    """A server default for comparison; ``None`` stays ``None``."""
    body = normalize_sql(text)
    if body is None:
        return None
    body = _SCALAR_LITERAL.sub(lambda m: m.group(1).lower(), body)
    if body in ("'t'", "'f'"):
        body = "true" if body == "'t'" else "false"
    return body


def is_sequence_default(text: str | None) -> bool:
    return text is not None and text.strip().lower().startswith("nextval(")


_VALUE_LIST = re.compile(r"\bin\s*\(|=\s*any\s*\(", re.I)


def check_values(check: CheckConstraint, column: str) -> tuple[str, ...] | None:
    """The value list of ``column IN (...)`` / ``column = ANY (ARRAY[...])``, else ``None``."""
    if check.columns and tuple(check.columns) != (column,):
        return None
    expression = check.expression
    mentions = rf'(?<![\w"]){re.escape(column)}(?![\w"])|"{re.escape(column)}"'
    if not _VALUE_LIST.search(expression) or not re.search(mentions, expression):
        return None
    values = [m.group(0)[1:-1].replace("''", "'") for m in _LITERAL.finditer(expression)]
    return tuple(dict.fromkeys(values)) or None


def allowed_values(
    model: SchemaModel, checks: tuple[CheckConstraint, ...], column: Column
) -> tuple[tuple[str, ...], list[str]] | None:
    """Values the side allows for ``column`` (CHECK value lists and enum labels) and where they come from.

    Several sources intersect. ``None`` when the side restricts the column by no value list.
    """
    allowed: tuple[str, ...] | None = None
    origins: list[str] = []
    for check in checks:
        values = check_values(check, column.name)
        if values is None:
            continue
        allowed = values if allowed is None else tuple(v for v in allowed if v in values)
        origins.append(f"CHECK {check.name}")
    if column.type.is_enum:
        wanted = canonical_type_name(column.type.name)
        for enum in model.enums:
            if canonical_type_name(enum.qualified_name) == wanted or enum.name == wanted:
                allowed = enum.values if allowed is None else tuple(v for v in allowed if v in enum.values)
                origins.append(f"enum {enum.qualified_name}")
    return (allowed, origins) if allowed is not None else None


@dataclass(frozen=True)
class IndexKey:
    """What makes two indexes the same index, whatever their names."""

    keys: tuple[str, ...]
    unique: bool
    method: str
    predicate: str | None
    include: tuple[str, ...]


def index_key(index: Index) -> IndexKey:
    keys = []
    for element in index.elements:
        text = element.column if element.column is not None else f"({normalize_sql(element.expression)})"
        keys.append(f"{text} desc" if element.descending else str(text))
    return IndexKey(
        keys=tuple(keys),
        unique=index.unique,
        method=index.method.lower(),
        predicate=normalize_sql(index.predicate),
        include=tuple(index.include),
    )


def describe_index_key(key: IndexKey) -> str:
    text = f"{'UNIQUE ' if key.unique else ''}{key.method} ({', '.join(key.keys)})"
    if key.include:
        text += f" INCLUDE ({', '.join(key.include)})"
    if key.predicate:
        text += f" WHERE {key.predicate}"
    return text
