"""Alembic projects: the revision graph from ``ScriptDirectory``, the SQL from offline mode.

``alembic upgrade heads --sql`` is run once for the whole project (through ``alembic.command``),
its output split at Alembic's ``-- Running upgrade A -> B`` markers, and every statement parsed by
pglast. Each statement is then mapped back to the ``op.*`` call that emitted it.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import logging
import os
import re
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.script import Script, ScriptDirectory

from dbaudit.errors import SourceError
from dbaudit.messages import msg
from dbaudit.migrations.parse.ops import OpCall, RevisionSource, read_revision_source
from dbaudit.migrations.parse.statements import Statement, fingerprint, parse_statements
from dbaudit.migrations.source import MigrationSet, Revision, TransactionTracker
from dbaudit.migrations.sqlfacts import target_table
from dbaudit.redact import environment_secrets, redact_text

# Offline mode never connects; the URL only tells SQLAlchemy which dialect to compile for.
OFFLINE_URL = "postgresql://dbaudit@offline.invalid/offline"
_MARKER = re.compile(r"^-- Running upgrade .*? -> ([^,\s]+).*$", re.MULTILINE)
_VERSION_TABLE = "alembic_version"
_ADDRESS = re.compile(r" at 0x[0-9a-f]+")  # object reprs: not stable from run to run
_PER_MIGRATION = re.compile(r"transaction_per_migration\s*=\s*True")


def load_alembic(root: Path, *, ini: Path | None = None, script_location: Path | None = None) -> MigrationSet:
    cfg = _config(ini, script_location)
    script, parsed = _script_directory(cfg, root)
    ordered = _ordered_scripts(script, root)
    sources = {
        s.revision: parsed.get(str(Path(s.path).resolve())) or read_revision_source(Path(s.path), _rel(root, s.path))
        for s in ordered
    }
    env_text = _read(Path(script.dir) / "env.py")
    per_migration = bool(_PER_MIGRATION.search(env_text))
    notes: list[str] = []
    failed: dict[str, str] = {}
    try:
        chunks, failed, render_notes = _render(cfg, script, per_migration=per_migration, count=len(ordered))
        notes.extend(render_notes)
    except _RenderFailed as exc:
        notes.append(msg("alembic offline mode (--sql) failed ({error}); every revision was read from its source "
                         "(op.execute SQL strings and op.* calls with literal arguments)", error=str(exc)))
        chunks = None
    revisions = [_revision(s, root, sources[s.revision], chunks, failed.get(s.revision), index=index)
                 for index, s in enumerate(ordered)]
    if chunks is not None:
        revisions = _with_transactions(revisions, chunks, sources)
    return MigrationSet(
        root=root, kind="alembic", revisions=tuple(revisions), heads=tuple(script.get_heads()),
        notes=tuple(notes), lock_timeout_in_env="lock_timeout" in env_text,
        statement_timeout_in_env="statement_timeout" in env_text,
        transaction_per_migration=per_migration,
    )


def _config(ini: Path | None, script_location: Path | None) -> Config:
    cfg = Config(str(ini)) if ini else Config()
    if script_location is not None:
        cfg.set_main_option("script_location", str(script_location))
    cfg.attributes["configure_logger"] = False
    return cfg


def _script_directory(cfg: Config, root: Path) -> tuple[ScriptDirectory, dict[str, RevisionSource]]:
    """The script directory, and every revision file's AST facts (a syntax error: one clear line)."""
    try:
        script = ScriptDirectory.from_config(cfg)
    except Exception as exc:
        raise SourceError(f"{root}: not a usable Alembic project: {exc}") from None
    parsed: dict[str, RevisionSource] = {}
    for location in script._version_locations:
        for file in sorted(Path(location).glob("*.py")):
            if file.name != "__init__.py":
                parsed[str(file.resolve())] = read_revision_source(file, _rel(root, str(file)))
    return script, parsed


def _ordered_scripts(script: ScriptDirectory, root: Path) -> list[Script]:
    try:
        walked = list(script.walk_revisions("base", "heads"))
    except Exception as exc:
        raise SourceError(f"{root}: broken revision graph: {exc or type(exc).__name__}") from None
    return list(reversed(walked))


def _rel(root: Path, path: str) -> str:
    try:
        return Path(path).resolve().relative_to(root).as_posix()
    except ValueError:
        return Path(path).as_posix()


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


@contextlib.contextmanager
def _offline_environment() -> Iterator[None]:
    """Quiet Alembic's INFO logging and give env.py a URL if it only reads DATABASE_URL."""
    set_env = "DATABASE_URL" not in os.environ
    if set_env:
        os.environ["DATABASE_URL"] = OFFLINE_URL
    logging.disable(logging.INFO)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)
        if set_env:
            os.environ.pop("DATABASE_URL", None)


class _RenderFailed(Exception):
    """Offline mode could not render the project at all."""


