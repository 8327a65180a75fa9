"""Key comparators: primary keys (``pk-mismatch``) and foreign keys (``fk-only-in-*``)."""

from __future__ import annotations

from collections.abc import Iterator

from dbaudit.drift.dispatch import Side, TablePair, at, comparator, drift_finding
from dbaudit.findings import Finding, Severity
from dbaudit.messages import msg, sql_comment
from dbaudit.model import ForeignKey, Location, ReferentialAction, Table, TableKind
from dbaudit.sqltext import column_list, ident, qualified, qualified_text


def _is_partitioned(side: Side, table: Table) -> bool:
    return (
        table.kind == TableKind.PARTITIONED_TABLE
        or table.partitioning is not None
        or bool(side.model.partitions_of(table.qualified_name))
    )


def _pk_text(table: Table) -> str:
    pk = table.primary_key
    if pk is None:
        return msg("no primary key")
    return msg("PRIMARY KEY ({columns}) as {name}", columns=", ".join(pk.columns), name=pk.name)


# --- primary key -----------------------------------------------------------------------------------


@comparator("table", "primary_key")
def pk_mismatch(pair: TablePair) -> Iterator[Finding]:
    left = set(pair.left.primary_key.columns) if pair.left.primary_key else set()
    right = set(pair.right.primary_key.columns) if pair.right.primary_key else set()
    if left == right:
        return
    sides = sorted(pair.both(), key=lambda item: not item[0].is_models)  # models first
    # The realised schema's partitioning is the fact that matters, so it is cited first.
    partitioned = [
        (side, table)
        for side, _t, table in sorted(pair.both(), key=lambda item: item[0].is_models)
        if _is_partitioned(side, table)
    ]
    evidence = [msg("{label}: {pk_text}{at}", label=side.label, pk_text=_pk_text(table), at=at(_pk_location(table)))
                for side, _t, table in sides]
    for side, table in partitioned[:1]:
        how = (msg(" by {strategy} ({key})", strategy=table.partitioning.strategy, key=table.partitioning.key)
               if table.partitioning else "")
        evidence.append(msg("{label}: {table} is partitioned{how}",
                            label=side.label, table=table.qualified_name, how=how))
    narrow_side, _n, narrow = min(pair.both(), key=lambda item: _pk_size(item[2]))
    wide_side, _w, wide = max(pair.both(), key=lambda item: _pk_size(item[2]))
    narrow_cols = narrow.primary_key.columns if narrow.primary_key else ()
    wide_cols = wide.primary_key.columns if wide.primary_key else ()
    yield drift_finding(
        "pk-mismatch",
        objects=(pair.table_name,),
        title=(
            msg("Primary key of {table_name} is ({value}) in {label} but ({value2}) in {label2}",
                table_name=pair.table_name, value=', '.join(narrow_cols) or 'none', label=narrow_side.label,
                value2=', '.join(wide_cols) or 'none', label2=wide_side.label)
        ),
        evidence=tuple(evidence),
        impact=_pk_impact(narrow_side, narrow_cols, bool(partitioned)),
        root_cause=(
            msg("The primary key was changed in {label} and {label2} was not updated.{fix}",
                label=wide_side.label, label2=narrow_side.label,
                fix=msg(" Fix: declare every primary-key column with primary_key=True in the model (no database "
                        "change is needed).") if narrow_side.is_models else "")
        ),
        verify_sql=_duplicates_sql(pair.table_name, narrow_cols) if narrow_cols else None,
        locations=tuple(_pk_location(table) or table.location for _s, _t, table in sides),
        severity=Severity.P0 if partitioned else Severity.P1,
    )


def _pk_size(table: Table) -> int:
    return len(table.primary_key.columns) if table.primary_key else 0


def _pk_location(table: Table) -> Location | None:
    return table.primary_key.location if table.primary_key else None


