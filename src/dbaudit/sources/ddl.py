"""The ``.sql`` DDL source: the real PostgreSQL parser, then a throw-away database, then the catalog.

1. The file is parsed with ``pglast`` (PostgreSQL's own parser) so that unparsable SQL fails fast
   with ``FILE:LINE:COLUMN`` before any server is involved.
2. Its statements run one by one, in autocommit mode as ``psql`` would, on a throw-away database
   (:mod:`dbaudit.scratch`). A server error names the line of the failing statement.
3. The database is read with the live PostgreSQL reader, then dropped.

``pg_dump`` output loads as is. Two tolerances, both for ownership and privileges that mean nothing
in a throw-away database:

- ``ALTER … OWNER TO``, ``GRANT``, ``REVOKE`` and ``ALTER DEFAULT PRIVILEGES`` statements that fail
  because a role does not exist on the scratch server (or may not be granted) are skipped;
- ``psql`` meta-commands (lines starting with a backslash, such as ``\\connect`` or the
  ``\\restrict`` lines of recent ``pg_dump`` versions) are ignored, and so are the ``COPY … FROM
  stdin`` blocks of a dump that includes data (only the schema is read).

Reading is linear in the file's size in time and memory (``bench/sql_parse_bench.py``): a 50 MB
dump is parsed in seconds, a statement at a time.

Anything else that fails is the file's error, reported with its line.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dbaudit.errors import ScratchError, SourceError
from dbaudit.model.schema import SchemaModel, without_live_facts
from dbaudit.textpos import LineIndex

# SQLSTATEs a privilege statement may fail with on a scratch server: undefined_object (the role does
# not exist), insufficient_privilege, invalid_grant_operation.
_TOLERATED_SQLSTATES = frozenset({"42704", "42501", "0LP01"})
# Extra advice for failures that come from the scratch server rather than from the file.
_HINTS = {
    "CreateExtensionStmt": " (the throw-away PostgreSQL lacks this extension: name a server that has it "
                           "with --scratch-url or DBAUDIT_SCRATCH_URL)",
}
_META_COMMAND = re.compile(r"^\\.*$", re.MULTILINE)
# A data dump's COPY blocks: the statement line, then rows up to the "\." line.
_COPY_DATA = re.compile(r"(?P<head>^COPY\b[^;]*\bFROM\s+stdin\b[^;]*;[ \t]*\n)(?P<data>.*?^\\\.[ \t]*$)",
                        re.MULTILINE | re.DOTALL | re.IGNORECASE)
_COPY_FROM_STDIN = re.compile(r"(?is)^\s*COPY\b.*\bFROM\s+stdin\b")
_PRIVILEGE_NODES = frozenset({"AlterOwnerStmt", "GrantStmt", "GrantRoleStmt", "AlterDefaultPrivilegesStmt"})
_STMT_KEY = '{"stmt":{"'
# Most scanner pieces one statement may span (a BEGIN ATOMIC body, a rule with several actions).
_MAX_JOINED = 10_000


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement of the file: its text, its first line, and whether it only sets privileges."""

    text: str
    line: int
    privileges_only: bool
    start_line: int = 0
    kind: str = ""  # the parser's node name, e.g. CreateStmt


def read_sql_file(path: str | Path, *, scratch_url: str | None = None) -> SchemaModel:
    """The model of the schema a ``.sql`` file creates (loaded into a throw-away database)."""
    from dbaudit.scratch import scratch_server  # noqa: PLC0415 - imported lazily for start-up time
    from dbaudit.sources.postgres import read_postgres  # noqa: PLC0415

    statements = parse_sql_file(path)
    with scratch_server(scratch_url).database() as url:
        run_statements(url, statements, path)
        model = read_postgres(url, name=str(path))
    model = without_live_facts(model)  # owners and grants of the throw-away server, not the project's
    return dataclasses.replace(model, source=dataclasses.replace(model.source, kind="sql", name=str(path)))


