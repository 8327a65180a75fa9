"""``pre-commit try-repo``: dbaudit's hooks installed by pre-commit from this repository and run on a
sample project (a git repository with a schema .sql file and .sql migrations)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dbaudit.scratch import ScratchServer

ROOT = Path(__file__).resolve().parents[1]


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"})


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")
class TestPreCommitHooks:
    def test_try_repo_runs_both_hooks(self, tmp_path: Path, pg_server: ScratchServer) -> None:
        """Both hooks install from this repository and report in the concise format; findings fail."""
        sample = tmp_path / "sample"
        (sample / "db").mkdir(parents=True)
        (sample / "migrations").mkdir()
        (sample / "db" / "schema.sql").write_text(
            "CREATE TABLE accounts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);\n"
            "CREATE TABLE loose (v text);\n", encoding="utf-8")
        (sample / "migrations" / "001_base.sql").write_text("CREATE TABLE t (a int, b text);\n", encoding="utf-8")
        (sample / "migrations" / "002_drop.sql").write_text(
            "SET lock_timeout = '2s';\nALTER TABLE t DROP COLUMN a;\n", encoding="utf-8")
        _git(sample, "init", "-q")
        _git(sample, "add", "-A")
        env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
               "DBAUDIT_SCRATCH_URL": pg_server.admin_url, "PRE_COMMIT_COLOR": "never"}
        done = subprocess.run(
            [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "--all-files"],
            cwd=sample, env=env, capture_output=True, text=True, timeout=900, check=False,
        )
        out = done.stdout + done.stderr
        assert done.returncode == 1, out[-3000:]
        assert "dbaudit lint-migrations (changed revisions)" in out
        assert "migrations/002_drop.sql:2:1: P0 destructive-change Column public.t.a is dropped" in out
        assert "dbaudit audit (schema .sql)" in out
        assert "db/schema.sql:1:1: P1 table-without-primary-key public.loose has no primary key" in out
        assert "Traceback" not in out
