# expect: non-concurrent-index, missing-lock-timeout
"""a01 create index"""
from alembic import op

revision = "a01_create_index"
down_revision = "corpus_base"


def upgrade():
    op.create_index("ix_orders_customer", "orders", ["customer_id"])


def downgrade():
    op.drop_index("ix_orders_customer", table_name="orders")
