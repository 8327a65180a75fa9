"""Static lint: loading sources, mapping statements to lines, and whole findings of the rules."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dbaudit.errors import SourceError, UsageError
from dbaudit.findings import Finding, Severity
from dbaudit.migrations import lint_migrations
from dbaudit.migrations.parse.alembic import split_offline_sql
from dbaudit.migrations.parse.statements import parse_statements
from dbaudit.migrations.rules.registry import REQUIRED_DOC_HEADINGS, all_rules, as_catalogue_rules, doc_sections
from dbaudit.migrations.rules.rewrites import type_change_rewrites
from dbaudit.migrations.sqlfacts import TypeSpec
from dbaudit.model.schema import Location
from dbaudit.rules.registry import RuleRegistry
from tests.migrations.helpers import BASE_SQL, alembic_project

REVISION = '''"""{doc}"""
import sqlalchemy as sa
from alembic import op

revision = "{rev}"
down_revision = {down!r}


def upgrade():
{body}


def downgrade():
    op.execute("SELECT 1")
'''


def write_revision(versions: Path, rev: str, down: str | None, body: str) -> Path:
    path = versions / f"{rev}.py"
    path.write_text(REVISION.format(doc=rev, rev=rev, down=down, body=body), encoding="utf-8")
    return path


class TestParse:
    def test_lines_of_statements(self) -> None:
        """Each statement gets the line of its first token, after comments and blank lines."""
        raws = parse_statements("-- head\n\nSELECT 1;\n/* c */ SELECT\n 2;", where="x.sql")
        assert [(r.sql, r.line_offset) for r in raws] == [("SELECT 1", 2), ("SELECT\n 2", 3)]

    def test_non_ascii_text(self) -> None:
        """Offsets are characters: statements after non-ASCII comments and literals are cut correctly."""
        raws = parse_statements("COMMENT ON TABLE t IS '实例-数据库关系';\nSELECT 2;", where="x.sql")
        assert [r.sql for r in raws] == ["COMMENT ON TABLE t IS '实例-数据库关系'", "SELECT 2"]

    def test_syntax_error_is_one_clear_error(self) -> None:
        """Unparsable SQL raises SourceError naming the file."""
        with pytest.raises(SourceError, match=r"^bad\.sql: unparsable SQL: syntax error"):
            parse_statements("ALTER TABLE;", where="bad.sql")

    def test_split_offline_sql(self) -> None:
        """Alembic's offline output is split at its '-- Running upgrade' markers."""
        text = "BEGIN;\n\n-- Running upgrade  -> a1, first\n\nSELECT 1;\n\n-- Running upgrade a1 -> b2\n\nSELECT 2;\n"
        chunks = split_offline_sql(text)
        assert {k: v.strip() for k, v in chunks.items()} == {"": "BEGIN;", "a1": "SELECT 1;", "b2": "SELECT 2;"}


