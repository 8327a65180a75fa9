"""Convert calculated_at/created_at of the two aggregation tables to timestamptz.

The values were written as naive UTC timestamps, so they are reinterpreted AT TIME ZONE 'UTC'.
On the partitioned parents the ALTER recurses into every partition (and rewrites them).

Revision ID: 20251224134000
Revises: 20251224120000
Create Date: 2025-12-24 13:40:00

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20251224134000"
down_revision = "20251224120000"
branch_labels = None
depends_on = None

TABLES = ("database_size_aggregations", "instance_size_aggregations")
COLUMNS = ("calculated_at", "created_at")


def upgrade() -> None:
    for table in TABLES:
        for column in COLUMNS:
            op.alter_column(
                table,
                column,
                type_=sa.DateTime(timezone=True),
                existing_type=sa.DateTime(timezone=False),
                existing_nullable=False,
                postgresql_using=f"{column} AT TIME ZONE 'UTC'",
            )


def downgrade() -> None:
    for table in TABLES:
        for column in COLUMNS:
            op.alter_column(
                table,
                column,
                type_=sa.DateTime(timezone=False),
                existing_type=sa.DateTime(timezone=True),
                existing_nullable=False,
                postgresql_using=f"{column} AT TIME ZONE 'UTC'",
            )
