"""Run data checks on a live PostgreSQL database: read-only, time-limited, cost-aware.

Each check runs in its own short read-only transaction (no snapshot held for the whole run, which
would hold back vacuum on a busy server) on a connection from
:func:`dbaudit.sources.postgres.connect.connect_readonly` whose ``statement_timeout`` is the
per-check limit. Before running, the planner's estimate of the count query is read with ``EXPLAIN``
(never ``ANALYZE``); above ``max_cost`` a samplable check reads a ``TABLESAMPLE SYSTEM`` of its
table sized to stay near the budget, unless ``full`` is asked. A check that fails (timeout,
privileges) is *skipped* with the reason; the others go on.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from dbaudit.checkdata.checks import CheckOptions, DataCheck
from dbaudit.checkdata.results import CheckResult, Outcome, outcome_of
from dbaudit.redact import redact_text
from dbaudit.sqltext import qualified

SAMPLE_SEED = 15  # REPEATABLE: the count and the sample query read the same pages
MIN_SAMPLE_PERCENT = 0.01


def run_checks(url: str, checks: Sequence[DataCheck], options: CheckOptions) -> tuple[CheckResult, ...]:
    """Every check on ``url``; raises :class:`dbaudit.errors.ConnectionFailed` only when it cannot connect.

    Progress goes to :mod:`dbaudit.progress` (a bar with counts on a terminal)."""
    from dbaudit import progress  # noqa: PLC0415
    from dbaudit.sources.postgres.connect import Timeouts, connect_readonly  # noqa: PLC0415

    limits = Timeouts(statement_ms=max(1, int(options.timeout_s * 1000)))
    results: list[CheckResult] = []
    progress.step("checking the findings on the data", total=len(checks), unit="checks")
    with connect_readonly(url, timeouts=limits) as conn:
        for check in checks:
            results.append(run_check(conn, check, options))
            progress.advance()
    return tuple(results)


def run_check(conn: Any, check: DataCheck, options: CheckOptions) -> CheckResult:
    """One check in its own read-only transaction; errors become a skipped result."""
    import psycopg  # noqa: PLC0415

    started = time.perf_counter()
    try:
        with conn.transaction():
            return _run(conn, check, options, started)
    except psycopg.errors.QueryCanceled:
        reason = (f"timed out after {options.timeout_s:g} s (statement_timeout); raise --timeout, "
                  "or let it sample (drop --full)")
    except psycopg.Error as exc:
        lines = str(exc).strip().splitlines()
        reason = redact_text(lines[0] if lines else type(exc).__name__)
    return CheckResult(check, Outcome.SKIPPED, elapsed_ms=_ms(started), reason=reason)


def _run(conn: Any, check: DataCheck, options: CheckOptions, started: float) -> CheckResult:
    table = f"{qualified(check.table.schema, check.table.name)} AS c"
    source = table
    percent: float | None = None
    cost = estimate(conn, check.count(source))
    if cost is not None and cost > options.max_cost and not options.full:
        if not check.samplable:
            return CheckResult(check, Outcome.SKIPPED, cost=cost, elapsed_ms=_ms(started), reason=(
                f"estimated cost {cost:,.0f} is above --max-cost {options.max_cost:,.0f} and this check cannot "
                "sample (it compares rows with each other): run with --full"))
        percent = max(MIN_SAMPLE_PERCENT, round(100.0 * options.max_cost / cost, 4))
        source = f"{table} TABLESAMPLE SYSTEM ({percent}) REPEATABLE ({SAMPLE_SEED})"
        cost = estimate(conn, check.count(source))
    row = conn.execute(check.count(source).encode()).fetchone()
    problems = int(row[0] or 0)
    scanned = int(row[1]) if row[1] is not None else None
    detail = row[2] if isinstance(row[2], dict) else (json.loads(row[2]) if isinstance(row[2], str) else {})
    samples: tuple[str, ...] = ()
    if problems and check.sample is not None and options.samples > 0:
        rows = conn.execute(check.sample(source, options.samples).encode()).fetchall()
        samples = tuple(str(r[0]) for r in rows if r[0] is not None)
    return CheckResult(check, outcome_of(check, problems, percent), problems=problems, scanned=scanned,
                       sample_percent=percent, samples=samples, cost=cost, elapsed_ms=_ms(started),
                       detail=detail)


def estimate(conn: Any, query: str) -> float | None:
    """The planner's total cost for ``query`` (``EXPLAIN``, never executed)."""
    row = conn.execute(f"EXPLAIN (FORMAT JSON) {query}".encode()).fetchone()
    plan = row[0] if row else None
    if isinstance(plan, str):
        plan = json.loads(plan)
    if not isinstance(plan, list) or not plan or not isinstance(plan[0], dict):
        return None
    try:
        return float(plan[0]["Plan"]["Total Cost"])
    except (TypeError, KeyError, ValueError):
        return None


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


__all__ = ["estimate", "run_check", "run_checks"]