def _render(cfg: Config, script: ScriptDirectory, *, per_migration: bool, count: int,
            ) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """Revision id -> the SQL offline mode emits for it ("" key: what comes before the first), the
    revisions that failed (id -> why) and notes.

    What ``alembic upgrade heads --sql`` (``alembic.command.upgrade``) does, with the
    ``ScriptDirectory`` already loaded, so the revision files are not imported a second time. When a
    revision's ``upgrade()`` raises (a plugin missing, a data migration reading the database), the
    revisions after it are rendered again from there (``starting_rev``) and the failed one is read
    from its source by the caller. When env.py itself cannot run offline (it needs the application,
    a live database), dbaudit's own offline environment renders the revisions.
    """
    chunks: dict[str, str] = {}
    failed: dict[str, str] = {}
    notes: list[str] = []
    own_env, start = False, None
    for _ in range(count + 2):
        buffer = io.StringIO()
        try:
            _run_offline(cfg, script, buffer, start, own_env=own_env, per_migration=per_migration)
        except Exception as exc:
            # env.py's own error may quote a URL or a password from the environment: never pass it on raw
            reason = redact_text(f"{type(exc).__name__}: {_ADDRESS.sub('', ' '.join(str(exc).split()))}",
                                 environment_secrets())[:300]
            text = buffer.getvalue()
            ran = _MARKER.findall(text)
            if not ran and not own_env and start is None:
                notes.append(msg("env.py could not run in offline mode ({reason}); the revisions were rendered "
                                 "with dbaudit's own offline environment (PostgreSQL dialect, literal binds)",
                                 reason=reason))
                own_env = True
                continue
            if not ran or ran[-1] in failed:
                raise _RenderFailed(reason) from None
            _merge_chunks(chunks, split_offline_sql(text), drop=ran[-1])
            failed[ran[-1]] = reason
            start = ran[-1]
            continue
        _merge_chunks(chunks, split_offline_sql(buffer.getvalue()), drop=None)
        return chunks, failed, notes
    raise _RenderFailed("too many failing revisions")


def _run_offline(cfg: Config, script: ScriptDirectory, buffer: io.StringIO, start: str | None, *,
                 own_env: bool, per_migration: bool) -> None:
    cfg.output_buffer = buffer
    cfg.set_main_option("sqlalchemy.url", OFFLINE_URL)
    cfg.cmd_opts = argparse.Namespace(x=[f"url={OFFLINE_URL}"])

    def upgrade(rev: Any, context: Any) -> Any:
        return script._upgrade_revs("heads", rev)

    with _offline_environment(), EnvironmentContext(
        cfg, script, fn=upgrade, as_sql=True, starting_rev=start, destination_rev="heads",
    ) as env:
        if not own_env:
            script.run_env()
            return
        env.configure(url=OFFLINE_URL, literal_binds=True, transaction_per_migration=per_migration)
        with env.begin_transaction():
            env.run_migrations()


def _merge_chunks(into: dict[str, str], new: dict[str, str], *, drop: str | None) -> None:
    first = not into
    for rev_id, text in new.items():
        if (rev_id == "" and not first) or rev_id == drop:
            continue
        into.setdefault(rev_id, text)


def split_offline_sql(text: str) -> dict[str, str]:
    chunks: dict[str, str] = {}
    markers = list(_MARKER.finditer(text))
    chunks[""] = text[: markers[0].start()] if markers else text
    for i, m in enumerate(markers):
        end = markers[i + 1].start() if i + 1 < len(markers) else len(text)
        chunks[m.group(1)] = text[m.end():end]
    return chunks


def _revision(s: Script, root: Path, src: RevisionSource, chunks: dict[str, str] | None, failed: str | None,
              *, index: int) -> Revision:
    rel = _rel(root, s.path)
    down = s.down_revision
    downs = tuple(down) if isinstance(down, tuple | list) else (down,) if down else ()
    # with offline SQL, statements are filled by _with_transactions (it needs the whole stream in order)
    statements: tuple[Statement, ...] = ()
    partial = None
    if chunks is None or failed is not None:
        read, summary = source_statements(src, rel, tx=-(index + 1))
        statements = tuple(read)
        why = f"offline rendering failed ({failed})" if failed else "offline mode failed for the whole project"
        partial = f"{why}; {summary}"
    return Revision(
        id=s.revision, path=rel, down_revisions=downs, statements=statements, kind="alembic",
        upgrade_line=src.upgrade_line, downgrade_line=src.downgrade_line,
        has_downgrade=not src.downgrade_empty, message=(s.doc or "").strip(), partial=partial,
        irreversible=src.downgrade_raises,
    )


