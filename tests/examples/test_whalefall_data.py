"""The WhaleFall data generator is deterministic and plants the data problems the report verifies."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import psycopg
import pytest

CHECKSUM_SQL = """
SELECT md5(concat_ws('|',
  (SELECT string_agg(t::text, ',' ORDER BY id) FROM credentials t),
  (SELECT string_agg(t::text, ',' ORDER BY id) FROM instances t),
  (SELECT string_agg(t::text, ',' ORDER BY id) FROM account_permission t),
  (SELECT string_agg(t::text, ',' ORDER BY id, collected_date) FROM database_size_stats t WHERE id % 97 = 0),
  (SELECT string_agg(t::text, ',' ORDER BY id) FROM database_size_aggregations t WHERE id % 31 = 0),
  (SELECT string_agg(t::text, ',' ORDER BY id) FROM unified_logs t WHERE id % 53 = 0)
))
"""

# The report's verification SQL (III. P1-4, P1-5, P0-2, P0-1).
ORPHAN_AGGREGATIONS_SQL = """
SELECT DISTINCT a.instance_id FROM database_size_aggregations a
LEFT JOIN instances i ON i.id = a.instance_id WHERE i.id IS NULL ORDER BY 1
"""
INCONSISTENT_PERMISSIONS_SQL = """
SELECT count(*) FROM account_permission ap
JOIN instance_accounts ia ON ia.id = ap.instance_account_id WHERE ia.instance_id <> ap.instance_id
"""
DUPLICATE_IDS_SQL = """
SELECT count(*), array_agg(tableoid::regclass::text ORDER BY collected_date)
FROM database_size_stats GROUP BY id HAVING count(*) > 1
"""
PASSWORD_LENGTH_SQL = "SELECT max(length(password)), count(*) FILTER (WHERE length(password) > 240) FROM credentials"


def _one(url: str, query: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        return conn.execute(query).fetchall()


@pytest.fixture(scope="module")
def data_url(whalefall_data_url: tuple[str, dict[str, int]]) -> str:
    return whalefall_data_url[0]


class TestGeneratorDeterminism:
    def test_same_seed_same_data(
        self, whalefall_data_url: tuple[str, dict[str, int]], whalefall_url: str, whalefall_generate: ModuleType
    ) -> None:
        """Two runs with the same seed give the same row counts and the same checksum of a sample."""
        first_url, first_counts = whalefall_data_url
        second_counts = whalefall_generate.generate(whalefall_url, scale=0.05, seed=42)
        assert (second_counts, _one(whalefall_url, CHECKSUM_SQL)) == (first_counts, _one(first_url, CHECKSUM_SQL))

    def test_counts_are_the_loaded_rows(self, whalefall_data_url: tuple[str, dict[str, int]]) -> None:
        """The returned counts are the rows in each table."""
        url, counts = whalefall_data_url
        query = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in counts)
        assert dict(_one(url, query)) == counts

    def test_refuses_a_database_with_data(self, data_url: str, whalefall_generate: ModuleType) -> None:
        """Generating into a database that already holds data fails instead of mixing two data sets."""
        with pytest.raises(RuntimeError, match="already holds WhaleFall data"):
            whalefall_generate.generate(data_url, scale=0.05, seed=1)


class TestPlantedProblems:
    def test_orphan_aggregations(self, data_url: str) -> None:
        """database_size_aggregations has rows for instance ids that do not exist."""
        assert _one(data_url, ORPHAN_AGGREGATIONS_SQL) == [(900001,), (900002,)]

    def test_inconsistent_account_permission(self, data_url: str) -> None:
        """Two account_permission rows name another instance than their instance_accounts row."""
        assert _one(data_url, INCONSISTENT_PERMISSIONS_SQL) == [(2,)]

    def test_id_repeated_across_partitions(self, data_url: str) -> None:
        """One database_size_stats id appears twice, in the first and the last month of data."""
        assert _one(data_url, DUPLICATE_IDS_SQL) == [
            (2, ["database_size_stats_2025_07", "database_size_stats_2025_12"])
        ]

    def test_passwords_near_column_limit(self, data_url: str) -> None:
        """One stored password is 248 characters long, 7 short of varchar(255)."""
        assert _one(data_url, PASSWORD_LENGTH_SQL) == [(248, 1)]

    def test_capacity_spans_partitions(self, data_url: str) -> None:
        """Daily capacity rows fill six monthly partitions (2025-07 .. 2025-12)."""
        rows = _one(data_url, "SELECT DISTINCT tableoid::regclass::text FROM database_size_stats ORDER BY 1")
        assert rows == [(f"database_size_stats_2025_{m:02d}",) for m in range(7, 13)]

    def test_statistics_and_triggers_restored(self, data_url: str) -> None:
        """ANALYZE ran (planner statistics exist) and the row triggers disabled for the load are enabled."""
        stats = _one(data_url, "SELECT reltuples FROM pg_class WHERE relname = 'instances'")
        disabled = _one(data_url, "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'O'")
        assert (stats, disabled) == ([(15.0,)], [(0,)])

    def test_sequences_follow_the_data(self, data_url: str) -> None:
        """Sequences were advanced past the generated ids, so the application can insert."""
        with psycopg.connect(data_url) as conn:
            new_id = conn.execute(
                "INSERT INTO instances (name, db_type, host, port) VALUES ('new', 'mysql', 'h', 3306) RETURNING id"
            ).fetchone()
            conn.rollback()
        assert new_id == (16,)
