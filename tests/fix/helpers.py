"""What the fix tests share: auditing a database, running psql, and a throw-away Alembic project."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from dbaudit.engine import run_rules
from dbaudit.rules import RuleContext
from dbaudit.sources.postgres import read_postgres

Found = set[tuple[str, tuple[str, ...]]]

ENV_PY = '''
from alembic import context
from sqlalchemy import create_engine

engine = create_engine(context.config.get_main_option("sqlalchemy.url"))
with engine.connect() as connection:
    context.configure(connection=connection, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()
'''
BASE_REVISION = '''"""base"""
revision = "base0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
'''


def findings(url: str, rules: set[str] | None = None) -> Found:
    """(rule, objects) of every schema rule's findings on ``url`` (or of ``rules`` only)."""
    run = run_rules(RuleContext(model=read_postgres(url)))
    return {(f.rule, f.objects) for f in run.findings if rules is None or f.rule in rules}


def psql(url: str, path: Path) -> subprocess.CompletedProcess[str]:
    """``psql -f`` as a user runs it (ON_ERROR_STOP is set by the script itself)."""
    executable = shutil.which("psql")
    if executable is None:
        pytest.skip("psql is not installed: the SQL form is applied with psql")
    return subprocess.run([executable, "-X", "-q", "-d", url, "-f", str(path)], capture_output=True, text=True,
                          timeout=300, check=False)


def alembic_project(root: Path, url: str) -> object:
    """A minimal Alembic project (an empty base revision) pointed at ``url``; returns its Config."""
    from alembic.config import Config  # noqa: PLC0415

    versions = root / "migrations" / "versions"
    versions.mkdir(parents=True)
    (root / "migrations" / "env.py").write_text(ENV_PY, encoding="utf-8")
    (versions / "base0001_base.py").write_text(BASE_REVISION, encoding="utf-8")
    config = Config()
    config.set_main_option("script_location", str(root / "migrations"))
    sqlalchemy_url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    config.set_main_option("sqlalchemy.url", sqlalchemy_url.replace("%", "%%"))
    return config
