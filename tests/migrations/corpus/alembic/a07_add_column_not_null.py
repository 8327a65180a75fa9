# expect: not-null-without-default
"""a07 add column not null"""
import sqlalchemy as sa
from alembic import op

revision = "a07_add_column_not_null"
down_revision = "corpus_base"


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.add_column("orders", sa.Column("region", sa.Text(), nullable=False))


def downgrade():
    op.drop_column("orders", "region")
