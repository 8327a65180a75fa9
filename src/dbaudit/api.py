"""The Python API's entry points besides :func:`dbaudit.audit` (in :mod:`dbaudit.auditing`).

    import dbaudit

    result = dbaudit.audit("postgresql://app@db/app", models="app.models:Base", project_dir=".")
    model = dbaudit.inspect("schema.sql")
    review = dbaudit.lint_migrations("migrations", config=dbaudit.load_config())

Each returns a typed, immutable value: :class:`~dbaudit.auditing.AuditResult`,
:class:`~dbaudit.model.SchemaModel`, :class:`~dbaudit.migrations.LintResult`. Errors on bad inputs
raise :class:`dbaudit.errors.DbauditError` (its subclasses name the input).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dbaudit.config import Config
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


__all__ = ["inspect", "lint_migrations"]
