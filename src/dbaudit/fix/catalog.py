"""Catalog conditions: SQL boolean expressions saying whether an object is in the state a step leaves.

They serve twice in a generated fix: as a *guard* (a step whose effect is already there is skipped, so
a revision that failed half-way can run again) and as a *post-check* (after the upgrade every lasting
effect must hold). Objects are looked up by name (``pg_namespace``/``pg_class``), never by a
``regclass`` cast that would fail on a missing object; every name goes through
:func:`dbaudit.sqltext.literal`.
"""

from __future__ import annotations

from dbaudit.sqltext import literal


def _where(schema: str, name: str, join: str = "") -> str:
    """``FROM pg_class c … WHERE`` the relation ``schema.name`` (with an extra ``join`` clause)."""
    return (f"FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace {join}"
            f"WHERE n.nspname = {literal(schema)} AND c.relname = {literal(name)}")


def relation_exists(schema: str, name: str) -> str:
    return f"EXISTS (SELECT 1 {_where(schema, name)})"


def relation_absent(schema: str, name: str) -> str:
    return f"NOT {relation_exists(schema, name)}"


def index_exists(schema: str, name: str, *, valid: bool = False) -> str:
    check = " AND i.indisvalid" if valid else ""
    return f"EXISTS (SELECT 1 {_where(schema, name, 'JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid ')}{check})"


def constraint_exists(schema: str, table: str, name: str, *, validated: bool = False) -> str:
    check = " AND k.convalidated" if validated else ""
    join = "JOIN pg_catalog.pg_constraint k ON k.conrelid = c.oid "
    return f"EXISTS (SELECT 1 {_where(schema, table, join)} AND k.conname = {literal(name)}{check})"


def constraint_absent(schema: str, table: str, name: str) -> str:
    return f"NOT {constraint_exists(schema, table, name)}"


def _column(schema: str, table: str, column: str, extra: str = "") -> str:
    join = "JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
    return f"EXISTS (SELECT 1 {_where(schema, table, join)} AND a.attname = {literal(column)}{extra})"


def column_exists(schema: str, table: str, column: str) -> str:
    return _column(schema, table, column)


def column_absent(schema: str, table: str, column: str) -> str:
    return f"NOT {_column(schema, table, column)}"


def column_type(schema: str, table: str, column: str, printed: str) -> str:
    """The column's type prints (``format_type``) as ``printed``: ``text``, ``character varying(255)``."""
    return _column(schema, table, column, f" AND pg_catalog.format_type(a.atttypid, a.atttypmod) = {literal(printed)}")


def column_not_null(schema: str, table: str, column: str, *, not_null: bool = True) -> str:
    return _column(schema, table, column, " AND a.attnotnull" if not_null else " AND NOT a.attnotnull")


def trigger_exists(schema: str, table: str, name: str) -> str:
    join = "JOIN pg_catalog.pg_trigger t ON t.tgrelid = c.oid "
    return f"EXISTS (SELECT 1 {_where(schema, table, join)} AND t.tgname = {literal(name)})"


def trigger_absent(schema: str, table: str, name: str) -> str:
    return f"NOT {trigger_exists(schema, table, name)}"


def row_security(schema: str, table: str, *, forced: bool = False, on: bool = True) -> str:
    """The table's row-level security is enabled (or, with ``forced``, forced), or not (``on=False``)."""
    flag = "c.relforcerowsecurity" if forced else "c.relrowsecurity"
    return f"EXISTS (SELECT 1 {_where(schema, table)} AND {'' if on else 'NOT '}{flag})"


def policy_exists(schema: str, table: str, name: str) -> str:
    join = "JOIN pg_catalog.pg_policy pol ON pol.polrelid = c.oid "
    return f"EXISTS (SELECT 1 {_where(schema, table, join)} AND pol.polname = {literal(name)})"


def both(*conditions: str) -> str:
    return " AND ".join(f"({c})" for c in conditions)


def either(*conditions: str) -> str:
    return " OR ".join(f"({c})" for c in conditions)


__all__ = [
    "both",
    "column_absent",
    "column_exists",
    "column_not_null",
    "column_type",
    "constraint_absent",
    "constraint_exists",
    "either",
    "index_exists",
    "policy_exists",
    "relation_absent",
    "relation_exists",
    "row_security",
    "trigger_absent",
    "trigger_exists",
]
