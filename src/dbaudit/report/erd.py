"""The schema map: entities grouped into domains, and a Mermaid ``erDiagram`` of them.

Partitions are folded into their parent (a monthly partition is not an entity of its own) and views
are left out of the diagram. Only key columns (PK, FK) are drawn, so the picture stays readable.

Domains come from names first and foreign keys second: tables sharing a leading word
(``account_permission``, ``account_change_log``) form a domain; a table alone under its word joins the
domain of the table it references, or of the table that references it (``credentials`` joins
``instances``). Pure FK connectivity would merge everything into one blob through hub tables like
``instances``, which is the opposite of a map.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from dbaudit.model.schema import ForeignKey, SchemaModel, Table, TableKind

MAX_ERD_TABLES = 150

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_SEPARATORS = re.compile(r"[_\s\-.]+")
_TYPE_BAD = re.compile(r"[^A-Za-z0-9_\-\[\]()]")


@dataclass(frozen=True, slots=True)
class Domain:
    """A group of related tables; ``name`` is the shared leading word (``account``) or ``other``."""

    name: str
    tables: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Relationship:
    """One FK drawn as an edge: ``child`` references ``parent``; cardinality from nullability/uniqueness."""

    parent: str
    child: str
    columns: tuple[str, ...]
    optional: bool
    one_to_one: bool
    name: str


def entities(model: SchemaModel) -> tuple[Table, ...]:
    """Tables drawn on the map: plain and partitioned tables (partitions folded, views left out)."""
    return tuple(t for t in model.tables if t.kind in (TableKind.TABLE, TableKind.PARTITIONED_TABLE))


def is_multi_schema(model: SchemaModel) -> bool:
    """Whether drawn tables live in more than one schema (then names are shown qualified)."""
    first: str | None = None
    for table in entities(model):
        if first is None:
            first = table.schema
        elif table.schema != first:
            return True
    return False


def display_name(table: Table, model: SchemaModel, multi: bool | None = None) -> str:
    """``name`` when the model has one schema, else ``schema.name``; pass ``multi`` in loops
    (computing it walks every table)."""
    multi = is_multi_schema(model) if multi is None else multi
    return table.qualified_name if multi else table.name


def _word(name: str) -> str:
    """The leading word of a table name, singular: ``instances`` -> ``instance``."""
    word = _SEPARATORS.split(name.strip("_").lower(), maxsplit=1)[0] or name.lower()
    if len(word) > 3 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def leading_word(name: str) -> str:
    """The word a table's name starts with, singular: what the map groups tables by."""
    return _word(name)


def relationships(model: SchemaModel) -> tuple[Relationship, ...]:
    """FK edges between drawn entities (FKs on partitions are folded into the parent's)."""
    drawn = {t.qualified_name for t in entities(model)}
    out: list[Relationship] = []
    for table in entities(model):
        for fk in table.foreign_keys:
            if fk.ref_qualified not in drawn:
                continue
            out.append(
                Relationship(
                    parent=fk.ref_qualified,
                    child=table.qualified_name,
                    columns=fk.columns,
                    optional=any(_nullable(table, c) for c in fk.columns),
                    one_to_one=_unique_on(table, fk),
                    name=fk.name,
                )
            )
    return tuple(out)


def _nullable(table: Table, column: str) -> bool:
    col = table.column(column)
    return col is None or col.nullable


def _unique_on(table: Table, fk: ForeignKey) -> bool:
    """True when the FK columns are exactly a PK or unique key: each parent row has at most one child."""
    wanted = set(fk.columns)
    keys = [set(u.columns) for u in table.uniques]
    keys += [
        {e.column for e in i.elements if e.column is not None}
        for i in table.indexes if i.unique and i.predicate is None and i.is_plain
    ]
    if table.primary_key is not None:
        keys.append(set(table.primary_key.columns))
    return wanted in keys


def domains(model: SchemaModel) -> tuple[Domain, ...]:
    """Entities grouped into domains, largest first, ``other`` (singletons without links) last."""
    tables = entities(model)
    word_of = {t.qualified_name: (t.schema, _word(t.name)) for t in tables}
    sizes = Counter(word_of.values())
    neighbours = _neighbours(model)
    group: dict[str, tuple[str, str]] = {}
    for table in tables:
        key = word_of[table.qualified_name]
        if sizes[key] > 1:
            group[table.qualified_name] = key
            continue
        group[table.qualified_name] = _adopt(table.qualified_name, neighbours, word_of, sizes)
    multi_schema = is_multi_schema(model)
    by_group: dict[tuple[str, str], list[str]] = {}
    for table in tables:
        by_group.setdefault(group[table.qualified_name], []).append(display_name(table, model, multi_schema))
    result = [
        Domain(name=f"{schema}: {word}" if multi_schema and word != "other" else word, tables=tuple(names))
        for (schema, word), names in by_group.items()
    ]
    result.sort(key=lambda d: (d.name == "other", -len(d.tables), d.name))
    return tuple(result)


def _neighbours(model: SchemaModel) -> dict[str, list[str]]:
    """Tables linked by an FK, references first (a child belongs with what it points at)."""
    out: dict[str, list[str]] = {}
    for rel in relationships(model):
        if rel.parent != rel.child:
            out.setdefault(rel.child, []).insert(0, rel.parent)
            out.setdefault(rel.parent, []).append(rel.child)
    return out


