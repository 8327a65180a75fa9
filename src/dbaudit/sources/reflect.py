"""Live SQLite and MySQL/MariaDB databases, read through SQLAlchemy's bulk inspection.

``read_reflected(url)`` asks SQLAlchemy's ``Inspector`` for every kind of object once per schema
(``get_multi_columns``, ``get_multi_pk_constraint``, ``get_multi_foreign_keys``, ``get_multi_indexes``,
``get_multi_unique_constraints``, ``get_multi_check_constraints``, ``get_multi_table_comment``) and
adds one bulk catalog query per dialect for what SQLAlchemy does not report (declared type text, index
sort order and method, expression index keys, view definitions, MySQL row estimates and sizes).

Round trips: dbaudit's own queries are a fixed number whatever the schema size. SQLAlchemy's SQLite
and MySQL dialects, however, do not override the ``get_multi_*`` methods: the default implementation
(``DefaultDialect._default_multi_reflect``) loops over their per-table methods (``PRAGMA ... `` per
table and index on SQLite, one cached ``SHOW CREATE TABLE`` per table on MySQL). The number of
statements therefore grows linearly with the number of tables, by a constant per table; the tests
pin that shape. PostgreSQL, where it matters most, has its own fixed-count source.

What these backends cannot say is left unknown rather than guessed: ``SourceInfo.capabilities``
lists only what was really read (``comments`` and ``statistics`` on MySQL, nothing on SQLite), so
PostgreSQL-only rules (triggers, sequences, partitions, index validity) skip with a note.

Conventions where the backend leaves a gap:

- a constraint the backend leaves unnamed (SQLite) gets PostgreSQL's default name
  (``t_pkey``, ``t_a_fkey``, ``t_a_key``, ``t_check``), so findings can still name it; SQLite keeps
  no constraint names in its catalog, and SQLAlchemy recovers them from the table's SQL text except
  for column-level ``REFERENCES`` clauses and names containing a double quote;
- MySQL foreign keys come from ``information_schema`` (one query) because SQLAlchemy's
  ``SHOW CREATE TABLE`` parser drops those whose names contain a backtick, and leaves backticks
  doubled in the other names it parses (undone here);
- every primary key and unique constraint also appears as the index that backs it (``constraint``
  set), as the PostgreSQL source reports them;
- MySQL ``AUTO_INCREMENT`` and SQLite's ``INTEGER PRIMARY KEY`` (the rowid alias) are reported as
  identity ``by default``: the database fills them unless a value is given;
- canonical type names follow PostgreSQL's (``int4``, ``varchar``, ``timestamptz``): MySQL
  ``TIMESTAMP`` (stored in UTC, converted to the session time zone) is ``timestamptz``, ``DATETIME``
  is ``timestamp``, ``TINYINT(1)`` (MySQL's ``BOOLEAN``) is ``bool``, MariaDB's ``JSON`` (a
  ``LONGTEXT`` with a ``json_valid`` check) is ``json``.
"""

from __future__ import annotations

import re
import sqlite3
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, Inspector
from sqlalchemy.engine.reflection import ObjectKind

from dbaudit.errors import ConnectionFailed, SourceError, UsageError
from dbaudit.model.schema import (
    CheckConstraint,
    Column,
    ColumnType,
    ForeignKey,
    IdentityKind,
    Index,
    IndexElement,
    PrimaryKey,
    ReferentialAction,
    SchemaModel,
    SourceInfo,
    Table,
    TableKind,
    TableStats,
    UniqueConstraint,
)
from dbaudit.redact import redact_url, url_password

# Upper bound for any one statement, and for waiting on a metadata lock (seconds).
STATEMENT_TIMEOUT_S = 60
LOCK_WAIT_TIMEOUT_S = 5
CONNECT_TIMEOUT_S = 10

MYSQL_SYSTEM_SCHEMAS = frozenset({"information_schema", "mysql", "performance_schema", "sys"})
MYSQL_SCHEMES = frozenset({"mysql", "mysql+pymysql", "mariadb", "mariadb+pymysql"})

TableKey = tuple[str | None, str]


# ---------------------------------------------------------------------------------------------------
# Entry point


