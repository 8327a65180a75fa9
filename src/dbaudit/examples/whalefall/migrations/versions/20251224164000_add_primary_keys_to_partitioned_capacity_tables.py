"""Add primary keys to the partitioned capacity tables database_size_stats / database_size_aggregations.

A primary key of a partitioned table must contain the partition key, so the key is (id, partition key).
instance_size_stats / instance_size_aggregations already had theirs in the baseline.

Revision ID: 20251224164000
Revises: 20251224134000
Create Date: 2025-12-24 16:40:00

"""

from __future__ import annotations

from alembic import op

revision = "20251224164000"
down_revision = "20251224134000"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_primary_key("database_size_stats_pkey", "database_size_stats", ["id", "collected_date"])
    op.create_primary_key("database_size_aggregations_pkey", "database_size_aggregations", ["id", "period_start"])


def downgrade() -> None:
    op.drop_constraint("database_size_aggregations_pkey", "database_size_aggregations", type_="primary")
    op.drop_constraint("database_size_stats_pkey", "database_size_stats", type_="primary")
