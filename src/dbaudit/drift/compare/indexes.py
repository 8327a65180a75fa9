"""Index comparator (``index-mismatch``): indexes and unique constraints matched by what they index.

A unique constraint and a unique index on the same columns are the same fact, so each side is reduced
to a multiset of :class:`IndexKey` built from its unique constraints and from its indexes that do not
back a constraint (a constraint's own index is already counted as the constraint).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from dbaudit.drift.compare.keys import _is_partitioned
from dbaudit.drift.dispatch import Side, TablePair, at, comparator, drift_finding
from dbaudit.drift.normalize import IndexKey, describe_index_key, index_key
from dbaudit.findings import Finding
from dbaudit.messages import msg
from dbaudit.model import Location, Table
from dbaudit.sqltext import column_list, ident, literal, qualified_text

ORM_PAIR = "database:models"


_KIND = {"index": msg("index"), "unique constraint": msg("unique constraint")}
_KIND_TITLE = {"index": msg("Index"), "unique constraint": msg("Unique constraint")}

@dataclass(frozen=True)
class Indexed:
    key: IndexKey
    name: str
    kind: str  # "index" or "unique constraint"
    location: Location | None
    columns: tuple[str, ...]
    plain: bool


def indexed(table: Table) -> list[Indexed]:
    out = []
    constraint_names = {u.name for u in table.uniques}
    if table.primary_key is not None:
        constraint_names.add(table.primary_key.name)
    for unique in table.uniques:
        key = IndexKey(unique.columns, True, "btree", None, ())
        out.append(Indexed(key, unique.name, "unique constraint", unique.location, unique.columns, True))
    for index in table.indexes:
        if index.primary or (index.constraint is not None) or index.name in constraint_names:
            continue
        columns = tuple(c for c in index.columns if c is not None)
        out.append(Indexed(index_key(index), index.name, "index", index.location, columns, index.is_plain))
    return out


def _differences(pair: TablePair) -> Iterator[tuple[Side, Side, Table, Table, Indexed]]:
    # Set semantics: two identical indexes on one side are the duplicate-index rule's business.
    left, right = indexed(pair.left), indexed(pair.right)
    left_keys, right_keys = {i.key for i in left}, {i.key for i in right}
    for has, lacks, has_table, lacks_table, items, other_keys in (
        (pair.ctx.left, pair.ctx.right, pair.left, pair.right, left, right_keys),
        (pair.ctx.right, pair.ctx.left, pair.right, pair.left, right, left_keys),
    ):
        seen: set[IndexKey] = set()
        for item in items:
            if item.key not in other_keys and item.key not in seen:
                seen.add(item.key)
                yield has, lacks, has_table, lacks_table, item


@comparator("table", "indexes")
def index_mismatch(pair: TablePair) -> Iterator[Finding]:
    for has, lacks, _has_table, lacks_table, item in _differences(pair):
        yield _finding(pair, has, lacks, lacks_table, item)


@comparator("table", "indexes", qualifier=ORM_PAIR)
def index_mismatch_orm(pair: TablePair) -> Iterator[Finding]:
    """Against models, non-unique indexes only the database has are not drift: models need not declare
    every index (migrations own them). Uniqueness the models do not know is still reported."""
    for has, lacks, _has_table, lacks_table, item in _differences(pair):
        if not has.is_models and not item.key.unique:
            continue
        yield _finding(pair, has, lacks, lacks_table, item)


def _finding(pair: TablePair, has: Side, lacks: Side, lacks_table: Table, item: Indexed) -> Finding:
    shape = describe_index_key(item.key)
    objects = (f"{pair.left_table.schema}.{item.name}", *(f"{pair.table_name}.{c}" for c in item.columns))
    can_create = not lacks.is_models and item.plain and not _is_partitioned(lacks, lacks_table)
    return drift_finding(
        "index-mismatch",
        objects=objects,
        title=msg("{capitalize} {item} {shape} on {table_name} exists in {label} but not in {label2}",
                  capitalize=_KIND_TITLE.get(item.kind, item.kind.capitalize()),
                  item=item.name, shape=shape, table_name=pair.table_name,
                  label=has.label, label2=lacks.label),
        evidence=(
            msg("{label}: {kind} {item} {shape}{at}",
                label=has.label, kind=_KIND.get(item.kind, item.kind), item=item.name, shape=shape,
                at=at(item.location)),
            msg("{label}: no {value}index or constraint with the same keys{value2} on {table_name}",
                label=lacks.label, value=msg("unique ") if item.key.unique else "",
                value2=msg(" and predicate") if item.key.predicate else "", table_name=pair.table_name),
        ),
        impact=(
            msg("A uniqueness rule only one side knows: duplicates get in, or writes fail unexpectedly.")
            if item.key.unique
            else msg("Queries written for this index scan the table where it is missing.")
        ),
        root_cause=msg("The {kind} was added to {label} but not to {label2}.",
                       kind=_KIND.get(item.kind, item.kind), label=has.label, label2=lacks.label),
        fix_sql=_create_sql(pair.table_name, item) if can_create else None,
        verify_sql=(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = "
            f"{literal(pair.left_table.schema)} AND tablename = {literal(pair.left_table.name)};"
        ),
        locations=(item.location,),
    )


def _create_sql(table_name: str, item: Indexed) -> str:
    unique = "UNIQUE " if item.key.unique else ""
    using = f" USING {item.key.method}" if item.key.method != "btree" else ""
    keys = ", ".join(
        f"{ident(k.removesuffix(' desc'))}{' DESC' if k.endswith(' desc') else ''}" for k in item.key.keys
    )
    target = qualified_text(table_name)
    sql = f"CREATE {unique}INDEX CONCURRENTLY {ident(item.name)} ON {target}{using} ({keys})"
    if item.key.include:
        sql += f" INCLUDE ({column_list(item.key.include)})"
    if item.key.predicate:
        sql += f" WHERE {item.key.predicate}"
    return sql + ";"
