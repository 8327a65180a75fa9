"""Users database baseline: the tables that stay with Users after the split.

Revision ID: users_0001
Revises:
Create Date: 2025-10-27 09:00:00

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "users_0001"
down_revision = None
branch_labels = None
depends_on = None


def _created_at() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "admin_config",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(64), nullable=False, unique=True),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "admin_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("session_token", sa.String(128), nullable=False, unique=True),
        sa.Column("admin_username", sa.String(64), nullable=False),
        _created_at(),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "audit_logs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(255)),
        _created_at(),
    )
    op.create_index("ix_audit_logs_created_at", "audit_logs", ["created_at"])
    op.create_table(
        "batch_jobs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("job_type", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("payload", sa.JSON()),
        _created_at(),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "bulk_operation_logs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("batch_job_id", sa.Integer(), sa.ForeignKey("batch_jobs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("operation", sa.String(32), nullable=False),
        sa.Column("affected", sa.Integer(), nullable=False),
        _created_at(),
    )
    op.create_index("ix_bulk_operation_logs_batch_job_id", "bulk_operation_logs", ["batch_job_id"])
    op.create_table(
        "redeem_codes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(32), nullable=False, unique=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("used_by_email", sa.String(320)),
        sa.Column("expires_at", sa.DateTime(timezone=True)),
        _created_at(),
    )
    op.create_table(
        "invite_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("redeem_code_id", sa.Integer(), sa.ForeignKey("redeem_codes.id", ondelete="SET NULL")),
        sa.Column("mother_team_id", sa.Integer()),
        sa.Column("status", sa.String(16), nullable=False),
        _created_at(),
    )
    op.create_index("ix_invite_requests_email", "invite_requests", ["email"])
    op.create_index("ix_invite_requests_redeem_code_id", "invite_requests", ["redeem_code_id"])


def downgrade() -> None:
    for table in ("invite_requests", "redeem_codes", "bulk_operation_logs", "batch_jobs", "audit_logs",
                  "admin_sessions", "admin_config"):
        op.drop_table(table)
