# expect: non-concurrent-index
"""a18 execute text index"""
import sqlalchemy as sa
from alembic import op

revision = "a18_execute_text_index"
down_revision = "corpus_base"


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.execute(sa.text("CREATE INDEX ix_orders_note ON orders (note)"))


def downgrade():
    op.execute("DROP INDEX ix_orders_note")
