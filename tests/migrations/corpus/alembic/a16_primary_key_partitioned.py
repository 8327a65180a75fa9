# expect: primary-key-on-existing-table
"""a16 primary key partitioned"""
from alembic import op

revision = "a16_primary_key_partitioned"
down_revision = "corpus_base"


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.create_primary_key("events_pkey", "events", ["id", "created_at"])


def downgrade():
    op.drop_constraint("events_pkey", "events")
