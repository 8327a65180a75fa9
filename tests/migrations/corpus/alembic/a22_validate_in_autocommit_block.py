# expect: safe
"""a22 validate in autocommit block"""
from alembic import op

revision = "a22_validate_in_autocommit_block"
down_revision = "corpus_base"


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.execute("SET statement_timeout = '1h'")
    op.create_foreign_key("orders_customer_fk", "orders", "customers", ["customer_id"], ["id"],
        postgresql_not_valid=True,
    )
    with op.get_context().autocommit_block():
        op.execute("ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk")


def downgrade():
    op.drop_constraint("orders_customer_fk", "orders")