def read_reflected(url: str, *, schemas: Sequence[str] | None = None, name: str | None = None) -> SchemaModel:
    """Read a live SQLite or MySQL/MariaDB database into the schema model, read-only."""
    backend = _backend_for(url)
    password = url_password(url) or ""
    try:
        engine = backend.engine(url)
    except (ValueError, sa.exc.ArgumentError) as exc:  # malformed URL: a port that is not a number...
        raise ConnectionFailed(f"invalid connection URL {redact_url(url)}: {exc}", secrets=(password,)) from None
    try:
        with engine.connect() as conn:
            return _read(conn, backend, url, schemas, name)
    except sa.exc.OperationalError as exc:
        message = " ".join(str(exc.orig if exc.orig is not None else exc).split())
        raise ConnectionFailed(f"cannot read {redact_url(url)}: {message}", secrets=(password,)) from None
    except sa.exc.DBAPIError as exc:
        message = " ".join(str(exc.orig if exc.orig is not None else exc).split())
        raise SourceError(f"cannot read {redact_url(url)}: {message}", secrets=(password,)) from None
    finally:
        engine.dispose()


def _read(
    conn: Connection, backend: _Backend, url: str, schemas: Sequence[str] | None, name: str | None
) -> SchemaModel:
    inspector = sa.inspect(conn)
    selected = list(schemas) if schemas else backend.default_schemas(conn, inspector)
    tables: list[Table] = []
    for schema in selected:
        extras = backend.extras(conn, schema)
        tables.extend(_read_schema(inspector, backend, schema, extras))
    source = SourceInfo(
        kind=backend.kind,
        name=name or backend.display_name(url),
        dialect=backend.kind,
        server_version=backend.server_version(conn),
        capabilities=backend.capabilities,
    )
    return SchemaModel(source=source, schemas=tuple(selected), tables=tuple(tables))


# ---------------------------------------------------------------------------------------------------
# Backends: how to connect, which schemas, and the one bulk query for what SQLAlchemy leaves out


@dataclass
class _Extras:
    """Facts from dbaudit's own bulk query, keyed by table name (and index name)."""

    declared_types: dict[tuple[str, str], str] = field(default_factory=dict)
    # (table, index) -> [(column or None, descending, collation)]
    index_keys: dict[tuple[str, str], list[tuple[str | None, bool, str | None]]] = field(default_factory=dict)
    index_sql: dict[tuple[str, str], str] = field(default_factory=dict)
    index_method: dict[tuple[str, str], str] = field(default_factory=dict)
    view_sql: dict[str, str] = field(default_factory=dict)
    stats: dict[str, TableStats] = field(default_factory=dict)
    # SQLite: (table, local columns) -> (ON UPDATE, ON DELETE) from PRAGMA foreign_key_list, which
    # SQLAlchemy's SQL-text parsing misses for column-level REFERENCES clauses.
    fk_actions: dict[tuple[str, tuple[str, ...]], tuple[str, str]] = field(default_factory=dict)
    # MySQL/MariaDB: table -> [(name, clause)] from information_schema, which also holds the
    # column-level CHECKs (MariaDB's JSON json_valid checks) that SHOW CREATE TABLE parsing misses.
    checks: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    # MySQL/MariaDB: table -> foreign keys from information_schema (SQLAlchemy's shape), used instead
    # of SQLAlchemy's: its SHOW CREATE TABLE parser drops FKs whose names contain a backtick.
    foreign_keys: dict[str, list[dict[str, Any]]] | None = None


class _Backend:
    kind = ""
    capabilities: tuple[str, ...] = ()
    # Unnamed primary keys: MySQL's is always PRIMARY; SQLite gets PostgreSQL's default name.
    primary_key_name: str | None = None

    def engine(self, url: str) -> Engine:
        raise NotImplementedError

    def default_schemas(self, conn: Connection, inspector: Inspector) -> list[str]:
        raise NotImplementedError

    def reflect_schema(self, schema: str) -> str | None:
        """The schema argument to pass to SQLAlchemy for a model schema name."""
        return schema

    def extras(self, conn: Connection, schema: str) -> _Extras:
        raise NotImplementedError

    def server_version(self, conn: Connection) -> str | None:
        raise NotImplementedError

    def display_name(self, url: str) -> str:
        return redact_url(url)


