"""Helpers the migration rules share: locations, evidence text, quoting names, deparsing."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from pglast.stream import RawStream
from pglast.visitors import Continue, Visitor

from dbaudit.messages import msg, sql_comment
from dbaudit.migrations.source import Revision
from dbaudit.migrations.state import StatementFacts
from dbaudit.model.schema import Location
from dbaudit.sqltext import literal, qualified_text, truncate_identifier

EVIDENCE_LIMIT = 300
BATCH = 10_000


def location(rev: Revision, fact: StatementFacts | None = None) -> Location:
    return Location(rev.path, fact.statement.line if fact else rev.upgrade_line)


def statement_evidence(rev: Revision, fact: StatementFacts) -> str:
    sql = " ".join(fact.statement.sql.split())
    if len(sql) > EVIDENCE_LIMIT:
        sql = sql[: EVIDENCE_LIMIT - 1] + "…"
    return f"{rev.path}:{fact.statement.line} ({rev.id}): {sql}"


def table_sql(name: str) -> str:
    """``schema.table`` as quoted SQL."""
    return qualified_text(name)


def regclass(name: str) -> str:
    return literal(table_sql(name)) + "::regclass"


def deparse(node: Any) -> str:
    """SQL text of a node: what ``RawStream()(node)`` gives, without building a pglast Visitor class
    per call (``populate_ancestors``), which was most of the time spent writing thousands of fixes."""
    _populate_ancestors(node)
    stream = RawStream()
    stream.print_node(node)
    return str(stream.getvalue())


def _populate_ancestors(node: Any) -> None:
    walker = Visitor.iterate(None, node)  # type: ignore[arg-type]  # uses no state without updates
    try:
        ancestors, current = walker.send(None)
        while True:
            current.ancestors = ancestors
            ancestors, current = walker.send(Continue)
    except StopIteration:
        return


@contextlib.contextmanager
def edited(*changes: tuple[Any, str, Any]) -> Iterator[None]:
    """Temporarily set attributes of parsed nodes (to print a fixed statement), then restore them.

    Cheaper than parsing the statement again for a private copy; nodes are only read elsewhere.
    """
    saved = [(obj, attr, getattr(obj, attr)) for obj, attr, _ in changes]
    try:
        for obj, attr, value in changes:
            setattr(obj, attr, value)
        yield
    finally:
        for obj, attr, value in reversed(saved):
            object.__setattr__(obj, attr, value)


# Constraint kinds as a sentence starts them ("Foreign key x on t ..."), translatable.
KIND_TITLE = {"foreign key": msg("Foreign key"), "check constraint": msg("Check constraint"), "check": msg("Check")}


def lock_timeout_prefix(rev: Revision) -> str:
    if rev.kind == "alembic":
        return (sql_comment("-- at the top of upgrade(): op.execute(\"SET lock_timeout = '5s'\")\n")
                + "SET lock_timeout = '5s';\n")
    return "SET lock_timeout = '5s';\n"


def autocommit_note(rev: Revision) -> str:
    if rev.kind != "alembic":
        return sql_comment("-- run outside a transaction block (no BEGIN/COMMIT around it)\n")
    return sql_comment("-- Alembic: inside `with op.get_context().autocommit_block():`\n"
                       "-- (op.create_index(..., postgresql_concurrently=True) or op.execute of the SQL below)\n")


def derived_name(stem: str, suffix: str) -> str:
    """``stem_suffix`` within PostgreSQL's 63 bytes, cutting the stem so the suffix survives."""
    budget = 63 - len(suffix.encode()) - 1
    if budget <= 0:
        return truncate_identifier(f"{stem}_{suffix}")
    return f"{truncate_identifier(stem, budget)}_{suffix}"
