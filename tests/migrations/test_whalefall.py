"""The bundled whalefall example: the migration findings the expert report asks for."""

from __future__ import annotations

from pathlib import Path

import pytest

import dbaudit
from dbaudit.findings import Severity
from dbaudit.migrations import LintResult, lint_migrations
from dbaudit.scratch import ScratchServer

EXAMPLE = Path(dbaudit.__file__).parent / "examples" / "whalefall"
VERSIONS = "migrations/versions/"
BASELINE = VERSIONS + "20251219161048_baseline_production_schema.py"
DROP = VERSIONS + "20251224120000_drop_credentials_instance_ids.py"
TIMESTAMPTZ = VERSIONS + "20251224134000_convert_aggregation_timestamps_to_timestamptz.py"
PRIMARY_KEYS = VERSIONS + "20251224164000_add_primary_keys_to_partitioned_capacity_tables.py"

pytestmark = pytest.mark.skipif(not (EXAMPLE / "alembic.ini").is_file(), reason="whalefall example not present")


def summary(result: LintResult) -> list[tuple[str, Severity, str, int, tuple[str, ...]]]:
    return sorted((f.rule, f.severity, f.locations[0].path, f.locations[0].line, f.objects)
                  for f in result.findings if f.rule != "access-exclusive-lock")


class TestWhalefallStatic:
    def test_findings(self) -> None:
        """Baseline without downgrade, column drop, timestamptz rewrites, PKs on partitioned tables."""
        result = lint_migrations(EXAMPLE)
        assert result.notes == ()
        assert summary(result) == sorted([
            ("column-type-rewrite", Severity.P1, TIMESTAMPTZ, 29, ("public.database_size_aggregations.calculated_at",)),
            ("column-type-rewrite", Severity.P1, TIMESTAMPTZ, 29, ("public.database_size_aggregations.created_at",)),
            ("column-type-rewrite", Severity.P1, TIMESTAMPTZ, 29, ("public.instance_size_aggregations.calculated_at",)),
            ("column-type-rewrite", Severity.P1, TIMESTAMPTZ, 29, ("public.instance_size_aggregations.created_at",)),
            ("destructive-change", Severity.P0, DROP, 22, ("public.credentials.instance_ids",)),
            ("missing-downgrade", Severity.P2, BASELINE, 1046, ("20251219161048",)),
            ("missing-lock-timeout", Severity.P1, DROP, 22, ("public.credentials",)),
            ("missing-lock-timeout", Severity.P1, PRIMARY_KEYS, 23, ("public.database_size_stats",)),
            ("missing-lock-timeout", Severity.P1, TIMESTAMPTZ, 29, ("public.database_size_aggregations",)),
            ("primary-key-on-existing-table", Severity.P1, PRIMARY_KEYS, 23,
             ("public.database_size_stats", "public.database_size_stats.id",
              "public.database_size_stats.collected_date")),
            ("primary-key-on-existing-table", Severity.P1, PRIMARY_KEYS, 24,
             ("public.database_size_aggregations", "public.database_size_aggregations.id",
              "public.database_size_aggregations.period_start")),
        ])

    def test_primary_key_fix_is_per_partition(self) -> None:
        """The PK fix builds each partition's key concurrently, then adds the parent's key."""
        result = lint_migrations(EXAMPLE, since="20251224134000")
        pk = next(f for f in result.findings if f.rule == "primary-key-on-existing-table"
                  and f.objects[0] == "public.database_size_stats")
        assert pk.fix_sql is not None
        lines = pk.fix_sql.splitlines()
        assert "CREATE UNIQUE INDEX CONCURRENTLY database_size_stats_2025_06_pkey ON " \
               "public.database_size_stats_2025_06 (id, collected_date);" in lines
        assert lines[-1] == ("ALTER TABLE public.database_size_stats ADD CONSTRAINT database_size_stats_pkey "
                             "PRIMARY KEY (id, collected_date);")


class TestWhalefallTrace:
    def test_trace_confirms_rewrites_and_partition_locks(self, pg_server: ScratchServer) -> None:
        """The trace shows the timestamptz rewrite and the PK's locks on every partition."""
        result = lint_migrations(EXAMPLE, trace=True, since="20251224120000", scratch_url=pg_server.admin_url,
                                 rows=50)
        by_line = {}
        for t in result.traces:
            by_line.setdefault((t.path, t.line), []).append(t)
        rewrites = by_line[(TIMESTAMPTZ, 29)]
        assert [(t.strongest, len(t.rewritten) > 0, t.error) for t in rewrites] == [
            ("AccessExclusiveLock", True, None)] * 4
        stats_pk = by_line[(PRIMARY_KEYS, 23)][0]
        partitions = [lk for lk in stats_pk.locks if lk.table.startswith("public.database_size_stats_")]
        assert (stats_pk.strongest, len(partitions) >= 12) == ("AccessExclusiveLock", True)
        rewrite_finding = next(f for f in result.findings if f.rule == "column-type-rewrite")
        assert "; rewrite: yes (" in rewrite_finding.evidence[-1]
        assert rewrite_finding.evidence[-1].startswith("trace: AccessExclusiveLock on ")
