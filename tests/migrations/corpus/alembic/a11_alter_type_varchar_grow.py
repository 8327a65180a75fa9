# expect: safe
"""a11 alter type varchar grow"""
import sqlalchemy as sa
from alembic import op

revision = "a11_alter_type_varchar_grow"
down_revision = "corpus_base"


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.alter_column("orders", "code", type_=sa.String(50), existing_type=sa.String(20))


def downgrade():
    op.alter_column("orders", "code", type_=sa.String(20))