def _pk_impact(narrow: Side, columns: tuple[str, ...], partitioned: bool) -> str:
    key = ", ".join(columns)
    if narrow.is_models and partitioned:
        return msg("The ORM identity map keys rows by ({key}) alone, but on a partitioned table the database only "
                   "guarantees uniqueness together with the partition key: rows in different partitions can share "
                   "({key}), so Session.get(), merge() and relationship loads return or overwrite the wrong row.",
                   key=key)
    if narrow.is_models:
        return msg("The ORM identifies rows by ({key}); rows the database considers distinct collide in the session.",
                   key=key)
    return msg("The sources disagree on what identifies a row; upserts and identity lookups behave differently.")


def _duplicates_sql(table_name: str, columns: tuple[str, ...]) -> str:
    cols = column_list(columns)
    return f"SELECT {cols}, count(*) FROM {qualified_text(table_name)} GROUP BY {cols} HAVING count(*) > 1;"


# --- foreign keys ----------------------------------------------------------------------------------

FkKey = tuple[tuple[str, ...], str, str, tuple[str, ...]]


def fk_key(fk: ForeignKey) -> FkKey:
    """Foreign keys match by columns and target, never by name (conventions generate names)."""
    return (fk.columns, fk.ref_schema, fk.ref_table, fk.ref_columns)


@comparator("table", "foreign_keys")
def fk_only_on_one_side(pair: TablePair) -> Iterator[Finding]:
    # Set semantics: a duplicated key on one side is the duplicate rules' business, not drift.
    left = {fk_key(fk) for fk in pair.left.foreign_keys}
    right = {fk_key(fk) for fk in pair.right.foreign_keys}
    for has, lacks, table, lacking_table, other_keys in (
        (pair.ctx.left, pair.ctx.right, pair.left, pair.right, right),
        (pair.ctx.right, pair.ctx.left, pair.right, pair.left, left),
    ):
        seen: set[FkKey] = set()
        for fk in table.foreign_keys:
            key = fk_key(fk)
            if key not in other_keys and key not in seen:
                seen.add(key)
                yield _fk_finding(pair, fk, has, lacks, lacking_table)


@comparator("table", "foreign_key_actions")
def fk_action_mismatch(pair: TablePair) -> Iterator[Finding]:
    right = {fk_key(fk): fk for fk in pair.right.foreign_keys}
    seen: set[FkKey] = set()
    for fk in pair.left.foreign_keys:
        other = right.get(fk_key(fk))
        if other is None or fk_key(fk) in seen:
            continue
        seen.add(fk_key(fk))
        if (fk.on_delete, fk.on_update) == (other.on_delete, other.on_update):
            continue
        yield drift_finding(
            "fk-action-mismatch",
            objects=tuple(f"{pair.table_name}.{c}" for c in fk.columns),
            title=(
                msg("Foreign key {table_name}({columns}) -> {ref_qualified} is ON DELETE {on_delete} in {label} "
                    "but ON DELETE {on_delete2} in {label2}",
                    table_name=pair.table_name, columns=', '.join(fk.columns), ref_qualified=fk.ref_qualified,
                    on_delete=fk.on_delete.value, label=pair.ctx.left.label, on_delete2=other.on_delete.value,
                    label2=pair.ctx.right.label)
                if fk.on_delete != other.on_delete
                else msg("Foreign key {table_name}({columns}) -> {ref_qualified} has ON UPDATE {on_update} in "
                         "{label} but {on_update2} in {label2}",
                         table_name=pair.table_name, columns=', '.join(fk.columns), ref_qualified=fk.ref_qualified,
                         on_update=fk.on_update.value, label=pair.ctx.left.label, on_update2=other.on_update.value,
                         label2=pair.ctx.right.label)
            ),
            evidence=(
                msg("{label}: {fk_text}{at}",
                    label=pair.ctx.left.label, fk_text=_fk_text(fk, actions=True), at=at(fk.location)),
                msg("{label}: {fk_text}{at}",
                    label=pair.ctx.right.label, fk_text=_fk_text(other, actions=True), at=at(other.location)),
            ),
            impact=msg("Deleting or re-keying a parent row does something else than one side expects."),
            root_cause=msg("The referential action was changed in one source only."),
            locations=(fk.location, other.location),
        )


