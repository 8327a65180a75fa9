"""Pool database baseline: the tables that move to Pool in the split.

Revision ID: pool_0001
Revises:
Create Date: 2025-10-27 09:00:00

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "pool_0001"
down_revision = None
branch_labels = None
depends_on = None


def _created_at() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "mother_groups",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        _created_at(),
    )
    op.create_table(
        "pool_groups",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        _created_at(),
    )
    op.create_table(
        "group_daily_sequences",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("pool_group_id", sa.Integer(), sa.ForeignKey("pool_groups.id", ondelete="CASCADE"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.UniqueConstraint("pool_group_id", "day"),
    )
    op.create_table(
        "mother_accounts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(320), nullable=False, unique=True),
        sa.Column("mother_group_id", sa.Integer(), sa.ForeignKey("mother_groups.id")),
        sa.Column("pool_group_id", sa.Integer(), sa.ForeignKey("pool_groups.id")),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("seat_limit", sa.Integer(), nullable=False),
        _created_at(),
    )
    op.create_index("ix_mother_accounts_mother_group_id", "mother_accounts", ["mother_group_id"])
    op.create_index("ix_mother_accounts_pool_group_id", "mother_accounts", ["pool_group_id"])
    op.create_table(
        "pool_group_settings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("pool_group_id", sa.Integer(), sa.ForeignKey("pool_groups.id", ondelete="CASCADE"),
                  nullable=False, unique=True),
        sa.Column("settings", sa.JSON()),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "child_accounts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("mother_account_id", sa.Integer(), sa.ForeignKey("mother_accounts.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _created_at(),
    )
    op.create_index("ix_child_accounts_mother_account_id", "child_accounts", ["mother_account_id"])
    op.create_table(
        "mother_teams",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("mother_account_id", sa.Integer(), sa.ForeignKey("mother_accounts.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("team_name", sa.String(128), nullable=False),
        _created_at(),
    )
    op.create_index("ix_mother_teams_mother_account_id", "mother_teams", ["mother_account_id"])
    op.create_table(
        "seats",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("mother_team_id", sa.Integer(), sa.ForeignKey("mother_teams.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("child_account_id", sa.Integer(), sa.ForeignKey("child_accounts.id", ondelete="SET NULL")),
        sa.Column("email", sa.String(320)),
        sa.Column("status", sa.String(16), nullable=False),
        _created_at(),
    )
    op.create_index("ix_seats_mother_team_id", "seats", ["mother_team_id"])
    op.create_index("ix_seats_child_account_id", "seats", ["child_account_id"])


def downgrade() -> None:
    for table in ("seats", "mother_teams", "child_accounts", "pool_group_settings", "mother_accounts",
                  "group_daily_sequences", "pool_groups", "mother_groups"):
        op.drop_table(table)