def source_statements(src: RevisionSource, rel: str, *, tx: int) -> tuple[list[Statement], str]:
    """What can be read from a revision's source: op.execute SQL strings and op.* calls with literal
    arguments, in Alembic's transaction (``tx``) unless in an autocommit block; and a summary."""
    out: list[Statement] = []
    strings = calls = 0
    unreadable: list[str] = []
    for op in src.ops:
        text, line = (op.sql, op.sql_line) if op.sql is not None else (op.call_sql, op.line)
        if text is None:
            if op.unreadable:  # else a helper (op.get_bind, op.f): nothing to read
                unreadable.append(f"op.{op.name} at line {op.line} ({op.unreadable})")
            continue
        try:
            raws = parse_statements(text, where=f"{rel}:{line}")
        except SourceError:
            unreadable.append(f"op.{op.name} at line {op.line} (unparsable SQL)")
            continue
        strings += op.sql is not None
        calls += op.sql is None
        for raw in raws:
            line_of = line + raw.line_offset if op.sql is not None else op.line
            out.append(Statement(raw.sql, raw.node, line_of, in_transaction=not op.autocommit,
                                 tx=None if op.autocommit else tx))
    summary = (f"linted {len(out)} statement(s) read from the source ({strings} SQL string(s), "
               f"{calls} op.* call(s))")
    if unreadable:
        summary += f"; not read: {', '.join(unreadable[:5])}" + (" ..." if len(unreadable) > 5 else "")
    return out, summary


def _with_transactions(
    revisions: list[Revision], chunks: dict[str, str], sources: dict[str, RevisionSource],
) -> list[Revision]:
    """Parse each revision's offline SQL in run order, carrying the open/closed transaction along."""
    by_id = {r.id: r for r in revisions}
    preamble = chunks.get("", "")
    tracker = TransactionTracker()
    tracker.follow([raw.node for raw in parse_statements(preamble, where="alembic offline output")])
    out: dict[str, Revision] = {}
    for rev_id, text in chunks.items():
        if rev_id == "" or rev_id not in by_id:
            continue
        rev = by_id[rev_id]
        raws = parse_statements(text, where=rev.path)
        lines = _LineMapper(sources[rev_id], rev.path)
        items = [(sql, raw.node, line) for raw in raws for line, sql in [lines.source_of(raw.sql, raw.node)]]
        tracked = tracker.track(items)
        kept = tuple(st for st in tracked if not _is_version_table(st.node))
        out[rev_id] = dataclasses.replace(rev, statements=kept)
    return [out.get(r.id, r) for r in revisions]


def _is_version_table(node: object) -> bool:
    table = target_table(node)
    return table is not None and table.endswith("." + _VERSION_TABLE)


# statement node -> the op.* calls that emit it (others: any op on the same table)
_EMITTED_BY: dict[str, frozenset[str]] = {
    "IndexStmt": frozenset({"create_index"}),
    "CreateStmt": frozenset({"create_table"}),
    "AlterTableStmt": frozenset({"add_column", "drop_column", "alter_column", "create_foreign_key",
                                 "create_unique_constraint", "create_primary_key", "create_check_constraint",
                                 "drop_constraint", "batch_alter_table", "create_exclude_constraint"}),
    "RenameStmt": frozenset({"rename_table", "alter_column", "batch_alter_table"}),
    "CommentStmt": frozenset({"create_table_comment", "drop_table_comment", "alter_column", "create_table"}),
}


class _LineMapper:
    """Gives each emitted statement the line of the ``op.*`` call (or SQL literal) it came from."""

    def __init__(self, src: RevisionSource, rel: str) -> None:
        self.src = src
        self.cursor = 0
        # fingerprint -> (line, text) of each statement written in an op.execute literal
        self.literal_lines: dict[str, deque[tuple[int, str]]] = {}
        for op in src.ops:
            if op.sql is None:
                continue
            try:
                raws = parse_statements(op.sql, where=rel)
            except SourceError:
                continue
            for raw in raws:
                fp = fingerprint(raw.sql)
                if fp is not None:
                    self.literal_lines.setdefault(fp, deque()).append((op.sql_line + raw.line_offset, raw.sql))
        self.table_ops: list[OpCall] = [op for op in src.ops if op.name != "execute" and op.table]
        # ops whose table is a variable (loops over table names): the best line we have for them
        self.dynamic_ops: list[OpCall] = [op for op in src.ops if op.name != "execute" and not op.table]

    def source_of(self, sql: str, node: object) -> tuple[int, str]:
        """The line and the text of an emitted statement.

        For SQL written in op.execute the text is the author's, not the offline output: with a
        pyformat driver (psycopg) offline mode doubles every ``%``, which would change PL/pgSQL
        ``RAISE`` formats and LIKE patterns when the statement is traced.
        """
        if self.literal_lines:
            fp = fingerprint(sql)
            queue = self.literal_lines.get(fp or "")
            if queue:
                return queue.popleft()
        return self.line_for(node), sql

    def line_for(self, node: object) -> int:
        """The next op call on the statement's table that can emit it; an op already matched
        again when none is left (one call may emit several statements)."""
        table = target_table(node)
        if table is not None:
            bare = table.rpartition(".")[2]
            kinds = _EMITTED_BY.get(type(node).__name__)
            count = len(self.table_ops)
            candidates = [i % count for i in range(self.cursor, self.cursor + count)] + \
                         list(range(self.cursor - 1, -1, -1))
            for strict in (True, False):
                for i in candidates:
                    op = self.table_ops[i]
                    if op.table and op.table.lower() == bare and (not strict or kinds is None or op.name in kinds):
                        self.cursor = i + 1 if i >= self.cursor or strict else self.cursor
                        return op.line
        if self.dynamic_ops:
            return self.dynamic_ops[0].line
        return self.src.upgrade_line
