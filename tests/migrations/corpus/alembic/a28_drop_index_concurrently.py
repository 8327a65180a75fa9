# expect: safe
"""a28 drop index concurrently in an autocommit block"""
from alembic import op

revision = "a28_drop_index_concurrently"
down_revision = "corpus_base"


def upgrade():
    with op.get_context().autocommit_block():
        op.drop_index("ix_orders_status", table_name="orders", postgresql_concurrently=True)


def downgrade():
    op.create_index("ix_orders_status", "orders", ["status"])
