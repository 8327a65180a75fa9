"""Databases of an instance and their lifecycle (the dimension table of the capacity facts)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base

if TYPE_CHECKING:
    from app.models.instance import Instance


class InstanceDatabase(Base):
    __tablename__ = "instance_databases"
    __table_args__ = (
        UniqueConstraint("instance_id", "database_name", name="instance_databases_instance_id_database_name_key"),
        Index("ix_instance_databases_instance_id", "instance_id"),
        Index("ix_instance_databases_database_name", "database_name"),
        Index("ix_instance_databases_active", "is_active"),
        Index("ix_instance_databases_last_seen", "last_seen_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), nullable=False)
    database_name: Mapped[str] = mapped_column(String(255), nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="true")
    first_seen_date: Mapped[date] = mapped_column(Date, nullable=False, server_default=func.current_date())
    last_seen_date: Mapped[date] = mapped_column(Date, nullable=False, server_default=func.current_date())
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # No onupdate, no BEFORE UPDATE trigger on this table.
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), server_default=func.now())

    instance: Mapped[Instance] = relationship(back_populates="databases")
