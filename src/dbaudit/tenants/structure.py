"""Structural keys of a schema's objects with the schema's own name taken out.

Two tenant schemas ``t1`` and ``t2`` hold the same structure when every table, column, index,
constraint, trigger, sequence, function and type of one has its counterpart in the other, equal in
everything the rules can read except:

- the schema's own name, wherever it is written (``t1.orders`` in a foreign key, ``nextval('t1.seq')``
  in a default, ``CREATE INDEX ... ON t1.orders`` in a definition, ``t1.touch()`` in a trigger);
  references to *other* schemas (``public.plans``) stay as they are;
- activity and sizes (statistics, index scans and sizes, sequence values): they differ between any
  two tenants and are aggregated instead (:mod:`dbaudit.tenants.layout`);
- where a source declares an object (file:line) and a column's ordinal position (a dropped column
  leaves a gap, the structure is the same).

Owners and grants are part of the structure: the security rules read them.

Keys are interned as numbers: each distinct key (a column's, an index's, a table's) gets one, and a
table's key is made of its parts' numbers, so a model of 5,000 identical tenants holds each key once,
hashes small tuples of numbers and compares schemas number by number. Columns, which the PostgreSQL
reader shares between tables (``id``, ``created_at``...), are keyed once per column object.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from dbaudit.model.schema import (
    Column,
    EnumType,
    Function,
    Index,
    IndexElement,
    Policy,
    SchemaModel,
    SchemaPrivileges,
    Sequence,
    Table,
    Trigger,
)

# What a schema's own name becomes in keys (never part of an identifier PostgreSQL accepts).
SELF = "\x00"
_FIRST = itemgetter(0)


def _replace(text: str, needle: str) -> str:
    """``text`` with ``needle`` (``schema.``) replaced where an identifier starts (not in ``xschema.``)."""
    parts: list[str] = []
    start = 0
    at = text.find(needle)
    while at != -1:
        before = text[at - 1] if at else " "
        if not (before.isalnum() or before in '_$"'):
            parts += (text[start:at], SELF, ".")
            start = at + len(needle)
        at = text.find(needle, at + len(needle))
    return "".join(parts) + text[start:] if parts else text


class Keys:
    """Interned keys: ``number(key)`` gives each distinct key a number, ``keys[number]`` gives it back;
    and the numbers of columns that do not mention a schema, by column object (with the text to look
    for a schema's name in)."""

    def __init__(self) -> None:
        self.numbers: dict[Any, int] = {}
        self.keys: list[Any] = []
        self.columns: dict[int, tuple[int, str]] = {}

    def number(self, key: Any) -> int:
        found = self.numbers.get(key)
        if found is None:
            found = self.numbers[key] = len(self.keys)
            self.keys.append(key)
        return found

    def __getitem__(self, number: int) -> Any:
        return self.keys[number]


class Normalizer:
    """Replaces one schema's name in the texts of its objects, and builds their keys."""

    def __init__(self, schema: str, keys: Keys | None = None) -> None:
        self.schema = schema
        # a name PostgreSQL must quote is written quoted, with its own quotes doubled
        self._needles = (schema + ".", '"' + schema.replace('"', '""') + '".')
        self._probe = schema.split('"', 1)[0]
        self._columns: dict[int, int] = {}
        self.keys = keys if keys is not None else Keys()
        self._one = self.keys.number

    def text(self, value: str | None) -> str | None:
        if value is None or self._probe not in value:
            return value
        for needle in self._needles:
            if needle in value:
                value = _replace(value, needle)
        return value

    def name(self, qualified: str | None) -> str | None:
        """A ``schema.name`` reference: its schema part when it is this schema."""
        if qualified is None:
            return None
        head, dot, tail = qualified.partition(".")
        return SELF + dot + tail if dot and head == self.schema else qualified

    # -- objects ----------------------------------------------------------------------------------

    def column(self, c: Column) -> int:
        plain = self.keys.columns.get(id(c))
        if plain is None:
            t = c.type
            texts = "\x01".join(x for x in (t.sql, t.name, c.default, c.generated, c.serial_sequence) if x)
            plain = self.keys.columns[id(c)] = (-1, texts)
        if self._probe not in plain[1]:
            # the key does not depend on this schema: shared by every table using the column
            if plain[0] < 0:
                plain = self.keys.columns[id(c)] = (self._one((
                    c.name, c.type, c.nullable, c.default, c.identity, c.generated, c.serial_sequence, c.collation,
                    c.comment, c.orm_onupdate, c.model_values)), plain[1])
            return plain[0]
        found = self._columns.get(id(c))
        if found is None:
            t = c.type
            ctype: Any = t
            if self._probe in t.sql or self._probe in t.name:
                sql, name = self.text(t.sql), self.name(t.name)
                if sql != t.sql or name != t.name:  # an enum or domain of this schema
                    ctype = (sql, name, t.length, t.precision, t.scale, t.array_dims, t.is_enum)
            found = self._one((c.name, ctype, c.nullable, self.text(c.default), c.identity, self.text(c.generated),
                               self.name(c.serial_sequence), c.collation, c.comment, c.orm_onupdate, c.model_values))
            self._columns[id(c)] = found
        return found

    def _element(self, e: IndexElement) -> Any:
        if e.expression is None or self._probe not in e.expression:
            return e
        expression = self.text(e.expression)
        if expression == e.expression:
            return e
        return (e.column, expression, e.descending, e.nulls_first, e.collation, e.opclass, e.length)

    def index(self, i: Index) -> tuple[Any, ...]:
        return ((i.name, tuple(self._element(e) for e in i.elements), i.unique, i.primary, i.method,
                self.text(i.predicate), i.include, i.valid, i.constraint, i.nulls_not_distinct,
                self.text(i.definition), self.name(i.parent_index)))

    def trigger(self, t: Trigger) -> tuple[Any, ...]:
        return ((t.name, t.timing, t.events, t.level, self.name(t.function), t.function_language,
                          self.text(t.function_source), t.enabled, self.text(t.definition)))

    def _policy(self, p: Policy) -> tuple[Any, ...]:
        return (p.name, p.command, p.permissive, p.roles, self.text(p.using), self.text(p.with_check))

    def _numbered(self, keys: Iterable[tuple[Any, ...]], at: int = 0) -> tuple[int, ...]:
        """The numbers of ``keys`` in the order of their names (``key[at]``)."""
        return tuple(self._one(k) for k in sorted(keys, key=itemgetter(at)))

    def table(self, t: Table) -> int:
        """The number of one table's structure (its schema's name taken out): a :class:`TableKey`."""
        pk = t.primary_key
        one = self._one
        return one(TableKey(
            columns=tuple(self.column(c) for c in t.columns),
            indexes=self._numbered(self.index(i) for i in t.indexes),
            constraints=self._numbered((c for c in (
                *((("p", pk.name, pk.columns),) if pk is not None else ()),
                *(("f", f.name, f.columns, SELF if f.ref_schema == self.schema else f.ref_schema, f.ref_table,
                   f.ref_columns, f.on_delete, f.on_update, f.deferrable, f.initially_deferred, f.validated,
                   f.match_full) for f in t.foreign_keys),
                *(("u", u.name, u.columns, u.deferrable, u.nulls_not_distinct) for u in t.uniques),
                *(("c", c.name, self.text(c.expression), c.columns, c.validated) for c in t.checks),
                *(("x", x.name, self.text(x.definition)) for x in t.exclusions),
            )), at=1),
            triggers=self._numbered(self.trigger(g) for g in t.triggers),
            table=one((t.kind, t.comment, t.partitioning, self.name(t.partition_of), t.partition_bound,
                       self.text(t.view_definition), t.rls_enabled, t.rls_forced,
                       tuple(self._policy(p) for p in t.policies), t.security_invoker,
                       tuple(self.name(s) for s in t.view_sources), t.owner, t.acl)),
        ))

    def sequence(self, s: Sequence) -> tuple[Any, ...]:
        return (s.data_type, s.start, s.increment, s.min_value, s.max_value, s.cycle, self.name(s.owned_by_table),
                s.owned_by_column, s.owner, s.acl)

    def function(self, f: Function) -> tuple[Any, ...]:
        return (f.kind, f.language, f.security_definer, f.config, f.owner, f.acl)

    def enum(self, e: EnumType) -> tuple[Any, ...]:
        return (e.values,)


@dataclass(frozen=True, slots=True)
class TableKey:
    """One table's structure in parts (key numbers: :class:`Keys` gives the keys back), so that two
    differing tables can say what differs."""

    columns: tuple[int, ...]
    indexes: tuple[int, ...]
    constraints: tuple[int, ...]
    triggers: tuple[int, ...]
    table: int


# Fields of ``TableKey.table``, in order (what a "table differs" deviation names).
TABLE_FACTS = ("kind", "comment", "partitioning", "partition_of", "partition_bound", "view_definition",
               "rls_enabled", "rls_forced", "policies", "security_invoker", "view_sources", "owner", "acl")


@dataclass
class SchemaStructure:
    """One schema's objects by name with their keys; ``key`` is the whole schema's structure."""

    name: str
    keys: Keys
    # table name -> the number of its TableKey
    tables: dict[str, int] = field(default_factory=dict)
    # sequences, functions (``name(arguments)``) and types, by kind then name
    others: dict[str, dict[str, tuple[Any, ...]]] = field(default_factory=dict)
    facts: tuple[Any, ...] = ()

    @property
    def key(self) -> tuple[Any, ...]:
        return (tuple(sorted(self.tables.items(), key=_FIRST)),
                tuple((kind, tuple(sorted(items.items(), key=_FIRST))) for kind, items in sorted(self.others.items())),
                self.facts)


def schema_structures(model: SchemaModel) -> dict[str, SchemaStructure]:
    """The structure of every schema of the model that holds at least one table, by schema name."""
    out: dict[str, SchemaStructure] = {}
    normalizers: dict[str, Normalizer] = {}
    keys = Keys()

    def get(schema: str) -> tuple[SchemaStructure, Normalizer]:
        found = out.get(schema)
        if found is None:
            found = out[schema] = SchemaStructure(schema, keys)
            normalizers[schema] = Normalizer(schema, keys)
        return found, normalizers[schema]

    for table in model.tables:
        structure, norm = get(table.schema)
        structure.tables[table.name] = norm.table(table)
    adders: list[tuple[str, tuple[Any, ...], Callable[[Normalizer, Any], tuple[Any, ...]], Callable[[Any], str]]] = [
        ("sequence", model.sequences, Normalizer.sequence, lambda s: s.name),
        ("function", model.functions, lambda n, f: (n.text(f.arguments), *n.function(f)),
         lambda f: f"{f.name}({f.arguments})"),
        ("type", model.enums, Normalizer.enum, lambda e: e.name),
    ]
    for kind, items, key_of, name_of in adders:
        for item in items:
            if item.schema in out:
                structure, norm = out[item.schema], normalizers[item.schema]
                structure.others.setdefault(kind, {})[norm.text(name_of(item)) or ""] = key_of(norm, item)
    comments = dict(model.schema_comments)
    privileges: dict[str, SchemaPrivileges] = {p.name: p for p in model.schema_privileges}
    for name, structure in out.items():
        p = privileges.get(name)
        structure.facts = (comments.get(name), p.owner if p else None, p.acl if p else ())
    return out


__all__ = ["SELF", "TABLE_FACTS", "Keys", "Normalizer", "SchemaStructure", "TableKey", "schema_structures"]
