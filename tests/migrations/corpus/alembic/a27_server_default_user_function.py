# expect: add-column-rewrite
"""a27 server_default calling a function dbaudit does not know"""
import sqlalchemy as sa
from alembic import op

revision = "a27_server_default_user_function"
down_revision = "corpus_base"


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.add_column("orders", sa.Column("public_code", sa.Text(), server_default=sa.text("make_public_code()")))


def downgrade():
    op.drop_column("orders", "public_code")
