"""An Alembic env.py that fails in offline mode: its error is passed on redacted (issue 17, item 2)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from dbaudit.cli.main import cli
from tests.migrations.helpers import CORPUS

SECRET = "Sup3rSecretEnvPy"


@pytest.fixture
def failing_env_project(tmp_path: Path) -> Path:
    versions = tmp_path / "migrations" / "versions"
    versions.mkdir(parents=True)
    shutil.copy(CORPUS / "alembic_project" / "script.py.mako", tmp_path / "migrations" / "script.py.mako")
    (tmp_path / "migrations" / "env.py").write_text(
        "import os\nraise RuntimeError('cannot reach ' + os.environ['DATABASE_URL'] + ' with "
        + SECRET + "')\n", encoding="utf-8")
    (versions / "r1.py").write_text(
        'revision = "r1"\ndown_revision = None\nfrom alembic import op\n\n'
        'def upgrade():\n    op.execute("CREATE INDEX i ON t (c)")\n\ndef downgrade():\n    pass\n',
        encoding="utf-8")
    return tmp_path


def test_offline_failure_note_is_redacted(failing_env_project: Path, tmp_path: Path) -> None:
    """Static lint goes on with the op.execute SQL; the note says why, without the environment's password."""
    out = tmp_path / "lint.json"
    result = CliRunner().invoke(cli, ["lint-migrations", str(failing_env_project), "--format", "json", "-o", str(out)],
                                env={"DATABASE_URL": f"postgresql://app:{SECRET}@db.example/app"})
    assert result.exit_code in (0, 1), result.stderr
    text = out.read_text(encoding="utf-8")
    assert SECRET not in text + result.stdout + result.stderr
    notes = [n["message"] for n in json.loads(text)["notes"]]
    assert any("alembic offline mode (--sql) failed (RuntimeError: cannot reach postgresql://app:***@db.example/app"
               " with ***)" in n for n in notes), notes
    assert "non-concurrent-index" in {f["rule"] for f in json.loads(text)["findings"]}


def test_trace_without_offline_sql_is_an_error(failing_env_project: Path) -> None:
    """--trace cannot apply revisions offline mode did not render: exit 2, not an empty trace."""
    result = CliRunner().invoke(cli, ["lint-migrations", str(failing_env_project), "--trace"],
                                env={"DATABASE_URL": f"postgresql://app:{SECRET}@db.example/app"})
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert "cannot trace" in result.stderr
    assert SECRET not in result.stdout + result.stderr
