# expect: missing-statement-timeout, validate-in-same-transaction
"""a05 fk not valid"""
from alembic import op

revision = "a05_fk_not_valid"
down_revision = "corpus_base"


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.create_foreign_key("orders_customer_fk", "orders", "customers", ["customer_id"], ["id"],
        postgresql_not_valid=True,
    )
    op.execute("ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk")


def downgrade():
    op.drop_constraint("orders_customer_fk", "orders")
