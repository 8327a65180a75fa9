# expect: drop-index-non-concurrent, missing-lock-timeout
"""a26 drop index without concurrently"""
from alembic import op

revision = "a26_drop_index"
down_revision = "corpus_base"


def upgrade():
    op.drop_index("ix_orders_status", table_name="orders")


def downgrade():
    op.create_index("ix_orders_status", "orders", ["status"])
