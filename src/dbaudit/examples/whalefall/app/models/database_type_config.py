"""Supported database types (MySQL, PostgreSQL, SQL Server, Oracle) and their connection defaults."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class DatabaseTypeConfig(Base):
    __tablename__ = "database_type_configs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True, nullable=False)
    display_name: Mapped[str] = mapped_column(String(100), nullable=False)
    driver: Mapped[str] = mapped_column(String(50), nullable=False)
    default_port: Mapped[int] = mapped_column(Integer, nullable=False)
    default_schema: Mapped[str] = mapped_column(String(50), nullable=False)
    connection_timeout: Mapped[int | None] = mapped_column(Integer, server_default="30")
    description: Mapped[str | None] = mapped_column(Text)
    icon: Mapped[str | None] = mapped_column(String(50), server_default="fa-database")
    color: Mapped[str | None] = mapped_column(String(20), server_default="primary")
    # JSON list of feature flags, stored as text
    features: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool | None] = mapped_column(Boolean, server_default="true")
    is_system: Mapped[bool | None] = mapped_column(Boolean, server_default="false")
    sort_order: Mapped[int | None] = mapped_column(Integer, server_default="0")
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), server_default=func.now())