def _fk_text(fk: ForeignKey, *, actions: bool = False) -> str:
    columns, ref_columns = ", ".join(fk.columns), ", ".join(fk.ref_columns)
    text = f"FOREIGN KEY ({columns}) REFERENCES {fk.ref_qualified} ({ref_columns})"
    if actions or fk.on_delete != ReferentialAction.NO_ACTION:
        text += f" ON DELETE {fk.on_delete.value}"
    if actions and fk.on_update != ReferentialAction.NO_ACTION:
        text += f" ON UPDATE {fk.on_update.value}"
    return text


def _fk_finding(pair: TablePair, fk: ForeignKey, has: Side, lacks: Side, lacking_table: Table) -> Finding:
    rule_id = "fk-only-in-models" if has.is_models else "fk-only-in-database"
    objects = tuple(f"{pair.table_name}.{c}" for c in fk.columns)
    others = [f"{other.name} ({', '.join(other.columns)})" for other in lacking_table.foreign_keys]
    lacking_text = msg("{label}: no foreign key on ({columns}){others}", label=lacks.label,
                       columns=", ".join(fk.columns),
                       others=msg("; its foreign keys are {names}", names=", ".join(others)) if others else "")
    partitioned = _is_partitioned(lacks, lacking_table)
    return drift_finding(
        rule_id,
        objects=objects,
        title=(
            msg("Foreign key {table_name}({columns}) -> {ref_qualified} exists in {label} but not in {label2}",
                table_name=pair.table_name, columns=', '.join(fk.columns), ref_qualified=fk.ref_qualified,
                label=has.label, label2=lacks.label)
        ),
        evidence=(msg("{label}: {fk_text}{at}", label=has.label, fk_text=_fk_text(fk), at=at(fk.location)),
                  lacking_text),
        impact=(
            msg("The models assume referential integrity the database does not enforce: orphan rows can be written "
                "by any path (bulk SQL, other services, races), joins silently drop them and ORM relationships "
                "load None.")
            if has.is_models
            else msg("The ORM does not know the dependency: flush ordering, cascades and autogenerate are wrong.")
        ),
        root_cause=(
            msg("The foreign key was declared in {label} but never created in {label2}.",
                label=has.label, label2=lacks.label)
            if has.is_models
            else msg("The foreign key exists in {label} but {label2} does not declare it.",
                     label=has.label, label2=lacks.label)
        ),
        fix_sql=None if lacks.is_models else _add_fk_sql(pair.table_name, fk, partitioned=partitioned),
        verify_sql=None if lacks.is_models else _orphans_sql(pair.table_name, fk),
        locations=(fk.location, lacking_table.location),
    )


def _add_fk_sql(table_name: str, fk: ForeignKey, *, partitioned: bool) -> str:
    table = qualified_text(table_name)
    ref = qualified(fk.ref_schema, fk.ref_table)
    name = ident(fk.name)
    add = (
        f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({column_list(fk.columns)}) "
        f"REFERENCES {ref} ({column_list(fk.ref_columns)})"
    )
    if fk.on_delete != ReferentialAction.NO_ACTION:
        add += f" ON DELETE {fk.on_delete.value}"
    if partitioned:
        # PostgreSQL cannot add a NOT VALID foreign key to a partitioned table: check orphans first
        # (verify query), then add it in a quiet period; it takes SHARE ROW EXCLUSIVE locks and scans.
        return sql_comment("-- partitioned table: NOT VALID is not supported; run the verify query first\n") + add + ";"
    return f"{add} NOT VALID;\nALTER TABLE {table} VALIDATE CONSTRAINT {name};"


def _orphans_sql(table_name: str, fk: ForeignKey) -> str:
    child = qualified_text(table_name)
    parent = qualified(fk.ref_schema, fk.ref_table)
    not_null = " AND ".join(f"c.{ident(col)} IS NOT NULL" for col in fk.columns)
    pairs = zip(fk.columns, fk.ref_columns, strict=True)
    join = " AND ".join(f"p.{ident(r)} = c.{ident(c)}" for c, r in pairs)
    return (
        f"SELECT count(*) FROM {child} c WHERE {not_null} "
        f"AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE {join});"
    )
