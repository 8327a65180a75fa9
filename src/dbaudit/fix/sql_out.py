"""The plan as ``upgrade.sql`` and ``downgrade.sql`` for ``psql``.

``psql`` runs each statement in its own transaction (autocommit), which ``CREATE INDEX CONCURRENTLY``
needs. Every other statement goes through a session-local helper function (``pg_temp``) that skips
it when its effect is already there; a statement that takes a brief strong lock sets
``lock_timeout`` for its own transaction and retries on ``lock_not_available`` with backoff, holding
no lock while it waits. Statements and conditions are passed as quoted literals and the helper bodies
are dollar-quoted with a tag that occurs nowhere in them, so no identifier can break out. Post-checks
raise when the catalog is not as the plan left it.
"""

from __future__ import annotations

from dbaudit.fix.plan import FixItem, FixPlan
from dbaudit.fix.render import (
    ATTEMPTS,
    LOCK_TIMEOUT,
    Provenance,
    by_phase,
    commented,
    one_line,
    phase_title,
    summary_lines,
)
from dbaudit.fix.steps import Step, Stmt
from dbaudit.sqltext import dollar_quoted, literal

PREAMBLE = "\\set ON_ERROR_STOP on"


def helpers() -> str:
    """Session-local helpers (``pg_temp``): a guarded statement, a locking one with lock_timeout and
    retries, a post-check. They vanish when psql disconnects."""
    locking = (
        "\nDECLARE\n  attempt integer := 0;\n  finished boolean;\nBEGIN\n"
        "  IF done IS NOT NULL THEN\n    EXECUTE 'SELECT ' || done INTO finished;\n"
        "    IF finished THEN\n      RETURN;\n    END IF;\n  END IF;\n"
        f"  PERFORM pg_catalog.set_config('lock_timeout', {literal(LOCK_TIMEOUT)}, true);\n"
        "  LOOP\n    BEGIN\n      EXECUTE statement;\n      RETURN;\n"
        "    EXCEPTION WHEN lock_not_available THEN\n      attempt := attempt + 1;\n"
        f"      IF attempt >= {ATTEMPTS} THEN\n        RAISE;\n      END IF;\n"
        "      RAISE NOTICE 'lock_timeout expired, retrying (attempt %)', attempt;\n"
        "      PERFORM pg_catalog.pg_sleep(least(30, 0.5 * 2 ^ attempt));\n"
        "    END;\n  END LOOP;\nEND\n"
    )
    plain = (
        "\nDECLARE\n  finished boolean;\nBEGIN\n"
        "  IF done IS NOT NULL THEN\n    EXECUTE 'SELECT ' || done INTO finished;\n"
        "    IF finished THEN\n      RETURN;\n    END IF;\n  END IF;\n"
        "  EXECUTE statement;\nEND\n"
    )
    check = (
        "\nDECLARE\n  holds boolean;\nBEGIN\n  EXECUTE 'SELECT ' || condition INTO holds;\n"
        "  IF holds IS NOT TRUE THEN\n    RAISE EXCEPTION USING MESSAGE = 'post-check failed: ' || what;\n"
        "  END IF;\nEND\n"
    )
    verify = (
        "\nDECLARE\n  r record;\n  n integer := 0;\nBEGIN\n  FOR r IN EXECUTE query LOOP\n    n := n + 1;\n"
        "    IF n <= 10 THEN\n      RAISE NOTICE 'verification of %: %', what, r;\n    END IF;\n  END LOOP;\n"
        "  RAISE NOTICE 'verification of %: % row(s)', what, n;\n"
        "EXCEPTION WHEN OTHERS THEN\n  RAISE NOTICE 'verification of % did not run: %', what, SQLERRM;\nEND\n"
    )
    return "\n".join([
        "CREATE FUNCTION pg_temp.dbaudit_verify(query text, what text) RETURNS void LANGUAGE plpgsql AS "
        f"{dollar_quoted(verify)};",
        "CREATE FUNCTION pg_temp.dbaudit_locking(statement text, done text) RETURNS void LANGUAGE plpgsql AS "
        f"{dollar_quoted(locking)};",
        "CREATE FUNCTION pg_temp.dbaudit_plain(statement text, done text) RETURNS void LANGUAGE plpgsql AS "
        f"{dollar_quoted(plain)};",
        "CREATE FUNCTION pg_temp.dbaudit_check(condition text, what text) RETURNS void LANGUAGE plpgsql AS "
        f"{dollar_quoted(check)};",
    ])


