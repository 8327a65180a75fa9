"""``fix --apply``: run a plan's upgrade on the database, the way its SQL form runs under ``psql``.

Only on request: this is the one place dbaudit writes to a database it audits. Each statement runs in
its own transaction (autocommit); a step whose effect is already there is skipped; a statement that
takes a brief strong lock runs with ``SET LOCAL lock_timeout`` and is retried with backoff when the
timeout expires, holding no lock while it waits; the post-checks run at the end. A failure stops the
run with one line saying which step failed; the finished steps stay, and running again skips them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dbaudit.errors import DbauditError
from dbaudit.fix.plan import FixPlan
from dbaudit.fix.render import ATTEMPTS, LOCK_TIMEOUT
from dbaudit.fix.steps import Phase, Stmt
from dbaudit.redact import redact_text


class ApplyError(DbauditError):
    """A step of ``fix --apply`` failed; the message names it."""


@dataclass(frozen=True)
class Applied:
    ran: int
    skipped: int
    retries: int
    verifications: tuple[tuple[str, tuple[tuple[Any, ...], ...]], ...]


def apply_plan(url: str, plan: FixPlan, *, sleep: Callable[[float], None] = time.sleep) -> Applied:
    """Run the upgrade of ``plan`` on ``url`` (read-write), then its post-checks and verifications."""
    import psycopg  # noqa: PLC0415

    from dbaudit import progress  # noqa: PLC0415
    from dbaudit.sources.postgres.connect import connection_error, libpq_url  # noqa: PLC0415

    try:
        conn = psycopg.connect(libpq_url(url), autocommit=True, application_name="dbaudit-fix")
    except psycopg.Error as exc:
        raise connection_error(url, exc) from None
    ran = skipped = retries = 0
    checked = False
    verifications: list[tuple[str, tuple[tuple[Any, ...], ...]]] = []
    with conn:
        total = len(plan.upgrade)
        progress.step("applying the fix", total=total, unit="statements")
        for n, step in enumerate(plan.upgrade, 1):
            if step.phase is Phase.RENAME and not checked:
                verifications = _check_and_verify(conn, plan)
                checked = True
            try:
                done, attempts = _run(conn, step.stmt, sleep)
            except psycopg.Error as exc:
                raise ApplyError(_failure(n, total, step.stmt.sql, exc)) from None
            ran += 0 if done else 1
            skipped += 1 if done else 0
            retries += attempts
            progress.advance()
        if not checked:
            verifications = _check_and_verify(conn, plan)
        _post_checks(conn, plan, late=True)
    return Applied(ran, skipped, retries, tuple(verifications))


def _check_and_verify(conn: Any, plan: FixPlan) -> list[tuple[str, tuple[tuple[Any, ...], ...]]]:
    """The post-checks that precede the renames, then the findings' verification queries (rows kept)."""
    _post_checks(conn, plan, late=False)
    import psycopg  # noqa: PLC0415

    out = []
    for item in plan.active:
        if item.finding.verify_sql:
            try:
                rows = conn.execute(item.finding.verify_sql.encode()).fetchall()
            except psycopg.Error as exc:  # a query the fix made obsolete (it reads a dropped column)
                lines = str(exc).strip().splitlines()
                rows = [(f"did not run: {redact_text(lines[0] if lines else type(exc).__name__)}",)]
            out.append((item.label, tuple(tuple(r) for r in rows[:10])))
    return out


def _post_checks(conn: Any, plan: FixPlan, *, late: bool) -> None:
    for index, condition in plan.post_checks(late=late):
        if not _holds(conn, condition):
            raise ApplyError(f"fix --apply: post-check failed for {plan.items[index].label}: the catalog is "
                             "not as the plan leaves it")


def _holds(conn: Any, condition: str) -> bool:
    row = conn.execute(f"SELECT {condition}".encode()).fetchone()
    return bool(row and row[0])


def _run(conn: Any, stmt: Stmt, sleep: Callable[[float], None]) -> tuple[bool, int]:
    """(already done, retries) for one statement."""
    import psycopg  # noqa: PLC0415

    if stmt.done is not None and _holds(conn, stmt.done):
        return True, 0
    if stmt.mode != "locking":
        conn.execute(stmt.sql.encode())
        return False, 0
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with conn.transaction():
                conn.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'".encode())
                conn.execute(stmt.sql.encode())
            return False, attempt - 1
        except psycopg.errors.LockNotAvailable:
            if attempt == ATTEMPTS:
                raise
            sleep(min(30.0, 0.5 * 2**attempt))
    return False, ATTEMPTS  # pragma: no cover - the loop returns or raises


def _failure(n: int, total: int, sql: str, exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    detail = redact_text(lines[0] if lines else type(exc).__name__)
    return (f"fix --apply: step {n} of {total} failed ({' '.join(sql.split())[:160]}): {detail}; "
            f"the {n - 1} steps before it are applied, and running the fix again skips them")


__all__ = ["Applied", "ApplyError", "apply_plan"]
