"""Drop credentials.instance_ids (the credential -> instance link lives in instances.credential_id).

Revision ID: 20251224120000
Revises: 20251219161048
Create Date: 2025-12-24 12:00:00

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "20251224120000"
down_revision = "20251219161048"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_column("credentials", "instance_ids")


def downgrade() -> None:
    op.add_column(
        "credentials",
        sa.Column("instance_ids", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    )
