# expect: missing-downgrade
"""a23 irreversible downgrade raises on purpose"""
from alembic import op

revision = "a23_irreversible_downgrade_raises"
down_revision = "corpus_base"


def upgrade():
    op.execute("UPDATE orders SET status = lower(status)")


def downgrade():
    raise NotImplementedError("lower-casing status cannot be undone")
