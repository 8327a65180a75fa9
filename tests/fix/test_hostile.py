"""Fixes on a schema whose every name is hostile: the SQL form under psql, the Alembic revision, --apply.

Names carry quotes, spaces, Unicode, a reserved word, 63 bytes, a line break, ``%`` and ``:name``;
statement text is quoted through dbaudit.sqltext, and the generated files are executed for real.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from dbaudit.findings import fingerprint
from dbaudit.fix import FixResult, plan_fix, provenance, write_fix
from dbaudit.fix.apply import apply_plan
from dbaudit.scratch import ScratchServer
from dbaudit.sqltext import ident as q
from tests.databases import database_with
from tests.fix.helpers import alembic_project, findings, psql

UNITS, UNIT_ID = 'we"ird\nunits', 'we"ird\nunit_id'
SELECT, TAGS, STATS, ACCOUNTS, PERMS, LONG = "select", "tags ü", "Größe_stats", "accounts ä", "perms %:x", "n" * 63
DDL = f"""
CREATE TABLE {q(UNITS)} (id integer PRIMARY KEY, "näme" varchar(50) NOT NULL, is_active boolean NOT NULL DEFAULT true,
  deleted_at timestamptz, CONSTRAINT "näme key" UNIQUE ("näme"));
CREATE INDEX "dup %:x" ON {q(UNITS)} ("näme");
CREATE TABLE {q(TAGS)} (id integer PRIMARY KEY);
CREATE SEQUENCE "old seq" AS integer;
CREATE TABLE {q(SELECT)} (id integer PRIMARY KEY DEFAULT nextval('"old seq"'), {q(UNIT_ID)} integer NOT NULL,
  "Tag Id" integer REFERENCES {q(TAGS)} (id), status text, created_at timestamptz DEFAULT now());
ALTER SEQUENCE "old seq" OWNED BY {q(SELECT)}.id;
CREATE INDEX {q(LONG)} ON {q(SELECT)} (status);
CREATE INDEX "status, created" ON {q(SELECT)} (status, created_at);
CREATE TABLE {q(STATS)} (id bigint PRIMARY KEY, {q(UNIT_ID)} integer NOT NULL REFERENCES {q(UNITS)} (id),
  collected_at timestamptz NOT NULL DEFAULT now(), is_deleted boolean NOT NULL DEFAULT false, deleted_at timestamptz);
CREATE UNIQUE INDEX "live ü" ON {q(STATS)} ({q(UNIT_ID)}, collected_at) WHERE is_deleted = false;
CREATE INDEX "plain ü" ON {q(STATS)} ({q(UNIT_ID)}, collected_at);
CREATE TABLE {q(ACCOUNTS)} (id integer PRIMARY KEY, {q(UNIT_ID)} integer NOT NULL REFERENCES {q(UNITS)} (id),
  username text NOT NULL, UNIQUE ({q(UNIT_ID)}, username));
CREATE TABLE {q(PERMS)} (id integer PRIMARY KEY, {q(UNIT_ID)} integer NOT NULL REFERENCES {q(UNITS)} (id),
  acc integer NOT NULL REFERENCES {q(ACCOUNTS)} (id));
INSERT INTO {q(UNITS)} VALUES (1, 'a', true, NULL), (2, 'b', false, now());
INSERT INTO {q(TAGS)} VALUES (1);
INSERT INTO {q(SELECT)} ({q(UNIT_ID)}, "Tag Id", status)
  SELECT 1 + g % 2, 1, (ARRAY['it''s', 'a' || chr(10) || 'b', '%s'])[1 + g % 3] FROM generate_series(1, 30) g;
