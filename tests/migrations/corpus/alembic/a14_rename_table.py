# expect: destructive-change
"""a14 rename table"""
from alembic import op

revision = "a14_rename_table"
down_revision = "corpus_base"


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.rename_table("audit_log", "audit_entries")


def downgrade():
    op.rename_table("audit_entries", "audit_log")
