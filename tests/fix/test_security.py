"""Security findings: row-level security and policies, function settings fixed and undone; privilege
changes said not fixed, with the reason."""

from __future__ import annotations

from pathlib import Path

import psycopg

from dbaudit.fix import plan_fix, provenance, write_fix
from tests.fix.helpers import findings, psql

DDL = """
CREATE TABLE docs (id int PRIMARY KEY, tenant_id int NOT NULL);
ALTER TABLE docs ENABLE ROW LEVEL SECURITY;
CREATE POLICY "tenant ü" ON docs USING (tenant_id = current_setting('app.tenant')::int);
CREATE TABLE "doc lines" (id int PRIMARY KEY, tenant_id int NOT NULL);
CREATE FUNCTION "SET search_path f"(x integer) RETURNS int LANGUAGE sql SECURITY DEFINER AS 'select 1';
"""


class TestSecurityFixes:
    def test_rls_policy_and_search_path_round_trip(self, pg_url: str, tmp_path: Path) -> None:
        """ENABLE/FORCE ROW LEVEL SECURITY, CREATE POLICY and ALTER FUNCTION … SET search_path apply with
        psql and are undone by the downgrade (a function named like the clause included); REVOKE is
        not generated: its downgrade could not restore the grants exactly."""
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(DDL.encode())
        before = findings(pg_url)
        result = plan_fix(pg_url, select=["security"])
        assert sorted(i.finding.rule for i in result.plan.active) == [
            "security-definer-search-path", "tenant-table-without-policy"]
        assert [(n.finding.rule, n.reason.split(",")[0]) for n in result.plan.not_fixed] == [
            ("granted-to-public", "REVOKE changes privileges")]
        write_fix(result, tmp_path, fmt="sql", source=provenance(pg_url, "test"))
        up = psql(pg_url, tmp_path / "upgrade.sql")
        assert up.returncode == 0, up.stderr
        fixed = {"security-definer-search-path", "tenant-table-without-policy"}
        assert {f[0] for f in findings(pg_url)} & fixed == set()
        down = psql(pg_url, tmp_path / "downgrade.sql")
        assert down.returncode == 0, down.stderr
        assert findings(pg_url) == before
