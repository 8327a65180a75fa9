"""Helpers shared by every rule test module (tests/rules/test_*.py).

- :func:`findings_for` runs ONE rule on a model (builder-made or read from PostgreSQL) and returns its
  findings sorted, so a test compares the whole list.
- :func:`model_from_ddl` executes DDL on the test's own database (``pg_url`` fixture) and reads it
  back with the PostgreSQL source, for tests where the catalog itself matters.
- :func:`assert_fix_round_trip` is the squawk-style "the fix is correct" test: the rule fires, the
  verification query runs, every statement of ``fix_sql`` executes (autocommit, one statement at a
  time, because ``CREATE INDEX CONCURRENTLY`` cannot run in a transaction block), and after a re-read
  the finding is gone.

Import them with ``from tests.rules.conftest import findings_for`` (or use the fixtures of the same
names, which return the functions).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
import pytest
from pglast import split

from dbaudit.findings import Finding, sort_findings
from dbaudit.model.schema import SchemaModel
from dbaudit.rules import REGISTRY, RuleContext


def findings_for(
    model: SchemaModel,
    rule_id: str,
    *,
    options: dict[str, Any] | None = None,
    **inputs: Any,
) -> list[Finding]:
    """Run only ``rule_id`` on ``model`` (with optional inputs/options) and return sorted findings.

    ``options`` is the rule's own option mapping (``{"required-columns": [...]}``); it is placed under
    the rule id in ``RuleContext.options``. Non-Finding results raise ``TypeError`` like the engine.
    """
    rule_ = REGISTRY.get(rule_id)
    if rule_ is None:
        raise KeyError(f"no rule {rule_id!r} is registered")
    ctx = RuleContext(model=model, inputs=dict(inputs), options={rule_id: dict(options or {})})
    out = list(rule_(ctx))
    for item in out:
        if not isinstance(item, Finding):
            raise TypeError(f"rule {rule_id} returned {type(item).__name__}, not Finding")
    return list(sort_findings(out))


def execute_script(pg_url: str, sql_text: str, *, retries: int = 20) -> None:
    """Execute a multi-statement script, one statement at a time in autocommit mode.

    Fixes set a short ``lock_timeout``; on a busy test server (autovacuum, parallel tests) a statement
    may time out waiting for its lock, and is retried the way an operator would.
    """
    with psycopg.connect(pg_url, autocommit=True) as conn:
        for statement in split(sql_text):
            for attempt in range(retries + 1):
                try:
                    conn.execute(statement.encode())  # bytes: psycopg must not interpret % placeholders
                    break
                except psycopg.errors.LockNotAvailable:
                    if attempt == retries:
                        raise
                    time.sleep(0.25)


def read_model(pg_url: str) -> SchemaModel:
    """Read the test database with the PostgreSQL source (imported lazily: it may not exist yet)."""
    from dbaudit.sources.postgres import read_postgres  # noqa: PLC0415

    model: SchemaModel = read_postgres(pg_url)
    return model


def model_from_ddl(pg_url: str, ddl: str) -> SchemaModel:
    """Execute ``ddl`` on the per-test database and read it back as a :class:`SchemaModel`."""
    execute_script(pg_url, ddl)
    return read_model(pg_url)


def run_query(pg_url: str, sql_text: str) -> list[tuple[Any, ...]]:
    """Execute every statement of ``sql_text``; return the rows of the last one (must be valid SQL)."""
    rows: list[tuple[Any, ...]] = []
    with psycopg.connect(pg_url, autocommit=True) as conn:
        for statement in split(sql_text):
            cur = conn.execute(statement.encode())
            rows = cur.fetchall() if cur.description is not None else []
    return rows


def assert_fix_round_trip(
    pg_url: str,
    ddl: str,
    rule_id: str,
    objects: Sequence[str],
    *,
    options: dict[str, Any] | None = None,
    **inputs: Any,
) -> Finding:
    """DDL (with rows) -> the rule finds ``objects`` -> verify_sql runs -> fix_sql runs -> finding gone.

    ``options`` and ``inputs`` are passed to :func:`findings_for`. Returns the finding that was fixed,
    so the caller can also compare its text.
    """
    model = model_from_ddl(pg_url, ddl)
    wanted = tuple(objects)
    before = [f for f in findings_for(model, rule_id, options=options, **inputs) if f.objects == wanted]
    assert len(before) == 1, f"{rule_id} did not report exactly one finding on {wanted}: {before}"
    finding = before[0]
    assert finding.fix_sql, f"{rule_id} finding on {wanted} has no fix_sql"
    if finding.verify_sql:
        run_query(pg_url, finding.verify_sql)
    execute_script(pg_url, finding.fix_sql)
    if finding.verify_sql:
        run_query(pg_url, finding.verify_sql)
    after = [f for f in findings_for(read_model(pg_url), rule_id, options=options, **inputs) if f.objects == wanted]
    assert after == [], f"{rule_id} still reports {wanted} after its fix:\n{finding.fix_sql}"
    return finding


@pytest.fixture(name="findings_for")
def findings_for_fixture() -> Callable[..., list[Finding]]:
    return findings_for


@pytest.fixture(name="model_from_ddl")
def model_from_ddl_fixture(pg_url: str) -> Callable[[str], SchemaModel]:
    """``model_from_ddl(ddl)`` bound to this test's database."""
    return lambda ddl: model_from_ddl(pg_url, ddl)


# Hostile identifiers for fix round trips: quotes, spaces, Unicode, mixed case, reserved words, a
# 63-byte name (NAMEDATALEN-1), the longest PostgreSQL keeps without truncating, and a newline.
HOSTILE_NAMES: tuple[str, ...] = (
    'we"ird',
    "with space",
    "tëst_ünï",
    "MixedCase",
    "select",
    "n" * 63,
    "new\nline",  # fixes are scripts of lines: a newline inside a quoted name must not end one
)
