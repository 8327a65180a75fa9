"""A migration project as lint and trace see it: revisions in order, each with its SQL statements."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dbaudit.errors import SourceError, UsageError
from dbaudit.migrations.parse.statements import Statement, parse_statements


@dataclass(frozen=True, slots=True)
class Revision:
    """One migration: an Alembic revision or one ``.sql`` file."""

    id: str
    path: str  # relative to the project root, with forward slashes
    down_revisions: tuple[str, ...]
    statements: tuple[Statement, ...]
    kind: str  # "alembic" or "sql"
    upgrade_line: int = 1
    downgrade_line: int | None = None
    has_downgrade: bool | None = None  # None: the format has no notion of a downgrade
    message: str = ""
    partial: str | None = None  # why only part of the revision could be read (None: all of it)
    irreversible: str | None = None  # downgrade() only raises this: irreversible on purpose


@dataclass(frozen=True, slots=True)
class MigrationSet:
    """All revisions of a project, base first, and what was learnt loading them."""

    root: Path
    kind: str
    revisions: tuple[Revision, ...]
    heads: tuple[str, ...]
    notes: tuple[str, ...] = ()
    lock_timeout_in_env: bool = False  # env.py sets lock_timeout for every revision
    statement_timeout_in_env: bool = False
    # Alembic: env.py's transaction_per_migration (False: all pending revisions share one transaction);
    # None for .sql files, each of which runs on its own
    transaction_per_migration: bool | None = None
    extra: dict[str, object] = field(default_factory=dict)

    def revision(self, rev_id: str) -> Revision:
        for rev in self.revisions:
            if rev.id == rev_id or (rev.id.startswith(rev_id) and len(rev_id) >= 4):
                return rev
        raise UsageError(f"unknown revision {rev_id!r} in {self.root}")

    def after(self, rev_id: str) -> set[str]:
        """Ids of the revisions that come after ``rev_id`` (its descendants), for ``--since``."""
        start = self.revision(rev_id).id
        children: dict[str, list[str]] = {}
        for rev in self.revisions:
            for down in rev.down_revisions:
                children.setdefault(down, []).append(rev.id)
        seen: set[str] = set()
        todo = list(children.get(start, []))
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo.extend(children.get(current, []))
        return seen


def load_migrations(path: Path, *, assume_in_transaction: bool = False) -> MigrationSet:
    """Recognise the project at ``path`` (alembic.ini, an Alembic script directory, or ``.sql`` files).

    ``assume_in_transaction``: the runner of plain ``.sql`` files wraps each file in a transaction
    (Flyway, sqitch do; psql -f does not). Alembic's own transactions are read from its output.
    """
    from dbaudit.migrations.parse import isolated as alembic_source  # noqa: PLC0415 - a child process

    path = path.resolve()
    if not path.exists():
        raise UsageError(f"{path}: no such file or directory")
    if path.is_file():
        if path.suffix == ".sql":
            return load_sql_files(path.parent, [path], assume_in_transaction=assume_in_transaction)
        if path.name == "alembic.ini":
            return alembic_source.load_alembic(path.parent, ini=path)
        raise UsageError(f"{path}: expected a directory, alembic.ini or a .sql file")
    if (path / "alembic.ini").is_file():
        return alembic_source.load_alembic(path, ini=path / "alembic.ini")
    if (path / "env.py").is_file():
        if (path.parent / "alembic.ini").is_file():  # the script directory of a project: use its ini
            return alembic_source.load_alembic(path.parent, ini=path.parent / "alembic.ini")
        return alembic_source.load_alembic(path, script_location=path)
    if (path / "migrations" / "env.py").is_file():
        return alembic_source.load_alembic(path, script_location=path / "migrations")
    files = sorted(p for p in path.glob("*.sql") if not p.name.endswith(".down.sql"))
    if files:
        return load_sql_files(path, files, assume_in_transaction=assume_in_transaction)
    raise UsageError(f"{path}: no alembic.ini, Alembic env.py or .sql migration files found")


def load_sql_files(root: Path, files: list[Path], *, assume_in_transaction: bool = False) -> MigrationSet:
    """Plain SQL migrations, applied in file-name order; ``x.up.sql`` expects a ``x.down.sql``."""
    revisions: list[Revision] = []
    previous: tuple[str, ...] = ()
    tracker = TransactionTracker()
    for file in sorted(files):
        rel = file.relative_to(root).as_posix()
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SourceError(f"{rel}: cannot read migration file: {exc}") from None
        up = file.name.endswith(".up.sql")
        rev_id = file.name.removesuffix(".sql").removesuffix(".up")
        has_down = (file.parent / f"{rev_id}.down.sql").is_file() if up else None
        # each file runs on its own (psql -f), or in a transaction of its own (Flyway, sqitch)
        if assume_in_transaction:
            tracker.begin()
        else:
            tracker.end()
        statements = tuple(tracker.track(
            [(raw.sql, raw.node, 1 + raw.line_offset) for raw in parse_statements(text, where=rel)]))
        revisions.append(Revision(rev_id, rel, previous, statements, "sql", has_downgrade=has_down))
        previous = (rev_id,)
    heads = (revisions[-1].id,) if revisions else ()
    return MigrationSet(root, "sql", tuple(revisions), heads)


class TransactionTracker:
    """Follows BEGIN/COMMIT through the statements in run order, numbering each transaction block."""

    def __init__(self) -> None:
        self.count = 0
        self.current: int | None = None

    def begin(self) -> None:
        self.count += 1
        self.current = self.count

    def end(self) -> None:
        self.current = None

    def track(self, items: list[tuple[str, object, int]]) -> list[Statement]:
        """Statements with the transaction they run in (BEGIN/COMMIT themselves are dropped)."""
        out: list[Statement] = []
        for sql, node, line in items:
            change = transaction_change(node)
            if change is True:
                self.begin()
            elif change is False:
                self.end()
            if type(node).__name__ == "TransactionStmt":
                continue
            out.append(Statement(sql, node, line, self.current is not None, self.current))
        return out

    def follow(self, nodes: list[object]) -> None:
        """Only move the state along (statements that are not kept, e.g. Alembic's preamble)."""
        for node in nodes:
            change = transaction_change(node)
            if change is True:
                self.begin()
            elif change is False:
                self.end()


def transaction_change(node: object) -> bool | None:
    """True after BEGIN, False after COMMIT/ROLLBACK, None for any other statement."""
    from pglast.enums import TransactionStmtKind  # noqa: PLC0415

    if type(node).__name__ != "TransactionStmt":
        return None
    kind = node.kind  # type: ignore[attr-defined]
    if kind in (TransactionStmtKind.TRANS_STMT_BEGIN, TransactionStmtKind.TRANS_STMT_START):
        return True
    if kind in (TransactionStmtKind.TRANS_STMT_COMMIT, TransactionStmtKind.TRANS_STMT_ROLLBACK,
                TransactionStmtKind.TRANS_STMT_PREPARE, TransactionStmtKind.TRANS_STMT_COMMIT_PREPARED):
        return False
    return None
