"""``MetaData`` -> SchemaModel with PostgreSQL semantics (runs in the child of :mod:`dbaudit.sources.orm`).

Types are compiled by the ``postgresql`` dialect's type compiler and respelled the way the server's
``format_type`` prints them (``VARCHAR(255)`` -> ``character varying(255)``, canonical ``varchar``), so a
model read from the ORM and one read from the catalog compare field by field.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import mapperlib
from sqlalchemy.sql import naming, operators, visitors
from sqlalchemy.sql.elements import ColumnClause, TextClause, UnaryExpression

from dbaudit.model import (
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
    SourceInfo,
    Table,
    TableKind,
    UniqueConstraint,
)
from dbaudit.sources._orm_locate import Locator, TableSite
from dbaudit.sqltext import truncate_identifier

DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]

# Compiled base name -> (canonical name as pg_type.typname, format_type spelling).
_BASES: dict[str, tuple[str, str]] = {
    "INTEGER": ("int4", "integer"),
    "INT": ("int4", "integer"),
    "SMALLINT": ("int2", "smallint"),
    "BIGINT": ("int8", "bigint"),
    "VARCHAR": ("varchar", "character varying"),
    "CHARACTER VARYING": ("varchar", "character varying"),
    "CHAR": ("bpchar", "character"),
    "CHARACTER": ("bpchar", "character"),
    "TEXT": ("text", "text"),
    "BOOLEAN": ("bool", "boolean"),
    "DATE": ("date", "date"),
    "NUMERIC": ("numeric", "numeric"),
    "DECIMAL": ("numeric", "numeric"),
    "FLOAT": ("float8", "double precision"),
    "DOUBLE PRECISION": ("float8", "double precision"),
    "DOUBLE": ("float8", "double precision"),
    "REAL": ("float4", "real"),
    "JSON": ("json", "json"),
    "JSONB": ("jsonb", "jsonb"),
    "UUID": ("uuid", "uuid"),
    "BYTEA": ("bytea", "bytea"),
    "INTERVAL": ("interval", "interval"),
}
_TYPE_TEXT = re.compile(
    r"^(?P<base>[A-Z][A-Z ]*?)\s*(?:\((?P<args>[^)]*)\))?"
    r"(?P<tz>\s+WITH(?:OUT)? TIME ZONE)?(?P<arr>(?:\[\d*\])*)$"
)
_ACTIONS = {a.value: a for a in ReferentialAction}


def convert(metadata: sa.MetaData, *, name: str, project_dir: str) -> SchemaModel:
    locator = Locator(project_dir, _mapped_classes(metadata))
    enums: dict[str, EnumType] = {}
    tables = tuple(
        _table(table, locator, enums)
        for table in sorted(metadata.tables.values(), key=lambda t: (t.schema or "public", t.name))
    )
    return SchemaModel(
        source=SourceInfo(kind="models", name=name, dialect="postgresql", capabilities=()),
        schemas=tuple(sorted({t.schema for t in tables})),
        tables=tables,
        enums=tuple(sorted(enums.values(), key=lambda e: e.qualified_name)),
    )


def _mapped_classes(metadata: sa.MetaData) -> dict[Any, type]:
    """Table -> the mapped class that declares it, over every registry sharing this metadata."""
    out: dict[Any, type] = {}
    for registry in mapperlib._all_registries():
        if registry.metadata is not metadata:
            continue
        for mapper in registry.mappers:
            table = mapper.local_table
            if isinstance(table, sa.Table) and table not in out:
                out[table] = mapper.class_
    return out


def _table(table: sa.Table, locator: Locator, enums: dict[str, EnumType]) -> Table:
    schema = table.schema or "public"
    site = locator.site(table)
    autoinc = table.autoincrement_column
    columns = tuple(
        _column(col, i, schema=schema, table=table, site=site, enums=enums, autoincrement=col is autoinc)
        for i, col in enumerate(table.columns, 1)
    )
    partition_by = table.dialect_options["postgresql"].get("partition_by")
    return Table(
        schema=schema,
        name=table.name,
        kind=TableKind.PARTITIONED_TABLE if partition_by else TableKind.TABLE,
        columns=columns,
        primary_key=_primary_key(table, site),
        foreign_keys=_foreign_keys(table, site, locator),
        uniques=_uniques(table, site, locator),
        checks=_checks(table, site, locator),
        indexes=_indexes(table, site, locator),
        comment=table.comment,
        partitioning=_partitioning(partition_by) if partition_by else None,
        location=site.location,
    )


def _column(
    col: sa.Column[Any], position: int, *, schema: str, table: sa.Table, site: TableSite,
    enums: dict[str, EnumType], autoincrement: bool,
) -> Column:
    col_type = column_type(col.type, schema, enums)
    default = _server_default(col)
    identity = None
    if col.identity is not None:
        identity = "always" if col.identity.always else "by default"
    serial = None
    if autoincrement and identity is None and default is None and col_type.name in ("int2", "int4", "int8"):
        # SQLAlchemy renders SERIAL/BIGSERIAL: PostgreSQL owns a sequence named table_column_seq.
        sequence = truncate_identifier(f"{table.name}_{col.name}_seq")
        serial = f"{schema}.{sequence}"
        default = f"nextval('{_regclass_text(schema, sequence)}'::regclass)"
    generated = None
    if col.computed is not None:
        generated = _sql(col.computed.sqltext)
    values, values_at = site.values.get(col.name, ((), None))
    impl = _unwrap(col.type)
    if isinstance(impl, sa.Enum) and not impl.native_enum:
        values, values_at = tuple(impl.enums), site.columns.get(col.name)
    return Column(
        name=col.name,
        type=col_type,
        nullable=bool(col.nullable) and not col.primary_key,
        default=default,
        identity=identity,  # type: ignore[arg-type]
        generated=generated,
        serial_sequence=serial,
        comment=col.comment,
        position=position,
        location=site.columns.get(col.name),
        orm_onupdate=col.onupdate is not None or col.server_onupdate is not None,
        model_values=values,
        model_values_location=values_at,
    )


def _regclass_text(schema: str, name: str) -> str:
    # The server prints the sequence unqualified when its schema is on the search path (public).
    return name if schema == "public" else f"{schema}.{name}"


def _server_default(col: sa.Column[Any]) -> str | None:
    if col.server_default is None or col.identity is not None:
        return None
    try:
        text = DIALECT.ddl_compiler(DIALECT, None).get_column_default_string(col)  # type: ignore[arg-type]
    except Exception:
        arg = getattr(col.server_default, "arg", None)
        text = str(arg) if arg is not None else None
    return text


def column_type(sa_type: Any, table_schema: str, enums: dict[str, EnumType]) -> ColumnType:
    """The ORM type as the PostgreSQL catalog would describe it."""
    impl = _unwrap(sa_type)
    array_dims = 0
    element = impl
    if isinstance(impl, sa.ARRAY):
        array_dims = impl.dimensions or 1
        element = _unwrap(impl.item_type)
    if isinstance(element, sa.Enum) and element.native_enum and element.name:
        schema = element.schema or table_schema
        qualified = f"{schema}.{element.name}"
        enums.setdefault(qualified, EnumType(schema=schema, name=element.name, values=tuple(element.enums)))
        shown = element.name if schema == "public" else qualified
        return ColumnType(
            sql=shown + "[]" * min(array_dims, 1), name=qualified, array_dims=array_dims, is_enum=True
        )
    compiled = DIALECT.type_compiler_instance.process(element)
    return _from_compiled(compiled, array_dims)


def _unwrap(sa_type: Any) -> Any:
    while isinstance(sa_type, sa.types.TypeDecorator):
        sa_type = sa_type.load_dialect_impl(DIALECT)
    return sa_type


def _from_compiled(compiled: str, array_dims: int) -> ColumnType:
    match = _TYPE_TEXT.match(compiled.strip().upper())
    if match is None:
        text = compiled.strip().lower()
        return ColumnType(sql=text + "[]" * min(array_dims, 1), name=text, array_dims=array_dims)
    base = match["base"].strip()
    args = [a.strip() for a in (match["args"] or "").split(",") if a.strip()]
    dims = array_dims or match["arr"].count("[")
    suffix = "[]" if dims else ""
    with_tz = (match["tz"] or "").strip() == "WITH TIME ZONE"
    if base in ("TIMESTAMP", "TIME"):
        canonical = ("timestamptz" if with_tz else "timestamp") if base == "TIMESTAMP" else (
            "timetz" if with_tz else "time"
        )
        precision = int(args[0]) if args else None
        word = base.lower() + (f"({precision})" if precision is not None else "")
        zone = " with time zone" if with_tz else " without time zone"
        return ColumnType(sql=word + zone + suffix, name=canonical, precision=precision, array_dims=dims)
    if base == "FLOAT" and args:
        # float(p): PostgreSQL stores p <= 24 as real, otherwise double precision.
        canonical, spelled = ("float4", "real") if int(args[0]) <= 24 else ("float8", "double precision")
        return ColumnType(sql=spelled + suffix, name=canonical, array_dims=dims)
    canonical, spelled = _BASES.get(base, (base.lower(), base.lower()))
    if canonical in ("varchar", "bpchar") and args:
        length = int(args[0])
        return ColumnType(sql=f"{spelled}({length}){suffix}", name=canonical, length=length, array_dims=dims)
    if canonical == "numeric" and args:
        precision = int(args[0])
        scale = int(args[1]) if len(args) > 1 else 0
        return ColumnType(
            sql=f"numeric({precision},{scale}){suffix}", name=canonical, precision=precision, scale=scale,
            array_dims=dims,
        )
    if canonical == "bpchar" and not args:
        return ColumnType(sql=f"character(1){suffix}", name=canonical, length=1, array_dims=dims)
    return ColumnType(sql=spelled + suffix, name=canonical, array_dims=dims)


def _sql(element: Any) -> str:
    """SQL text of an expression as PostgreSQL would receive it (bound values inlined)."""
    if isinstance(element, str):
        return element
    if isinstance(element, TextClause):
        return element.text
    return str(element.compile(dialect=DIALECT, compile_kwargs={"literal_binds": True}))


def _constraint_name(const: Any, table: sa.Table, default: str) -> str:
    name = const.name
    if isinstance(name, str) and name:
        return str(name)
    try:
        conv = naming._constraint_name_for_table(const, table)  # type: ignore[no-untyped-call]
    except Exception:
        conv = None
    return str(conv) if conv else truncate_identifier(default)


def _primary_key(table: sa.Table, site: TableSite) -> PrimaryKey | None:
    pk = table.primary_key
    columns = tuple(c.name for c in pk.columns)
    if not columns:
        return None
    name = _constraint_name(pk, table, f"{table.name}_pkey")
    location = site.take("PrimaryKeyConstraint", pk.name if isinstance(pk.name, str) else None, columns)
    return PrimaryKey(name=name, columns=columns, location=location or site.columns.get(columns[0]))


def _foreign_keys(table: sa.Table, site: TableSite, locator: Locator) -> tuple[ForeignKey, ...]:
    out = []
    for fkc in sorted(table.foreign_key_constraints, key=lambda c: [col.name for col in c.columns]):
        columns = tuple(c.name for c in fkc.columns)
        ref_schema, ref_table, ref_columns = _fk_target(fkc, table)
        explicit = fkc.name if isinstance(fkc.name, str) else None
        name = _constraint_name(fkc, table, f"{table.name}_{'_'.join(columns)}_fkey")
        location = site.take("ForeignKeyConstraint", explicit, columns) or site.columns.get(columns[0])
        out.append(
            ForeignKey(
                name=name,
                columns=columns,
                ref_schema=ref_schema,
                ref_table=ref_table,
                ref_columns=ref_columns,
                on_delete=_ACTIONS.get((fkc.ondelete or "NO ACTION").upper(), ReferentialAction.NO_ACTION),
                on_update=_ACTIONS.get((fkc.onupdate or "NO ACTION").upper(), ReferentialAction.NO_ACTION),
                deferrable=bool(fkc.deferrable),
                initially_deferred=(fkc.initially or "").upper() == "DEFERRED",
                match_full=(fkc.match or "").upper() == "FULL",
                location=location or locator.named(explicit),
            )
        )
    return tuple(out)


def _fk_target(fkc: sa.ForeignKeyConstraint, table: sa.Table) -> tuple[str, str, tuple[str, ...]]:
    try:
        ref_cols = [element.column for element in fkc.elements]
        ref = ref_cols[0].table
        return (getattr(ref, "schema", None) or "public", str(getattr(ref, "name", "")),
                tuple(c.name for c in ref_cols))
    except sa.exc.SQLAlchemyError:
        # The referenced table is not in this metadata: read the target from its spelling.
        parts = [element.target_fullname.split(".") for element in fkc.elements]
        first = parts[0]
        schema = first[-3] if len(first) >= 3 else "public"
        return schema, first[-2], tuple(p[-1] for p in parts)


def _uniques(table: sa.Table, site: TableSite, locator: Locator) -> tuple[UniqueConstraint, ...]:
    out = []
    for const in table.constraints:
        if not isinstance(const, sa.UniqueConstraint) or isinstance(const, sa.PrimaryKeyConstraint):
            continue
        columns = tuple(c.name for c in const.columns)
        explicit = const.name if isinstance(const.name, str) else None
        name = _constraint_name(const, table, f"{table.name}_{'_'.join(columns)}_key")
        location = (
            site.take("UniqueConstraint", explicit, columns)
            or (site.columns.get(columns[0]) if columns else None)
            or locator.named(explicit)
        )
        out.append(
            UniqueConstraint(
                name=name,
                columns=columns,
                deferrable=bool(const.deferrable),
                nulls_not_distinct=bool(const.dialect_options["postgresql"].get("nulls_not_distinct")),
                location=location,
            )
        )
    return tuple(sorted(out, key=lambda u: u.columns))


def _checks(table: sa.Table, site: TableSite, locator: Locator) -> tuple[CheckConstraint, ...]:
    out = []
    for const in table.constraints:
        if not isinstance(const, sa.CheckConstraint):
            continue
        expression = _sql(const.sqltext)
        columns = _referenced_columns(const.sqltext, table)
        explicit = const.name if isinstance(const.name, str) else None
        default = f"{table.name}_{columns[0]}_check" if columns else f"{table.name}_check"
        name = _constraint_name(const, table, default)
        location = site.take("CheckConstraint", explicit, ()) or locator.named(explicit)
        if location is None and columns:
            location = site.columns.get(columns[0])  # e.g. an Enum(create_constraint=True) column
        out.append(
            CheckConstraint(
                name=name, expression=expression, columns=columns, location=location or site.location
            )
        )
    return tuple(sorted(out, key=lambda c: c.name))


def _referenced_columns(expression: Any, table: sa.Table) -> tuple[str, ...]:
    names: list[str] = []
    if isinstance(expression, TextClause | str):
        text = expression.text if isinstance(expression, TextClause) else expression
        for col in table.columns:
            if re.search(rf'(?<![\w"]){re.escape(col.name)}(?![\w"])|"{re.escape(col.name)}"', text):
                names.append(col.name)
        return tuple(names)
    for element in visitors.iterate(expression):
        if isinstance(element, ColumnClause) and element.name in table.c and element.name not in names:
            names.append(element.name)
    return tuple(names)


def _indexes(table: sa.Table, site: TableSite, locator: Locator) -> tuple[Index, ...]:
    out = []
    for idx in table.indexes:
        elements = tuple(_index_element(expr) for expr in idx.expressions)
        options = idx.dialect_options["postgresql"]
        where = options.get("where")
        include = tuple(c if isinstance(c, str) else c.name for c in (options.get("include") or ()))
        labels = [e.column or "expr" for e in elements]
        explicit = idx.name if isinstance(idx.name, str) else None
        name = _constraint_name(idx, table, f"{table.name}_{'_'.join(labels)}_idx")
        columns = tuple(e.column for e in elements if e.column is not None)
        location = (
            site.take("Index", explicit, columns)
            or locator.named(name)
            or (site.columns.get(columns[0]) if columns else None)
        )
        out.append(
            Index(
                name=name,
                elements=elements,
                unique=bool(idx.unique),
                method=str(options.get("using") or "btree").lower(),
                predicate=_sql(where) if where is not None else None,
                include=include,
                nulls_not_distinct=bool(options.get("nulls_not_distinct")),
                location=location,
            )
        )
    return tuple(sorted(out, key=lambda i: i.name))


def _index_element(expr: Any) -> IndexElement:
    descending = False
    nulls_first = False
    while isinstance(expr, UnaryExpression):
        if expr.modifier is operators.desc_op:
            descending = True
        elif expr.modifier is operators.nulls_first_op:
            nulls_first = True
        elif expr.modifier not in (operators.asc_op, operators.nulls_last_op):
            break
        expr = expr.element
    if isinstance(expr, str):
        return IndexElement(column=expr, descending=descending, nulls_first=nulls_first)
    if isinstance(expr, ColumnClause):
        return IndexElement(column=expr.name, descending=descending, nulls_first=nulls_first)
    return IndexElement(expression=_sql(expr), descending=descending, nulls_first=nulls_first)


def _partitioning(partition_by: str) -> Partitioning | None:
    match = re.match(r"\s*(RANGE|LIST|HASH)\s*\((.*)\)\s*$", partition_by, re.I | re.S)
    if match is None:
        return None
    key = match[2].strip()
    columns = tuple(part.strip().strip('"') for part in key.split(","))
    simple = all(re.fullmatch(r"[A-Za-z_][\w$]*", c) for c in columns)
    return Partitioning(
        strategy=match[1].upper(),  # type: ignore[arg-type]
        key=key,
        columns=columns if simple else (),
    )


__all__ = ["Location", "column_type", "convert"]
