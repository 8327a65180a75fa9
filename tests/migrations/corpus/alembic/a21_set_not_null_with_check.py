# expect: missing-statement-timeout, validate-in-same-transaction
"""a21 set not null with check"""
from alembic import op

revision = "a21_set_not_null_with_check"
down_revision = "corpus_base"


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.create_check_constraint("orders_customer_id_not_null", "orders", "customer_id IS NOT NULL",
        postgresql_not_valid=True,
    )
    op.execute("ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_id_not_null")
    op.alter_column("orders", "customer_id", nullable=False)


def downgrade():
    op.alter_column("orders", "customer_id", nullable=True)
