"""The Python API's entry points besides :func:`dbaudit.audit` (in :mod:`dbaudit.auditing`).

    import dbaudit

    result = dbaudit.audit("postgresql://app@db/app", models="app.models:Base", project_dir=".")
    model = dbaudit.inspect("schema.sql")
    review = dbaudit.lint_migrations("migrations", config=dbaudit.load_config())
    fleet = dbaudit.audit_fleet("fleet.toml", output_dir="out", concurrency=8)   # or a list of URLs
    merged = dbaudit.merge_fleet("reports/")          # JSON reports of separate `dbaudit audit` runs

Each returns a typed, immutable value: :class:`~dbaudit.auditing.AuditResult`,
:class:`~dbaudit.model.SchemaModel`, :class:`~dbaudit.migrations.LintResult`. Errors on bad inputs
raise :class:`dbaudit.errors.DbauditError` (its subclasses name the input).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dbaudit.config import Config
    from dbaudit.fleet import FleetConfig, FleetEvent, FleetResult
    from dbaudit.migrations import LintResult
    from dbaudit.model import SchemaModel


def inspect(
    target: str | Path, *, schemas: Sequence[str] | None = None, scratch_url: str | None = None,
    exact_sizes: bool = False,
) -> SchemaModel:
    """Read a database URL, a ``.sql`` file (loaded into a throw-away PostgreSQL) or a model JSON file
    into the schema model, as ``dbaudit inspect`` does."""
    from dbaudit.sources import load_source  # noqa: PLC0415 - sources load lazily

    return load_source(str(target), scratch_url=scratch_url, schemas=tuple(schemas) if schemas else None,
                       exact_sizes=exact_sizes)


def lint_migrations(
    path: str | Path, *, config: Config | None = None, trace: bool = False, since: str | None = None,
    scratch_url: str | None = None, assume_in_transaction: bool = False,
) -> LintResult:
    """Review an Alembic project or a directory of ``.sql`` migrations, as ``dbaudit lint-migrations``
    does: ``config`` (selection, severities, suppressions) is applied to the findings."""
    from dbaudit.config import Config  # noqa: PLC0415
    from dbaudit.engine import apply_config  # noqa: PLC0415
    from dbaudit.migrations import lint_migrations as lint  # noqa: PLC0415

    result = lint(path, trace=trace, since=since, scratch_url=scratch_url, assume_in_transaction=assume_in_transaction)
    kept, notes = apply_config(result.findings, config or Config())
    return dataclasses.replace(result, findings=kept, notes=(*result.notes, *notes))


def audit_fleet(
    fleet: FleetConfig | str | Path | Sequence[str],
    *,
    output_dir: str | Path | None = None,
    formats: Sequence[str] = ("md", "html", "json", "sarif"),
    concurrency: int | None = None,
    timeout_s: float | None = None,
    lang: str | None = None,
    fail_on: str | None = None,
    stats: bool | None = None,
    scratch_url: str | None = None,
    on_event: Callable[[FleetEvent], None] | None = None,
) -> FleetResult:
    """Audit many databases at once, as ``dbaudit fleet`` does: a fleet file (``fleet.toml``), a
    :class:`~dbaudit.fleet.FleetConfig` or a list of URLs; ``concurrency`` audits at a time, each
    within ``timeout_s`` seconds (a database that fails or runs out of time fails alone); each
    database's reports go to ``output_dir/<name>/``. :func:`dbaudit.fleet.write_fleet_report` writes
    the aggregated report of the returned :class:`~dbaudit.fleet.FleetResult`."""
    from dbaudit.fleet import audit_fleet as run  # noqa: PLC0415

    return run(fleet, output_dir=output_dir, formats=formats, concurrency=concurrency, timeout_s=timeout_s,
               lang=lang, fail_on=fail_on, stats=stats, scratch_url=scratch_url, on_event=on_event)


def merge_fleet(
    directory: str | Path, *, expected: Sequence[str] | FleetConfig | str | Path = (), fail_on: str | None = None,
) -> FleetResult:
    """The fleet result of the JSON reports under ``directory`` written by separate ``dbaudit audit
    --fleet-name NAME`` runs, as ``dbaudit fleet --merge`` builds it; ``expected`` names the databases
    (or a fleet file) whose missing report counts as a failed database."""
    from dbaudit.fleet import merge_fleet as merge  # noqa: PLC0415

    return merge(directory, expected=expected, fail_on=fail_on)


__all__ = ["audit_fleet", "inspect", "lint_migrations", "merge_fleet"]