class TestSqlFiles:
    def test_findings_of_sql_directory(self, tmp_path: Path) -> None:
        """A directory of .sql files is linted in name order; the whole finding is as expected."""
        (tmp_path / "001_base.sql").write_text("CREATE TABLE t (a int, b text);\n", encoding="utf-8")
        (tmp_path / "002_idx.sql").write_text("SET lock_timeout = '1s';\n\nCREATE INDEX t_b ON t (b);\n",
                                              encoding="utf-8")
        result = lint_migrations(tmp_path)
        assert result.findings == (Finding(
            rule="non-concurrent-index", category="migrations", severity=Severity.P1,
            objects=("public.t", "public.t_b"),
            title="Index t_b is built without CONCURRENTLY on public.t",
            evidence=("002_idx.sql:3 (002_idx): CREATE INDEX t_b ON t (b)", "ShareLock held for the whole build"),
            impact="Writes to the table (INSERT/UPDATE/DELETE) wait until the index is built.",
            root_cause="The index is created inside the migration's transaction without CONCURRENTLY.",
            fix_sql="-- run outside a transaction block (no BEGIN/COMMIT around it)\n"
                    "CREATE INDEX CONCURRENTLY t_b ON t (b);",
            verify_sql="SELECT indexrelid::regclass, indisvalid FROM pg_index WHERE indexrelid = "
                       "'public.t_b'::regclass;",
            locations=(Location("002_idx.sql", 3),),
        ),)

    def test_up_without_down(self, tmp_path: Path) -> None:
        """``x.up.sql`` without ``x.down.sql`` is a missing downgrade; with it, nothing."""
        (tmp_path / "001_a.up.sql").write_text("CREATE TABLE a (id int);\n", encoding="utf-8")
        (tmp_path / "002_b.up.sql").write_text("CREATE TABLE b (id int);\n", encoding="utf-8")
        (tmp_path / "002_b.down.sql").write_text("DROP TABLE b;\n", encoding="utf-8")
        result = lint_migrations(tmp_path)
        assert [(f.rule, f.objects, f.severity) for f in result.findings] == [
            ("missing-downgrade", ("001_a",), Severity.P2)]

    def test_since_keeps_later_files(self, tmp_path: Path) -> None:
        """``since`` lints only the migrations after the named one, but replays all for the state."""
        (tmp_path / "001.sql").write_text("CREATE TABLE t (a int);\nCREATE INDEX i1 ON t (a);\n", encoding="utf-8")
        (tmp_path / "002.sql").write_text("CREATE INDEX i2 ON t (a);\n", encoding="utf-8")
        result = lint_migrations(tmp_path, since="001")
        assert sorted((f.rule, f.locations[0].path) for f in result.findings) == [
            ("missing-lock-timeout", "002.sql"), ("non-concurrent-index", "002.sql")]

    def test_assume_in_transaction(self, tmp_path: Path) -> None:
        """With assume_in_transaction, CONCURRENTLY in a plain .sql file is reported as failing."""
        (tmp_path / "001.sql").write_text("SET statement_timeout = '1h';\nCREATE INDEX CONCURRENTLY i ON t (a);\n",
                                          encoding="utf-8")
        assert lint_migrations(tmp_path).findings == ()
        result = lint_migrations(tmp_path, assume_in_transaction=True)
        assert [(f.rule, f.locations) for f in result.findings] == [
            ("concurrent-in-transaction", (Location("001.sql", 2),))]

    def test_unknown_since(self, tmp_path: Path) -> None:
        """An unknown ``since`` revision is a usage error."""
        (tmp_path / "001.sql").write_text("SELECT 1;\n", encoding="utf-8")
        with pytest.raises(UsageError, match="unknown revision 'nope'"):
            lint_migrations(tmp_path, since="nope")


