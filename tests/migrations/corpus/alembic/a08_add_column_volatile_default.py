# expect: add-column-rewrite
"""a08 add column volatile default"""
import sqlalchemy as sa
from alembic import op

revision = "a08_add_column_volatile_default"
down_revision = "corpus_base"


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.add_column("orders", sa.Column("token", sa.Uuid(), server_default=sa.text("gen_random_uuid()")))


def downgrade():
    op.drop_column("orders", "token")
