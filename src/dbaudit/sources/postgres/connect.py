"""Read-only, polite connections to a user's PostgreSQL database.

Every connection dbaudit opens to a database it audits:

- runs its reads in one ``REPEATABLE READ READ ONLY`` transaction (one consistent snapshot) and sets
  ``default_transaction_read_only`` so that nothing it runs can write;
- sets ``statement_timeout`` (60 s unless told), ``lock_timeout`` (2 s: a catalog read must never
  queue behind DDL and block the writers queued after it) and
  ``idle_in_transaction_session_timeout``;
- names itself ``application_name=dbaudit``;
- turns JIT off: catalog queries are short, and compiling them costs more than running them;
- empties ``search_path`` (as ``pg_dump`` does), so that types, defaults, view and trigger
  definitions come out schema-qualified the same way whatever the role's own ``search_path``.

Settings go through one ``set_config`` statement rather than the ``options`` startup parameter,
which connection poolers such as PgBouncer reject.

Driver errors become :class:`~dbaudit.errors.ConnectionFailed` with one line that says which of the
four usual failures happened (unreachable server, bad credentials, unknown database, timeout) and
never contains the password.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dbaudit.errors import ConnectionFailed
from dbaudit.redact import redact_text, redact_url, url_password

if TYPE_CHECKING:
    import psycopg

STATEMENT_TIMEOUT_ENV = "DBAUDIT_STATEMENT_TIMEOUT"
LOCK_TIMEOUT_ENV = "DBAUDIT_LOCK_TIMEOUT"


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Server-side limits of a dbaudit session, in milliseconds."""

    statement_ms: int = 60_000
    lock_ms: int = 2_000
    idle_in_transaction_ms: int = 120_000
    connect_s: int = 10

    @classmethod
    def from_env(cls) -> Timeouts:
        """Defaults, overridden by ``DBAUDIT_STATEMENT_TIMEOUT`` / ``DBAUDIT_LOCK_TIMEOUT`` (ms)."""
        defaults = cls()
        return cls(
            statement_ms=_env_ms(STATEMENT_TIMEOUT_ENV, defaults.statement_ms),
            lock_ms=_env_ms(LOCK_TIMEOUT_ENV, defaults.lock_ms),
        )


def _env_ms(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw.isdigit() else default


# URL schemes psycopg does not know but users write (SQLAlchemy style).
_SCHEME_ALIASES = ("postgresql+psycopg://", "postgresql+psycopg2://", "postgres+psycopg://")

SESSION_SETTINGS = """
SELECT pg_catalog.set_config('default_transaction_read_only', 'on', false),
       pg_catalog.set_config('statement_timeout', %(statement)s, false),
       pg_catalog.set_config('lock_timeout', %(lock)s, false),
       pg_catalog.set_config('idle_in_transaction_session_timeout', %(idle)s, false),
       pg_catalog.set_config('jit', 'off', false),
       pg_catalog.set_config('search_path', '', false)
"""


def libpq_url(url: str) -> str:
    """The URL with a SQLAlchemy-style ``postgresql+driver://`` scheme turned into ``postgresql://``."""
    for alias in _SCHEME_ALIASES:
        if url.startswith(alias):
            return "postgresql://" + url[len(alias):]
    return url


def connect_readonly(url: str, *, timeouts: Timeouts | None = None) -> psycopg.Connection[Any]:
    """A connection whose transactions are read-only, time-limited and named ``dbaudit``."""
    import psycopg  # noqa: PLC0415 - keeps `dbaudit --version` and `--help` fast

    limits = timeouts or Timeouts.from_env()
    try:
        conn = psycopg.connect(
            libpq_url(url), autocommit=True, application_name="dbaudit", connect_timeout=limits.connect_s,
        )
    except psycopg.Error as exc:
        raise connection_error(url, exc) from None
    except ValueError as exc:  # malformed URL or conninfo
        raise ConnectionFailed(f"invalid connection URL {redact_url(url)}: {exc}",
                               secrets=_secrets(url)) from None
    try:
        conn.execute(SESSION_SETTINGS, {
            "statement": f"{limits.statement_ms}ms",
            "lock": f"{limits.lock_ms}ms",
            "idle": f"{limits.idle_in_transaction_ms}ms",
        })
        conn.autocommit = False
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
    except psycopg.Error as exc:
        conn.close()
        raise connection_error(url, exc) from None
    return conn


def _secrets(url: str) -> tuple[str, ...]:
    """The URL's password, decoded and as written, to scrub from any driver message."""
    from urllib.parse import urlsplit  # noqa: PLC0415

    try:
        raw = urlsplit(url).password
    except ValueError:
        raw = None
    return tuple({p for p in (url_password(url), raw) if p})


def connection_error(url: str, exc: BaseException, *, during: str | None = None) -> ConnectionFailed:
    """One redacted line naming what went wrong with ``url`` (``during`` names the step, if any)."""
    import psycopg  # noqa: PLC0415

    where = redact_url(url)
    detail = _first_line(redact_text(str(exc), _secrets(url)))
    sqlstate = getattr(exc, "sqlstate", None)
    lowered = detail.lower()
    if sqlstate == "3D000" or ("database" in lowered and "does not exist" in lowered):
        reason = "unknown database"
    elif sqlstate in ("28P01", "28000") or "password authentication failed" in lowered \
            or ("role" in lowered and "does not exist" in lowered) or "no password supplied" in lowered:
        reason = "authentication failed (bad user name or password)"
    elif sqlstate == "55P03":
        reason = (f"gave up after lock_timeout waiting for a lock another session holds "
                  f"(DDL in progress?); nothing was changed, retry later or raise {LOCK_TIMEOUT_ENV}")
    elif sqlstate == "57014":
        reason = f"a catalog query exceeded statement_timeout (raise {STATEMENT_TIMEOUT_ENV})"
    elif during is None and _malformed(lowered):
        reason = "invalid connection URL"
    elif "timeout" in lowered or "timed out" in lowered:
        reason = "timed out"
    elif during is not None:
        reason = f"failed while {during}"
    elif isinstance(exc, psycopg.OperationalError):
        reason = "server unreachable"
    else:
        reason = "connection failed"
    return ConnectionFailed(f"cannot read {where}: {reason} ({detail})", secrets=_secrets(url))


def _malformed(lowered: str) -> bool:
    """libpq refusing the URL itself (a port that is not a number, an unknown option or value)."""
    return ("invalid" in lowered and any(word in lowered for word in (
        "connection option", "port", "value", "uri", "integer", "sslmode"))) or "in uri" in lowered \
        or "missing \"=\"" in lowered


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return "no detail from the driver"
    # libpq wraps the server's words: 'connection failed: connection to server at "…", port … failed:
    # FATAL:  database "x" does not exist'; keep the part after the last 'failed:' and drop 'FATAL:'.
    first = lines[0]
    if "failed: " in first:
        first = first.rsplit("failed: ", 1)[1]
    for prefix in ("FATAL:", "ERROR:"):
        if first.startswith(prefix):
            first = first[len(prefix):].strip()
    return first
