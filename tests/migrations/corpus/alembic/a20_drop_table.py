# expect: destructive-change, missing-downgrade
"""a20 drop table"""
from alembic import op

revision = "a20_drop_table"
down_revision = "corpus_base"


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.drop_table("audit_log")


def downgrade():
    raise NotImplementedError("audit_log data cannot be restored")
