"""The SQL of an ``op.*`` call read from the revision's AST, for revisions Alembic cannot render.

When offline mode fails on a revision (a plugin it imports is missing, a data migration queries the
database), dbaudit still lints what the source says plainly: ``op.execute`` of a literal, and the
common ``op.*`` calls whose arguments are literals, turned into the SQL Alembic would emit for
PostgreSQL. A call whose arguments are not literals (variables, a type from a missing plugin) is
reported as unreadable, never guessed.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from dbaudit.sqltext import column_list, ident, literal

# sqlalchemy type name -> PostgreSQL type (a length/precision argument is appended when given)
_TYPES = {
    "Integer": "integer", "INTEGER": "integer", "BigInteger": "bigint", "BIGINT": "bigint",
    "SmallInteger": "smallint", "SMALLINT": "smallint", "String": "varchar", "VARCHAR": "varchar",
    "Unicode": "varchar", "Text": "text", "TEXT": "text", "UnicodeText": "text", "Boolean": "boolean",
    "BOOLEAN": "boolean", "Date": "date", "DATE": "date", "Numeric": "numeric", "NUMERIC": "numeric",
    "Float": "double precision", "FLOAT": "double precision", "JSON": "json", "JSONB": "jsonb", "UUID": "uuid",
    "Uuid": "uuid", "LargeBinary": "bytea", "BYTEA": "bytea", "Interval": "interval", "INTERVAL": "interval",
    "Time": "time", "TIME": "time",
}


class Unreadable(Exception):
    """The call's arguments are not literals dbaudit can turn into SQL."""


def call_sql(name: str, call: ast.Call) -> str:
    """The SQL of ``op.<name>(...)``; ``Unreadable`` when it cannot be known from the source."""
    writer = _WRITERS.get(name)
    if writer is None:
        raise Unreadable(f"op.{name} is not read from the source")
    return writer(_Args(call))


