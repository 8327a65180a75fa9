"""Issue-16 review features: suppressions, several paths, transactions across revisions, the target
database (pending revisions, size grading, function volatility), and the facts the rules rely on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pglast
import psycopg
import pytest
from click.testing import CliRunner

from dbaudit.cli.main import cli
from dbaudit.errors import UsageError
from dbaudit.findings import Severity
from dbaudit.migrations import lint_migrations
from dbaudit.migrations.parse.statements import parse_statements
from dbaudit.migrations.rules.rewrites import NON_VOLATILE_FUNCTIONS, VOLATILE_FUNCTIONS
from dbaudit.model.schema import Location
from dbaudit.scratch import ScratchServer
from tests.migrations.helpers import BASE_SQL, CORPUS, alembic_project, load_cases
from tests.migrations.test_static import write_revision


def sql_dir(tmp: Path, *files: tuple[str, str]) -> Path:
    for name, text in files:
        (tmp / name).write_text(text, encoding="utf-8")
    return tmp


class TestSuppressions:
    def test_without_reason_is_an_error(self, tmp_path: Path) -> None:
        """A suppression must say why: without a reason it is a usage error naming file and line."""
        sql_dir(tmp_path, ("001.sql", "CREATE TABLE t (a int);\n"),
                ("002.sql", "-- dbaudit: ignore[non-concurrent-index]\nCREATE INDEX i ON t (a);\n"))
        with pytest.raises(UsageError, match=r"^002\.sql:1: suppression of non-concurrent-index needs a reason"):
            lint_migrations(tmp_path)

    def test_unknown_rule_is_an_error(self, tmp_path: Path) -> None:
        """An unknown rule id in a suppression is a usage error, with the closest known id."""
        sql_dir(tmp_path, ("001.sql", "CREATE INDEX i ON t (a); -- dbaudit: ignore[non-concurent-index] tiny\n"))
        with pytest.raises(UsageError, match=r"^001\.sql:1: unknown rule 'non-concurent-index' in suppression "
                                             r"\(did you mean non-concurrent-index\?\)"):
            lint_migrations(tmp_path)

    def test_unknown_rule_in_python_revision(self, tmp_path: Path) -> None:
        """Python revisions are checked the same way (``# dbaudit: ignore[...]``)."""
        project = alembic_project(tmp_path)
        write_revision(project / "migrations" / "versions", "r1", "corpus_base",
                       "    op.execute('SELECT 1')  # dbaudit: ignore[no-such-rule] because")
        with pytest.raises(UsageError, match=r"^migrations/versions/r1\.py:10: unknown rule 'no-such-rule'"):
            lint_migrations(project, since="corpus_base")

    def test_unused_suppression_is_reported(self, tmp_path: Path) -> None:
        """A suppression that silences nothing is a note naming its place and rule."""
        sql_dir(tmp_path, ("001.sql", "-- dbaudit: ignore[truncate-table] kept for later\nSELECT 1;\n"))
        result = lint_migrations(tmp_path)
        assert (result.findings, [(n.message, n.rule) for n in result.notes]) == ((), [
            ("001.sql:1: suppression of truncate-table matched no finding (remove it)", "truncate-table")])

    def test_suppressed_findings_are_kept_in_json(self, tmp_path: Path) -> None:
        """The JSON report lists each suppressed finding with its suppression and reason."""
        sql_dir(tmp_path, ("001.sql", "CREATE TABLE t (a int);\n"),
                ("002.sql", "SET lock_timeout = '1s';\n"
                            "CREATE INDEX i ON t (a); -- dbaudit: ignore[non-concurrent-index] t is tiny\n"))
        result = CliRunner().invoke(cli, ["lint-migrations", str(tmp_path), "--format", "json"])
        doc = json.loads(result.stdout)
        assert (result.exit_code, doc["findings"]) == (0, [])
        assert [(s["finding"]["rule"], s["suppression"]) for s in doc["suppressed"]] == [
            ("non-concurrent-index", {"path": "002.sql", "line": 2, "rules": ["non-concurrent-index"],
                                      "reason": "t is tiny"})]


class TestSeveralPaths:
    def test_two_projects_in_one_run(self, tmp_path: Path) -> None:
        """Several paths are linted in one run; locations are relative to their common parent."""
        for name in ("svc_a", "svc_b"):
            (tmp_path / name).mkdir()
            sql_dir(tmp_path / name, ("001.sql", "CREATE TABLE t (a int);\n"),
                    ("002.sql", "SET lock_timeout = '1s';\nCREATE INDEX i ON t (a);\n"))
        result = CliRunner().invoke(cli, ["lint-migrations", str(tmp_path / "svc_a"), str(tmp_path / "svc_b"),
                                          "--format", "json"])
        doc = json.loads(result.stdout)
        assert result.exit_code == 1
        assert [s["name"] for s in doc["sources"]] == [str(tmp_path / "svc_a"), str(tmp_path / "svc_b")]
        assert [(f["rule"], f["locations"], f["evidence"][0]) for f in doc["findings"]] == [
            ("non-concurrent-index", [{"path": "svc_a/002.sql", "line": 2}],
             "svc_a/002.sql:2 (002): CREATE INDEX i ON t (a)"),
            ("non-concurrent-index", [{"path": "svc_b/002.sql", "line": 2}],
             "svc_b/002.sql:2 (002): CREATE INDEX i ON t (a)"),
        ]

    def test_since_applies_to_the_project_that_knows_it(self, tmp_path: Path) -> None:
        """With several paths, --since filters the project holding that revision; unknown everywhere: error."""
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
            sql_dir(tmp_path / name, (f"001_{name}.sql", "CREATE TABLE t (a int);\nCREATE INDEX i ON t (a);\n"),
                    (f"002_{name}.sql", "SET lock_timeout = '1s';\nCREATE INDEX j ON t (a);\n"))
        result = lint_migrations([tmp_path / "a", tmp_path / "b"], since="001_a")
        assert sorted(f.locations[0].path for f in result.findings) == ["a/002_a.sql", "b/002_b.sql"]
        with pytest.raises(UsageError, match="unknown revision 'nope'"):
            lint_migrations([tmp_path / "a", tmp_path / "b"], since="nope")


NOT_VALID = ('    op.execute("SET lock_timeout = \'5s\'")\n'
             '    op.execute("ALTER TABLE orders ADD CONSTRAINT orders_ref_positive CHECK (ref > 0) NOT VALID")')
VALIDATE = ('    op.execute("SET statement_timeout = \'1h\'")\n'
            '    op.execute("ALTER TABLE orders VALIDATE CONSTRAINT orders_ref_positive")')


class TestTransactionsAcrossRevisions:
    def test_single_transaction_by_default(self, tmp_path: Path) -> None:
        """Without transaction_per_migration, a NOT VALID added by one pending revision and validated by
        the next run in one transaction: flagged, with a note saying why."""
        project = alembic_project(tmp_path)
        versions = project / "migrations" / "versions"
        write_revision(versions, "n1", "corpus_base", NOT_VALID)
        write_revision(versions, "v2", "n1", VALIDATE)
        result = lint_migrations(project, since="corpus_base")
        assert [(f.rule, f.locations) for f in result.findings] == [
            ("validate-in-same-transaction", (Location("migrations/versions/v2.py", 11),))]
        assert "env.py does not set transaction_per_migration=True" in result.findings[0].evidence[1]
        assert [n.rule for n in result.notes] == ["validate-in-same-transaction"]
        # once n1 is applied (only v2 pending), the NOT VALID was committed long ago
        assert lint_migrations(project, since="n1").findings == ()

    def test_transaction_per_migration(self, tmp_path: Path) -> None:
        """With transaction_per_migration=True each revision commits: nothing to report."""
        project = alembic_project(tmp_path)
        env = project / "migrations" / "env.py"
        env.write_text(env.read_text(encoding="utf-8").replace(
            "literal_binds=True,", "literal_binds=True, transaction_per_migration=True,"), encoding="utf-8")
        versions = project / "migrations" / "versions"
        write_revision(versions, "n1", "corpus_base", NOT_VALID)
        write_revision(versions, "v2", "n1", VALIDATE)
        result = lint_migrations(project, since="corpus_base")
        assert (result.findings, [n.message for n in result.notes]) == (
            (), ["env.py sets transaction_per_migration=True: each revision commits on its own"])


@pytest.fixture
def target_db(pg_exec: psycopg.Connection[Any], pg_url: str) -> str:
    """The database the migrations will run on: orders (~200,000 rows), empty coupons, alembic at a1."""
    pg_exec.execute(BASE_SQL)
    pg_exec.execute("INSERT INTO orders (customer_id, note, status) "
                    "SELECT g % 100, repeat('x', 100), 'new' FROM generate_series(1, 200000) g")
    pg_exec.execute("CREATE TABLE coupons (id int, code text)")
    pg_exec.execute("CREATE FUNCTION stable_code() RETURNS text LANGUAGE sql STABLE AS $$ SELECT 'c' $$")
    pg_exec.execute("CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)")
    pg_exec.execute("INSERT INTO alembic_version VALUES ('a1')")
    pg_exec.execute("ANALYZE")
    return pg_url


class TestTargetDatabase:
    def test_pending_revisions_and_size_grading(self, tmp_path: Path, target_db: str) -> None:
        """Only revisions after alembic_version are linted; each hazard is graded by its real table."""
        project = alembic_project(tmp_path)
        versions = project / "migrations" / "versions"
        write_revision(versions, "a1", "corpus_base", '    op.create_index("ix_a1", "orders", ["note"])')
        write_revision(versions, "b2", "a1", "\n".join([
            "    op.execute(\"SET lock_timeout = '5s'\")",
            "    op.execute('ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid()')",
            "    op.execute('ALTER TABLE coupons ALTER COLUMN code SET NOT NULL')",
            "    op.execute('CREATE TABLE fresh (id int, v text)')",
            "    op.execute('ALTER TABLE fresh ADD COLUMN w text NOT NULL')",
            "    op.execute('ALTER TABLE customers ADD COLUMN code text DEFAULT stable_code()')",
        ]))
        write_revision(versions, "c3", "b2", "    op.execute(\"SET lock_timeout = '5s'\")\n"
                                             "    op.execute('ALTER TABLE fresh ALTER COLUMN v SET NOT NULL')")
        result = lint_migrations(project, database=target_db)
        graded = [(f.rule, f.locations[0].path.rsplit("/")[-1], f.severity, f.evidence[-1]) for f in result.findings]
        db = target_db.rsplit("/", 1)[1]
        data = dict(result.findings[0].data)
        assert graded[0][:3] == ("add-column-rewrite", "b2.py", Severity.P2)  # ~30 MB: well under a second
        assert (data["rows_estimate"], 20e6 < data["table_bytes"] < 40e6, data["estimated_seconds"] < 1) == (
            200000, True, True)
        assert graded[0][3] == (
            f"size: rewrites public.orders ({data['table_bytes'] / 1024 / 1024:.1f} MB, ~200.0 k rows in database "
            f"{db}): under 1 s under ACCESS EXCLUSIVE (assumed: scan 200 MB/s, rewrite 50 MB/s of table+indexes, "
            "index build 50 MB/s)")
        assert graded[1:] == [
            ("set-not-null-scan", "b2.py", Severity.P2,
             f"size: public.coupons is empty in database {db}: safe"),
            ("set-not-null-scan", "c3.py", Severity.P2,
             "size: public.fresh is created by revision b2 of this run: empty when this runs: safe"),
        ]
        assert [n.message for n in result.notes] == [
            f"database {db} is at a1 (public.alembic_version): 2 revision(s) already "
            "applied are not linted; 2 pending revision(s) linted"]

    def test_volatility_looked_up_on_the_database(self, tmp_path: Path, target_db: str) -> None:
        """A function unknown to dbaudit is volatile statically, and what the database says with --database."""
        sql_dir(tmp_path, ("001.sql", "SET lock_timeout = '5s';\n"
                                      "ALTER TABLE orders ADD COLUMN code text DEFAULT stable_code();\n"))
        assert [f.rule for f in lint_migrations(tmp_path).findings] == ["add-column-rewrite"]
        assert lint_migrations(tmp_path, database=target_db).findings == ()

    def test_target_version_from_the_server(self, tmp_path: Path, target_db: str) -> None:
        """The server's major version is the target version unless --target-version says otherwise."""
        sql_dir(tmp_path, ("001.sql", "SET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN p int DEFAULT 0;\n"))
        assert lint_migrations(tmp_path, database=target_db).findings == ()
        result = lint_migrations(tmp_path, database=target_db, target_version=10)
        assert [(f.rule, f.severity) for f in result.findings] == [("add-column-rewrite", Severity.P2)]  # ~30 MB
        assert result.findings[0].evidence[1] == ("a DEFAULT on ADD COLUMN rewrites the table before PostgreSQL 11 "
                                                  "(PostgreSQL 10)")

    def test_model_file(self, tmp_path: Path, target_db: str) -> None:
        """A model JSON (dbaudit inspect -o) grades by its recorded sizes; applied revisions are unknown."""
        model = tmp_path / "model.json"
        assert CliRunner().invoke(cli, ["inspect", target_db, "-o", str(model)]).exit_code == 0
        project = tmp_path / "p"
        project.mkdir()
        sql_dir(project, ("001.sql", "SET lock_timeout = '5s';\nALTER TABLE orders ALTER COLUMN ref TYPE bigint;\n"))
        result = lint_migrations(project, database=str(model))
        assert [f.evidence[-1].split(" (")[0] for f in result.findings] == ["size: rewrites public.orders"]


def test_irreversible_downgrade_is_not_empty(tmp_path: Path) -> None:
    """A downgrade() that only raises is reported as irreversible on purpose, with its reason."""
    project = alembic_project(tmp_path)
    path = write_revision(project / "migrations" / "versions", "r1", "corpus_base", "    pass")
    path.write_text(path.read_text(encoding="utf-8").replace(
        'def downgrade():\n    op.execute("SELECT 1")',
        'def downgrade():\n    """No way back."""\n    raise NotImplementedError("data is  merged")'), encoding="utf-8")
    result = lint_migrations(project, since="corpus_base")
    assert [(f.rule, f.title, f.evidence) for f in result.findings] == [(
        "missing-downgrade", "Revision r1 is irreversible on purpose (its downgrade() raises)",
        ("migrations/versions/r1.py:13 (r1): downgrade() raises NotImplementedError: data is merged",))]


class TestFacts:
    def test_builtin_volatility_lists_match_the_server(self, pg_exec: psycopg.Connection[Any]) -> None:
        """Every function listed non-volatile has only IMMUTABLE/STABLE overloads; the volatile ones in
        pg_catalog have a VOLATILE overload."""
        rows = pg_exec.execute(
            "SELECT proname, bool_or(provolatile = 'v') FROM pg_proc p JOIN pg_namespace n ON n.oid = pronamespace "
            "WHERE nspname = 'pg_catalog' AND proname = ANY(%s) GROUP BY proname",
            (sorted(NON_VOLATILE_FUNCTIONS | VOLATILE_FUNCTIONS),)).fetchall()
        volatile = {name for name, v in rows if v}
        assert volatile & NON_VOLATILE_FUNCTIONS == set()
        assert {name for name, _ in rows} >= NON_VOLATILE_FUNCTIONS
        assert volatile == {name for name, _ in rows} & VOLATILE_FUNCTIONS

    def test_fast_parse_builds_the_same_trees(self) -> None:
        """Parsing without pglast's per-attribute validation gives equal trees, node types included."""
        texts = [BASE_SQL, *(c.sql for c in load_cases())]
        texts += [p.read_text(encoding="utf-8") for p in sorted((CORPUS / "sql").glob("*.sql"))]
        for text in texts:
            fast = [r.node for r in parse_statements(text, where="x")]
            slow = [r.stmt for r in pglast.parse_sql(text)]
            assert fast == slow
            assert [_types(n) for n in fast] == [_types(n) for n in slow]


def _types(node: object) -> list[str]:
    from dbaudit.migrations.sqlfacts import walk  # noqa: PLC0415

    out = []
    for n in walk(node):
        out.append(type(n).__name__)
        out.extend(f"{k}:{type(getattr(n, k, None)).__name__}" for k in getattr(type(n), "__slots__", ()))
    return out


def test_trace_drop_index_locks_the_table(tmp_path: Path, pg_server: ScratchServer) -> None:
    """Traced, DROP INDEX holds AccessExclusiveLock on the index's table, as drop-index-non-concurrent says."""
    sql_dir(tmp_path, ("000_base.sql", BASE_SQL),
            ("001.sql", "SET lock_timeout = '5s';\nDROP INDEX ix_orders_status;\n"))
    result = lint_migrations(tmp_path, trace=True, since="000_base", scratch_url=pg_server.admin_url, rows=50)
    entry = result.traces[-1]
    assert (entry.strongest, [lk.table for lk in entry.locks if lk.mode == "AccessExclusiveLock"][:1]) == (
        "AccessExclusiveLock", ["public.orders"])
    assert [f.rule for f in result.findings] == ["drop-index-non-concurrent"]
    assert result.findings[0].evidence[-1].startswith("trace: AccessExclusiveLock on public.orders")