def read_text(path: str | Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise SourceError(f"cannot read {path}: no such file") from None
    except IsADirectoryError:
        raise SourceError(f"cannot read {path}: it is a directory") from None
    except UnicodeDecodeError as exc:
        raise SourceError(f"cannot read {path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from None


def parse_sql_file(path: str | Path) -> list[Statement]:
    """The file's statements, or :class:`SourceError` with ``FILE:LINE:COLUMN`` for invalid SQL."""
    text = _blank_meta_commands(read_text(path))  # the file's text is released here, the schema kept
    return parse_sql_text(text, str(path))


def parse_sql_text(text: str, origin: str = "<sql>") -> list[Statement]:
    """The statements of ``text``, in time and memory linear in its size.

    PostgreSQL's own scanner proposes where statements end (its top-level semicolons); PostgreSQL's
    parser then reads the text between two such ends on its own: a syntax error fails with its line
    and column, and each statement is classified from its own parse tree (as JSON, built in C).
    Parsing the whole text at once would hold the parse tree of every statement at the same time
    (about 700 MB for a 50 MB dump). Every character goes through the parser: a stretch the scanner
    passes over (it does not cut after a word it does not know, or inside unbalanced parentheses)
    is parsed with the next statement; a stretch the parser finds cut short (a ``BEGIN ATOMIC``
    function body or a rule's action list has semicolons of its own) is read on to the next end.
    """
    from pglast import parser  # noqa: PLC0415

    text = _blank_meta_commands(text)
    lines = LineIndex(text)
    try:
        ends = [piece.stop for piece in parser.split(text, with_parser=False, only_slices=True)]
    except parser.ParseError as exc:
        location = exc.args[1] if len(exc.args) > 1 else None
        raise _syntax_error(origin, lines, exc.args[0], at=location or 0) from None
    if _has_content(text, ends[-1] if ends else 0):
        ends.append(len(text))  # text the scanner left after its last end: parsed like the rest
    out: list[Statement] = []
    position = 0
    index = 0
    while index < len(ends):
        first = index
        while True:
            try:
                out.extend(_statements(text, position, ends[index], parser, lines))
                break
            except parser.ParseError as exc:
                message, location = exc.args[0], exc.args[1] if len(exc.args) > 1 else None
                cut_short = location is None or "at end of input" in message
                if not cut_short or index + 1 >= len(ends) or index - first >= _MAX_JOINED:
                    at = position + location if location is not None else ends[index]  # None: cut short
                    raise _syntax_error(origin, lines, message, at=at) from None
                index += 1
        position = ends[index]
        index += 1
    return out


def _statements(text: str, start: int, end: int, parser: Any, lines: LineIndex) -> list[Statement]:
    """The statements in ``text[start:end]`` (usually one; none for stray semicolons and comments).
    Raises ``pglast.parser.ParseError`` (location relative to ``start``) for invalid SQL."""
    span = text[start:end]
    tree = parser.parse_sql_json(span)
    count = tree.count(_STMT_KEY)  # every top-level statement's entry starts with it
    if count == 0:
        return []
    if count == 1:
        return [_statement(text, start, end, _classify(tree), lines)]
    return [
        _statement(text, start + piece.start, start + piece.stop, _classify(parser.parse_sql_json(span[piece])), lines)
        for piece in parser.split(span, with_parser=True, only_slices=True)
    ]


def _statement(text: str, start: int, end: int, kind: tuple[str, bool], lines: LineIndex) -> Statement:
    first = _first_token(text, start, end)
    line = lines.line(first)
    return Statement(text[first:end], line, kind[1], line, kind[0])


def _has_content(text: str, start: int) -> bool:
    return _first_token(text, start, len(text)) < len(text)


def _syntax_error(origin: str, lines: LineIndex, message: str, *, at: int) -> SourceError:
    """``FILE:LINE:COLUMN: invalid SQL: …`` for an error at offset ``at`` of the text."""
    line, column = lines.line_column(at)
    return SourceError(f"{origin}:{line}:{column}: invalid SQL: {message}")


def _classify(tree: str) -> tuple[str, bool]:
    """The parser's node name of a statement (``CreateStmt``…), and whether it only sets privileges
    or ownership, from its parse tree as JSON (``{"stmts":[{"stmt":{"Kind":…``)."""
    start = tree.index(_STMT_KEY) + len(_STMT_KEY)
    kind = tree[start:tree.index('"', start)]
    if kind in _PRIVILEGE_NODES:
        return kind, True
    if kind == "AlterTableStmt":
        node = json.loads(tree)["stmts"][0]["stmt"][kind]
        subtypes = [cmd.get("AlterTableCmd", {}).get("subtype") for cmd in node.get("cmds") or ()]
        return kind, bool(subtypes) and all(sub == "AT_ChangeOwner" for sub in subtypes)
    return kind, False


def run_statements(url: str, statements: list[Statement], origin: str | Path) -> None:
    """Run the statements on ``url`` one by one; the first real failure is a :class:`SourceError`."""
    import psycopg  # noqa: PLC0415
    from psycopg.pq import TransactionStatus  # noqa: PLC0415

    try:
        conn = psycopg.connect(url, autocommit=True)
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ScratchError(f"cannot connect to the throw-away database: {first}") from None
    with conn:
        for statement in statements:
            if statement.kind == "CopyStmt" and _COPY_FROM_STDIN.match(statement.text):
                continue  # table data of a full dump: the schema is all dbaudit reads
            guard = statement.privileges_only and conn.info.transaction_status == TransactionStatus.INTRANS
            try:
                _execute(conn, statement.text, guard)
            except psycopg.Error as exc:
                if statement.privileges_only and exc.sqlstate in _TOLERATED_SQLSTATES:
                    if guard:
                        conn.execute("ROLLBACK TO SAVEPOINT dbaudit_privileges")
                    continue
                hint = _HINTS.get(statement.kind, "")
                raise SourceError(f"{origin}:{_error_line(statement, exc)}: {_message(exc)}{hint}") from None
        if conn.info.transaction_status == TransactionStatus.INTRANS:
            conn.execute("COMMIT")  # a script that leaves its transaction open still describes its schema


def _execute(conn: Any, text: str, guard: bool) -> None:
    if guard:  # inside the script's own transaction: a failure must not abort it
        conn.execute("SAVEPOINT dbaudit_privileges")
    conn.execute(text)
    if guard:
        conn.execute("RELEASE SAVEPOINT dbaudit_privileges")


def _blank_meta_commands(text: str) -> str:
    """psql meta-commands (``\\connect``, ``\\restrict``…) and the data rows of ``COPY … FROM stdin``
    blocks are dropped, keeping their line breaks: every line number stays right, and a dump with
    data shrinks to its schema (the data is never read)."""
    if "\\" not in text:
        return text
    text = _COPY_DATA.sub(lambda m: m["head"] + "\n" * m["data"].count("\n"), text)
    return _META_COMMAND.sub("", text)


def _first_token(text: str, start: int, end: int | None = None) -> int:
    """Offset of the first token at or after ``start`` (blanks, stray semicolons and comments skipped),
    or ``end`` when there is none before it."""
    stop = len(text) if end is None else end
    position = start
    while position < stop:
        char = text[position]
        if char.isspace() or char == ";":
            position += 1
        elif text.startswith("--", position):
            newline = text.find("\n", position)
            position = stop if newline < 0 else newline + 1
        elif text.startswith("/*", position):
            position = _comment_end(text, position, stop)
        else:
            break
    return min(position, stop)


def _comment_end(text: str, start: int, stop: int) -> int:
    """The offset after the (possibly nested) block comment opening at ``start``."""
    depth = 0
    position = start
    while position < stop:
        if text.startswith("/*", position):
            depth += 1
            position += 2
        elif text.startswith("*/", position):
            depth -= 1
            position += 2
            if depth == 0:
                return position
        else:
            nxt = min((i for i in (text.find("/*", position, stop), text.find("*/", position, stop)) if i >= 0),
                      default=stop)
            position = max(nxt, position + 1)
    return stop


def _error_line(statement: Statement, exc: Any) -> int:
    position = getattr(exc.diag, "statement_position", None)
    if position and str(position).isdigit():
        return statement.start_line + statement.text.count("\n", 0, int(position) - 1)
    return statement.line


def _message(exc: Any) -> str:
    primary = exc.diag.message_primary or str(exc)
    return " ".join(str(primary).split())
