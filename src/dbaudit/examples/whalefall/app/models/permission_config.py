"""Catalogue of permissions per database type, shown in the permission editor."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Index, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class PermissionConfig(Base):
    __tablename__ = "permission_configs"
    __table_args__ = (
        UniqueConstraint("db_type", "category", "permission_name", name="uq_permission_config"),
        Index("idx_permission_config_db_type", "db_type"),
        Index("idx_permission_config_category", "category"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    db_type: Mapped[str] = mapped_column(String(50), nullable=False)
    category: Mapped[str] = mapped_column(String(50), nullable=False)
    permission_name: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool | None] = mapped_column(Boolean, server_default="true")
    sort_order: Mapped[int | None] = mapped_column(Integer, server_default="0")
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), server_default=func.now())