INSERT INTO {q(STATS)} SELECT g, 1 + g % 2, now() - g * interval '1 day', false, NULL FROM generate_series(1, 30) g;
INSERT INTO {q(ACCOUNTS)} VALUES (1, 1, 'x'), (2, 2, 'y');
INSERT INTO {q(PERMS)} VALUES (1, 1, 1), (2, 2, 2);
ANALYZE;
"""
RULES = {
    "fk-missing", "fk-without-index", "redundant-column-without-consistency", "fact-table-lifecycle-columns",
    "index-duplicates-constraint", "nullable-with-default", "redundant-index", "sequence-name-mismatch",
    "soft-delete-unique-not-partial", "status-without-check",
}
# Names the fixes generate from hostile names are themselves not snake case: that rule is left out of
# the "nothing new" comparison.
NAMING = "non-snake-case"


@pytest.fixture(scope="module")
def hostile_template(pg_server: ScratchServer, pg_template: str) -> Iterator[str]:
    for url in database_with(pg_server, pg_template, DDL, prefix="dbaudit_tpl_fx_"):
        yield url.rsplit("/", 1)[1]


@pytest.fixture
def hostile_url(pg_server: ScratchServer, hostile_template: str) -> Iterator[str]:
    url = pg_server.create_database(template=hostile_template, prefix="dbaudit_t_")
    yield url
    pg_server.drop_database(url)


def planned(url: str, rules: set[str]) -> FixResult:
    """The plan of ``rules``: all fixed but the duplicate of "näme key", which the soft-delete fix
    replaces by a partial unique index that cannot serve every lookup the duplicate serves."""
    result = plan_fix(url, select=sorted(rules))
    assert [(n.finding.rule, n.finding.objects[0], n.reason) for n in result.plan.not_fixed] == [
        ("index-duplicates-constraint", "public.dup %:x", "public.näme key, which serves instead of the dropped "
         "index, is itself dropped by the fix of P2 soft-delete-unique-not-partial public.näme key")]
    assert result.plan.blocked == ()
    assert {i.finding.rule for i in result.plan.items} == rules - {"index-duplicates-constraint"}
    return result


class TestHostileNames:
    def test_sql_form_applies_and_reverts_with_psql(self, hostile_url: str, tmp_path: Path) -> None:
        """upgrade.sql fixes every finding of the rules and brings nothing new; downgrade.sql restores all."""
        before = findings(hostile_url)
        write_fix(planned(hostile_url, RULES), tmp_path, fmt="sql", source=provenance(hostile_url, "test"))
        up = psql(hostile_url, tmp_path / "upgrade.sql")
        assert up.returncode == 0, up.stderr
        after = findings(hostile_url)
        assert [f for f in after if f[0] in RULES] == []
        assert [f for f in after - before if f[0] != NAMING] == []
        down = psql(hostile_url, tmp_path / "downgrade.sql")
        assert down.returncode == 0, down.stderr
        assert findings(hostile_url) == before

    def test_alembic_revision_upgrades_and_downgrades(self, hostile_url: str, tmp_path: Path) -> None:
        """The revision runs under alembic (CONCURRENTLY in autocommit blocks) and its downgrade works."""
        from alembic import command  # noqa: PLC0415

        config = alembic_project(tmp_path, hostile_url)
        before = findings(hostile_url)
        write_fix(planned(hostile_url, RULES), tmp_path / "migrations" / "versions", fmt="alembic",
                  source=provenance(hostile_url, "test"), down_revision="base0001", revision="fix0001")
        command.upgrade(config, "head")
        assert [f for f in findings(hostile_url) if f[0] in RULES] == []
        command.downgrade(config, "base0001")
        assert findings(hostile_url) == before

    def test_apply_runs_the_fix_and_a_second_run_skips_it(self, hostile_url: str) -> None:
        """--apply: every statement runs once; run again, each is seen done and skipped."""
        plan = planned(hostile_url, RULES).plan
        first = apply_plan(hostile_url, plan)
        assert (first.ran, first.skipped) == (len(plan.upgrade), 0)
        assert [f for f in findings(hostile_url) if f[0] in RULES] == []
        second = apply_plan(hostile_url, plan)
        assert (second.ran, second.skipped) == (0, len(plan.upgrade))

    def test_blocked_fix_stays_a_comment_whatever_the_names(self, hostile_url: str, tmp_path: Path) -> None:
        """An orphan row blocks fk-missing on a name with a line break: both files keep the fix and its
        clean-up as comments (the revision compiles, psql runs the rest), and the data is untouched."""
        with psycopg.connect(hostile_url, autocommit=True) as conn:
            conn.execute(f'INSERT INTO {q(SELECT)} ({q(UNIT_ID)}) VALUES (99)'.encode())
        result = plan_fix(hostile_url, select=["fk-missing", "fk-without-index"])
        assert [i.finding.rule for i in result.plan.blocked] == ["fk-missing"]
        (revision,) = write_fix(result, tmp_path / "alembic", fmt="alembic", source=provenance(hostile_url, "t"),
                                down_revision="base0001", revision="fix0001")
        compile(revision.read_text(encoding="utf-8"), str(revision), "exec")
        write_fix(result, tmp_path, fmt="sql", source=provenance(hostile_url, "test"))
        up = psql(hostile_url, tmp_path / "upgrade.sql")
        assert up.returncode == 0, up.stderr
        assert ("fk-missing", (f"public.{SELECT}.{UNIT_ID}",)) in findings(hostile_url, {"fk-missing"})
        with psycopg.connect(hostile_url) as conn:
            orphans = conn.execute(f"SELECT count(*) FROM {q(SELECT)} WHERE {q(UNIT_ID)} = 99".encode()).fetchone()
        assert orphans == (1,)

    def test_one_finding_by_id(self, hostile_url: str) -> None:
        """--finding takes the report's stable id (a prefix is enough): only that finding is fixed."""
        wanted = fingerprint("fk-without-index", f"public.{SELECT}.Tag Id")
        result = plan_fix(hostile_url, finding_ids=[wanted[:8], "ffffffffffff"])
        assert [(i.finding.rule, i.finding.objects) for i in result.plan.items] == [
            ("fk-without-index", (f"public.{SELECT}.Tag Id",))]
        assert result.notes == ("--finding ffffffffffff: no finding has this id",)

    def test_renames_run_last_and_revert(self, hostile_url: str, tmp_path: Path) -> None:
        """Column, constraint, index and sequence renames before table renames; of two renames of one
        sequence the one with a purpose (named after its column) wins over snake case; the downgrade
        renames everything back."""
        before = findings(hostile_url)
        result = plan_fix(hostile_url, select=[NAMING, "sequence-name-mismatch"])
        assert [(n.finding.rule, n.reason) for n in result.plan.not_fixed] == [
            (NAMING, "renames an object the fix of P2 sequence-name-mismatch public.old seq already renames")]
        renames = [s for s in result.plan.upgrade if any(e.kind == "rename" for e in s.effects)]
        tables = [i for i, s in enumerate(renames) if any(e.what == "table" for e in s.effects)]
        assert tables == list(range(len(renames) - len(tables), len(renames)))
        write_fix(result, tmp_path, fmt="sql", source=provenance(hostile_url, "test"))
        up = psql(hostile_url, tmp_path / "upgrade.sql")
        assert up.returncode == 0, up.stderr
        assert [f for f in findings(hostile_url) if f[0] in (NAMING, "sequence-name-mismatch")] == []
        down = psql(hostile_url, tmp_path / "downgrade.sql")
        assert down.returncode == 0, down.stderr
        assert findings(hostile_url) == before
