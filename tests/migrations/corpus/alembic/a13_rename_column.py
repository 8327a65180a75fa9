# expect: destructive-change
"""a13 rename column"""
from alembic import op

revision = "a13_rename_column"
down_revision = "corpus_base"


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.alter_column("orders", "note", new_column_name="remark")


def downgrade():
    op.alter_column("orders", "remark", new_column_name="note")
