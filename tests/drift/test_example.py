"""Drift on the bundled WhaleFall example: its Alembic head against ``app.models:Base``."""

from __future__ import annotations

from pathlib import Path

import pytest

import dbaudit
from dbaudit.drift import compare
from dbaudit.findings import Finding
from dbaudit.model import Location, SchemaModel
from dbaudit.scratch import ScratchServer
from dbaudit.sources.alembic_head import read_migrations_head
from dbaudit.sources.orm import read_models
from tests.drift.conftest import keys

PROJECT = (Path(dbaudit.__file__).parent / "examples" / "whalefall").resolve()
# The source name is the project path as given, shown relative to the working directory when inside it.
SHOWN = PROJECT.relative_to(Path.cwd().resolve()).as_posix() if PROJECT.is_relative_to(Path.cwd().resolve()) \
    else str(PROJECT)
PK_REVISION = "migrations/versions/20251224164000_add_primary_keys_to_partitioned_capacity_tables.py"
AGGS_MODEL = "app/models/database_size_aggregation.py"
BASELINE = "migrations/versions/20251219161048_baseline_production_schema.py"

# Disagreements the example really has besides the ones it was built to show (reported, not hidden):
# JSONB columns mapped as ``Mapped[Any]`` are NOT NULL for SQLAlchemy but nullable in the database, and
# ``Float`` is double precision where the database has real.
NULLABLE_JSONB = [
    "public.account_change_log.other_diff",
    "public.account_change_log.privilege_diff",
    "public.account_permission.database_permissions",
    "public.account_permission.database_privileges",
    "public.account_permission.database_privileges_pg",
    "public.account_permission.database_roles",
    "public.account_permission.global_privileges",
    "public.account_permission.oracle_roles",
    "public.account_permission.predefined_roles",
    "public.account_permission.role_attributes",
    "public.account_permission.server_permissions",
    "public.account_permission.server_roles",
    "public.account_permission.system_privileges",
    "public.account_permission.tablespace_privileges",
    "public.account_permission.tablespace_privileges_oracle",
    "public.account_permission.type_specific",
    "public.sync_instance_records.sync_details",
    "public.unified_logs.context",
]


@pytest.fixture(scope="module")
def sides(pg_server: ScratchServer) -> tuple[SchemaModel, SchemaModel]:
    """The models and the migrations head, read once for the module."""
    models = read_models("app.models:Base", project_dir=str(PROJECT))
    head, _graph = read_migrations_head(str(PROJECT), scratch_url=pg_server.admin_url)
    return models, head


@pytest.fixture(scope="module")
def findings(sides: tuple[SchemaModel, SchemaModel]) -> list[Finding]:
    return compare(*sides)


@pytest.fixture(scope="module")
def head(sides: tuple[SchemaModel, SchemaModel]) -> SchemaModel:
    return sides[1]


def _line(path: str, needle: str) -> Location:
    """Where ``needle`` first appears in a project file (the example's line numbers may move)."""
    lines = (PROJECT / path).read_text(encoding="utf-8").splitlines()
    return Location(path, next(i for i, text in enumerate(lines, 1) if needle in text))


def _one(findings: list[Finding], rule: str, obj: str) -> Finding:
    (found,) = [f for f in findings if f.rule == rule and f.objects[0] == obj]
    return found


class TestWhalefallDrift:
    def test_all_findings(self, findings: list[Finding]) -> None:
        """The example's drift is exactly the seeded problems plus its listed genuine disagreements."""
        assert keys(findings) == [
            ("pk-mismatch", "P0", ("public.database_size_aggregations",)),
            ("pk-mismatch", "P0", ("public.database_size_stats",)),
            ("check-values-drift", "P1", ("public.sync_sessions.status",)),
            ("fk-only-in-models", "P1", ("public.database_size_aggregations.instance_id",)),
            ("column-type-mismatch", "P2", ("public.account_classification_assignments.confidence_score",)),
            *[("nullable-mismatch", "P2", (name,)) for name in NULLABLE_JSONB],
        ]

    def test_pk_mismatch_cites_model_and_migration(self, findings: list[Finding]) -> None:
        """Both composite keys are P0 with the model line and the revision that added the key."""
        stats = _one(findings, "pk-mismatch", "public.database_size_stats")
        aggs = _one(findings, "pk-mismatch", "public.database_size_aggregations")
        stats_model = _line("app/models/database_size_stat.py", "    id: Mapped[int]")
        stats_pk = _line(PK_REVISION, '"database_size_stats_pkey"')
        assert (stats.locations, aggs.locations, stats.evidence, stats.verify_sql) == (
            (stats_model, stats_pk),
            (_line(AGGS_MODEL, "    id: Mapped[int]"), _line(PK_REVISION, '"database_size_aggregations_pkey"')),
            (
                "models (app.models:Base): PRIMARY KEY (id) as database_size_stats_pkey at "
                f"app/models/database_size_stat.py:{stats_model.line}",
                f"migrations head ({SHOWN}): PRIMARY KEY (id, collected_date) as database_size_stats_pkey at "
                f"{PK_REVISION}:{stats_pk.line}",
                f"migrations head ({SHOWN}): public.database_size_stats is partitioned by RANGE (collected_date)",
            ),
            "SELECT id, count(*) FROM public.database_size_stats GROUP BY id HAVING count(*) > 1;",
        )

    def test_fk_only_in_models(self, findings: list[Finding]) -> None:
        """The instance_id foreign key is P1 with the model line; the fix respects partitioning."""
        found = _one(findings, "fk-only-in-models", "public.database_size_aggregations.instance_id")
        assert (found.locations, found.fix_sql) == (
            (_line(AGGS_MODEL, "    instance_id: Mapped[int]"),
             _line(BASELINE, "CREATE TABLE public.database_size_aggregations (")),
            "-- partitioned table: NOT VALID is not supported; run the verify query first\n"
            "ALTER TABLE public.database_size_aggregations ADD CONSTRAINT database_size_aggregations_instance_id_fkey "
            "FOREIGN KEY (instance_id) REFERENCES public.instances (id);",
        )

    def test_check_values_drift(self, findings: list[Finding]) -> None:
        """pending/paused from the models' SyncStatus are rejected by sync_sessions_status_check."""
        found = _one(findings, "check-values-drift", "public.sync_sessions.status")
        assert (found.title, found.locations) == (
            f"public.sync_sessions.status: 'pending', 'paused' used by models (app.models:Base) but not allowed "
            f"by migrations head ({SHOWN})",
            (
                _line("app/models/sync_session.py", "CheckConstraint("),
                _line("app/models/sync_session.py", "class SyncStatus("),
                _line(BASELINE, "CONSTRAINT sync_sessions_status_check"),
            ),
        )

    def test_head_against_itself_is_clean(self, head: SchemaModel) -> None:
        """Database against database: the same schema twice has no drift."""
        assert compare(head, head) == []
