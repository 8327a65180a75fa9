"""Issue 4 acceptance: the whole registry on the bundled WhaleFall example, migrated to head.

The expected findings come from the issue's "Done when" list (section A3 of the expert report):
each (severity, rule, object) must be present, the object being the finding's first object. A
second pass adds the ORM models and the code scan and checks the report's findings that need them.
Every verification query must run read-only on the example database.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from pglast import split

from dbaudit.engine import RuleRun, run_rules
from dbaudit.findings import Finding
from dbaudit.model.schema import SchemaModel
from dbaudit.rules import RuleContext
from dbaudit.scratch import ScratchServer
from dbaudit.sources.postgres import read_postgres

WHALEFALL_DIR = Path(__file__).resolve().parents[2] / "src" / "dbaudit" / "examples" / "whalefall"

Expected = tuple[str | None, str, str]

DONE_WHEN: tuple[Expected, ...] = (
    ("P0", "secret-in-bounded-varchar", "public.credentials.password"),
    ("P1", "fk-without-index", "public.instance_tags.tag_id"),
    ("P1", "fk-missing", "public.database_size_aggregations.instance_id"),
    ("P1", "redundant-column-without-consistency", "public.account_permission.instance_id"),
    ("P2", "index-duplicates-constraint", "public.ix_instances_name"),
    ("P2", "index-duplicates-constraint", "public.ix_credentials_name"),
    ("P2", "index-duplicates-constraint", "public.ix_tags_name"),
    ("P2", "index-duplicates-constraint", "public.idx_sync_sessions_session_id"),
    ("P2", "index-duplicates-constraint", "public.ix_instance_size_aggregations_instance_period"),
    ("P2", "sequence-name-mismatch", "public.current_account_sync_data_id_seq"),
    ("P2", "partition-created-by-trigger", "public.instance_size_stats"),
    (None, "fact-table-lifecycle-columns", "public.instance_size_stats"),
    (None, "redundant-index", "public.ix_instance_databases_instance_id"),
    (None, "redundant-index", "public.idx_instance_dbtype"),
    (None, "redundant-index", "public.ix_database_size_stats_instance_db"),
    (None, "redundant-index", "public.ix_database_size_aggregations_id"),
    (None, "redundant-index", "public.ix_instance_size_stats_instance_id"),
    (None, "redundant-index", "public.idx_unified_logs_timestamp"),
    (None, "redundant-index", "public.idx_unified_logs_level"),
    (None, "low-selectivity-index", "public.ix_instance_accounts_active"),
    (None, "low-selectivity-index", "public.ix_account_permission_is_locked"),
    (None, "low-selectivity-index", "public.ix_instance_size_stats_deleted"),
)

# Findings of the report (III) that need the ORM models or the code scan.
WITH_MODELS_AND_CODE: tuple[Expected, ...] = (
    ("P0", "partitioned-orm-key-mismatch", "public.database_size_stats"),
    ("P0", "partitioned-orm-key-mismatch", "public.database_size_aggregations"),
    ("P1", "search-without-trigram-index", "public.instances.name"),
    ("P1", "search-without-trigram-index", "public.instances.host"),
    ("P1", "search-without-trigram-index", "public.instance_databases.database_name"),
    ("P1", "search-without-trigram-index", "public.unified_logs.message"),
    ("P1", "latest-row-without-index", "public.database_size_stats"),
)


def missing(findings: tuple[Finding, ...], expected: tuple[Expected, ...]) -> list[Expected]:
    present = {(f.severity.name, f.rule, f.objects[0]) for f in findings if f.objects}
    present_any = {(None, rule, obj) for _, rule, obj in present}
    return [e for e in expected if e not in present and e not in present_any]


def _load_build() -> object:
    spec = importlib.util.spec_from_file_location("whalefall_build_acceptance", WHALEFALL_DIR / "scripts" / "build.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def example_url(pg_server: ScratchServer, pg_template: str) -> Iterator[str]:
    """One database with the example's migrations applied to head, shared by this module."""
    url = pg_server.create_database(template=pg_template, prefix="dbaudit_t_")
    try:
        _load_build().upgrade(url)  # type: ignore[attr-defined]
        yield url
    finally:
        pg_server.drop_database(url)


@pytest.fixture(scope="module")
def example_model(example_url: str) -> SchemaModel:
    return read_postgres(example_url)


@pytest.fixture(scope="module")
def schema_run(example_model: SchemaModel) -> RuleRun:
    """What ``dbaudit audit URL`` sees: the database alone."""
    return run_rules(RuleContext(model=example_model))


class TestWhalefallAcceptance:
    def test_done_when_findings_are_reported(self, schema_run: RuleRun) -> None:
        """Every (severity, rule, object) of issue 4's "Done when" list is found from the database alone."""
        assert missing(schema_run.findings, DONE_WHEN) == []

    def test_report_findings_needing_models_and_code(self, example_model: SchemaModel) -> None:
        """With the ORM models and the code scan, the report's ORM-key, search and latest-row findings appear."""
        from dbaudit.sources.code import scan_code  # noqa: PLC0415
        from dbaudit.sources.orm import read_models  # noqa: PLC0415

        models = read_models("app.models:Base", project_dir=str(WHALEFALL_DIR))
        code = scan_code(WHALEFALL_DIR, example_model)
        run = run_rules(RuleContext(model=example_model, inputs={"models": models, "code": code}))
        assert missing(run.findings, WITH_MODELS_AND_CODE) == []
        trigger = [f for f in run.findings if f.rule == "partition-created-by-trigger"]
        assert [e for f in trigger for e in f.evidence if e.startswith("second creation path")] == [
            "second creation path: application partition task at "
            "app/services/partition_management_service.py:51"
        ]

    def test_cli_json_reports_done_when_findings(self, example_url: str) -> None:
        """``dbaudit audit URL --format json`` (as the issue states it) carries every Done-when finding."""
        proc = subprocess.run(
            [sys.executable, "-c", "from dbaudit.cli.main import main; main()", "audit", example_url,
             "--format", "json"],
            capture_output=True, text=True, timeout=300, check=False,
        )
        report = json.loads(proc.stdout)
        present = {(f["severity"], f["rule"], f["objects"][0]) for f in report["findings"] if f["objects"]}
        present |= {(None, rule, obj) for _, rule, obj in present}
        assert (proc.returncode, [e for e in DONE_WHEN if e not in present]) == (1, [])

    def test_objects_follow_the_json_contract(self, schema_run: RuleRun) -> None:
        """Every object is ``schema.name`` or ``schema.table.column``, never a bare name."""
        bad = [(f.rule, o) for f in schema_run.findings for o in f.objects if o.count(".") not in (1, 2)]
        assert bad == []

    def test_verification_queries_run_read_only(self, schema_run: RuleRun, example_url: str) -> None:
        """Each finding's verify_sql executes in a read-only transaction on the example database."""
        failures: list[tuple[str, tuple[str, ...], str]] = []
        with psycopg.connect(example_url, autocommit=True) as conn:
            for f in schema_run.findings:
                if not f.verify_sql:
                    continue
                try:
                    with conn.transaction():
                        conn.execute("SET TRANSACTION READ ONLY")
                        for statement in split(f.verify_sql):
                            conn.execute(statement.encode())
                except psycopg.Error as exc:
                    failures.append((f.rule, f.objects, str(exc).splitlines()[0]))
        assert failures == []