def statement_sql(stmt: Stmt) -> str:
    """One statement as psql runs it: as is when concurrent (each runs outside a transaction), else
    through a helper that skips it when done and, for a locking one, sets lock_timeout and retries."""
    if stmt.mode == "concurrent":
        return stmt.sql
    helper = "dbaudit_locking" if stmt.mode == "locking" else "dbaudit_plain"
    done = literal(stmt.done) if stmt.done else "NULL"
    return f"SELECT pg_temp.{helper}({literal(bare(stmt.sql))}, {done});"


def bare(sql: str) -> str:
    """A statement without its closing semicolon (as EXECUTE takes it)."""
    return sql.rstrip().removesuffix(";").rstrip()


def check_sql(condition: str, what: str) -> str:
    return f"SELECT pg_temp.dbaudit_check({literal(condition)}, {literal(what)});"


def _stmt_lines(stmt: Stmt) -> list[str]:
    out = [f"-- {one_line(stmt.note)}"] if stmt.note else []
    return [*out, statement_sql(stmt)]


def _blocked(item: FixItem) -> list[str]:
    lines = [f"-- BLOCKED BY DATA: {one_line(item.label)}: {one_line(item.blocked or '')}",
             "-- Nothing of this fix runs. Review the rows, back them up and clean them up, for example:"]
    lines += commented(item.cleanup or "", "--   ")
    lines += ["-- then generate the fix again, or run these statements (in this order) yourself:"]
    for classified in item.statements:
        if not classified.data_change:
            lines += commented(classified.stmt.sql, "--   ")
    return [*lines, ""]


def _phases(plan: FixPlan, steps: tuple[Step, ...]) -> list[str]:
    lines: list[str] = []
    for phase, chosen in by_phase(steps):
        lines += [f"-- === {phase_title(phase)} ===", ""]
        current = -1
        for step in chosen:
            if step.item != current:
                current = step.item
                lines.append(f"-- {one_line(plan.items[step.item].label)}")
            lines += _stmt_lines(step.stmt)
        lines.append("")
    return lines


def _checks(plan: FixPlan, *, late: bool) -> list[str]:
    checks = plan.post_checks(late=late)
    if not checks:
        return []
    title = "post-checks of the renames" if late else "post-checks: the catalog as the plan leaves it"
    return [f"-- === {title} ===", "", *(check_sql(c, one_line(plan.items[i].label)) for i, c in checks), ""]


def render_upgrade(plan: FixPlan, source: Provenance) -> str:
    lines = [*commented("\n".join(summary_lines(plan, source)), "-- "), "", PREAMBLE, helpers(), ""]
    for item in plan.blocked:
        lines += _blocked(item)
    lines += _phases(plan, plan.before_renames)
    if plan.skipped:
        lines += ["-- left out (an earlier step already did the work):",
                  *(f"--   {one_line(s)}" for s in plan.skipped), ""]
    lines += _checks(plan, late=False)
    verifies = [(i, i.finding.verify_sql) for i in plan.active if i.finding.verify_sql]
    if verifies:
        lines += ["-- === the findings' verification queries: their rows are printed (a query the fix made",
                  "-- obsolete, such as one reading a dropped column, says so and the script goes on) ===", ""]
        lines += [f"SELECT pg_temp.dbaudit_verify({literal(bare(str(sql)))}, {literal(one_line(item.label))});"
                  for item, sql in verifies]
        lines.append("")
    lines += _phases(plan, plan.renames)
    lines += _checks(plan, late=True)
    return "\n".join(lines).rstrip() + "\n"


def render_downgrade(plan: FixPlan, source: Provenance) -> str:
    header = [f"Downgrade of the fixes below: restores the schema as dbaudit read it ({source.target}).",
              *summary_lines(plan, source)]
    lines = [*commented("\n".join(header), "-- "), "", PREAMBLE, helpers(), ""]
    current = -1
    for stmt, index in plan.downgrade:
        if index != current:
            current = index
            lines.append(f"-- undo {one_line(plan.items[index].label)}")
        lines += _stmt_lines(stmt)
    return "\n".join(lines).rstrip() + "\n"


__all__ = ["PREAMBLE", "check_sql", "render_downgrade", "render_upgrade", "statement_sql"]
