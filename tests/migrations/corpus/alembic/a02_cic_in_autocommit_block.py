# expect: safe
"""a02 cic in autocommit block"""
from alembic import op

revision = "a02_cic_in_autocommit_block"
down_revision = "corpus_base"


def upgrade():
    op.execute("SET statement_timeout = '30min'")
    with op.get_context().autocommit_block():
        op.create_index("ix_orders_customer", "orders", ["customer_id"], postgresql_concurrently=True)


def downgrade():
    op.drop_index("ix_orders_customer", table_name="orders")
