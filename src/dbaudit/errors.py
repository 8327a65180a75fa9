"""Errors that end a run with one clear line and exit code 2.

Every message is already redacted when the exception is built; the CLI prints ``str(error)`` and
nothing else (no traceback), so a source must never put a raw driver message in here unscrubbed.
"""

from __future__ import annotations

from dbaudit.redact import redact_text


class DbauditError(Exception):
    """Base of every failure reported to the user as one line (exit code 2)."""

    def __init__(self, message: str, *, secrets: tuple[str, ...] = ()) -> None:
        super().__init__(redact_text(message, secrets))


class ConnectionFailed(DbauditError):
    """The server is unreachable, refuses the credentials, or the database does not exist."""


class SourceError(DbauditError):
    """A source could not be read: invalid SQL file, broken migration, unimportable models."""


class UsageError(DbauditError):
    """The command line or configuration asks for something impossible."""


class ScratchError(DbauditError):
    """No throw-away PostgreSQL could be had (none named and the embedded one failed to start)."""


class OutputError(DbauditError):
    """An output could not be written: read-only or full disk, a directory where a file should be."""