class _SQLite(_Backend):
    kind = "sqlite"
    capabilities = ()

    def engine(self, url: str) -> Engine:
        path = sa.engine.make_url(url).database
        if not path or path == ":memory:":
            raise UsageError(f"{url}: a SQLite URL must name a database file (sqlite:///path/to/file.db)")
        if not Path(path).is_file():
            raise ConnectionFailed(f"cannot read {url}: no such SQLite database file")
        uri = f"file:{quote(str(Path(path).resolve()))}?mode=ro"

        def creator() -> sqlite3.Connection:
            # mode=ro: the file is opened read-only by SQLite itself; query_only also refuses writes
            # through this connection should anything try.
            conn = sqlite3.connect(uri, uri=True, timeout=LOCK_WAIT_TIMEOUT_S)
            conn.execute("PRAGMA query_only = ON")
            return conn

        return sa.create_engine("sqlite://", creator=creator)

    def default_schemas(self, conn: Connection, inspector: Inspector) -> list[str]:
        return ["main"]

    def reflect_schema(self, schema: str) -> str | None:
        return None if schema == "main" else schema

    def display_name(self, url: str) -> str:
        return sa.engine.make_url(url).database or url

    def server_version(self, conn: Connection) -> str | None:
        return str(conn.exec_driver_sql("SELECT sqlite_version()").scalar())

    def extras(self, conn: Connection, schema: str) -> _Extras:
        q = _sqlite_quote(schema)
        out = _Extras()
        # Declared column types as written, for every table and view, in one statement.
        for table, column, declared in conn.exec_driver_sql(
            f"SELECT m.name, p.name, p.type FROM {q}.sqlite_master AS m, pragma_table_xinfo(m.name, ?) AS p "
            "WHERE m.type IN ('table', 'view')",
            (schema,),
        ):
            out.declared_types[(table, column)] = declared
        # Index keys with order, collation and expression slots (cid -2), for every index at once.
        for table, index, column, desc, coll, is_key in conn.exec_driver_sql(
            f"SELECT m.tbl_name, m.name, x.name, x.desc, x.coll, x.key "
            f"FROM {q}.sqlite_master AS m, pragma_index_xinfo(m.name, ?) AS x "
            "WHERE m.type = 'index' ORDER BY m.tbl_name, m.name, x.seqno",
            (schema,),
        ):
            if is_key:
                out.index_keys.setdefault((table, index), []).append((column, bool(desc), coll))
        fks: dict[tuple[str, int], list[Any]] = {}
        for table, fk_id, column, on_update, on_delete in conn.exec_driver_sql(
            f"SELECT m.name, f.id, f.\"from\", f.on_update, f.on_delete "
            f"FROM {q}.sqlite_master AS m, pragma_foreign_key_list(m.name, ?) AS f "
            "WHERE m.type = 'table' ORDER BY m.name, f.id, f.seq",
            (schema,),
        ):
            fks.setdefault((table, fk_id), [table, [], on_update, on_delete])[1].append(column)
        for table, columns, on_update, on_delete in fks.values():
            out.fk_actions[(table, tuple(columns))] = (on_update, on_delete)
        for kind, table, obj, text in conn.exec_driver_sql(
            f"SELECT type, tbl_name, name, sql FROM {q}.sqlite_master WHERE type IN ('index', 'view') "
            "AND sql IS NOT NULL"
        ):
            if kind == "view":
                out.view_sql[obj] = text
            else:
                out.index_sql[(table, obj)] = text
        return out


class _MySQL(_Backend):
    kind = "mysql"
    capabilities = ("comments", "statistics")
    primary_key_name = "PRIMARY"

    def engine(self, url: str) -> Engine:
        parsed = sa.engine.make_url(url).set(drivername="mysql+pymysql")
        engine = sa.create_engine(parsed, connect_args={"connect_timeout": CONNECT_TIMEOUT_S})
        sa.event.listen(engine, "connect", _mysql_session_guard)
        return engine

    def default_schemas(self, conn: Connection, inspector: Inspector) -> list[str]:
        current = conn.exec_driver_sql("SELECT DATABASE()").scalar()
        if current:
            return [str(current)]
        return sorted(s for s in inspector.get_schema_names() if s.lower() not in MYSQL_SYSTEM_SCHEMAS)

    def server_version(self, conn: Connection) -> str | None:
        return str(conn.exec_driver_sql("SELECT VERSION()").scalar())

    def extras(self, conn: Connection, schema: str) -> _Extras:
        out = _Extras()
        for table, column, declared in conn.exec_driver_sql(
            "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS "
            "WHERE TABLE_SCHEMA = %s",
            (schema,),
        ):
            out.declared_types[(table, column)] = declared
        for table, index, column, collation, index_type in conn.exec_driver_sql(
            "SELECT TABLE_NAME, INDEX_NAME, COLUMN_NAME, COLLATION, INDEX_TYPE "
            "FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = %s "
            "ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
            (schema,),
        ):
            out.index_keys.setdefault((table, index), []).append((column, collation == "D", None))
            out.index_method[(table, index)] = str(index_type).lower()
        for view, definition in conn.exec_driver_sql(
            "SELECT TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = %s",
            (schema,),
        ):
            out.view_sql[view] = definition
        out.foreign_keys = _mysql_foreign_keys(conn, schema)
        for table, check_name, clause in conn.exec_driver_sql(_mysql_checks_query(conn), (schema,)):
            out.checks.setdefault(table, []).append((check_name, clause))
        for table, rows, data, index in conn.exec_driver_sql(
            "SELECT TABLE_NAME, TABLE_ROWS, DATA_LENGTH, INDEX_LENGTH FROM information_schema.TABLES "
            "WHERE TABLE_SCHEMA = %s AND TABLE_TYPE = 'BASE TABLE'",
            (schema,),
        ):
            total = None if data is None or index is None else int(data) + int(index)
            out.stats[table] = TableStats(
                rows_estimate=None if rows is None else int(rows),
                total_bytes=total,
                table_bytes=None if data is None else int(data),
                index_bytes=None if index is None else int(index),
            )
        return out


