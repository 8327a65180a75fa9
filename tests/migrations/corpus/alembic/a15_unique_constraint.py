# expect: unique-constraint-without-index
"""a15 unique constraint"""
from alembic import op

revision = "a15_unique_constraint"
down_revision = "corpus_base"


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.create_unique_constraint("customers_email_key", "customers", ["email"])


def downgrade():
    op.drop_constraint("customers_email_key", "customers")
