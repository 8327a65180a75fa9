"""`alembic upgrade head` of the WhaleFall example gives exactly the schema of section A3."""

from __future__ import annotations

import psycopg
import pytest

from tests.examples.catalog import TableFacts, enum_values, parse_a3, read_catalog, sequence_owner
from tests.examples.whalefall_a3 import A3, ENUMS, FOREIGN_KEYS_ABSENT, SEQUENCE_OWNERS

EXPECTED = parse_a3(A3)


@pytest.fixture(scope="module")
def catalog(whalefall_head_url: str) -> dict[str, TableFacts]:
    with psycopg.connect(whalefall_head_url) as conn:
        return read_catalog(conn)


class TestHeadSchemaMatchesA3:
    def test_tables(self, catalog: dict[str, TableFacts]) -> None:
        """The database holds the 21 tables of A3 (partitions aside) plus alembic_version."""
        assert set(catalog) == {*EXPECTED, "alembic_version"}

    def test_a3_lists_every_table_of_section_a1(self) -> None:
        """The spec itself covers the 21 entities the report names."""
        assert len(EXPECTED) == 21

    @pytest.mark.parametrize("table", sorted(EXPECTED))
    def test_columns(self, catalog: dict[str, TableFacts], table: str) -> None:
        """Every column has A3's type, nullability and default, and there are no others."""
        assert catalog[table].columns == EXPECTED[table].columns

    @pytest.mark.parametrize("table", sorted(EXPECTED))
    def test_constraints(self, catalog: dict[str, TableFacts], table: str) -> None:
        """Primary keys, unique constraints, foreign keys and checks match A3 by name, columns and target."""
        assert catalog[table].constraints == EXPECTED[table].constraints

    @pytest.mark.parametrize("table", sorted(EXPECTED))
    def test_indexes(self, catalog: dict[str, TableFacts], table: str) -> None:
        """Standalone indexes (redundant ones included) match A3 by name, columns, uniqueness, predicate."""
        assert catalog[table].indexes == EXPECTED[table].indexes

    @pytest.mark.parametrize("table", sorted(EXPECTED))
    def test_triggers(self, catalog: dict[str, TableFacts], table: str) -> None:
        """Triggers match A3 by name, timing and event."""
        assert catalog[table].triggers == EXPECTED[table].triggers

    @pytest.mark.parametrize("table", sorted(EXPECTED))
    def test_partitions(self, catalog: dict[str, TableFacts], table: str) -> None:
        """The four capacity tables are RANGE-partitioned by month over the fixed window; others are not."""
        actual = catalog[table]
        assert (actual.partitioning, actual.partitions) == (
            EXPECTED[table].partitioning,
            EXPECTED[table].partitions,
        )

    def test_missing_foreign_key(self, catalog: dict[str, TableFacts]) -> None:
        """database_size_aggregations.instance_id has no foreign key in the database."""
        for table, columns in FOREIGN_KEYS_ABSENT.items():
            fk_columns = [c[2] for c in catalog[table].constraints if c[0] == "f"]
            assert [col for col in columns if (col,) in fk_columns] == []

    def test_enum(self, whalefall_head_url: str) -> None:
        """The log_level enum has the five levels in order."""
        with psycopg.connect(whalefall_head_url) as conn:
            assert {name: enum_values(conn, name) for name in ENUMS} == ENUMS

    def test_sequence_owner(self, whalefall_head_url: str) -> None:
        """current_account_sync_data_id_seq is owned by account_permission.id (legacy name)."""
        with psycopg.connect(whalefall_head_url) as conn:
            assert {seq: sequence_owner(conn, seq) for seq in SEQUENCE_OWNERS} == SEQUENCE_OWNERS

    def test_head_revision(self, whalefall_head_url: str) -> None:
        """The database is stamped with the last follow-up revision."""
        with psycopg.connect(whalefall_head_url) as conn:
            assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("20251224164000",)]
