"""Build realistic schema models in a few lines, for tests and for teams writing house rules.

``schema().table(...).fk(...).index(...).build()`` returns the same :class:`SchemaModel` a PostgreSQL
catalog read would: qualified names, types decomposed like ``format_type`` prints them, the indexes
behind primary keys and unique constraints, serial sequences owned by their column. Example::

    from dbaudit.testing import schema

    model = (
        schema()
        .table("instances", cols={"id": "bigint", "name": "text not null"}, pk="id")
        .table("instance_tags", cols={"instance_id": "bigint not null", "tag_id": "bigint not null"},
               pk=("instance_id", "tag_id"))
        .fk("instance_tags", "instance_id", "instances")
        .index("instance_tags", "tag_id")
        .build()
    )

Column specs are ``"type [not null] [default <expr>]"`` strings (``"varchar(255) not null"``,
``"timestamptz default now()"``, ``"serial"``, ``"bigint identity"``) or :class:`Column` values.
Table and sequence names may be ``"schema.name"``; bare names land in the builder's default schema.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Literal

from dbaudit.model.schema import (
    POSTGRES_CAPABILITIES,
    CheckConstraint,
    Column,
    ColumnType,
    EnumType,
    ForeignKey,
    Index,
    IndexElement,
    Location,
    Partitioning,
    PrimaryKey,
    ReferentialAction,
    SchemaModel,
    Sequence,
    SourceInfo,
    Table,
    TableKind,
    Trigger,
    UniqueConstraint,
)

Columns = str | Iterable[str]

# alias -> (canonical name as pg_type.typname, text as format_type prints it)
_TYPES: dict[str, tuple[str, str]] = {
    "int": ("int4", "integer"), "integer": ("int4", "integer"), "int4": ("int4", "integer"),
    "bigint": ("int8", "bigint"), "int8": ("int8", "bigint"),
    "smallint": ("int2", "smallint"), "int2": ("int2", "smallint"),
    "text": ("text", "text"), "bool": ("bool", "boolean"), "boolean": ("bool", "boolean"),
    "timestamptz": ("timestamptz", "timestamp with time zone"),
    "timestamp with time zone": ("timestamptz", "timestamp with time zone"),
    "timestamp": ("timestamp", "timestamp without time zone"),
    "timestamp without time zone": ("timestamp", "timestamp without time zone"),
    "date": ("date", "date"), "time": ("time", "time without time zone"),
    "json": ("json", "json"), "jsonb": ("jsonb", "jsonb"), "uuid": ("uuid", "uuid"),
    "real": ("float4", "real"), "float4": ("float4", "real"),
    "double precision": ("float8", "double precision"), "float8": ("float8", "double precision"),
    "numeric": ("numeric", "numeric"), "bytea": ("bytea", "bytea"), "inet": ("inet", "inet"),
}
_SERIALS = {"serial": "int4", "serial4": "int4", "bigserial": "int8", "serial8": "int8"}
_SIZED = re.compile(
    r"(varchar|character varying|char|character|bpchar|numeric|decimal)\s*\((\d+)(?:\s*,\s*(\d+))?\)\Z"
)
_SPEC = re.compile(
    r"^(?P<type>.+?)(?P<identity>\s+identity)?(?P<notnull>\s+not null)?(?:\s+default\s+(?P<default>.+))?$",
    re.I,
)


def column_type(text: str, *, enums: Iterable[str] = ()) -> ColumnType:
    """A :class:`ColumnType` from SQL type text (``"varchar(255)"``, ``"int4[]"``, an enum name)."""
    base = text.strip()
    dims = 0
    while base.endswith("[]"):
        base, dims = base[:-2].strip(), dims + 1
    lowered = base.lower()
    suffix = "[]" * dims
    sized = _SIZED.match(lowered)
    if sized:
        kind, first, second = sized.group(1), int(sized.group(2)), sized.group(3)
        if kind in ("numeric", "decimal"):
            scale = int(second) if second is not None else 0
            return ColumnType(f"numeric({first},{scale}){suffix}", "numeric", precision=first,
                              scale=scale, array_dims=dims)
        if kind in ("varchar", "character varying"):
            return ColumnType(f"character varying({first}){suffix}", "varchar", length=first,
                              array_dims=dims)
        return ColumnType(f"character({first}){suffix}", "bpchar", length=first, array_dims=dims)
    if lowered in ("varchar", "character varying"):
        return ColumnType(f"character varying{suffix}", "varchar", array_dims=dims)
    if lowered in _TYPES:
        name, sql = _TYPES[lowered]
        return ColumnType(sql + suffix, name, array_dims=dims)
    enum_names = set(enums)
    if base in enum_names or f"public.{base}" in enum_names:
        qualified = base if "." in base else f"public.{base}"
        return ColumnType(base + suffix, qualified, array_dims=dims, is_enum=True)
    return ColumnType(base + suffix, lowered, array_dims=dims)


def _split(name: str, default_schema: str) -> tuple[str, str]:
    schema_name, dot, bare = name.partition(".")
    return (schema_name, bare) if dot else (default_schema, name)


def _cols(columns: Columns) -> tuple[str, ...]:
    return (columns,) if isinstance(columns, str) else tuple(columns)


class SchemaBuilder:
    """Accumulates tables and objects; :meth:`build` returns the immutable model."""

    def __init__(
        self,
        default_schema: str = "public",
        *,
        dialect: str = "postgresql",
        capabilities: Iterable[str] = POSTGRES_CAPABILITIES,
        source_name: str = "dbaudit.testing",
    ) -> None:
        self._schema = default_schema
        self._source = SourceInfo(kind="builder", name=source_name, dialect=dialect,
                                  capabilities=tuple(capabilities))
        self._tables: dict[str, Table] = {}
        self._sequences: dict[str, Sequence] = {}
        self._enums: dict[str, EnumType] = {}

    # -- tables ---------------------------------------------------------------------------------
    def table(
        self,
        name: str,
        cols: Mapping[str, str | Column] | Iterable[Column] = (),
        *,
        pk: Columns | None = None,
        pk_name: str | None = None,
        kind: TableKind = TableKind.TABLE,
        partition_by: tuple[Literal["RANGE", "LIST", "HASH"], Columns] | None = None,
        partition_of: str | None = None,
        comment: str | None = None,
        location: Location | None = None,
    ) -> SchemaBuilder:
        """Add a table; ``partition_by=("RANGE", "collected_date")`` makes it a partitioned parent."""
        schema_name, bare = _split(name, self._schema)
        columns = self._columns(schema_name, bare, cols)
        partitioning = None
        if partition_by is not None:
            strategy, key_cols = partition_by
            keys = _cols(key_cols)
            partitioning = Partitioning(strategy, f"{strategy} ({', '.join(keys)})", keys)
            kind = TableKind.PARTITIONED_TABLE
        parent = None
        if partition_of is not None:
            parent = ".".join(_split(partition_of, self._schema))
            kind = TableKind.PARTITION
        table = Table(schema=schema_name, name=bare, kind=kind, columns=columns, comment=comment,
                      partitioning=partitioning, partition_of=parent, location=location)
        self._tables[table.qualified_name] = table
        if pk is not None:
            self.primary_key(name, pk, name=pk_name)
        return self

    def _columns(
        self, schema_name: str, table: str, cols: Mapping[str, str | Column] | Iterable[Column]
    ) -> tuple[Column, ...]:
        items = list(cols.items()) if isinstance(cols, Mapping) else [(c.name, c) for c in cols]
        out = []
        for position, (col_name, spec) in enumerate(items, start=1):
            column = spec if isinstance(spec, Column) else self._parse(schema_name, table, col_name, spec)
            out.append(replace(column, position=position))
        return tuple(out)

    def _parse(self, schema_name: str, table: str, name: str, spec: str) -> Column:
        match = _SPEC.match(spec.strip())
        assert match is not None, spec
        type_text = match.group("type").strip()
        default = match.group("default")
        identity: Literal["always", "by default"] | None = "by default" if match.group("identity") else None
        # identity columns are implicitly NOT NULL, as in PostgreSQL
        nullable = match.group("notnull") is None and identity is None
        serial = _SERIALS.get(type_text.lower())
        if serial is None:
            ctype = column_type(type_text, enums=self._enums)
            return Column(name, ctype, nullable=nullable, default=default, identity=identity)
        seq_name = f"{table}_{name}_seq"
        self.sequence(f"{schema_name}.{seq_name}", owned_by=f"{schema_name}.{table}.{name}",
                      data_type="integer" if serial == "int4" else "bigint")
        seq_ref = seq_name if schema_name == "public" else f"{schema_name}.{seq_name}"
        return Column(name, column_type(serial), nullable=False,
                      default=f"nextval('{seq_ref}'::regclass)",
                      serial_sequence=f"{schema_name}.{seq_name}")

    def _update(self, table: str, **changes: object) -> Table:
        key = ".".join(_split(table, self._schema))
        if key not in self._tables:
            raise KeyError(f"table {key} was not declared with .table() first")
        updated = replace(self._tables[key], **changes)  # type: ignore[arg-type]
        self._tables[key] = updated
        return updated

    def _get(self, table: str) -> Table:
        key = ".".join(_split(table, self._schema))
        if key not in self._tables:
            raise KeyError(f"table {key} was not declared with .table() first")
        return self._tables[key]

    # -- constraints and indexes ----------------------------------------------------------------
    def primary_key(self, table: str, columns: Columns, *, name: str | None = None) -> SchemaBuilder:
        """The primary key and the unique index behind it, as the catalog shows both."""
        t = self._get(table)
        cols = _cols(columns)
        pk_name = name or f"{t.name}_pkey"
        columns_ = tuple(replace(c, nullable=False) if c.name in cols else c for c in t.columns)
        index = Index(pk_name, tuple(IndexElement(column=c) for c in cols), unique=True, primary=True,
                      constraint=pk_name)
        self._update(table, primary_key=PrimaryKey(pk_name, cols), columns=columns_,
                     indexes=(*t.indexes, index))
        return self

    def fk(
        self,
        table: str,
        columns: Columns,
        ref_table: str,
        ref_columns: Columns = "id",
        *,
        name: str | None = None,
        on_delete: ReferentialAction | str = ReferentialAction.NO_ACTION,
        validated: bool = True,
        location: Location | None = None,
    ) -> SchemaBuilder:
        t = self._get(table)
        cols = _cols(columns)
        ref_schema, ref_name = _split(ref_table, self._schema)
        fk = ForeignKey(
            name=name or f"{t.name}_{'_'.join(cols)}_fkey", columns=cols, ref_schema=ref_schema,
            ref_table=ref_name, ref_columns=_cols(ref_columns), on_delete=ReferentialAction(on_delete),
            validated=validated, location=location,
        )
        self._update(table, foreign_keys=(*t.foreign_keys, fk))
        return self

    def unique(
        self,
        table: str,
        columns: Columns,
        *,
        name: str | None = None,
        nulls_not_distinct: bool = False,
    ) -> SchemaBuilder:
        """A unique constraint and its backing unique index."""
        t = self._get(table)
        cols = _cols(columns)
        uq_name = name or f"{t.name}_{'_'.join(cols)}_key"
        uq = UniqueConstraint(uq_name, cols, nulls_not_distinct=nulls_not_distinct)
        index = Index(uq_name, tuple(IndexElement(column=c) for c in cols), unique=True,
                      constraint=uq_name, nulls_not_distinct=nulls_not_distinct)
        self._update(table, uniques=(*t.uniques, uq), indexes=(*t.indexes, index))
        return self

    def index(
        self,
        table: str,
        columns: Columns,
        *,
        name: str | None = None,
        unique: bool = False,
        predicate: str | None = None,
        method: str = "btree",
        valid: bool = True,
        nulls_not_distinct: bool = False,
    ) -> SchemaBuilder:
        t = self._get(table)
        cols = _cols(columns)
        elements = tuple(
            IndexElement(expression=c[1:-1]) if c.startswith("(") else IndexElement(column=c) for c in cols
        )
        index_name = name or f"{t.name}_{'_'.join(c for c in cols if not c.startswith('('))}_idx"
        index = Index(index_name, elements, unique=unique, method=method, predicate=predicate, valid=valid,
                      nulls_not_distinct=nulls_not_distinct)
        self._update(table, indexes=(*t.indexes, index))
        return self

    def check(
        self, table: str, name: str, expression: str, columns: Columns = (), *, validated: bool = True
    ) -> SchemaBuilder:
        t = self._get(table)
        check = CheckConstraint(name, expression, _cols(columns), validated=validated)
        self._update(table, checks=(*t.checks, check))
        return self

    def trigger(
        self,
        table: str,
        name: str,
        *,
        timing: Literal["BEFORE", "AFTER", "INSTEAD OF"] = "BEFORE",
        events: Iterable[str] = ("UPDATE",),
        level: Literal["ROW", "STATEMENT"] = "ROW",
        function: str = "public.set_updated_at",
        function_source: str | None = None,
    ) -> SchemaBuilder:
        t = self._get(table)
        trig = Trigger(name, timing, tuple(events), level, function, function_language="plpgsql",
                       function_source=function_source)
        self._update(table, triggers=(*t.triggers, trig))
        return self

    # -- other objects --------------------------------------------------------------------------
    def sequence(
        self, name: str, *, owned_by: str | None = None, data_type: str = "bigint",
        last_value: int | None = None,
    ) -> SchemaBuilder:
        """A sequence; ``owned_by="schema.table.column"`` sets OWNED BY."""
        schema_name, bare = _split(name, self._schema)
        owner_table = owner_column = None
        if owned_by is not None:
            owner_table, _, owner_column = owned_by.rpartition(".")
            owner_table = ".".join(_split(owner_table, self._schema))
        self._sequences[f"{schema_name}.{bare}"] = Sequence(
            schema_name, bare, data_type=data_type, last_value=last_value,
            owned_by_table=owner_table, owned_by_column=owner_column,
        )
        return self

    def enum(self, name: str, values: Iterable[str]) -> SchemaBuilder:
        schema_name, bare = _split(name, self._schema)
        self._enums[f"{schema_name}.{bare}"] = EnumType(schema_name, bare, tuple(values))
        return self

    def build(self) -> SchemaModel:
        tables = tuple(sorted(self._tables.values(), key=lambda t: (t.schema, t.name)))
        schemas = tuple(sorted({t.schema for t in tables} | {self._schema}))
        return SchemaModel(
            source=self._source, schemas=schemas, tables=tables,
            sequences=tuple(sorted(self._sequences.values(), key=lambda s: (s.schema, s.name))),
            enums=tuple(sorted(self._enums.values(), key=lambda e: (e.schema, e.name))),
        )


def schema(
    default_schema: str = "public",
    *,
    dialect: str = "postgresql",
    capabilities: Iterable[str] = POSTGRES_CAPABILITIES,
) -> SchemaBuilder:
    """Start a model; ``capabilities=()`` imitates a source that knows no triggers/statistics."""
    return SchemaBuilder(default_schema, dialect=dialect, capabilities=capabilities)


__all__ = ["SchemaBuilder", "column_type", "schema"]