def _adopt(
    name: str,
    neighbours: dict[str, list[str]],
    word_of: dict[str, tuple[str, str]],
    sizes: Counter[tuple[str, str]],
) -> tuple[str, str]:
    """A lone table joins the domain of its first neighbour that belongs to a real group."""
    for other in neighbours.get(name, []):
        if sizes[word_of[other]] > 1:
            return word_of[other]
    return (word_of[name][0], "other")


# -- Mermaid ---------------------------------------------------------------------------------------


def mermaid_erd(model: SchemaModel, *, limit: int = MAX_ERD_TABLES) -> str:
    """A Mermaid ``erDiagram`` of at most ``limit`` entities with their key columns."""
    tables = entities(model)[:limit]
    ids = _entity_ids(tables, is_multi_schema(model))
    lines = ["erDiagram"]
    for table in tables:
        lines.extend(_entity_block(table, ids[table.qualified_name]))
    for rel in relationships(model):
        if rel.parent in ids and rel.child in ids:
            parent, child = _bare_id(ids[rel.parent]), _bare_id(ids[rel.child])
            lines.append(f"    {parent} {_cardinality(rel)} {child} : {_quote(', '.join(rel.columns))}")
    return "\n".join(lines) + "\n"


def mermaid_tables(
    model: SchemaModel, names: Iterable[str], *, keys: bool = True, stub_label: Mapping[str, str] | None = None,
) -> str:
    """A Mermaid ``erDiagram`` of the named tables and every FK between them.

    ``keys``: draw each table with its key columns (else names only). ``stub_label``: tables outside
    ``names`` that an FK links to are drawn by name only, labelled ``stub_label[qualified name]`` (the
    group they belong to), with their FKs to and from the named tables; ``None`` leaves them out.
    """
    wanted = set(names)
    drawn = [t for t in entities(model) if t.qualified_name in wanted]
    rels = relationships(model)
    stubs: dict[str, Table] = {}
    if stub_label is not None:
        for rel in rels:
            for near, far in ((rel.child, rel.parent), (rel.parent, rel.child)):
                if near in wanted and far not in wanted and far not in stubs:
                    table = model.table(far)
                    if table is not None:
                        stubs[far] = table
    multi = is_multi_schema(model)
    ordered = (*drawn, *sorted(stubs.values(), key=lambda t: t.qualified_name))
    ids = _entity_ids(ordered, multi, labels={q: f"{display_name(t, model, multi)} ({stub_label[q]})"
                                              for q, t in stubs.items()} if stub_label else None)
    lines = ["erDiagram"]
    for table in ordered:
        if keys and table.qualified_name in wanted:
            lines.extend(_entity_block(table, ids[table.qualified_name]))
        else:
            lines.append(f"    {ids[table.qualified_name]}")
    for rel in rels:
        if rel.parent in ids and rel.child in ids and (rel.parent in wanted or rel.child in wanted):
            parent, child = _bare_id(ids[rel.parent]), _bare_id(ids[rel.child])
            lines.append(f"    {parent} {_cardinality(rel)} {child} : {_quote(', '.join(rel.columns))}")
    return "\n".join(lines) + "\n"


def _entity_ids(
    tables: tuple[Table, ...], multi: bool, labels: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Mermaid identifiers; names that are not plain identifiers get ``eN["label"]`` aliases."""
    ids: dict[str, str] = {}
    used: set[str] = set()
    for n, table in enumerate(tables, start=1):
        label = (labels or {}).get(table.qualified_name) or (table.qualified_name if multi else table.name)
        if _IDENT.match(label) and label not in used:
            ids[table.qualified_name] = label
        else:
            ids[table.qualified_name] = f"e{n}[{_quote(label)}]"
        used.add(label)
    return ids


def _bare_id(entity_id: str) -> str:
    return entity_id.split("[", 1)[0]


def _entity_block(table: Table, entity_id: str) -> list[str]:
    pk = set(table.primary_key.columns) if table.primary_key else set()
    fk_cols = {c for fk in table.foreign_keys for c in fk.columns}
    keyed = [c for c in table.columns if c.name in pk or c.name in fk_cols]
    shown = keyed or list(table.columns[:1])
    lines = [f"    {entity_id} {{"]
    for col in shown:
        keys = [k for k, on in (("PK", col.name in pk), ("FK", col.name in fk_cols)) if on]
        name = col.name if _IDENT.match(col.name) else _TYPE_BAD.sub("_", col.name) or "col"
        comment = "" if name == col.name else f" {_quote(col.name)}"
        lines.append(f"        {_type_label(col.type.name, col.type.length, col.type.array_dims)} {name}"
                     f"{' ' + ', '.join(keys) if keys else ''}{comment}")
    lines.append("    }")
    return lines


def _type_label(name: str, length: int | None, array_dims: int) -> str:
    text = name.rsplit(".", 1)[-1] + (f"({length})" if length else "") + "[]" * array_dims
    text = _TYPE_BAD.sub("_", text)
    return text if text[:1].isalpha() else f"t_{text}"


def _cardinality(rel: Relationship) -> str:
    parent = "|o" if rel.optional else "||"
    child = "o|" if rel.one_to_one else "o{"
    return f"{parent}--{child}"


def _quote(text: str) -> str:
    return '"' + text.replace('"', "'") + '"'


__all__ = [
    "MAX_ERD_TABLES",
    "Domain",
    "Relationship",
    "display_name",
    "domains",
    "entities",
    "is_multi_schema",
    "leading_word",
    "mermaid_erd",
    "mermaid_tables",
    "relationships",
]
