"""Sync sessions (one run of account/capacity synchronisation over many instances).

SyncStatus is the status vocabulary the application uses. It includes PENDING and PAUSED, which the
database CHECK sync_sessions_status_check does NOT allow (running/completed/failed/cancelled); the
history page (app/static/js/modules/views/history/sessions/sync-sessions.js) shows them as running.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, DateTime, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class SyncStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


SYNC_SESSION_STATUSES: tuple[str, ...] = tuple(status.value for status in SyncStatus)
SYNC_TYPES: tuple[str, ...] = ("manual_single", "manual_batch", "manual_task", "scheduled_task")
SYNC_CATEGORIES: tuple[str, ...] = ("account", "capacity", "config", "aggregation", "other")


class SyncSession(Base):
    __tablename__ = "sync_sessions"
    __table_args__ = (
        CheckConstraint("status IN ('running', 'completed', 'failed', 'cancelled')", name="sync_sessions_status_check"),
        CheckConstraint(
            "sync_type IN ('manual_single', 'manual_batch', 'manual_task', 'scheduled_task')",
            name="sync_sessions_sync_type_check",
        ),
        CheckConstraint(
            "sync_category IN ('account', 'capacity', 'config', 'aggregation', 'other')",
            name="sync_sessions_sync_category_check",
        ),
        Index("idx_sync_sessions_session_id", "session_id"),
        Index("idx_sync_sessions_status", "status"),
        Index("idx_sync_sessions_sync_category", "sync_category"),
        Index("idx_sync_sessions_sync_type", "sync_type"),
        Index("idx_sync_sessions_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(String(36), unique=True, nullable=False)
    sync_type: Mapped[str] = mapped_column(String(20), nullable=False)
    sync_category: Mapped[str] = mapped_column(String(20), nullable=False, server_default="account")
    status: Mapped[str] = mapped_column(String(20), nullable=False, server_default=SyncStatus.RUNNING.value)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    total_instances: Mapped[int | None] = mapped_column(Integer, server_default="0")
    successful_instances: Mapped[int | None] = mapped_column(Integer, server_default="0")
    failed_instances: Mapped[int | None] = mapped_column(Integer, server_default="0")
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), server_default=func.now())

    def pause(self) -> None:
        """Pause a session (the database CHECK rejects this status on flush)."""
        self.status = SyncStatus.PAUSED.value
