"""Snapshots: row counts (estimated or exact), sizes, Alembic versions, schema fingerprint and schema
model of a live database at one moment, written as versioned JSON; and the diff of two snapshots.

- :func:`take_snapshot` reads a PostgreSQL, SQLite or MySQL/MariaDB database;
- :func:`write_snapshot` / :func:`read_snapshot` write and read the file (``docs/snapshot.md``);
- :func:`diff_snapshots` compares two snapshots, with row-loss / row-gain thresholds.

A snapshot file is also a schema source: ``load_source("snap.json")`` returns its schema model.
"""

from __future__ import annotations

from pathlib import Path

from dbaudit.snapshot.diff import SnapshotDiff, TableChange, Threshold, Violation, diff_snapshots
from dbaudit.snapshot.document import (
    FORMAT_VERSION,
    Snapshot,
    SnapshotFormatError,
    SnapshotSource,
    TableSnapshot,
    snapshot_from_json,
    snapshot_to_json,
)
from dbaudit.snapshot.take import take_snapshot


def write_snapshot(snapshot: Snapshot, path: str | Path) -> Path:
    """Write ``snapshot`` to ``path`` atomically (readers see the old file or the whole new one)."""
    from dbaudit.atomic import write_text_atomic  # noqa: PLC0415

    return write_text_atomic(path, snapshot_to_json(snapshot))


def read_snapshot(path: str | Path) -> Snapshot:
    """Read a snapshot file; a missing, unreadable or malformed file raises :class:`SourceError` (one line)."""
    from dbaudit.errors import SourceError  # noqa: PLC0415

    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourceError(f"{path}: no such snapshot file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        return snapshot_from_json(text)
    except SnapshotFormatError as exc:
        raise SourceError(f"{path}: not a usable snapshot: {exc}") from None


__all__ = [
    "FORMAT_VERSION",
    "Snapshot",
    "SnapshotDiff",
    "SnapshotFormatError",
    "SnapshotSource",
    "TableChange",
    "TableSnapshot",
    "Threshold",
    "Violation",
    "diff_snapshots",
    "read_snapshot",
    "snapshot_from_json",
    "snapshot_to_json",
    "take_snapshot",
    "write_snapshot",
]
