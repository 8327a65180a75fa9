"""Per-instance result of a sync session."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class SyncInstanceRecord(Base):
    __tablename__ = "sync_instance_records"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'running', 'completed', 'failed')", name="sync_instance_records_status_check"
        ),
        CheckConstraint(
            "sync_category IN ('account', 'capacity', 'config', 'aggregation', 'other')",
            name="sync_instance_records_sync_category_check",
        ),
        Index("idx_sync_instance_records_session_id", "session_id"),
        Index("idx_sync_instance_records_instance_id", "instance_id"),
        Index("idx_sync_instance_records_status", "status"),
        Index("idx_sync_instance_records_sync_category", "sync_category"),
        Index("idx_sync_instance_records_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sync_sessions.session_id", ondelete="CASCADE"), nullable=False)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), nullable=False)
    instance_name: Mapped[str | None] = mapped_column(String(255))
    sync_category: Mapped[str] = mapped_column(String(20), nullable=False, server_default="account")
    status: Mapped[str] = mapped_column(String(20), nullable=False, server_default="pending")
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    items_synced: Mapped[int | None] = mapped_column(Integer, server_default="0")
    items_created: Mapped[int | None] = mapped_column(Integer, server_default="0")
    items_updated: Mapped[int | None] = mapped_column(Integer, server_default="0")
    items_deleted: Mapped[int | None] = mapped_column(Integer, server_default="0")
    error_message: Mapped[str | None] = mapped_column(Text)
    sync_details: Mapped[Any] = mapped_column(JSONB)
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), server_default=func.now())
