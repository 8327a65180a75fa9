"""The walker: matches tables and columns by name, reports what one side lacks, dispatches pairs.

Only tables that own rows are compared: plain and partitioned tables. Partitions (the ORM cannot
express them, and two databases legitimately differ in how many months exist ahead), views and the
``alembic_version`` bookkeeping table are left out for every source pair.
"""

from __future__ import annotations

from collections.abc import Iterator

from dbaudit.drift.dispatch import (
    COMPARATORS,
    ComparatorRegistry,
    Context,
    Pair,
    Side,
    at,
    drift_finding,
)
from dbaudit.findings import Finding, Severity
from dbaudit.messages import msg
from dbaudit.model import Column, SchemaModel, Table, TableKind
from dbaudit.sqltext import literal, qualified_text

IGNORED_TABLES = frozenset({"alembic_version"})


def comparable_tables(model: SchemaModel) -> dict[str, Table]:
    return {
        t.qualified_name: t
        for t in model.tables
        if t.kind in (TableKind.TABLE, TableKind.PARTITIONED_TABLE)
        and t.partition_of is None
        and t.name not in IGNORED_TABLES
    }


def walk(ctx: Context, registry: ComparatorRegistry = COMPARATORS) -> list[Finding]:
    left = comparable_tables(ctx.left.model)
    right = comparable_tables(ctx.right.model)
    findings: list[Finding] = []
    for name in sorted(left.keys() - right.keys()):
        findings.append(_table_only(ctx, left[name], ctx.left, ctx.right, "missing-table"))
    for name in sorted(right.keys() - left.keys()):
        findings.append(_table_only(ctx, right[name], ctx.right, ctx.left, "extra-table"))
    table_comparators = registry.for_target("table", ctx.qualifier)
    column_comparators = registry.for_target("column", ctx.qualifier)
    for name in sorted(left.keys() & right.keys()):
        tables = Pair(ctx, left[name], right[name], left[name], right[name])
        findings.extend(_column_sets(tables))
        for _aspect, table_comparator in table_comparators:
            findings.extend(table_comparator(tables))
        for column_pair in _column_pairs(tables):
            for _aspect, column_comparator in column_comparators:
                findings.extend(column_comparator(column_pair))
    return findings


def _column_pairs(tables: Pair[Table]) -> Iterator[Pair[Column]]:
    for column in tables.left.columns:
        other = tables.right.column(column.name)
        if other is not None:
            yield Pair(tables.ctx, column, other, tables.left, tables.right)


def _table_only(ctx: Context, table: Table, has: Side, lacks: Side, rule_id: str) -> Finding:
    # The models expecting a table the database lacks breaks the application; the reverse is clutter.
    severity = Severity.P1 if has.is_models and not lacks.is_models else Severity.P2
    return drift_finding(
        rule_id,
        objects=(table.qualified_name,),
        title=msg("Table {table} exists in {label} but not in {label2}",
                  table=table.qualified_name, label=has.label, label2=lacks.label),
        evidence=(
            msg("{label}: table {table}{at}", label=has.label, table=table.qualified_name, at=at(table.location)),
            msg("{label}: no table {table}", label=lacks.label, table=table.qualified_name),
        ),
        impact=(
            msg("Every query of this entity fails against the database.")
            if has.is_models
            else msg("The table is not described by the other source; code reading it is not covered.")
        ),
        root_cause=msg("A change to {table} reached {label} but not {label2}.",
                       table=table.qualified_name, label=has.label, label2=lacks.label),
        verify_sql=f"SELECT to_regclass({literal(qualified_text(table.qualified_name))});",
        locations=(table.location,),
        severity=severity,
    )


def _column_sets(tables: Pair[Table]) -> list[Finding]:
    ctx = tables.ctx
    out = []
    for column in tables.left.columns:
        if tables.right.column(column.name) is None:
            out.append(_column_only(tables, column, ctx.left, ctx.right, "missing-column"))
    for column in tables.right.columns:
        if tables.left.column(column.name) is None:
            out.append(_column_only(tables, column, ctx.right, ctx.left, "extra-column"))
    return out


def _column_only(tables: Pair[Table], column: Column, has: Side, lacks: Side, rule_id: str) -> Finding:
    name = f"{tables.table_name}.{column.name}"
    needs_value = not column.nullable and column.default is None
    needs_value = needs_value and column.identity is None and column.generated is None
    if has.is_models and not lacks.is_models:
        severity, impact = Severity.P1, msg("Every ORM query of this entity selects the column and fails.")
    elif lacks.is_models and needs_value:
        severity = Severity.P1
        impact = msg("The ORM never writes this NOT NULL column without a default: every ORM insert fails.")
    else:
        severity, impact = Severity.P2, msg("The column is not described by the other source.")
    return drift_finding(
        rule_id,
        objects=(name,),
        title=msg("Column {name} exists in {label} but not in {label2}",
                  name=name, label=has.label, label2=lacks.label),
        evidence=(
            msg("{label}: {column} {column_type}{value}{at}",
                label=has.label, column=column.name, column_type=column.type.sql,
                value='' if column.nullable else ' NOT NULL', at=at(column.location)),
            msg("{label}: {table_name} has no column {column}",
                label=lacks.label, table_name=tables.table_name, column=column.name),
        ),
        impact=impact,
        root_cause=msg("A change to {name} reached {label} but not {label2}.",
                       name=name, label=has.label, label2=lacks.label),
        locations=(column.location,),
        severity=severity,
    )

