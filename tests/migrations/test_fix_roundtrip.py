"""Every fix_sql runs on PostgreSQL with hostile identifiers, and the rule no longer fires on it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest

from dbaudit.migrations import lint_migrations
from dbaudit.migrations.parse.statements import parse_statements

LONG = "ü" * 31 + "x"  # 63 bytes: the longest identifier PostgreSQL keeps
BASE = f'''
CREATE TABLE "Kunden" (id bigint PRIMARY KEY);
CREATE TABLE "Order ""Items"" ü" (id integer NOT NULL, "Customer Id" bigint, "select" text, "ñame" varchar(20),
                                  amount numeric(10, 2));
CREATE TABLE "{LONG}" ("Mixed Case" text, n integer);
CREATE INDEX "Idx ü ""n""" ON "{LONG}" (n);
CREATE TABLE "Ev ü" (at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE "Ev ü 2025" PARTITION OF "Ev ü" FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
'''
DATA = f'''
INSERT INTO "Kunden" VALUES (1), (2);
INSERT INTO "Order ""Items"" ü" SELECT g, 1 + g % 2, 's' || g, 'n' || g, g FROM generate_series(1, 50) g;
INSERT INTO "{LONG}" SELECT 'm' || g, g FROM generate_series(1, 50) g;
'''
T = '"Order ""Items"" ü"'
CASES = {
    "non-concurrent-index": f'CREATE INDEX "Idx ""q""" ON {T} ("select");',
    "fk-without-not-valid": (
        f'ALTER TABLE {T} ADD CONSTRAINT "FK ü" FOREIGN KEY ("Customer Id") REFERENCES "Kunden" (id);'),
    "check-without-not-valid": f'ALTER TABLE {T} ADD CHECK (amount > 0);',
    "set-not-null-scan": f'ALTER TABLE {T} ALTER COLUMN "select" SET NOT NULL;',
    "unique-constraint-without-index": f'ALTER TABLE "{LONG}" ADD UNIQUE ("Mixed Case");',
    "primary-key-on-existing-table": f'ALTER TABLE {T} ADD PRIMARY KEY (id);',
    "add-column-rewrite": f'ALTER TABLE {T} ADD COLUMN "Tök en" uuid NOT NULL DEFAULT gen_random_uuid();',
    "column-type-rewrite": f'ALTER TABLE {T} ALTER COLUMN "Customer Id" TYPE numeric(20, 0);',
    "not-null-without-default": f'ALTER TABLE "{LONG}" ADD COLUMN "Neu" integer NOT NULL;',
    "unique-constraint-without-index:inline": f'ALTER TABLE {T} ADD COLUMN "Ext Id" text UNIQUE;',
    "drop-index-non-concurrent": 'DROP INDEX "Idx ü ""n""";',
    "reindex-non-concurrent": f'REINDEX (CONCURRENTLY false) TABLE "{LONG}";',
    "detach-partition-non-concurrent": 'ALTER TABLE "Ev ü" DETACH PARTITION "Ev ü 2025";',
}


def lint_rules(tmp: Path, name: str, sql: str) -> list[Any]:
    folder = tmp / name
    folder.mkdir()
    (folder / "000_base.sql").write_text(BASE, encoding="utf-8")
    (folder / "001_change.sql").write_text("SET lock_timeout = '5s';\n" + sql + "\n", encoding="utf-8")
    return list(lint_migrations(folder, since="000_base").findings)


class TestFixRoundTrip:
    @pytest.mark.parametrize("case", sorted(CASES))
    def test_fix_executes_and_clears_rule(self, case: str, tmp_path: Path,
                                          pg_exec: psycopg.Connection[Any]) -> None:
        """The fix executes statement by statement, and linting the fix no longer reports the rule."""
        rule = case.partition(":")[0]
        findings = [f for f in lint_rules(tmp_path, "before", CASES[case]) if f.rule == rule]
        assert len(findings) == 1
        fix = findings[0].fix_sql
        assert fix is not None
        fix = fix.replace("<value>", "0")  # the one placeholder a fix may hold: the backfill value
        pg_exec.execute(BASE)
        pg_exec.execute(DATA)
        for raw in parse_statements(fix, where="fix_sql"):
            if "UPDATE" in raw.sql.upper() and "LIMIT" in raw.sql.upper():
                while pg_exec.execute(raw.sql).rowcount:  # a batched backfill: repeat until done
                    pass
            else:
                pg_exec.execute(raw.sql)
        assert [f.rule for f in lint_rules(tmp_path, "after", fix) if f.rule == rule] == []
