# expect: column-type-rewrite
"""a10 alter type int to bigint"""
import sqlalchemy as sa
from alembic import op

revision = "a10_alter_type_int_to_bigint"
down_revision = "corpus_base"


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.alter_column("orders", "ref", type_=sa.BigInteger(), existing_type=sa.Integer())


def downgrade():
    op.alter_column("orders", "ref", type_=sa.Integer())
