# expect: fk-without-not-valid
"""a04 fk validated"""
from alembic import op

revision = "a04_fk_validated"
down_revision = "corpus_base"


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.create_foreign_key("orders_customer_fk", "orders", "customers", ["customer_id"], ["id"])


def downgrade():
    op.drop_constraint("orders_customer_fk", "orders")