def _mysql_foreign_keys(conn: Connection, schema: str) -> dict[str, list[dict[str, Any]]]:
    """All foreign keys of one schema, columns in order, with their ON DELETE / ON UPDATE rules."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for table, name, column, ref_schema, ref_table, ref_column, on_update, on_delete in conn.exec_driver_sql(
        "SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_SCHEMA, "
        "k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME, r.UPDATE_RULE, r.DELETE_RULE "
        "FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS r "
        "ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.TABLE_NAME = k.TABLE_NAME "
        "AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME "
        "WHERE k.TABLE_SCHEMA = %s AND k.REFERENCED_TABLE_NAME IS NOT NULL "
        "ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION",
        (schema,),
    ):
        fk = out.setdefault(table, {}).setdefault(
            name,
            {
                "name": name,
                "constrained_columns": [],
                "referred_schema": ref_schema,
                "referred_table": ref_table,
                "referred_columns": [],
                "options": {"onupdate": on_update, "ondelete": on_delete},
            },
        )
        fk["constrained_columns"].append(column)
        fk["referred_columns"].append(ref_column)
    return {table: list(fks.values()) for table, fks in out.items()}


def _unescape_mysql(reflected: _Reflected) -> None:
    """Undo the backtick doubling SQLAlchemy's SHOW CREATE TABLE parser leaves in names (a``b -> a`b)."""

    def fix(value: Any) -> Any:
        return value.replace("``", "`") if isinstance(value, str) else value

    for per_table in (reflected.columns, reflected.indexes, reflected.uniques, reflected.checks):
        for records in per_table.values():
            for record in records:
                for key in ("name", "duplicates_index"):
                    if key in record:
                        record[key] = fix(record[key])
                if "column_names" in record:
                    record["column_names"] = [fix(c) for c in record["column_names"]]
                lengths = (record.get("dialect_options") or {}).get("mysql_length")
                if lengths:
                    record["dialect_options"]["mysql_length"] = {fix(k): v for k, v in lengths.items()}
    for pk in reflected.pks.values():
        if pk and pk.get("constrained_columns"):
            pk["constrained_columns"] = [fix(c) for c in pk["constrained_columns"]]


def _mysql_checks_query(conn: Connection) -> str:
    """CHECK constraints of one schema: MariaDB's view has TABLE_NAME, MySQL 8's needs the join."""
    if getattr(conn.dialect, "is_mariadb", False):
        return (
            "SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS "
            "WHERE CONSTRAINT_SCHEMA = %s ORDER BY TABLE_NAME, CONSTRAINT_NAME"
        )
    return (
        "SELECT tc.TABLE_NAME, cc.CONSTRAINT_NAME, cc.CHECK_CLAUSE "
        "FROM information_schema.TABLE_CONSTRAINTS tc JOIN information_schema.CHECK_CONSTRAINTS cc "
        "ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA "
        "AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME "
        "WHERE tc.CONSTRAINT_TYPE = 'CHECK' AND tc.TABLE_SCHEMA = %s "
        "ORDER BY tc.TABLE_NAME, cc.CONSTRAINT_NAME"
    )


