"""Which schemas share one structure (tenants), and how the near-identical ones deviate.

1. Schemas with equal structure keys (:mod:`dbaudit.tenants.structure`) form a *group*: one
   structure, any number of schemas. Its representative (the first name in order) is audited for all.
2. Groups are gathered into *clusters*, largest group first: a group of at least two schemas that is
   not close to an existing cluster's template starts a cluster and is its template; a group that is
   close to a template joins that cluster as a *deviant*, with the list of its differences. Close means
   that at least half of the tables of the two schemas (counted over the union of their table names)
   are identical: an extra column, a missing index or an extra table keep a schema in its cluster;
   schemas that merely share table names but whose tables differ are not merged.
3. A cluster counts when it holds at least ``min_schemas`` schemas; other groups stay ordinary schemas.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from dbaudit.messages import msg
from dbaudit.model.schema import SchemaModel
from dbaudit.tenants.structure import SELF, TABLE_FACTS, Keys, SchemaStructure, TableKey, schema_structures

MIN_SCHEMAS = 3
# Listed differences of one deviant group (the count says how many more there are).
MAX_DIFFERENCES = 200


@dataclass(frozen=True, slots=True)
class Difference:
    """One way a deviant schema differs from its template.

    ``change`` is ``extra`` (only the deviant has the object), ``missing`` (only the template has it)
    or ``changed``; ``kind`` is ``table``, ``column``, ``index``, ``constraint``, ``trigger``,
    ``sequence``, ``function``, ``type`` or ``schema``; ``object`` names it in the deviant schema
    (``tenant_17.orders.legacy_ref``); ``detail`` is what the deviant has (``text``), ``template`` what
    the template has, as short technical text.
    """

    change: str
    kind: str
    object: str
    detail: str = ""
    template: str = ""

    def to_json(self) -> dict[str, str]:
        return {"change": self.change, "kind": self.kind, "object": self.object, "detail": self.detail,
                "template": self.template}

    def describe(self, template: str) -> str:
        """One line for people (translatable): what differs from the template schema ``template``."""
        kind = _KINDS.get(self.kind, self.kind)
        if self.change == "extra":
            return msg("extra {kind} {object}{detail}: the template {template} has none", kind=kind,
                       object=self.object, detail=f" ({self.detail})" if self.detail else "", template=template)
        if self.change == "missing":
            return msg("missing {kind} {object}{detail}: the template {template} has it", kind=kind,
                       object=self.object, detail=f" ({self.template})" if self.template else "", template=template)
        return msg("{kind} {object} differs: {here} here, {there} in the template {template}", kind=kind,
                   object=self.object, here=self.detail or "-", there=self.template or "-", template=template)


_KINDS = {
    "table": msg("table"), "column": msg("column"), "index": msg("index"), "constraint": msg("constraint"),
    "trigger": msg("trigger"), "sequence": msg("sequence"), "function": msg("function"), "type": msg("type"),
    "schema": msg("schema"),
}


@dataclass(frozen=True, slots=True)
class TenantGroup:
    """Schemas of exactly one structure; the first is audited for all of them."""

    schemas: tuple[str, ...]

    @property
    def representative(self) -> str:
        return self.schemas[0]

    def __len__(self) -> int:
        return len(self.schemas)


@dataclass(frozen=True, slots=True)
class Deviant:
    """Schemas of one structure close to a cluster's template, and how they differ from it
    (``more`` further differences were not listed)."""

    group: TenantGroup
    differences: tuple[Difference, ...]
    more: int = 0


@dataclass(frozen=True, slots=True)
class TenantCluster:
    """A template structure shared by many schemas, and the groups that deviate from it a little."""

    template: TenantGroup
    deviants: tuple[Deviant, ...] = ()
    tables: int = 0

    @property
    def schemas(self) -> tuple[str, ...]:
        """Every schema of the cluster, the template's first."""
        return (*self.template.schemas, *(s for d in self.deviants for s in d.group.schemas))

    @property
    def groups(self) -> tuple[TenantGroup, ...]:
        return (self.template, *(d.group for d in self.deviants))

    def to_json(self) -> dict[str, Any]:
        return {
            "template": self.template.representative,
            "tables": self.tables,
            "schemas": list(self.template.schemas),
            "deviants": [
                {"audited": d.group.representative, "schemas": list(d.group.schemas),
                 "differences": [x.to_json() for x in d.differences], "more_differences": d.more}
                for d in self.deviants
            ],
        }


