# expect: missing-lock-timeout
"""a24 suppression comment in a Python revision"""
from alembic import op

revision = "a24_suppressed_in_python"
down_revision = "corpus_base"


def upgrade():
    # dbaudit: ignore[non-concurrent-index] audit_log is emptied before every deploy
    op.create_index("ix_audit_log_at", "audit_log", ["at"])


def downgrade():
    op.drop_index("ix_audit_log_at", table_name="audit_log")