def _mysql_session_guard(dbapi_connection: Any, _record: Any) -> None:
    """Read-only session, bounded statements, never queue long behind a metadata lock."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SELECT VERSION()")
        version = str(cursor.fetchone()[0])
        cursor.execute("SET SESSION TRANSACTION READ ONLY")
        cursor.execute(f"SET SESSION lock_wait_timeout = {LOCK_WAIT_TIMEOUT_S}")
        if "mariadb" in version.lower():
            cursor.execute(f"SET SESSION max_statement_time = {STATEMENT_TIMEOUT_S}")
        else:
            cursor.execute(f"SET SESSION max_execution_time = {STATEMENT_TIMEOUT_S * 1000}")
    finally:
        cursor.close()


def readonly_engine(url: str) -> Engine:
    """A SQLAlchemy engine on a SQLite file or a MySQL/MariaDB server whose sessions cannot write
    (the guards this source reads through: read-only file or session, bounded statements)."""
    return _backend_for(url).engine(url)


def _backend_for(url: str) -> _Backend:
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme in ("sqlite", "sqlite+pysqlite"):
        return _SQLite()
    if scheme in MYSQL_SCHEMES:
        return _MySQL()
    raise UsageError(f"{redact_url(url)}: not a SQLite or MySQL/MariaDB URL")


def _sqlite_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# ---------------------------------------------------------------------------------------------------
# One schema: every get_multi_* once, then a model table per relation


@dataclass
class _Reflected:
    columns: dict[TableKey, list[Any]]
    pks: dict[TableKey, Any]
    fks: dict[TableKey, list[Any]]
    indexes: dict[TableKey, list[Any]]
    uniques: dict[TableKey, list[Any]]
    checks: dict[TableKey, list[Any]]
    comments: dict[TableKey, Any]


def _bulk(inspector: Inspector, schema: str | None) -> _Reflected:
    kind = ObjectKind.TABLE | ObjectKind.VIEW
    with warnings.catch_warnings():
        # SQLite's dialect warns and drops expression indexes; dbaudit rebuilds them from its own query.
        warnings.simplefilter("ignore", sa.exc.SAWarning)
        return _Reflected(
            columns=dict(inspector.get_multi_columns(schema, kind=kind)),
            pks=dict(inspector.get_multi_pk_constraint(schema)),
            fks=dict(inspector.get_multi_foreign_keys(schema)),
            indexes=dict(inspector.get_multi_indexes(schema)),
            uniques=dict(inspector.get_multi_unique_constraints(schema)),
            checks=dict(_optional(lambda: inspector.get_multi_check_constraints(schema))),
            comments=dict(_optional(lambda: inspector.get_multi_table_comment(schema, kind=kind))),
        )


def _optional(call: Callable[[], Any]) -> Any:
    """A get_multi_* the dialect may not implement (SQLite has no comments): empty, not a crash."""
    try:
        return call()
    except NotImplementedError:
        return {}


def _read_schema(inspector: Inspector, backend: _Backend, schema: str, extras: _Extras) -> Iterator[Table]:
    reflect_schema = backend.reflect_schema(schema)
    views = set(inspector.get_view_names(reflect_schema))
    reflected = _bulk(inspector, reflect_schema)
    if backend.kind == "mysql":
        _unescape_mysql(reflected)
    for key in sorted(reflected.columns, key=lambda k: k[1]):
        name = key[1]
        is_view = name in views
        yield _table(
            backend, schema=schema, name=name, key=key, reflected=reflected, extras=extras, is_view=is_view
        )


def _table(
    backend: _Backend,
    *,
    schema: str,
    name: str,
    key: TableKey,
    reflected: _Reflected,
    extras: _Extras,
    is_view: bool,
) -> Table:
    comment = (reflected.comments.get(key) or {}).get("text")
    pk = None if is_view else _primary_key(backend, name, reflected.pks.get(key))
    columns = tuple(
        _column(backend, name, i, c, pk=pk, extras=extras)
        for i, c in enumerate(reflected.columns[key], start=1)
    )
    if is_view:
        return Table(
            schema=schema,
            name=name,
            kind=TableKind.VIEW,
            columns=columns,
            comment=comment or None,
            view_definition=extras.view_sql.get(name),
        )
    column_names = [c.name for c in columns]
    reflected_checks = list(reflected.checks.get(key, []))
    named = {ck.get("name") for ck in reflected_checks}
    reflected_checks += [
        {"name": n, "sqltext": clause} for n, clause in extras.checks.get(name, []) if n not in named
    ]
    checks = tuple(_check(name, i, ck, column_names) for i, ck in enumerate(reflected_checks, 1))
    columns = _json_columns(columns, checks)
    uniques = tuple(_unique(name, u) for u in reflected.uniques.get(key, []))
    uniques += _inline_uniques(name, pk, uniques, extras)
    return Table(
        schema=schema,
        name=name,
        kind=TableKind.TABLE,
        columns=columns,
        primary_key=pk,
        foreign_keys=tuple(
            _foreign_key(schema, name, fk, extras)
            for fk in (
                reflected.fks.get(key, [])
                if extras.foreign_keys is None
                else extras.foreign_keys.get(name, [])
            )
        ),
        uniques=uniques,
        checks=checks,
        indexes=_indexes(
            name, pk=pk, uniques=uniques, reflected=reflected.indexes.get(key, []), extras=extras
        ),
        comment=comment or None,
        stats=extras.stats.get(name),
    )


# ---------------------------------------------------------------------------------------------------
# Columns and types


_CANONICAL: dict[str, str] = {
    "varchar": "varchar", "nvarchar": "varchar", "string": "varchar", "unicode": "varchar",
    "char": "bpchar", "nchar": "bpchar",
    "text": "text", "tinytext": "text", "mediumtext": "text", "longtext": "text", "clob": "text",
    "unicode_text": "text",
    "integer": "int4", "int": "int4", "mediumint": "int4",
    "smallint": "int2", "tinyint": "int2", "year": "int2",
    "bigint": "int8",
    "float": "float8", "real": "float4", "double": "float8", "double_precision": "float8",
    "numeric": "numeric", "decimal": "numeric",
    "boolean": "bool",
    "date": "date", "time": "time", "datetime": "timestamp", "timestamp": "timestamp",
    "json": "json",
    "blob": "bytea", "tinyblob": "bytea", "mediumblob": "bytea", "longblob": "bytea",
    "binary": "bytea", "varbinary": "bytea", "large_binary": "bytea",
    "uuid": "uuid", "enum": "enum", "set": "set", "bit": "bit",
}  # fmt: skip


def _column_type(backend: _Backend, coltype: Any, declared: str | None) -> ColumnType:
    visit = str(getattr(coltype, "__visit_name__", "")).lower()
    sql = (declared or _compile(coltype)).strip().lower()
    name = _CANONICAL.get(visit) or (sql.split("(")[0].split()[0] if sql else "unknown")
    if backend.kind == "mysql":
        if visit == "timestamp":
            name = "timestamptz"  # MySQL TIMESTAMP is stored in UTC and shown in the session zone
        elif visit == "tinyint" and getattr(coltype, "display_width", None) == 1:
            name = "bool"
        elif visit == "float" and getattr(coltype, "precision", None) is None:
            name = "float4"
    elif re.search(r"time\s*zone|timestamptz", sql) and "without" not in sql:
        name = "timestamptz"
    length = getattr(coltype, "length", None)
    precision = scale = None
    if name == "numeric":
        precision, scale = getattr(coltype, "precision", None), getattr(coltype, "scale", None)
    return ColumnType(
        sql=sql or "unknown",
        name=name,
        length=length if isinstance(length, int) and name in ("varchar", "bpchar", "bytea", "bit") else None,
        precision=precision if isinstance(precision, int) else None,
        scale=scale if isinstance(scale, int) else None,
        is_enum=name == "enum",
    )


def _compile(coltype: Any) -> str:
    try:
        return str(coltype.compile())
    except sa.exc.CompileError:
        return str(getattr(coltype, "__visit_name__", "unknown"))


def _column(
    backend: _Backend, table: str, position: int, col: Any, *, pk: PrimaryKey | None, extras: _Extras
) -> Column:
    name = col["name"]
    declared = extras.declared_types.get((table, name))
    ctype = _column_type(backend, col["type"], declared)
    computed = col.get("computed")
    identity: IdentityKind | None = None
    if backend.kind == "mysql" and col.get("autoincrement") is True:
        identity = "by default"
    elif backend.kind == "sqlite" and pk is not None and pk.columns == (name,) and ctype.sql == "integer":
        identity = "by default"  # INTEGER PRIMARY KEY aliases the rowid: SQLite assigns it, never NULL
    collation = getattr(col["type"], "collation", None)
    return Column(
        name=name,
        type=ctype,
        nullable=bool(col["nullable"]) and identity is None,
        default=_default(col.get("default")),
        identity=identity,
        generated=str(computed["sqltext"]) if computed else None,
        collation=collation if isinstance(collation, str) else None,
        comment=col.get("comment") or None,
        position=position,
    )


def _default(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    # MariaDB reports "no default" on a nullable column as the literal NULL.
    return None if text.upper() == "NULL" else text


def _json_columns(columns: tuple[Column, ...], checks: tuple[CheckConstraint, ...]) -> tuple[Column, ...]:
    """MariaDB's JSON is LONGTEXT plus CHECK (json_valid(col)): report such columns as json."""
    json_cols = {
        ck.columns[0]
        for ck in checks
        if len(ck.columns) == 1 and re.fullmatch(r"\(?json_valid\(`[^`]+`\)\)?", ck.expression.strip())
    }
    if not json_cols:
        return columns
    return tuple(
        replace(c, type=replace(c.type, name="json")) if c.name in json_cols and c.type.name == "text" else c
        for c in columns
    )


