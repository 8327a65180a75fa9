"""SQL text -> parsed statements with their line, through pglast (PostgreSQL's own parser)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pglast
from pglast import ast
from pglast.parser import ParseError

from dbaudit.errors import SourceError
from dbaudit.textpos import LineIndex

_LEADING_NOISE = re.compile(r"\A(?:\s+|--[^\n]*(?:\n|\Z)|/\*.*?\*/)*", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Statement:
    """One SQL statement of a revision, where it comes from and whether a transaction is open."""

    sql: str
    node: Any  # a pglast.ast node; pglast ships no type stubs
    line: int
    in_transaction: bool = False
    tx: int | None = None  # which transaction block (numbered in run order); None outside any


@dataclass(frozen=True, slots=True)
class RawStatement:
    sql: str
    node: Any
    line_offset: int  # lines from the start of the text to the statement's first token


def parse_statements(text: str, *, where: str) -> list[RawStatement]:
    """Split and parse ``text``; a syntax error becomes one clear ``SourceError`` naming ``where``."""
    try:
        with _trusted_nodes():
            raw = pglast.parse_sql(text)
    except ParseError as exc:
        raise SourceError(f"{where}: unparsable SQL: {exc}") from None
    out: list[RawStatement] = []
    lines = LineIndex(text)
    for item in raw:
        # pglast reports character offsets (not libpg_query's byte offsets)
        start = item.stmt_location or 0
        end = start + item.stmt_len if item.stmt_len else len(text)
        chunk = text[start:end]
        skip = _LEADING_NOISE.match(chunk)
        lead = skip.end() if skip else 0
        body = chunk[lead:].strip()
        line_offset = lines.line(start + lead) - 1
        out.append(RawStatement(body, item.stmt, line_offset))
    return out


@contextlib.contextmanager
def _trusted_nodes() -> Iterator[None]:
    """Build the parser's nodes without pglast's per-attribute validation.

    ``pglast.ast.Node.__setattr__`` checks and coerces every value assigned to a node (enums from
    names, lists to tuples, ints to chars): needed for nodes built by hand, redundant for those the
    parser builds, which already passes values of the exact type (``tests/migrations/test_static.py``
    checks the trees are identical, types included). It was 60% of the time spent parsing a large
    migration. The validating method is restored as soon as parsing ends, so nodes built or edited
    afterwards (the fixes) are checked as usual. Parsing happens on one thread.

    One exception: the parser passes a C int for the ``boolval`` of a boolean constant, which only
    the validation turns into ``bool``, so ``Boolean`` nodes (rare) keep it.
    """
    validating = ast.Node.__dict__["__setattr__"]
    ast.Node.__setattr__ = object.__setattr__  # type: ignore[method-assign, assignment]
    ast.Boolean.__setattr__ = validating  # type: ignore[method-assign]
    try:
        yield
    finally:
        ast.Node.__setattr__ = validating  # type: ignore[method-assign]
        del ast.Boolean.__setattr__


def fingerprint(sql: str) -> str | None:
    """PostgreSQL's query fingerprint (constants ignored), to match emitted SQL to its source."""
    try:
        return str(pglast.parser.fingerprint(sql))
    except ParseError:
        return None
