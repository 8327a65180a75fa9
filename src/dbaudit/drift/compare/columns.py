"""Column comparators: type, nullability, server default."""

from __future__ import annotations

from collections.abc import Iterator

from dbaudit.drift.dispatch import ColumnPair, Side, at, comparator, drift_finding
from dbaudit.drift.normalize import is_sequence_default, normalize_default, type_key, unbounded_text
from dbaudit.findings import Finding
from dbaudit.messages import msg
from dbaudit.model import Column
from dbaudit.sqltext import ident, literal, qualified_text, truncate_identifier

ORM_PAIR = "database:models"


def _name(pair: ColumnPair) -> str:
    return f"{pair.table_name}.{pair.left.name}"


def _evidence(pair: ColumnPair, fact: str) -> tuple[str, ...]:
    return tuple(
        msg("{label}: {column} {fact}{at}", label=side.label, column=column.name, fact=fact_of(column, fact),
            at=at(column.location))
        for side, column, _table in pair.both()
    )


def fact_of(column: Column, fact: str) -> str:
    if fact == "type":
        return column.type.sql
    if fact == "nullable":
        return "NULL" if column.nullable else "NOT NULL"
    return f"DEFAULT {column.default}" if column.default is not None else msg("no server default")


def _locations(pair: ColumnPair) -> tuple[Column, ...]:
    # Models first: the line a developer edits.
    return tuple(c for s, c, _t in sorted(pair.both(), key=lambda x: not x[0].is_models))


# --- type ------------------------------------------------------------------------------------------


@comparator("column", "type")
def column_type_mismatch(pair: ColumnPair) -> Iterator[Finding]:
    if type_key(pair.left.type) != type_key(pair.right.type):
        yield _type_finding(pair)


@comparator("column", "type", qualifier=ORM_PAIR)
def column_type_mismatch_orm(pair: ColumnPair) -> Iterator[Finding]:
    """Against models, ``String()`` without length and ``text`` are the same thing on PostgreSQL."""
    if unbounded_text(pair.left.type) and unbounded_text(pair.right.type):
        return
    yield from column_type_mismatch(pair)


def _type_finding(pair: ColumnPair) -> Finding:
    name = _name(pair)
    left, right = pair.left.type, pair.right.type
    return drift_finding(
        "column-type-mismatch",
        objects=(name,),
        title=(
            msg("Column {name} is {left_type} in {label} but {right_type} in {label2}",
                name=name, left_type=left.sql, label=pair.ctx.left.label, right_type=right.sql,
                label2=pair.ctx.right.label)
        ),
        evidence=_evidence(pair, "type"),
        impact=(
            msg("Values valid for one type are rejected, truncated or converted by the other (length limits, time "
                "zones, precision).")
        ),
        root_cause=msg("The type of {name} was changed in one source only.", name=name),
        verify_sql=(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
            f"WHERE attrelid = {literal(qualified_text(pair.table_name))}::regclass "
            f"AND attname = {literal(pair.left.name)};"
        ),
        locations=tuple(c.location for c in _locations(pair)),
    )


# --- nullability -----------------------------------------------------------------------------------


@comparator("column", "nullable")
def nullable_mismatch(pair: ColumnPair) -> Iterator[Finding]:
    if pair.left.nullable == pair.right.nullable:
        return
    name = _name(pair)
    strict_side, loose_side = (
        (pair.ctx.left, pair.ctx.right) if not pair.left.nullable else (pair.ctx.right, pair.ctx.left)
    )
    fix = _set_not_null_sql(pair.table_name, pair.left.name) if not loose_side.is_models else None
    table = qualified_text(pair.table_name)
    yield drift_finding(
        "nullable-mismatch",
        objects=(name,),
        title=msg("Column {name} is NOT NULL in {label} but nullable in {label2}",
                  name=name, label=strict_side.label, label2=loose_side.label),
        evidence=_evidence(pair, "nullable"),
        impact=_nullable_impact(strict_side, loose_side),
        root_cause=msg("The NOT NULL constraint of {name} exists in one source only.", name=name),
        fix_sql=fix,
        verify_sql=f"SELECT count(*) FROM {table} WHERE {ident(pair.left.name)} IS NULL;",
        locations=tuple(c.location for c in _locations(pair)),
    )


def _nullable_impact(strict: Side, loose: Side) -> str:
    if strict.is_models:
        return msg("The code assumes a value is always present, but the database accepts NULL: reads can fail.")
    if loose.is_models:
        return msg("The models allow None, but the database rejects NULL: such a flush fails.")
    return msg("Writes valid on one database fail on the other.")


def _set_not_null_sql(table_name: str, column: str) -> str:
    """NOT NULL without a long ACCESS EXCLUSIVE scan: validate a CHECK first, then SET NOT NULL uses it."""
    table = qualified_text(table_name)
    check = ident(truncate_identifier(f"{table_name.partition('.')[2]}_{column}_not_null"))
    col = ident(column)
    return (
        f"ALTER TABLE {table} ADD CONSTRAINT {check} CHECK ({col} IS NOT NULL) NOT VALID;\n"
        f"ALTER TABLE {table} VALIDATE CONSTRAINT {check};\n"
        f"ALTER TABLE {table} ALTER COLUMN {col} SET NOT NULL;\n"
        f"ALTER TABLE {table} DROP CONSTRAINT {check};"
    )


# --- server default --------------------------------------------------------------------------------


@comparator("column", "default")
def server_default_mismatch(pair: ColumnPair) -> Iterator[Finding]:
    left, right = pair.left.default, pair.right.default
    if is_sequence_default(left) and is_sequence_default(right):
        return  # both are sequence-backed; sequence names are compared by the sequence rules
    if normalize_default(left) == normalize_default(right):
        return
    name = _name(pair)
    yield drift_finding(
        "server-default-mismatch",
        objects=(name,),
        title=msg("Server default of {name} differs between {label} and {label2}",
                  name=name, label=pair.ctx.left.label, label2=pair.ctx.right.label),
        evidence=_evidence(pair, "default"),
        impact=msg("Rows inserted without a value get a different value depending on which side is right."),
        root_cause=msg("The server default of {name} was changed in one source only.", name=name),
        verify_sql=(
            "SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef JOIN pg_attribute ON attrelid = adrelid "
            f"AND attnum = adnum WHERE adrelid = {literal(qualified_text(pair.table_name))}::regclass "
            f"AND attname = {literal(pair.left.name)};"
        ),
        locations=tuple(c.location for c in _locations(pair)),
    )


@comparator("column", "default", qualifier=ORM_PAIR)
def server_default_mismatch_orm(pair: ColumnPair) -> Iterator[Finding]:
    """Against models: a column without ``server_default`` may get its value in Python; serial and
    identity columns get theirs from a sequence the ORM does not name."""
    model_column = pair.left if pair.ctx.left.is_models else pair.right
    other = pair.right if pair.ctx.left.is_models else pair.left
    if model_column.default is None or model_column.identity is not None or other.identity is not None:
        return
    if is_sequence_default(model_column.default) or is_sequence_default(other.default):
        return
    yield from server_default_mismatch(pair)
