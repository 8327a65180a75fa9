# expect: set-not-null-scan
"""a09 alter nullable"""
import sqlalchemy as sa
from alembic import op

revision = "a09_alter_nullable"
down_revision = "corpus_base"


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.alter_column("orders", "customer_id", nullable=False, existing_type=sa.BigInteger())


def downgrade():
    op.alter_column("orders", "customer_id", nullable=True)
