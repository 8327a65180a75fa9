"""On the bundled WhaleFall example (migrated to head, with its rows): every fix of the integrity,
lifecycle, naming and house rules runs after its verification query, and a re-read finds nothing left."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest

from dbaudit.scratch import ScratchServer
from dbaudit.sources.postgres import read_postgres
from tests.rules.conftest import execute_script, findings_for, run_query

WHALEFALL_DIR = Path(__file__).resolve().parents[2] / "src" / "dbaudit" / "examples" / "whalefall"
RULES = (
    "fk-missing", "redundant-column-without-consistency", "table-without-primary-key", "unique-on-nullable-column",
    "fk-not-validated", "fact-table-lifecycle-columns", "soft-delete-unique-not-partial",
    "updated-at-not-maintained", "sequence-name-mismatch", "non-snake-case",
)


@pytest.fixture(scope="module")
def whalefall_url(pg_server: ScratchServer, pg_template: str) -> Iterator[str]:
    spec = importlib.util.spec_from_file_location("whalefall_build_fixes", WHALEFALL_DIR / "scripts" / "build.py")
    assert spec is not None
    assert spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    url = pg_server.create_database(template=pg_template, prefix="dbaudit_t_")
    try:
        try:
            build.upgrade(url)
        except Exception:  # the one-transaction baseline can exhaust the shared lock table on a busy server
            pg_server.drop_database(url)
            url = pg_server.create_database(template=pg_template, prefix="dbaudit_t_")
            build.upgrade(url)
        yield url
    finally:
        pg_server.drop_database(url)


@pytest.mark.slow
class TestWhalefallFixes:
    def test_every_fix_applies_and_the_findings_are_gone(self, whalefall_url: str) -> None:
        """All fixable findings of these rules on the example are fixed without error, then gone."""
        model = read_postgres(whalefall_url)
        fixed = []
        for rule_id in RULES:
            for finding in findings_for(model, rule_id):
                if finding.fix_sql is None:
                    continue
                if finding.verify_sql:
                    run_query(whalefall_url, finding.verify_sql)
                execute_script(whalefall_url, finding.fix_sql)
                fixed.append((rule_id, finding.objects[0]))
        assert {
            ("fk-missing", "public.database_size_aggregations.instance_id"),
            ("redundant-column-without-consistency", "public.account_permission.instance_id"),
            ("fact-table-lifecycle-columns", "public.instance_size_stats"),
            ("sequence-name-mismatch", "public.current_account_sync_data_id_seq"),
        } <= set(fixed)
        after = read_postgres(whalefall_url)
        left = [(r, f.objects) for r in RULES for f in findings_for(after, r) if f.fix_sql is not None]
        assert left == []
