"""``check-values-drift``: the value lists of CHECK constraints and enums against the other side's
value lists and against the values the models use (``Column.model_values``)."""

from __future__ import annotations

from collections.abc import Iterator

from dbaudit.drift.dispatch import ColumnPair, Side, at, comparator, drift_finding
from dbaudit.drift.normalize import allowed_values, canonical_type_name, check_values
from dbaudit.findings import Finding, Severity
from dbaudit.messages import msg
from dbaudit.model import Column, Location, SchemaModel, Table
from dbaudit.sqltext import ident, literal, qualified_text


def _values(values: tuple[str, ...] | list[str]) -> str:
    return ", ".join(literal(v) for v in values)


@comparator("column", "check_values")
def check_values_drift(pair: ColumnPair) -> Iterator[Finding]:
    sides = pair.both()
    allowed = {id(side): allowed_values(side.model, table.checks, column) for side, column, table in sides}
    evidence: list[str] = []
    locations: list[Location | None] = []
    rejected: list[tuple[Side, tuple[str, ...], Side]] = []
    for (side, column, table), (other, _other_column, _other_table) in (sides, sides[::-1]):
        limits = allowed[id(side)]
        if limits is not None:
            evidence.append(msg("{label} allows {values} ({limits}){at}",
                                label=side.label, values=_values(limits[0]), limits='; '.join(limits[1]),
                                at=at(_check_location(table, column))))
            locations.append(_check_location(table, column))
        if column.model_values:
            evidence.append(msg("{label} use {values} for this column{at}",
                                label=side.label, values=_values(column.model_values),
                                at=at(column.model_values_location)))
            locations.append(column.model_values_location)
        other_limits = allowed[id(other)]
        if column.model_values and other_limits is not None:
            missing = tuple(v for v in column.model_values if v not in other_limits[0])
            if missing:
                rejected.append((side, missing, other))
    left_limits, right_limits = allowed[id(pair.ctx.left)], allowed[id(pair.ctx.right)]
    differ = (
        left_limits is not None and right_limits is not None and set(left_limits[0]) != set(right_limits[0])
    )
    if not rejected and not differ:
        return
    yield _finding(pair, evidence, locations, rejected, differ)


def _finding(
    pair: ColumnPair, evidence: list[str], locations: list[Location | None],
    rejected: list[tuple[Side, tuple[str, ...], Side]], differ: bool,
) -> Finding:
    name = f"{pair.table_name}.{pair.left.name}"
    if rejected:
        user, missing, guard = rejected[0]
        title = msg("{name}: {values} used by {label} but not allowed by {label2}",
                    name=name, values=_values(missing), label=user.label, label2=guard.label)
        impact = (
            msg("Writing {values} fails with a check or enum violation at flush time: the request or job that sets "
                "it errors, and the state the code wanted to record is lost.",
                values=_values(missing))
        )
        fix = _widen_sql(pair, guard, missing)
    else:
        title = msg("{name}: allowed values differ between {label} and {label2}",
                    name=name, label=pair.ctx.left.label, label2=pair.ctx.right.label)
        impact = msg("A value valid on one side is rejected on the other.")
        fix = None
    table = qualified_text(pair.table_name)
    column = ident(pair.left.name)
    return drift_finding(
        "check-values-drift",
        objects=(name,),
        title=title,
        evidence=tuple(evidence),
        impact=impact,
        root_cause=(
            msg("The value vocabulary was extended in one place (application enum, model, migration) without "
                "updating the constraint on the other side. Either widen the constraint or stop using the values.")
        ),
        fix_sql=fix,
        verify_sql=f"SELECT {column}, count(*) FROM {table} GROUP BY {column} ORDER BY count(*) DESC;",
        locations=locations,
        severity=Severity.P1 if rejected else None,
    )


def _check_location(table: Table, column: Column) -> Location | None:
    for check in table.checks:
        if check_values(check, column.name) is not None:
            return check.location
    return None


def _side_column(pair: ColumnPair, side: Side) -> tuple[Column, Table, SchemaModel]:
    if side is pair.ctx.left:
        return pair.left, pair.left_table, side.model
    return pair.right, pair.right_table, side.model


def _widen_sql(pair: ColumnPair, guard: Side, missing: tuple[str, ...]) -> str | None:
    """Widen the database side's CHECK (NOT VALID, then VALIDATE) or add the enum labels."""
    if guard.is_models:
        return None
    column, table, model = _side_column(pair, guard)
    if column.type.is_enum:
        wanted = canonical_type_name(column.type.name)
        for enum in model.enums:
            if canonical_type_name(enum.qualified_name) == wanted:
                enum_name = qualified_text(enum.qualified_name)
                return "\n".join(
                    f"ALTER TYPE {enum_name} ADD VALUE IF NOT EXISTS {literal(v)};" for v in missing
                )
        return None
    for check in table.checks:
        current = check_values(check, column.name)
        if current is None:
            continue
        name = ident(check.name)
        target = qualified_text(table.qualified_name)
        values = _values((*current, *missing))
        return (
            f"ALTER TABLE {target} DROP CONSTRAINT {name},\n"
            f"  ADD CONSTRAINT {name} CHECK ({ident(column.name)} IN ({values})) NOT VALID;\n"
            f"ALTER TABLE {target} VALIDATE CONSTRAINT {name};"
        )
    return None
