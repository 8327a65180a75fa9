"""Daily total size per instance (RANGE-partitioned by collected_date).

Unlike database_size_stats (see the fact/dimension refactor), this fact table still carries the
lifecycle columns is_deleted/deleted_at, duplicating instances.is_active/deleted_at.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, func, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class InstanceSizeStat(Base):
    __tablename__ = "instance_size_stats"
    __table_args__ = (
        Index(
            "uq_instance_size_stats_instance_date",
            "instance_id",
            "collected_date",
            unique=True,
            postgresql_where=text("is_deleted = false"),
        ),
        Index("ix_instance_size_stats_instance_date", "instance_id", "collected_date"),
        Index("ix_instance_size_stats_collected_date", "collected_date"),
        Index("ix_instance_size_stats_deleted", "is_deleted"),
        Index("ix_instance_size_stats_instance_id", "instance_id"),
        Index("ix_instance_size_stats_total_size", "total_size_mb"),
        {"postgresql_partition_by": "RANGE (collected_date)"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), nullable=False)
    total_size_mb: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    database_count: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    collected_date: Mapped[date] = mapped_column(Date, primary_key=True)
    collected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    is_deleted: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), server_default=func.now())
