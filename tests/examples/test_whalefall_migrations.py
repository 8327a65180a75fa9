"""The follow-up revisions of the WhaleFall example downgrade and upgrade again; the baseline does not."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import psycopg
import pytest

from tests.examples.catalog import TableFacts, parse_a3, read_catalog
from tests.examples.whalefall_a3 import A3

BASELINE = "20251219161048"
FOLLOW_UPS = ["20251224120000", "20251224134000", "20251224164000"]
AGGREGATIONS = ("database_size_aggregations", "instance_size_aggregations")


def _catalog(url: str) -> dict[str, TableFacts]:
    with psycopg.connect(url) as conn:
        return read_catalog(conn)


def _version(url: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT version_num FROM alembic_version").fetchall()


def _primary_keys(catalog: dict[str, TableFacts], table: str) -> list[tuple[Any, ...]]:
    return [c for c in catalog[table].constraints if c[0] == "p"]


class TestRevisionChain:
    def test_downgrade_to_baseline_restores_exported_schema(
        self, whalefall_url: str, whalefall_build: ModuleType
    ) -> None:
        """Downgrading to the baseline brings back instance_ids, naive timestamps and PK-less capacity tables."""
        whalefall_build.downgrade(whalefall_url, BASELINE)
        catalog = _catalog(whalefall_url)
        assert (
            _version(whalefall_url),
            catalog["credentials"].columns.get("instance_ids"),
            {(t, c): catalog[t].columns[c][0] for t in AGGREGATIONS for c in ("calculated_at", "created_at")},
            _primary_keys(catalog, "database_size_stats"),
            _primary_keys(catalog, "database_size_aggregations"),
        ) == (
            [(BASELINE,)],
            ("jsonb", False, None),
            {(t, c): "timestamp without time zone" for t in AGGREGATIONS for c in ("calculated_at", "created_at")},
            [],
            [],
        )

    def test_each_follow_up_downgrades_one_step(self, whalefall_url: str, whalefall_build: ModuleType) -> None:
        """`downgrade -1` walks back through every follow-up revision; past the baseline it fails on purpose."""
        versions = []
        for _ in FOLLOW_UPS:
            whalefall_build.downgrade(whalefall_url, "-1")
            versions.append(_version(whalefall_url)[0][0])
        assert versions == [*reversed(FOLLOW_UPS[:-1]), BASELINE]
        with pytest.raises(NotImplementedError, match="no downgrade"):
            whalefall_build.downgrade(whalefall_url, "base")

    def test_upgrade_again_gives_a3(self, whalefall_url: str, whalefall_build: ModuleType) -> None:
        """After a full downgrade to the baseline, upgrading to head gives the A3 schema again."""
        whalefall_build.downgrade(whalefall_url, BASELINE)
        whalefall_build.upgrade(whalefall_url)
        catalog = _catalog(whalefall_url)
        del catalog["alembic_version"]
        assert catalog == parse_a3(A3)

    def test_round_trip_keeps_data(self, whalefall_url: str, whalefall_build: ModuleType) -> None:
        """A downgrade/upgrade round trip keeps capacity rows and converts naive UTC timestamps back."""
        with psycopg.connect(whalefall_url, autocommit=True) as conn:
            conn.execute("INSERT INTO instances (name, db_type, host, port) VALUES ('i1', 'mysql', 'h', 3306)")
            conn.execute(
                "INSERT INTO database_size_aggregations (instance_id, database_name, period_type, period_start,"
                " period_end, avg_size_mb, max_size_mb, min_size_mb, data_count, calculated_at, created_at)"
                " VALUES (1, 'db', 'daily', '2025-12-01', '2025-12-01', 1, 1, 1, 1,"
                " '2025-12-02 01:00+00', '2025-12-02 01:00+00')"
            )
        whalefall_build.downgrade(whalefall_url, BASELINE)
        whalefall_build.upgrade(whalefall_url)
        with psycopg.connect(whalefall_url) as conn:
            conn.execute("SET TIME ZONE 'UTC'")
            rows = conn.execute("SELECT id, calculated_at::text FROM database_size_aggregations").fetchall()
        assert rows == [(1, "2025-12-02 01:00:00+00")]