# ---------------------------------------------------------------------------------------------------
# Constraints


def _primary_key(backend: _Backend, table: str, pk: Any) -> PrimaryKey | None:
    if not pk or not pk.get("constrained_columns"):
        return None
    name = pk.get("name") or backend.primary_key_name or f"{table}_pkey"
    return PrimaryKey(name=name, columns=tuple(pk["constrained_columns"]))


_ACTIONS = {a.value: a for a in ReferentialAction}


def _action(value: Any) -> ReferentialAction:
    if not value:
        return ReferentialAction.NO_ACTION
    return _ACTIONS.get(str(value).upper(), ReferentialAction.NO_ACTION)


def _foreign_key(schema: str, table: str, fk: Any, extras: _Extras) -> ForeignKey:
    columns = tuple(fk["constrained_columns"])
    options = dict(fk.get("options") or {})
    if (table, columns) in extras.fk_actions:
        options["onupdate"], options["ondelete"] = extras.fk_actions[(table, columns)]
    initially = str(options.get("initially") or "").upper()
    return ForeignKey(
        name=fk.get("name") or f"{table}_{'_'.join(columns)}_fkey",
        columns=columns,
        ref_schema=fk.get("referred_schema") or schema,
        ref_table=fk["referred_table"],
        ref_columns=tuple(fk["referred_columns"]),
        on_delete=_action(options.get("ondelete")),
        on_update=_action(options.get("onupdate")),
        deferrable=bool(options.get("deferrable")),
        initially_deferred=initially == "DEFERRED",
    )


