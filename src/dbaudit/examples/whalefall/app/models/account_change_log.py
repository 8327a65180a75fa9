"""Append-only log of account/permission changes found by the sync."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class AccountChangeLog(Base):
    __tablename__ = "account_change_log"
    __table_args__ = (
        Index("idx_instance_dbtype_username_time", "instance_id", "db_type", "username", "change_time"),
        Index("idx_change_type_time", "change_type", "change_time"),
        Index("idx_username_time", "username", "change_time"),
        Index("idx_account_change_log_instance_id", "instance_id"),
        Index("idx_account_change_log_db_type", "db_type"),
        Index("idx_account_change_log_username", "username"),
        Index("idx_account_change_log_change_time", "change_time"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), nullable=False)
    db_type: Mapped[str] = mapped_column(String(20), nullable=False)
    username: Mapped[str] = mapped_column(String(255), nullable=False)
    change_type: Mapped[str] = mapped_column(String(50), nullable=False)
    change_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), server_default=func.now())
    session_id: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str | None] = mapped_column(String(20), server_default="success")
    message: Mapped[str | None] = mapped_column(Text)
    privilege_diff: Mapped[Any] = mapped_column(JSONB)
    other_diff: Mapped[Any] = mapped_column(JSONB)