def find_clusters(model: SchemaModel, *, min_schemas: int = MIN_SCHEMAS) -> tuple[TenantCluster, ...]:
    """The tenant clusters of ``model`` (largest first); empty when no structure is shared by
    ``min_schemas`` schemas or more."""
    if not may_share(model, min_schemas):
        return ()
    structures = schema_structures(model)
    by_key: dict[tuple[Any, ...], list[str]] = {}
    for name in sorted(structures):
        by_key.setdefault(structures[name].key, []).append(name)
    groups = sorted((TenantGroup(tuple(names)) for names in by_key.values()),
                    key=lambda g: (-len(g), g.representative))
    templates: list[tuple[TenantGroup, list[Deviant]]] = []
    # table (name, key number) -> indexes of the templates holding it: only templates sharing tables are compared
    holders: dict[tuple[str, int], list[int]] = {}
    for group in groups:
        structure = structures[group.representative]
        close = _closest(structure, templates, structures, holders)
        if close is not None:
            template, deviants = templates[close]
            differences = differences_between(structures[template.representative], structure)
            deviants.append(Deviant(group, tuple(differences[:MAX_DIFFERENCES]),
                                    max(0, len(differences) - MAX_DIFFERENCES)))
        elif len(group) >= 2:
            for item in structure.tables.items():
                holders.setdefault(item, []).append(len(templates))
            templates.append((group, []))
    clusters = [
        TenantCluster(template, tuple(deviants), len(structures[template.representative].tables))
        for template, deviants in templates
    ]
    return tuple(c for c in sorted(clusters, key=lambda c: (-len(c.schemas), c.template.representative))
                 if len(c.schemas) >= min_schemas)


def may_share(model: SchemaModel, min_schemas: int = MIN_SCHEMAS) -> bool:
    """Whether a cluster is possible at all: ``min_schemas`` schemas with tables, two of them with the
    same table names (a template needs two equal schemas). A cheap look before the structure keys."""
    names: dict[str, set[str]] = {}
    for t in model.tables:
        names.setdefault(t.schema, set()).add(t.name)
    if len(names) < min_schemas:
        return False
    seen: set[frozenset[str]] = set()
    for tables in names.values():
        key = frozenset(tables)
        if key in seen:
            return True
        seen.add(key)
    return False


def _closest(
    structure: SchemaStructure, templates: list[tuple[TenantGroup, list[Deviant]]],
    structures: dict[str, SchemaStructure], holders: dict[tuple[str, int], list[int]],
) -> int | None:
    """The template sharing the most identical tables with ``structure``, when at least half of their
    tables (over the union of names) are identical."""
    counts: dict[int, int] = {}
    for item in structure.tables.items():
        for i in holders.get(item, ()):
            counts[i] = counts.get(i, 0) + 1
    best: tuple[int, int] | None = None
    for i in sorted(counts, key=lambda i: (-counts[i], i)):
        template = structures[templates[i][0].representative]
        same = sum(1 for name, key in structure.tables.items() if template.tables.get(name) == key)
        union = len(structure.tables.keys() | template.tables.keys())
        if same and same * 2 >= union and (best is None or same > best[1]):
            best = (i, same)
    return best[0] if best is not None else None


# -- what differs ------------------------------------------------------------------------------------


