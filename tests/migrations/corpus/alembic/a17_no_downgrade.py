# expect: missing-downgrade
"""a17 no downgrade"""
import sqlalchemy as sa
from alembic import op

revision = "a17_no_downgrade"
down_revision = "corpus_base"


def upgrade():
    op.create_table("tags", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("name", sa.Text()))


def downgrade():
    pass