class TestAlembic:
    def test_line_inside_execute_literal(self, tmp_path: Path) -> None:
        """A statement inside a multi-line op.execute literal is reported at its own line."""
        project = alembic_project(tmp_path)
        body = '    op.execute("""\n        SET lock_timeout = \'5s\';\n        SELECT 1;\n' \
               '        CREATE INDEX ix_n ON orders (note);\n    """)'
        write_revision(project / "migrations" / "versions", "r1", "corpus_base", body)
        result = lint_migrations(project, since="corpus_base")
        assert [(f.rule, f.locations) for f in result.findings] == [
            ("non-concurrent-index", (Location("migrations/versions/r1.py", 13),))]

    def test_multiple_heads(self, tmp_path: Path) -> None:
        """Two revisions on the same parent are two heads: one P1 finding naming both."""
        project = alembic_project(tmp_path)
        versions = project / "migrations" / "versions"
        write_revision(versions, "h1", "corpus_base", "    pass")
        write_revision(versions, "h2", "corpus_base", "    pass")
        result = lint_migrations(project, since="corpus_base")
        assert [(f.rule, f.objects, f.severity, f.locations) for f in result.findings] == [
            ("multiple-heads", ("h1", "h2"), Severity.P1,
             (Location("migrations/versions/h1.py", 1), Location("migrations/versions/h2.py", 1)))]

    def test_broken_revision_file(self, tmp_path: Path) -> None:
        """A revision with a syntax error is one SourceError with file and line."""
        project = alembic_project(tmp_path)
        (project / "migrations" / "versions" / "bad.py").write_text("def upgrade(:\n", encoding="utf-8")
        with pytest.raises(SourceError, match=r"^migrations/versions/bad\.py:1: broken migration file"):
            lint_migrations(project)

    def test_env_sets_lock_timeout(self, tmp_path: Path) -> None:
        """When env.py sets lock_timeout, missing-lock-timeout stays silent and a note says why."""
        project = alembic_project(tmp_path)
        env = project / "migrations" / "env.py"
        setting = "context.execute(\"SET lock_timeout = '5s'\")\n        context.run_migrations()"
        env.write_text(env.read_text(encoding="utf-8").replace("context.run_migrations()", setting), encoding="utf-8")
        write_revision(project / "migrations" / "versions", "r1", "corpus_base",
                       '    op.add_column("orders", sa.Column("x", sa.Integer()))')
        result = lint_migrations(project, since="corpus_base")
        assert result.findings == ()
        assert [n.rule for n in result.notes] == ["missing-lock-timeout"]


    def test_user_code_stays_out_of_this_process(self, tmp_path: Path) -> None:
        """env.py and its imports run in a child process: dbaudit's sys.modules and sys.path are untouched."""
        project = alembic_project(tmp_path)
        (project / "lint_marker_pkg_5f1c.py").write_text("VALUE = 1\n", encoding="utf-8")
        env = project / "migrations" / "env.py"
        env.write_text("import sys\nsys.path.insert(0, 'x-added-by-env')\nimport lint_marker_pkg_5f1c\n"
                       + env.read_text(encoding="utf-8"), encoding="utf-8")
        result = lint_migrations(project, since="corpus_base")
        assert (result.findings, result.notes) == ((), ())
        assert ("lint_marker_pkg_5f1c" in sys.modules, "x-added-by-env" in sys.path) == (False, False)

    def test_env_that_cannot_run_offline(self, tmp_path: Path) -> None:
        """When env.py cannot run offline, dbaudit's own offline environment renders the revisions."""
        project = alembic_project(tmp_path)
        (project / "migrations" / "env.py").write_text("raise RuntimeError('needs a live database')\n",
                                                       encoding="utf-8")
        body = ('    op.execute("SET lock_timeout = \'5s\'")\n'
                '    op.add_column("orders", sa.Column("x", sa.Integer()))\n'
                '    op.execute("CREATE INDEX CONCURRENTLY ix_y ON orders (x)")')
        write_revision(project / "migrations" / "versions", "r1", "corpus_base", body)
        result = lint_migrations(project, since="corpus_base")
        assert [(f.rule, f.locations[0].line) for f in result.findings] == [
            ("concurrent-in-transaction", 12), ("missing-statement-timeout", 12)]
        assert [n.message for n in result.notes] == [
            "env.py could not run in offline mode (RuntimeError: needs a live database); the revisions were "
            "rendered with dbaudit's own offline environment (PostgreSQL dialect, literal binds)"]

    def test_missing_plugin_and_data_migration_are_partial(self, tmp_path: Path) -> None:
        """A revision importing a missing plugin, or reading data offline, is linted from its source; the
        revisions around it are rendered by Alembic; notes say which revision was partial and why."""
        project = alembic_project(tmp_path)
        versions = project / "migrations" / "versions"
        plugin = ('import geoalchemy_not_installed_x9\n'
                  'def upgrade():\n'
                  '    op.add_column("orders", sa.Column("geom", geoalchemy_not_installed_x9.Geometry("POINT")))\n'
                  '    op.create_index("ix_orders_note", "orders", ["note"])\n')
        (versions / "p1.py").write_text(REVISION.format(doc="p1", rev="p1", down="corpus_base", body="    pass")
                                        .replace("def upgrade():\n    pass\n", plugin), encoding="utf-8")
        data = ('    rows = op.get_bind().execute(sa.text("SELECT id FROM orders")).fetchall()\n'
                '    op.execute("SET lock_timeout = \'5s\'")\n'
                '    op.drop_column("orders", "ref")\n'
                '    for row in rows:\n'
                '        op.execute(f"UPDATE orders SET note = \'x\' WHERE id = {row.id}")')
        write_revision(versions, "d2", "p1", data)
        write_revision(versions, "r3", "d2", '    op.drop_column("orders", "status")')
        result = lint_migrations(project, since="corpus_base")
        assert sorted((f.rule, f.locations[0].path.rsplit("/")[-1], f.locations[0].line) for f in result.findings) == [
            ("destructive-change", "d2.py", 12), ("destructive-change", "r3.py", 10),
            ("missing-lock-timeout", "p1.py", 12), ("missing-lock-timeout", "r3.py", 10),
            ("non-concurrent-index", "p1.py", 12)]
        messages = [n.message for n in result.notes]
        assert messages[0] == ("migrations/versions/p1.py imports geoalchemy_not_installed_x9, which cannot be "
                               "imported here: a stand-in was used to render it offline")
        assert messages[1] == (
            "migrations/versions/p1.py (p1): partial: offline rendering failed (ArgumentError: 'SchemaItem' object, "
            "such as a 'Column' or a 'Constraint' expected, got <dbaudit_stub.geoalchemy_not_installed_x9.Geometry "
            "object>); linted 1 statement(s) read from the source (0 SQL string(s), 1 op.* call(s)); not read: "
            "op.add_column at line 11 (column type Geometry is not one dbaudit reads from the source)")
        assert messages[2] == (
            "migrations/versions/d2.py (d2): partial: offline rendering failed (AttributeError: 'NoneType' object "
            "has no attribute 'fetchall'); linted 2 statement(s) read from the source (1 SQL string(s), 1 op.* "
            "call(s)); not read: op.execute at line 14 (op.execute of a value that is not a string literal)")