def _unique(table: str, uc: Any) -> UniqueConstraint:
    columns = tuple(uc["column_names"])
    return UniqueConstraint(name=uc.get("name") or f"{table}_{'_'.join(columns)}_key", columns=columns)


def _inline_uniques(
    table: str, pk: PrimaryKey | None, uniques: tuple[UniqueConstraint, ...], extras: _Extras
) -> tuple[UniqueConstraint, ...]:
    """SQLite column-level UNIQUE constraints SQLAlchemy's text parsing misses, from their autoindexes."""
    known = {u.columns for u in uniques} | ({pk.columns} if pk is not None else set())
    out = []
    for (owner, index_name), keys in sorted(extras.index_keys.items()):
        columns = tuple(k[0] for k in keys if k[0] is not None)
        if owner == table and index_name.startswith("sqlite_autoindex_") and columns not in known:
            known.add(columns)
            out.append(UniqueConstraint(name=f"{table}_{'_'.join(columns)}_key", columns=columns))
    return tuple(out)


_IDENT = re.compile(r"`((?:``|[^`])+)`|\"((?:\"\"|[^\"])+)\"|\[([^\]]+)\]|([^\W\d]\w*)")


def _check(table: str, number: int, ck: Any, column_names: list[str]) -> CheckConstraint:
    expression = str(ck["sqltext"])
    mentioned = set()
    for m in _IDENT.finditer(expression):
        if m.group(1) is not None:
            mentioned.add(m.group(1).replace("``", "`"))
        elif m.group(2) is not None:
            mentioned.add(m.group(2).replace('""', '"'))
        else:
            mentioned.add(m.group(3) or m.group(4))
    default_name = f"{table}_check" if number == 1 else f"{table}_check{number - 1}"
    return CheckConstraint(
        name=ck.get("name") or default_name,
        expression=expression,
        columns=tuple(c for c in column_names if c in mentioned),
    )


# ---------------------------------------------------------------------------------------------------
# Indexes


