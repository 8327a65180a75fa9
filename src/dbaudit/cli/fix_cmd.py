"""``dbaudit fix``: write the selected findings' fixes as one Alembic revision or as SQL files.

The database is only read (the audit and the data checks that decide whether data blocks a fix),
unless ``--apply`` is given. Humans read stderr: what is fixed, blocked by data, not fixed and why.
Exit codes: 0 every selected finding is fixed, 1 some are blocked by data or cannot be fixed by a
generated migration (the files are still written), 2 errors.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import click

from dbaudit.cli.common import EXIT_FINDINGS, EXIT_OK, guarded, progress, split_values, stderr
from dbaudit.errors import UsageError


@click.command("fix")
@click.argument("target", required=False)
@click.option("--select", multiple=True, metavar="RULES", help="Rules or categories whose findings to fix.")
@click.option("--finding", "finding_ids", multiple=True, metavar="ID",
              help="A finding id from the JSON report (a prefix of 6 or more characters is enough).")
@click.option("-o", "--output", "output_dir", required=True, metavar="DIR", help="Directory to write the fix into.")
@click.option("--format", "fmt", type=click.Choice(["alembic", "sql"]), default="alembic", show_default=True,
              help="An Alembic revision, or upgrade.sql/downgrade.sql for psql.")
@click.option("--migrations", metavar="DIR", help="Alembic project: the revision is chained to its head.")
@click.option("--rev-id", metavar="ID", help="Revision id (default: a new random one, as alembic does).")
@click.option("-m", "--message", default="dbaudit fixes", show_default=True, help="The revision's message.")
@click.option("--apply", "apply_now", is_flag=True,
              help="Also run the fix on TARGET now (lock_timeout and retries). Without it nothing is written "
                   "to the database.")
@click.option("--models", "models_spec", metavar="IMPORT", help="SQLAlchemy models: package.module:Base.")
@click.option("--project", "project_dir", metavar="DIR", help="Project directory (models, model patches).")
@click.option("--config", "config_path", metavar="FILE", help="dbaudit.toml or pyproject.toml to read.")
@click.option("--scratch-url", metavar="URL", help="Server for throw-away databases (default: embedded).")
@guarded
def fix_command(  # noqa: PLR0917 - click passes every option as an argument
    target: str | None, select: tuple[str, ...], finding_ids: tuple[str, ...], output_dir: str, fmt: str,
    migrations: str | None, rev_id: str | None, message: str, apply_now: bool, models_spec: str | None,
    project_dir: str | None, config_path: str | None, scratch_url: str | None,
) -> None:
    """Write the fixes of the selected findings as one safe, reversible migration."""
    from dbaudit.config import load_config  # noqa: PLC0415
    from dbaudit.fix import plan_fix, provenance, write_fix  # noqa: PLC0415

    config = load_config(config_path, start_dir=project_dir or ".")
    target = target or (os.environ.get(config.url_env) if config.url_env else None)
    if not target:
        raise UsageError("missing TARGET (a PostgreSQL database URL)")
    ids = split_values(finding_ids)
    if any(len(i) < 6 for i in ids):
        raise UsageError("--finding: give at least 6 characters of the id")
    scratch_url = scratch_url or (os.environ.get(config.scratch_url_env) if config.scratch_url_env else None)
    head = _head(migrations, fmt)
    with progress("planning the fixes") as step:
        result = plan_fix(target, select=split_values(select), finding_ids=ids, config=config, models=models_spec,
                          project_dir=project_dir, scratch_url=scratch_url, step=step)
    down = head if head is not None else (_database_version(target, result.model) if fmt == "alembic" else None)
    rules = split_values(select)
    command = ("dbaudit fix" + (f" --select {','.join(rules)}" if rules else "")
               + "".join(f" --finding {i}" for i in ids))
    written = write_fix(result, output_dir, fmt=fmt, source=provenance(target, command.strip()),
                        down_revision=down, revision=rev_id, message=message)
    _report(result, written, fmt=fmt, down=down)
    if apply_now:
        _apply(target, result)
    incomplete = bool(result.plan.not_fixed or result.plan.blocked)
    sys.exit(EXIT_FINDINGS if incomplete else EXIT_OK)


def _head(migrations: str | None, fmt: str) -> str | None:
    if migrations is None:
        return None
    if fmt != "alembic":
        raise UsageError("--migrations chains an Alembic revision: use it with --format alembic")
    from dbaudit.fix.alembic_out import migrations_head  # noqa: PLC0415

    return migrations_head(migrations)[0]


def _database_version(target: str, model: object) -> str | None:
    """The one revision in the database's alembic_version, when there is exactly one."""
    from dbaudit.auditing import applied_versions  # noqa: PLC0415
    from dbaudit.model.schema import SchemaModel  # noqa: PLC0415

    versions = applied_versions(target, model) if isinstance(model, SchemaModel) else None
    return versions[0] if versions is not None and len(versions) == 1 else None


def say(text: str) -> None:
    stderr.print(text, markup=False, highlight=False, soft_wrap=True)


def _report(result: object, written: Sequence[object], *, fmt: str, down: str | None) -> None:
    from dbaudit.fix import FixResult  # noqa: PLC0415

    assert isinstance(result, FixResult)
    plan = result.plan
    for item in plan.active:
        say(f"fixed: {item.label}" + (f" (note: {item.note})" if item.note else ""))
    for finding in result.patched:
        say(f"model patch: {finding.severity.name} {finding.rule} {', '.join(finding.objects[:1])}")
    for item in plan.blocked:
        say(f"blocked by data (written commented out, with its clean-up): {item.label}: {item.blocked}")
    for missed in plan.not_fixed:
        say(f"not fixed: {missed.finding.severity.name} {missed.finding.rule} "
            f"{', '.join(missed.finding.objects[:1])}: {missed.reason}")
    for note in result.notes:
        say(f"note: {note}")
    if fmt == "alembic" and down is None:
        say("note: no --migrations head and no single alembic_version in the database: set down_revision "
            "in the revision before using it")
    say(f"{len(plan.active)} fixed, {len(result.patched)} by model patch, {len(plan.blocked)} blocked by data, "
        f"{len(plan.not_fixed)} not fixed; written: {', '.join(str(p) for p in written)}")


def _apply(target: str, result: object) -> None:
    from dbaudit.fix import FixResult, apply_fix  # noqa: PLC0415

    assert isinstance(result, FixResult)
    with progress("applying the fix"):
        applied = apply_fix(result, target)
    stderr.print(f"applied: {applied.ran} statements run, {applied.skipped} already done, {applied.retries} "
                 "retries after lock timeouts; post-checks passed", markup=False, soft_wrap=True)
    for label, rows in applied.verifications:
        stderr.print(f"verification of {label}: {list(rows)}", markup=False, soft_wrap=True)


__all__ = ["fix_command"]
