# expect: concurrent-in-transaction, missing-statement-timeout
"""a03 cic in transaction"""
from alembic import op

revision = "a03_cic_in_transaction"
down_revision = "corpus_base"


def upgrade():
    op.create_index("ix_orders_customer", "orders", ["customer_id"], postgresql_concurrently=True)


def downgrade():
    op.drop_index("ix_orders_customer", table_name="orders")