def _indexes(
    table: str,
    *,
    pk: PrimaryKey | None,
    uniques: tuple[UniqueConstraint, ...],
    reflected: list[Any],
    extras: _Extras,
) -> tuple[Index, ...]:
    out: list[Index] = []
    if pk is not None:
        out.append(
            Index(
                name=pk.name,
                elements=tuple(IndexElement(column=c) for c in pk.columns),
                unique=True,
                primary=True,
                constraint=pk.name,
                method=extras.index_method.get((table, "PRIMARY"), "btree"),
            )
        )
    unique_names = {u.name for u in uniques}
    seen = {pk.name} if pk is not None else set()
    for ix in reflected:
        index = _index(table, ix, extras, unique_names)
        seen.add(index.name)
        out.append(index)
    # Unique constraints SQLAlchemy does not list as indexes (SQLite's autoindexes) are indexes too.
    for uc in uniques:
        if uc.name not in seen:
            seen.add(uc.name)
            out.append(
                Index(
                    name=uc.name,
                    elements=tuple(IndexElement(column=c) for c in uc.columns),
                    unique=True,
                    constraint=uc.name,
                )
            )
    # Expression indexes SQLAlchemy's SQLite dialect skips: rebuilt from dbaudit's bulk query.
    for (owner, index_name), keys in sorted(extras.index_keys.items()):
        if owner == table and index_name not in seen and not index_name.startswith("sqlite_autoindex"):
            out.append(_index_from_keys(table, index_name, keys, extras))
    return tuple(out)


def _index(table: str, ix: Any, extras: _Extras, unique_names: set[str]) -> Index:
    name = ix["name"]
    options = ix.get("dialect_options") or {}
    lengths: dict[str, int] = options.get("mysql_length") or {}
    sorting: dict[str, tuple[str, ...]] = ix.get("column_sorting") or {}
    keys = extras.index_keys.get((table, name), [])
    expressions = ix.get("expressions") or []
    elements = []
    for i, column in enumerate(ix["column_names"]):
        descending = "desc" in sorting.get(column or "", ()) or (i < len(keys) and keys[i][1])
        collation = keys[i][2] if i < len(keys) else None
        if column is None:
            expression = expressions[i] if i < len(expressions) else "?"
            elements.append(IndexElement(expression=expression, descending=descending))
        else:
            elements.append(
                IndexElement(
                    column=column,
                    descending=descending,
                    collation=collation if collation not in (None, "BINARY") else None,
                    length=lengths.get(column),
                )
            )
    predicate = options.get("sqlite_where")
    method = extras.index_method.get((table, name)) or str(options.get("mysql_prefix") or "btree").lower()
    unique = bool(ix["unique"])
    return Index(
        name=name,
        elements=tuple(elements),
        unique=unique,
        method=method,
        predicate=str(predicate) if predicate is not None else None,
        include=tuple(ix.get("include_columns") or ()),
        constraint=name if unique and name in unique_names else None,
        definition=extras.index_sql.get((table, name)),
    )


def _index_from_keys(
    table: str, name: str, keys: list[tuple[str | None, bool, str | None]], extras: _Extras
) -> Index:
    definition = extras.index_sql.get((table, name))
    texts = _index_key_texts(definition) if definition else []
    elements = []
    for i, (column, descending, _coll) in enumerate(keys):
        if column is not None:
            elements.append(IndexElement(column=column, descending=descending))
        else:
            text = texts[i] if len(texts) == len(keys) else "?"
            text = re.sub(r"\s+(ASC|DESC)\s*$", "", text, flags=re.I)
            elements.append(IndexElement(expression=text, descending=descending))
    unique = bool(definition and re.match(r"\s*CREATE\s+UNIQUE\b", definition, re.I))
    where = re.search(r"\)\s+WHERE\s+(.+)$", definition or "", re.I | re.S)
    return Index(
        name=name,
        elements=tuple(elements),
        unique=unique,
        predicate=where.group(1).strip() if where else None,
        definition=definition,
    )


def _index_key_texts(definition: str) -> list[str]:
    """The key list of ``CREATE INDEX ... ON t (k1, k2)`` split at top-level commas, quotes respected."""
    on = re.search(r"\bON\b", definition, re.I)
    start = definition.find("(", on.end() if on else 0)
    if start < 0:
        return []
    keys, depth, current, quote_char = [], 0, [], ""
    for ch in definition[start + 1 :]:
        if quote_char:
            current.append(ch)
            if ch == quote_char:
                quote_char = ""
            continue
        if ch in "'\"`[":
            quote_char = "]" if ch == "[" else ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            if depth == 0:
                keys.append("".join(current).strip())
                return keys
            depth -= 1
        elif ch == "," and depth == 0:
            keys.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    return []


@contextmanager
def count_statements(engine_or_none: Engine | None = None) -> Iterator[list[str]]:
    """Collect every statement SQLAlchemy executes while the block runs (for round-trip tests)."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    target: Any = engine_or_none if engine_or_none is not None else Engine
    sa.event.listen(target, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(target, "before_cursor_execute", record)
