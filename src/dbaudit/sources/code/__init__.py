"""The optional code source: facts about how the application uses its database.

``scan_code(root, model)`` walks a project directory (Python with the AST, front-end files and
configuration as text) and returns :class:`CodeFacts`; schema rules read those facts through
``RuleContext.inputs["code"]``. Nothing is imported or executed.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

from dbaudit.errors import SourceError
from dbaudit.model.code_facts import CodeFacts
from dbaudit.model.schema import SchemaModel
from dbaudit.sources.code.python_scan import collect_orm_map, scan_python
from dbaudit.sources.code.text_scan import CONFIG_SUFFIXES, FRONTEND_SUFFIXES, scan_config, scan_frontend

SKIP_DIRS = frozenset({
    ".git", ".hg", ".venv", "venv", ".venv-ci", "node_modules", "__pycache__", "site-packages",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", "dist", "build", "tests", "test",
    # Migrations are their own source (dbaudit lint-migrations); DDL there is not application code.
    "migrations", "alembic",
})
MAX_FILE_BYTES = 2_000_000


def _walk(root: Path) -> list[Path]:
    files: list[Path] = []
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(filenames):
            path = Path(directory, name)
            if path.stat().st_size <= MAX_FILE_BYTES:
                files.append(path)
    return files


def scan_code(root: str | Path, model: SchemaModel | None = None) -> CodeFacts:
    """Scan ``root``; ``model`` (the audited schema) ties front-end vocabularies to tables."""
    base = Path(root)
    if not base.is_dir():
        raise SourceError(f"code directory not found: {root}")
    files = _walk(base)
    trees: dict[Path, ast.Module] = {}
    for path in (p for p in files if p.suffix == ".py"):
        try:
            trees[path] = ast.parse(path.read_text(encoding="utf-8", errors="replace"), str(path))
        except SyntaxError:
            continue  # not ours to judge: a file that does not parse yields no facts
    orm = collect_orm_map(trees)
    facts = scan_python(trees, base, orm)
    tables = _table_columns(model, orm.tables.values())
    for path in files:
        rel = path.relative_to(base).as_posix()
        if path.suffix in FRONTEND_SUFFIXES:
            facts.column_values.extend(scan_frontend(path, rel, tables))
        elif path.suffix in CONFIG_SUFFIXES or path.name.startswith(".env"):
            facts.credentials.extend(scan_config(path, rel))
    return CodeFacts(
        searches=tuple(dict.fromkeys(facts.searches)),
        latest_rows=tuple(dict.fromkeys(facts.latest_rows)),
        offsets=tuple(dict.fromkeys(facts.offsets)),
        partition_tasks=tuple(facts.partition_tasks),
        encrypted_columns=tuple(dict.fromkeys(facts.encrypted_columns)),
        ephemeral_keys=tuple(dict.fromkeys(facts.ephemeral_keys)),
        credentials=tuple(dict.fromkeys(facts.credentials)),
        column_values=tuple(dict.fromkeys(facts.column_values)),
        auto_updated=tuple(dict.fromkeys(facts.auto_updated)),
        joins=tuple(dict.fromkeys(facts.joins)),
        files_scanned=len(files),
    )


def _table_columns(model: SchemaModel | None, orm_tables: object) -> dict[str, set[str]]:
    """Bare table name -> its columns, from the audited model (front-end files name tables loosely)."""
    if model is None:
        return {}
    return {t.name: {c.name for c in t.columns} for t in model.base_tables}


__all__ = ["CodeFacts", "scan_code"]