class TestTypeChanges:
    @pytest.mark.parametrize(("old", "new", "rewrites"), [
        (TypeSpec("varchar", (10,)), TypeSpec("varchar", (20,)), False),
        (TypeSpec("varchar", (20,)), TypeSpec("varchar", (10,)), True),
        (TypeSpec("varchar", (20,)), TypeSpec("text"), False),
        (TypeSpec("varchar", (20,)), TypeSpec("varchar"), False),
        (TypeSpec("text"), TypeSpec("varchar", (20,)), True),
        (TypeSpec("numeric", (10, 2)), TypeSpec("numeric", (12, 2)), False),
        (TypeSpec("numeric", (10, 2)), TypeSpec("numeric", (12, 3)), True),
        (TypeSpec("numeric", (10, 2)), TypeSpec("numeric"), False),
        (TypeSpec("int4"), TypeSpec("int8"), True),
        (TypeSpec("timestamp"), TypeSpec("timestamptz"), True),
        (TypeSpec("timestamptz"), TypeSpec("timestamp"), True),
        (TypeSpec("timestamp", (3,)), TypeSpec("timestamp", (6,)), False),
        (TypeSpec("cidr"), TypeSpec("inet"), False),
        (TypeSpec("varchar", (10,), array=True), TypeSpec("varchar", (20,), array=True), False),
        (TypeSpec("int4", array=True), TypeSpec("int4"), True),
    ])
    def test_binary_compatibility(self, old: TypeSpec, new: TypeSpec, rewrites: bool) -> None:
        """Known binary-compatible changes need no rewrite; everything else does."""
        assert type_change_rewrites(old, new) is rewrites


class TestRegistry:
    def test_every_rule_is_documented(self) -> None:
        """Every migration rule has a kebab-case id, category migrations and the four doc headings."""
        rules = all_rules()
        assert len(rules) >= 15
        for rule in rules.values():
            assert rule.category == "migrations"
            assert set(REQUIRED_DOC_HEADINGS) <= set(doc_sections(rule.doc)), rule.id
            assert rule.rationale, rule.id

    def test_merges_into_the_global_catalogue_shape(self) -> None:
        """as_catalogue_rules() gives dbaudit.rules.registry.Rule values a RuleRegistry accepts."""
        registry = RuleRegistry()
        for rule in as_catalogue_rules():
            registry.add(rule)
        merged = registry.resolve("migrations")
        assert [r.id for r in merged] == list(all_rules())
        assert {(r.requires, r.title != r.id) for r in merged} == {(("migrations",), True)}

    def test_base_schema_is_valid_sql(self) -> None:
        """The corpus base schema parses (it is also executed by the tracing tests)."""
        assert len(parse_statements(BASE_SQL, where="_base.sql")) == 7
