# expect: destructive-change
"""a12 drop column"""
import sqlalchemy as sa
from alembic import op

revision = "a12_drop_column"
down_revision = "corpus_base"


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.drop_column("orders", "note")


def downgrade():
    op.add_column("orders", sa.Column("note", sa.Text()))
