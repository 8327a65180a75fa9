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

Anything else that fails is the file's error, reported with its line.
"""

from __future__ import annotations

import dataclasses
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
    return parse_sql_text(read_text(path), str(path))


def parse_sql_text(text: str, origin: str = "<sql>") -> list[Statement]:
    from pglast import parser  # noqa: PLC0415

    text = _blank_meta_commands(text)
    try:
        nodes = parser.parse_sql(text)
    except parser.ParseError as exc:
        message, location = exc.args[0], exc.args[1] if len(exc.args) > 1 else 0
        line, column = LineIndex(text).line_column(int(location))
        raise SourceError(f"{origin}:{line}:{column}: invalid SQL: {message}") from None
    slices = list(parser.split(text, with_parser=True, only_slices=True))
    lines = LineIndex(text)
    return [
        Statement(text[piece], lines.line(_first_token(text, piece.start)), _privileges_only(node.stmt),
                  lines.line(piece.start), type(node.stmt).__name__)
        for node, piece in zip(nodes, slices, strict=True)
    ]


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


def _privileges_only(node: Any) -> bool:
    kind = type(node).__name__
    if kind in _PRIVILEGE_NODES:
        return True
    if kind == "AlterTableStmt":
        return all(getattr(cmd.subtype, "name", "") == "AT_ChangeOwner" for cmd in node.cmds or ())
    return False


def _blank_meta_commands(text: str) -> str:
    """psql meta-commands (``\\connect``, ``\\restrict``…) and the data rows of ``COPY … FROM stdin``
    blocks become blanks, keeping every offset and line number."""
    if "\\" not in text:
        return text
    text = _COPY_DATA.sub(lambda m: m["head"] + _blank(m["data"]), text)
    return _META_COMMAND.sub(lambda m: " " * len(m.group()), text)


def _blank(text: str) -> str:
    return "".join(ch if ch == "\n" else " " for ch in text)


def _first_token(text: str, start: int) -> int:
    """Offset of the statement's first token (leading blanks and ``--`` comments skipped)."""
    position = start
    while position < len(text):
        if text[position].isspace():
            position += 1
        elif text.startswith("--", position):
            end = text.find("\n", position)
            position = len(text) if end < 0 else end + 1
        else:
            break
    return position


def _error_line(statement: Statement, exc: Any) -> int:
    position = getattr(exc.diag, "statement_position", None)
    if position and str(position).isdigit():
        return statement.start_line + statement.text.count("\n", 0, int(position) - 1)
    return statement.line


def _message(exc: Any) -> str:
    primary = exc.diag.message_primary or str(exc)
    return " ".join(str(primary).split())
