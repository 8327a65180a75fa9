"""The one place where dbaudit turns names and values into SQL text.

Every generated statement (fixes, verification queries, scratch-database DDL) quotes identifiers and
literals through these functions, so hostile names (quotes, spaces, Unicode, reserved words, mixed
case, 63-byte names) come out as valid SQL. Quoting is minimal: a name that PostgreSQL would read
back unchanged without quotes is left bare, so generated SQL stays readable.
"""

from __future__ import annotations

import re

from pglast.keywords import COL_NAME_KEYWORDS, RESERVED_KEYWORDS, TYPE_FUNC_NAME_KEYWORDS

_BARE = re.compile(r"[a-z_][a-z0-9_$]*\Z")
_NEEDS_QUOTES = (
    frozenset(RESERVED_KEYWORDS) | frozenset(TYPE_FUNC_NAME_KEYWORDS) | frozenset(COL_NAME_KEYWORDS)
)


def ident(name: str) -> str:
    """Quote one identifier (table, column, index, constraint, schema) when it needs quotes."""
    if "\x00" in name:
        raise ValueError("identifiers cannot contain NUL bytes")
    if _BARE.match(name) and name not in _NEEDS_QUOTES:
        return name
    return '"' + name.replace('"', '""') + '"'


def qualified(schema: str, name: str) -> str:
    """``schema.name`` with each part quoted as needed."""
    return f"{ident(schema)}.{ident(name)}"


def qualified_text(qualified_name: str) -> str:
    """Quote a model ``schema.table`` name (the schema never contains a dot in our model)."""
    schema, _, name = qualified_name.partition(".")
    return qualified(schema, name)


def column_list(columns: tuple[str, ...] | list[str]) -> str:
    return ", ".join(ident(c) for c in columns)


def literal(value: str | int | float | bool | None) -> str:
    """A SQL literal: strings in standard single quotes, ``NULL``, booleans and numbers as is."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if "\x00" in value:
        raise ValueError("string literals cannot contain NUL bytes")
    return "'" + value.replace("'", "''") + "'"


def dollar_quoted(body: str, tag: str = "dbaudit") -> str:
    """``$tag$body$tag$`` with a tag that does not occur in ``body``: no name or value inside the body
    (a ``DO`` block around generated statements) can end the quoting."""
    if "\x00" in body:
        raise ValueError("a dollar-quoted body cannot contain NUL bytes")
    n = 0
    while True:
        delimiter = f"${tag}{n or ''}$"
        if delimiter not in body:
            return f"{delimiter}{body}{delimiter}"
        n += 1


def regclass_literal(schema: str, name: str) -> str:
    """A literal usable as ``'…'::regclass`` for any identifier."""
    return literal(qualified(schema, name))


def truncate_identifier(name: str, limit: int = 63) -> str:
    """Cut a generated name to PostgreSQL's NAMEDATALEN-1 bytes without splitting a UTF-8 character."""
    encoded = name.encode()
    if len(encoded) <= limit:
        return name
    return encoded[:limit].decode(errors="ignore")


# Quoted names, literals, dollar-quoted bodies and comments (in which a newline is text), or a newline.
_QUOTED_OR_NEWLINE = re.compile(
    r"\"(?:[^\"]|\"\")*\"|'(?:[^']|'')*'|\$\$.*?\$\$|\$(?P<tag>[A-Za-z_]\w*)\$.*?\$(?P=tag)\$|/\*.*?\*/|--[^\n]*|(?P<nl>\n)",
    re.DOTALL,
)


def in_comment(text: str) -> str:
    """``text`` (a name, quoted or not) made safe inside a ``--`` comment: a line break in a name would
    end the comment and turn the rest of the name into SQL."""
    return " ".join(text.splitlines())


def script_lines(script: str) -> list[str]:
    """``script`` cut at the newlines that end a line of SQL, not at those inside a quoted name
    (a name may hold a newline), a literal, a dollar-quoted function body or a block comment."""
    lines: list[str] = []
    start = 0
    for match in _QUOTED_OR_NEWLINE.finditer(script):
        if match["nl"] is not None:
            lines.append(script[start:match.start()])
            start = match.end()
    lines.append(script[start:])
    return lines


def strip_outer_parens(text: str) -> str:
    """``((a = 1))`` -> ``a = 1``: parentheses that wrap the whole expression, however many."""
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1].strip()
    return text


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0
