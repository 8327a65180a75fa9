# expect: safe
"""a06 add column constant default"""
import sqlalchemy as sa
from alembic import op

revision = "a06_add_column_constant_default"
down_revision = "corpus_base"


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.add_column("orders", sa.Column("priority", sa.Integer(), nullable=False, server_default="0"))


def downgrade():
    op.drop_column("orders", "priority")
