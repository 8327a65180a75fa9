"""Lint only the revisions a commit changes (``dbaudit lint-migrations --changed FILE...``), as a
pre-commit hook passes them: each file's project is loaded whole (a revision is read against the
schema its predecessors built) and only findings located in the given files are kept."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from dbaudit.errors import UsageError
from dbaudit.findings import sort_findings

if TYPE_CHECKING:
    from dbaudit.migrations import LintResult


def project_of(file: Path) -> Path:
    """The migrations project a revision file belongs to: the directory of a ``.sql`` file; for a
    Python revision the nearest directory upwards with ``alembic.ini`` or Alembic's ``env.py``."""
    file = file.resolve()
    if file.suffix == ".sql":
        return file.parent
    for directory in file.parents:
        if (directory / "alembic.ini").is_file() or (directory / "env.py").is_file():
            return directory
    raise UsageError(f"{file}: not inside an Alembic project (no alembic.ini or env.py above it)")


def lint_changed(files: Sequence[Path], lint: Callable[[Path], LintResult]) -> LintResult:
    """``lint`` each project the ``files`` belong to; keep the findings located in those files."""
    import dataclasses  # noqa: PLC0415

    wanted = {f.resolve() for f in files}
    projects = list(dict.fromkeys(project_of(f) for f in files))
    results = [lint(p) for p in projects]
    kept = []
    for result in results:
        root = result.migrations.root if result.migrations else None
        for f in result.findings:
            if root is not None and any((root / loc.path).resolve() in wanted for loc in f.locations):
                kept.append(f)
    first = results[0]
    return dataclasses.replace(
        first, findings=sort_findings(kept), traces=tuple(t for r in results for t in r.traces),
        notes=tuple(n for r in results for n in r.notes),
    )


__all__ = ["lint_changed", "project_of"]
