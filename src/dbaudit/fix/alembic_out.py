"""The plan as one Alembic revision, written the way ``alembic revision`` writes one.

The revision chains to the head of the project's migrations (or to the ``alembic_version`` the
database is at) and runs its statements inside ``op.get_context().autocommit_block()``: each statement
commits on its own, as ``CREATE INDEX CONCURRENTLY`` requires and as a brief strong lock should
(never held while waiting for the next one). Small helpers in the revision itself skip a step whose
effect is already there, set ``lock_timeout`` and retry on lock timeouts with backoff, and check the
catalog at the end. Statements are Python string literals (``repr``), so any identifier is safe;
SQLAlchemy runs them with ``no_parameters`` so a ``%`` or ``:name`` in an identifier is never read as
a placeholder.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from dbaudit.errors import UsageError
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

_HELPERS = '''
LOCK_TIMEOUT = {lock_timeout!r}
ATTEMPTS = {attempts}
log = logging.getLogger("alembic.runtime.migration")


def _online() -> None:
    if op.get_context().as_sql:
        raise RuntimeError(
            "this revision runs online only (it checks the catalog and retries on lock timeouts); "
            "generate a script with `dbaudit fix --format sql` for offline use"
        )


def _run(sql: str) -> sa.CursorResult:
    # no_parameters: a % or :name inside an identifier is text, not a placeholder
    return op.get_bind().execution_options(no_parameters=True).exec_driver_sql(sql)


def _done(condition: str | None) -> bool:
    return condition is not None and bool(_run("SELECT " + condition).scalar())


def _sqlstate(exc: BaseException) -> str | None:
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)


def _concurrent(sql: str, done: str | None = None) -> None:
    """CONCURRENTLY: outside any transaction, no lock_timeout (its waits block no writer)."""
    if not _done(done):
        _run(sql)


def _plain(sql: str, done: str | None = None) -> None:
    """A statement whose lock blocks no reader or writer (VALIDATE CONSTRAINT)."""
    if not _done(done):
        _run(sql)


def _locking(sql: str, done: str | None = None) -> None:
    """A statement taking a brief strong lock: lock_timeout, and retries with backoff on timeout."""
    if _done(done):
        return
    for attempt in range(1, ATTEMPTS + 1):
        _run("SET lock_timeout = '" + LOCK_TIMEOUT + "'")
        try:
            _run(sql)
            return
        except sa.exc.DBAPIError as exc:
            if _sqlstate(exc) != "55P03" or attempt == ATTEMPTS:
                raise
            log.warning("lock_timeout expired (attempt %d of %d), retrying", attempt, ATTEMPTS)
            time.sleep(min(30.0, 0.5 * 2**attempt))
        finally:
            _run("RESET lock_timeout")


def _check(condition: str, what: str) -> None:
    if not _done(condition):
        raise RuntimeError("post-check failed: " + what)


def _verify(sql: str, what: str) -> None:
    try:
        rows = _run(sql).fetchall()
    except sa.exc.DBAPIError as exc:  # a query the fix made obsolete (it reads a dropped column)
        log.warning("verification of %s did not run: %s", what, str(exc.orig).strip().splitlines()[0])
        return
    log.info("verification of %s: %s", what, [tuple(r) for r in rows[:10]])'''


def new_revision_id() -> str:
    return uuid.uuid4().hex[-12:]


def _docstring(text: str) -> str:
    safe = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    return f'"""{safe}\n"""'


def _call(stmt: Stmt, indent: str) -> list[str]:
    helper = {"concurrent": "_concurrent", "locking": "_locking", "plain": "_plain"}[stmt.mode]
    out = [f"{indent}# {one_line(stmt.note)}"] if stmt.note else []
    if stmt.done is None:
        return [*out, f"{indent}{helper}({stmt.sql!r})"]
    return [*out, f"{indent}{helper}(", f"{indent}    {stmt.sql!r},", f"{indent}    done={stmt.done!r},", f"{indent})"]


def _blocked(item: FixItem, indent: str) -> list[str]:
    lines = [f"{indent}# BLOCKED BY DATA: {one_line(item.label)}: {one_line(item.blocked or '')}",
             f"{indent}# Nothing of this fix runs. Review the rows, back them up and clean them up, for example:"]
    lines += commented(item.cleanup or "", f"{indent}#   ")
    lines.append(f"{indent}# then generate the fix again, or move these calls (in this order) into upgrade():")
    for classified in item.statements:
        if not classified.data_change:
            lines += [f"{indent}#   {line}" for line in _call(classified.stmt, "")]
    return lines


def _phases(plan: FixPlan, steps: tuple[Step, ...], indent: str) -> list[str]:
    body: list[str] = []
    for phase, chosen in by_phase(steps):
        body.append(f"{indent}# --- {phase_title(phase)}")
        current = -1
        for step in chosen:
            if step.item != current:
                current = step.item
                body.append(f"{indent}# {one_line(plan.items[step.item].label)}")
            body += _call(step.stmt, indent)
        body.append("")
    return body


def _checks(plan: FixPlan, indent: str, *, late: bool) -> list[str]:
    checks = plan.post_checks(late=late)
    if not checks:
        return []
    title = "post-checks of the renames" if late else "post-checks: the catalog as the plan leaves it"
    return [f"{indent}# --- {title}", *(f"{indent}_check({c!r}, {one_line(plan.items[i].label)!r})" for i, c in checks)]


def render_revision(plan: FixPlan, source: Provenance, *, revision: str, down_revision: str | None,
                    message: str = "dbaudit fixes") -> str:
    indent = " " * 8
    header = [message, "", f"Revision ID: {revision}", f"Revises: {down_revision or ''}",
              f"Create Date: {source.generated_at}", "", *summary_lines(plan, source)]
    body: list[str] = []
    for item in plan.blocked:
        body += [*_blocked(item, indent), ""]
    body += _phases(plan, plan.before_renames, indent)
    if plan.skipped:
        body += [f"{indent}# left out (an earlier step already did the work):",
                 *(f"{indent}#   {one_line(s)}" for s in plan.skipped)]
    body += _checks(plan, indent, late=False)
    for item in plan.active:
        if item.finding.verify_sql:
            body.append(f"{indent}_verify({item.finding.verify_sql.strip().rstrip(';')!r}, {one_line(item.label)!r})")
    body += _phases(plan, plan.renames, indent)
    body += _checks(plan, indent, late=True)
    down: list[str] = []
    current = -1
    for stmt, index in plan.downgrade:
        if index != current:
            current = index
            down.append(f"{indent}# undo {one_line(plan.items[index].label)}")
        down += _call(stmt, indent)
    lines = [
        _docstring("\n".join(header)),
        "",
        "from __future__ import annotations",
        "",
        "import logging",
        "import time",
        "",
        "import sqlalchemy as sa",
        "from alembic import op",
        "",
        "# revision identifiers, used by Alembic.",
        f"revision = {revision!r}",
        f"down_revision = {down_revision!r}",
        "branch_labels = None",
        "depends_on = None",
        _HELPERS.format(lock_timeout=LOCK_TIMEOUT, attempts=ATTEMPTS),
        "",
        "",
        "def upgrade() -> None:",
        "    _online()",
        "    with op.get_context().autocommit_block():",
        *(body or [f"{indent}pass"]),
        "",
        "",
        "def downgrade() -> None:",
        "    _online()",
        "    with op.get_context().autocommit_block():",
        *(down or [f"{indent}pass"]),
    ]
    return "\n".join(line.rstrip() for line in lines).rstrip() + "\n"


def migrations_head(path: str) -> tuple[str, Path]:
    """The single head revision of an Alembic project and its versions directory."""
    from alembic.config import Config  # noqa: PLC0415
    from alembic.script import ScriptDirectory  # noqa: PLC0415
    from alembic.util.exc import CommandError  # noqa: PLC0415

    root = Path(path).resolve()
    ini = root if root.name == "alembic.ini" else root / "alembic.ini"
    if ini.is_file():
        config = Config(str(ini))
        location = config.get_main_option("script_location") or "migrations"
        config.set_main_option("script_location", str((ini.parent / location).resolve())
                               if not Path(location).is_absolute() else location)
    elif (root / "env.py").is_file():
        config = Config()
        config.set_main_option("script_location", str(root))
    elif (root / "migrations" / "env.py").is_file():
        config = Config()
        config.set_main_option("script_location", str(root / "migrations"))
    else:
        raise UsageError(f"--migrations {path}: no alembic.ini or Alembic env.py found")
    try:
        script = ScriptDirectory.from_config(config)
        heads = script.get_heads()
    except (CommandError, OSError) as exc:
        raise UsageError(f"--migrations {path}: {exc}") from None
    if len(heads) != 1:
        raise UsageError(f"--migrations {path}: {len(heads)} heads ({', '.join(heads)}); merge them first")
    return heads[0], Path(script.versions)


__all__ = ["migrations_head", "new_revision_id", "render_revision"]
