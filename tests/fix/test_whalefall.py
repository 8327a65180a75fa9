"""Issue 15's "done when" on the bundled example: a revision that upgrades, re-audits clean for the
selected rules with nothing new, and downgrades; the SQL form applied by psql and traced for locks."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import psycopg
import pytest
from click.testing import CliRunner
from pglast import split

from dbaudit.cli.main import cli
from dbaudit.fix import FixResult, plan_fix, provenance, write_fix
from dbaudit.fix.alembic_out import migrations_head
from dbaudit.migrations.trace import trace_script
from dbaudit.scratch import ScratchServer
from tests.fix.helpers import findings, psql
from tests.whalefall import WHALEFALL_DIR, BuiltExample, copy_of

SELECTION = ["fk-without-index", "index-duplicates-constraint", "redundant-index", "secret-in-bounded-varchar",
             "fk-missing", "fact-table-lifecycle-columns"]


@pytest.fixture
def example_url(pg_server: ScratchServer, whalefall_data_template: BuiltExample) -> Iterator[str]:
    """A throw-away copy of the built example (migrations at head, generated rows with the plants)."""
    yield from copy_of(pg_server, whalefall_data_template)


@pytest.fixture(scope="module")
def shared_url(pg_server: ScratchServer, whalefall_data_template: BuiltExample) -> Iterator[str]:
    """A copy of the example shared by the tests that only read it."""
    yield from copy_of(pg_server, whalefall_data_template)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the example project, whose migrations the revision joins."""
    copy = tmp_path / "whalefall"
    shutil.copytree(WHALEFALL_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def load_build(project: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"build_{abs(hash(project))}", project / "scripts" / "build.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cleaned_plan(url: str) -> FixResult:
    """The orphans the generator planted block fk-missing; after the clean-up the revision has it all."""
    blocked = plan_fix(url, select=SELECTION)
    assert [i.finding.rule for i in blocked.plan.blocked] == ["fk-missing"]
    cleanup = blocked.plan.blocked[0].cleanup
    assert cleanup is not None
    with psycopg.connect(url, autocommit=True) as conn:  # the user's decision, after reviewing the rows
        conn.execute(cleanup.encode())
    result = plan_fix(url, select=SELECTION)
    assert (result.plan.blocked, result.plan.not_fixed) == ((), ())
    return result


class TestDoneWhen:
    def test_planted_orphans_are_written_commented_out_never_deleted(self, shared_url: str, tmp_path: Path) -> None:
        """The revision says the data blocks fk-missing and holds the clean-up query as a comment only."""
        result = plan_fix(shared_url, select=SELECTION)
        (path,) = write_fix(result, tmp_path, fmt="alembic", source=provenance(shared_url, "test"),
                            down_revision="20251224164000", revision="fix0001")
        text = path.read_text(encoding="utf-8")
        assert "# BLOCKED BY DATA: P1 fk-missing public.database_size_aggregations.instance_id: 12 orphan rows" in text
        assert "#   DELETE FROM public.database_size_aggregations AS c WHERE" in text
        assert "\n        _locking('ALTER TABLE public.database_size_aggregations" not in text
        compile(text, str(path), "exec")

    def test_revision_upgrades_reaudits_clean_and_downgrades(self, example_url: str, project: Path) -> None:
        """Chained to the project's head, the revision upgrades; the selected rules find nothing and no
        rule finds anything new; the downgrade brings every finding back."""
        before = findings(example_url)
        result = cleaned_plan(example_url)
        head, versions = migrations_head(str(project))
        assert head == "20251224164000"
        write_fix(result, versions, fmt="alembic", source=provenance(example_url, "test"), down_revision=head,
                  revision="fix0001")
        build = load_build(project)
        build.upgrade(example_url)
        after = findings(example_url)
        assert [f for f in after if f[0] in SELECTION] == []
        assert after - before == set()
        build.downgrade(example_url, head)
        assert {f for f in findings(example_url) if f[0] in SELECTION} == {f for f in before if f[0] in SELECTION}

    def test_sql_form_traced_then_with_psql(self, example_url: str, tmp_path: Path) -> None:
        """upgrade.sql traced statement by statement: no statement holds ACCESS EXCLUSIVE on a table with
        rows while rewriting it or reading its heap (catalog updates only); the selected rules then find
        nothing; downgrade.sql and upgrade.sql apply with psql, each doing its whole job."""
        before = findings(example_url, set(SELECTION))
        write_fix(cleaned_plan(example_url), tmp_path, fmt="sql", source=provenance(example_url, "test"))
        with psycopg.connect(example_url) as conn:
            with_rows = {f"{s}.{t}" for s, t in conn.execute(
                "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind = 'r' AND c.reltuples > 0")}
        script = "\n".join(line for line in (tmp_path / "upgrade.sql").read_text().split("\n")
                           if not line.startswith("\\"))
        entries = trace_script(example_url, list(split(script)))
        assert [(e.statement[:120], e.error) for e in entries if e.error] == []
        held = [(lock.table, e) for e in entries for lock in e.locks
                if lock.mode == "AccessExclusiveLock" and lock.preexisting and lock.table in with_rows]
        assert len(held) > 10  # the drops and the type change take it, briefly
        assert [(table, e.statement[:120]) for table, e in held if table in e.rewritten or table in e.scanned] == []
        assert any(e.scanned for e in entries)  # VALIDATE reads the tables, under a lock that lets writes go on
        assert findings(example_url, set(SELECTION)) == set()
        down = psql(example_url, tmp_path / "downgrade.sql")
        assert down.returncode == 0, down.stderr
        assert findings(example_url, set(SELECTION)) == before
        up = psql(example_url, tmp_path / "upgrade.sql")
        assert up.returncode == 0, up.stderr
        assert findings(example_url, set(SELECTION)) == set()

    def test_fix_command_with_model_patch(self, shared_url: str, project: Path, tmp_path: Path) -> None:
        """`dbaudit fix`: exit 1 while data blocks a fix, says so; the ORM key mismatch becomes a patch that
        applies to the project."""
        out = tmp_path / "out"
        result = CliRunner().invoke(cli, [
            "fix", shared_url, "--select", ",".join([*SELECTION, "partitioned-orm-key-mismatch"]), "-o", str(out),
            "--format", "sql", "--models", "app.models:Base", "--project", str(project)], catch_exceptions=False)
        assert result.exit_code == 1
        assert "blocked by data (written commented out, with its clean-up): P1 fk-missing" in result.output
        assert "model patch: P0 partitioned-orm-key-mismatch public.database_size_stats" in result.output
        assert sorted(p.name for p in out.iterdir()) == ["downgrade.sql", "model_patch.diff", "upgrade.sql"]
        patch = (out / "model_patch.diff").read_text(encoding="utf-8")
        assert "+    collected_date: Mapped[date] = mapped_column(Date, nullable=False, primary_key=True)" in patch
        git = shutil.which("git")
        if git is not None:
            applied = subprocess.run([git, "apply", "-p1", str(out / "model_patch.diff")], cwd=project,
                                     capture_output=True, text=True, check=False)
            assert applied.returncode == 0, applied.stderr

    def test_fix_command_refuses_without_a_selection(self, tmp_path: Path) -> None:
        """Nothing selected: one line, exit 2, before any connection."""
        result = CliRunner().invoke(cli, ["fix", "postgresql://nobody@127.0.0.1:9/none", "-o", str(tmp_path)])
        assert result.exit_code == 2
        assert "choose what to fix: --select RULES or --finding ID" in result.output


@pytest.mark.slow
class TestEveryRule:
    def test_all_fixable_findings_round_trip(self, example_url: str, tmp_path: Path) -> None:
        """--select ALL: what can be fixed applies with psql and brings nothing new; what cannot says why;
        the downgrade restores exactly the findings there were."""
        before = findings(example_url)
        result = plan_fix(example_url, select=["ALL"])
        # int4 keys need a table rewrite; some index drops are unsafe once another fix (a partial unique
        # key for soft-deleted rows) replaces the index that served their queries or a foreign key
        reasons = ("not a binary-compatible widening", "is itself dropped by the fix of",
                   "drops the last index serving foreign key")
        assert [n.reason for n in result.plan.not_fixed if not any(r in n.reason for r in reasons)] == []
        assert {n.finding.rule for n in result.plan.not_fixed} == {
            "int4-key-overflow-risk", "index-duplicates-constraint", "redundant-index",
            "soft-delete-unique-not-partial"}
        assert {i.finding.rule for i in result.plan.blocked} == {
            "fk-missing", "redundant-column-without-consistency", "nullable-with-default"}
        write_fix(result, tmp_path, fmt="sql", source=provenance(example_url, "test"))
        up = psql(example_url, tmp_path / "upgrade.sql")
        assert up.returncode == 0, up.stderr
        fixed = {(i.finding.rule, i.finding.objects) for i in result.plan.active}
        after = findings(example_url)
        assert after & fixed == set()
        assert after - before == set()
        down = psql(example_url, tmp_path / "downgrade.sql")
        assert down.returncode == 0, down.stderr
        assert findings(example_url) == before