class _Args:
    def __init__(self, call: ast.Call) -> None:
        self.pos = call.args
        self.kw = {k.arg: k.value for k in call.keywords if k.arg}

    def node(self, index: int, key: str) -> ast.expr | None:
        return self.kw.get(key) if key in self.kw else self.pos[index] if len(self.pos) > index else None

    def text(self, index: int, key: str) -> str:
        node = self.node(index, key)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        raise Unreadable(f"argument {key} is not a string literal")

    def names(self, index: int, key: str) -> list[str]:
        node = self.node(index, key)
        if isinstance(node, ast.List | ast.Tuple) and all(
                isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
            return [e.value for e in node.elts]  # type: ignore[attr-defined]
        raise Unreadable(f"argument {key} is not a list of string literals")

    def flag(self, key: str) -> bool:
        node = self.kw.get(key)
        if node is None:
            return False
        if isinstance(node, ast.Constant) and isinstance(node.value, bool):
            return node.value
        raise Unreadable(f"argument {key} is not True/False")

    def table(self, index: int, key: str) -> str:
        schema = self.kw.get("schema")
        name = ident(self.text(index, key))
        if schema is None:
            return name
        if isinstance(schema, ast.Constant) and isinstance(schema.value, str):
            return f"{ident(schema.value)}.{name}"
        raise Unreadable("argument schema is not a string literal")


def _create_index(a: _Args) -> str:
    unique = "UNIQUE " if a.flag("unique") else ""
    concurrently = "CONCURRENTLY " if a.flag("postgresql_concurrently") else ""
    return (f"CREATE {unique}INDEX {concurrently}{ident(a.text(0, 'index_name'))} ON {a.table(1, 'table_name')} "
            f"({column_list(a.names(2, 'columns'))})")


def _drop_index(a: _Args) -> str:
    concurrently = "CONCURRENTLY " if a.flag("postgresql_concurrently") else ""
    return f"DROP INDEX {concurrently}{ident(a.text(0, 'index_name'))}"


def _drop_column(a: _Args) -> str:
    return f"ALTER TABLE {a.table(0, 'table_name')} DROP COLUMN {ident(a.text(1, 'column_name'))}"


def _drop_table(a: _Args) -> str:
    return f"DROP TABLE {a.table(0, 'table_name')}"


def _rename_table(a: _Args) -> str:
    return f"ALTER TABLE {a.table(0, 'old_table_name')} RENAME TO {ident(a.text(1, 'new_table_name'))}"


def _alter_column(a: _Args) -> str:
    table, column = a.table(0, "table_name"), ident(a.text(1, "column_name"))
    if "type_" in a.kw:
        raise Unreadable("op.alter_column(type_=...) is not read from the source")
    parts = []
    nullable = a.kw.get("nullable")
    if nullable is not None:
        if not (isinstance(nullable, ast.Constant) and isinstance(nullable.value, bool)):
            raise Unreadable("argument nullable is not True/False")
        parts.append(f"ALTER COLUMN {column} {'DROP' if nullable.value else 'SET'} NOT NULL")
    if "new_column_name" in a.kw:
        if parts:
            raise Unreadable("op.alter_column with several changes is not read from the source")
        return f"ALTER TABLE {table} RENAME COLUMN {column} TO {ident(a.text(99, 'new_column_name'))}"
    if not parts:
        raise Unreadable("op.alter_column without nullable/new_column_name is not read from the source")
    return f"ALTER TABLE {table} " + ", ".join(parts)


def _create_foreign_key(a: _Args) -> str:
    not_valid = " NOT VALID" if a.flag("postgresql_not_valid") else ""
    return (f"ALTER TABLE {a.table(1, 'source_table')} ADD CONSTRAINT {ident(a.text(0, 'constraint_name'))} "
            f"FOREIGN KEY ({column_list(a.names(3, 'local_cols'))}) REFERENCES "
            f"{ident(a.text(2, 'referent_table'))} ({column_list(a.names(4, 'remote_cols'))}){not_valid}")


def _create_unique(a: _Args) -> str:
    return (f"ALTER TABLE {a.table(1, 'table_name')} ADD CONSTRAINT {ident(a.text(0, 'constraint_name'))} "
            f"UNIQUE ({column_list(a.names(2, 'columns'))})")


def _create_primary_key(a: _Args) -> str:
    return (f"ALTER TABLE {a.table(1, 'table_name')} ADD CONSTRAINT {ident(a.text(0, 'constraint_name'))} "
            f"PRIMARY KEY ({column_list(a.names(2, 'columns'))})")


def _create_check(a: _Args) -> str:
    not_valid = " NOT VALID" if a.flag("postgresql_not_valid") else ""
    return (f"ALTER TABLE {a.table(1, 'table_name')} ADD CONSTRAINT {ident(a.text(0, 'constraint_name'))} "
            f"CHECK ({a.text(2, 'condition')}){not_valid}")


def _drop_constraint(a: _Args) -> str:
    return f"ALTER TABLE {a.table(1, 'table_name')} DROP CONSTRAINT {ident(a.text(0, 'constraint_name'))}"


def _add_column(a: _Args) -> str:
    column = a.node(1, "column")
    if not (isinstance(column, ast.Call) and _callee(column) == "Column"):
        raise Unreadable("argument column is not an sa.Column(...) call")
    col = _Args(column)
    name = ident(col.text(0, "name"))
    type_node = col.node(1, "type_")
    sql = f"ALTER TABLE {a.table(0, 'table_name')} ADD COLUMN {name} {_type(type_node)}"
    nullable = col.kw.get("nullable")
    if isinstance(nullable, ast.Constant) and nullable.value is False:
        sql += " NOT NULL"
    default = col.kw.get("server_default")
    if default is not None:
        sql += f" DEFAULT {_default(default)}"
    if col.flag("unique"):
        sql += " UNIQUE"
    if col.flag("primary_key"):
        sql += " PRIMARY KEY"
    return sql


def _callee(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _type(node: ast.expr | None) -> str:
    call = node if isinstance(node, ast.Call) else None
    name = _callee(call) if call else node.attr if isinstance(node, ast.Attribute) else \
        node.id if isinstance(node, ast.Name) else ""
    base = _TYPES.get(name)
    if base is None:
        raise Unreadable(f"column type {name or '?'} is not one dbaudit reads from the source")
    args = [a.value for a in (call.args if call else ()) if isinstance(a, ast.Constant) and isinstance(a.value, int)]
    if name in ("DateTime", "TIMESTAMP"):
        base = "timestamp"
    if call is not None and any(k.arg == "timezone" and isinstance(k.value, ast.Constant) and k.value.value
                                for k in call.keywords) and base == "timestamp":
        base = "timestamptz"
    return f"{base}({', '.join(str(a) for a in args)})" if args else base


_TYPES |= {"DateTime": "timestamp", "TIMESTAMP": "timestamp"}


def _default(node: ast.expr) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return literal(node.value)
    if isinstance(node, ast.Call) and _callee(node) == "text" and node.args and isinstance(
            node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        return node.args[0].value
    raise Unreadable("server_default is not a string or sa.text() literal")


_WRITERS: dict[str, Callable[[_Args], str]] = {
    "create_index": _create_index, "drop_index": _drop_index, "drop_column": _drop_column,
    "drop_table": _drop_table, "rename_table": _rename_table, "alter_column": _alter_column,
    "create_foreign_key": _create_foreign_key, "create_unique_constraint": _create_unique,
    "create_primary_key": _create_primary_key, "create_check_constraint": _create_check,
    "drop_constraint": _drop_constraint, "add_column": _add_column,
}
