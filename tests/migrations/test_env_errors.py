"""An Alembic env.py or revision that fails in offline mode: its error is passed on redacted (issue 17,
item 2). The environment's passwords (``DATABASE_URL``) and URL passwords never reach the output."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from dbaudit.cli.main import cli
from dbaudit.scratch import ScratchServer
from tests.migrations.helpers import CORPUS

SECRET = "Sup3rSecretEnvPy"
ENV = {"DATABASE_URL": f"postgresql://app:{SECRET}@db.example/app"}
REVISION = (
    'revision = "r1"\ndown_revision = None\nfrom alembic import op\n\n'
    'def upgrade():\n    op.execute("CREATE TABLE t (c int)")\n    op.execute("CREATE INDEX i ON t (c)")\n\n'
    "def downgrade():\n    pass\n"
)


def _project(root: Path, env_py: str, revision: str) -> Path:
    versions = root / "migrations" / "versions"
    versions.mkdir(parents=True)
    shutil.copy(CORPUS / "alembic_project" / "script.py.mako", root / "migrations" / "script.py.mako")
    (root / "migrations" / "env.py").write_text(env_py, encoding="utf-8")
    (versions / "r1.py").write_text(revision, encoding="utf-8")
    return root


@pytest.fixture
def failing_env(tmp_path: Path) -> Path:
    return _project(tmp_path / "env", "import os\nraise RuntimeError('cannot reach ' + os.environ['DATABASE_URL'] "
                    f"+ ' with {SECRET}')\n", REVISION)


@pytest.fixture
def failing_revision(tmp_path: Path) -> Path:
    revision = REVISION.replace('def upgrade():\n', "def upgrade():\n    import os\n"
                                "    raise RuntimeError('no connection: ' + os.environ['DATABASE_URL'])\n")
    return _project(tmp_path / "rev", (CORPUS / "alembic_project" / "env.py").read_text(encoding="utf-8"), revision)


def _lint(project: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["lint-migrations", str(project), "--format", "json", *args], env=ENV)
    assert result.exit_code in (0, 1), result.stderr
    return result.exit_code, result.stdout + result.stderr


def test_env_py_error_note_is_redacted(failing_env: Path) -> None:
    """env.py fails offline: dbaudit renders with its own environment and says why, without the password."""
    _, output = _lint(failing_env)
    assert SECRET not in output
    assert ("env.py could not run in offline mode (RuntimeError: cannot reach postgresql://app:***@db.example/app "
            "with ***)") in output


def test_revision_error_is_redacted(failing_revision: Path) -> None:
    """A revision whose upgrade() fails offline is read from its source; the reason carries no password."""
    _, output = _lint(failing_revision)
    assert SECRET not in output
    assert "no connection: postgresql://app:***@db.example/app" in output


def test_trace_with_a_failing_env_py_leaks_nothing(failing_env: Path, pg_server: ScratchServer) -> None:
    """--trace applies what dbaudit rendered itself; its output names no password either."""
    _, output = _lint(failing_env, "--trace", "--scratch-url", pg_server.admin_url)
    assert SECRET not in output
    assert "postgresql://app:***@db.example/app" in output
