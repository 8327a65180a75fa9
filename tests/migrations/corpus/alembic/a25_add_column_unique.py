# expect: unique-constraint-without-index
"""a25 add column with unique=True"""
import sqlalchemy as sa
from alembic import op

revision = "a25_add_column_unique"
down_revision = "corpus_base"


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.add_column("customers", sa.Column("handle", sa.String(40), unique=True))


def downgrade():
    op.drop_column("customers", "handle")