def differences_between(template: SchemaStructure, deviant: SchemaStructure) -> list[Difference]:
    """How ``deviant`` differs from ``template``, objects named in the deviant schema, sorted."""
    schema = deviant.name
    out: list[Difference] = []
    for name in sorted(deviant.tables.keys() | template.tables.keys()):
        mine, theirs = deviant.tables.get(name), template.tables.get(name)
        qualified = f"{schema}.{name}"
        if theirs is None:
            out.append(Difference("extra", "table", qualified))
        elif mine is None:
            out.append(Difference("missing", "table", qualified))
        elif mine != theirs:
            out += _table_differences(qualified, schema, deviant.keys[mine], deviant.keys[theirs], deviant.keys)
    for kind in sorted(deviant.others.keys() | template.others.keys()):
        mine_all, theirs_all = deviant.others.get(kind, {}), template.others.get(kind, {})
        for name in sorted(mine_all.keys() | theirs_all.keys()):
            obj = f"{schema}.{_shown(name, schema)}"
            if name not in theirs_all:
                out.append(Difference("extra", kind, obj))
            elif name not in mine_all:
                out.append(Difference("missing", kind, obj))
            elif mine_all[name] != theirs_all[name]:
                out.append(Difference("changed", kind, obj, _text(mine_all[name], schema),
                                      _text(theirs_all[name], schema)))
    if deviant.facts != template.facts:
        out.append(Difference("changed", "schema", schema, _text(deviant.facts, schema), _text(template.facts, schema)))
    return out


def _table_differences(
    qualified: str, schema: str, mine: TableKey, theirs: TableKey, keys: Keys,
) -> list[Difference]:
    out: list[Difference] = []
    parts: list[tuple[str, Iterable[int], Iterable[int], int, bool]] = [
        ("column", mine.columns, theirs.columns, 0, True),
        ("index", mine.indexes, theirs.indexes, 0, False),
        ("constraint", mine.constraints, theirs.constraints, 1, False),
        ("trigger", mine.triggers, theirs.triggers, 0, False),
    ]
    for kind, have, want, at, in_table in parts:
        have_by = {k[at]: k for k in map(keys.__getitem__, have)}
        want_by = {k[at]: k for k in map(keys.__getitem__, want)}
        for name in sorted(have_by.keys() | want_by.keys()):
            obj = f"{qualified}.{name}" if in_table else f"{schema}.{name}"
            if name not in want_by:
                out.append(Difference("extra", kind, obj, _describe(kind, have_by[name], schema)))
            elif name not in have_by:
                out.append(Difference("missing", kind, obj, "", _describe(kind, want_by[name], schema)))
            elif have_by[name] != want_by[name]:
                out.append(Difference("changed", kind, obj, _describe(kind, have_by[name], schema),
                                      _describe(kind, want_by[name], schema)))
    if mine.table != theirs.table:
        pairs = list(zip(TABLE_FACTS, keys[mine.table], keys[theirs.table], strict=True))
        out.append(Difference("changed", "table", qualified, ", ".join(f for f, a, b in pairs if a != b),
                              ", ".join(f"{f}: {_text(b, schema)}" for f, a, b in pairs if a != b)))
    if [keys[c][0] for c in mine.columns] != [keys[c][0] for c in theirs.columns] and not any(
            d.kind == "column" for d in out):
        out.append(Difference("changed", "table", qualified, "column order", ""))
    return out


def _describe(kind: str, key: tuple[Any, ...], schema: str) -> str:
    """Short technical text of an object's key (what a deviation shows of it)."""
    if kind == "column":
        _name, ctype, nullable, default, identity, generated = key[:6]
        type_sql = ctype.sql if hasattr(ctype, "sql") else ctype[0]
        text = f"{type_sql}{'' if nullable else ' NOT NULL'}"
        text += f" DEFAULT {default}" if default else ""
        text += f" GENERATED {identity.upper()} AS IDENTITY" if identity else ""
        text += f" GENERATED ALWAYS AS ({generated})" if generated else ""
        return _shown(text, schema)
    if kind == "index":
        return _shown(str(key[10] or key[0]), schema)
    if kind == "trigger":
        return _shown(str(key[8] or f"{key[1]} {' OR '.join(key[2])} {key[4]}"), schema)
    return _text(key, schema)


def _shown(text: str, schema: str) -> str:
    """Key text with the schema's own name put back (for people to read)."""
    return text.replace(SELF + ".", f"{schema}.")


def _text(value: Any, schema: str) -> str:
    if isinstance(value, tuple):
        inner = ", ".join(_text(v, schema) for v in value if v not in (None, (), "", False))
        return f"({inner})"
    return _shown(str(value.value if hasattr(value, "value") else value), schema)


__all__ = [
    "MAX_DIFFERENCES", "MIN_SCHEMAS", "Deviant", "Difference", "TenantCluster", "TenantGroup",
    "differences_between", "find_clusters", "may_share",
]
