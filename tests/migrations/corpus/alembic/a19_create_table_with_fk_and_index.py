# expect: fk-locks-referenced-table
"""a19 create table with fk and index"""
import sqlalchemy as sa
from alembic import op

revision = "a19_create_table_with_fk_and_index"
down_revision = "corpus_base"


def upgrade():
    op.create_table(
        "invoices",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("customer_id", sa.BigInteger(), sa.ForeignKey("customers.id"), nullable=False),
    )
    op.create_index("ix_invoices_customer", "invoices", ["customer_id"])


def downgrade():
    op.drop_table("invoices")
