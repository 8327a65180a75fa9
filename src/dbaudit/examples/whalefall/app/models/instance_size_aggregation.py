"""Daily/weekly/monthly/quarterly size aggregates per instance (RANGE-partitioned by period_start).

The audit report elides the change columns ("变化字段 numeric/int"); ours are the database-count
statistics and the size / database-count changes (absolute, percent, growth rate).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class InstanceSizeAggregation(Base):
    __tablename__ = "instance_size_aggregations"
    __table_args__ = (
        UniqueConstraint("instance_id", "period_type", "period_start", name="uq_instance_size_aggregation"),
        Index("ix_instance_size_aggregations_instance_period", "instance_id", "period_type", "period_start"),
        Index("ix_instance_size_aggregations_period_type", "period_type", "period_start"),
        {"postgresql_partition_by": "RANGE (period_start)"},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, index=True, autoincrement=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), nullable=False)
    period_type: Mapped[str] = mapped_column(String(20), nullable=False)
    period_start: Mapped[date] = mapped_column(Date, primary_key=True)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    total_size_mb: Mapped[int] = mapped_column(BigInteger, nullable=False)
    avg_size_mb: Mapped[int] = mapped_column(BigInteger, nullable=False)
    max_size_mb: Mapped[int] = mapped_column(BigInteger, nullable=False)
    min_size_mb: Mapped[int] = mapped_column(BigInteger, nullable=False)
    data_count: Mapped[int] = mapped_column(Integer, nullable=False)
    database_count: Mapped[int] = mapped_column(Integer, nullable=False)
    avg_database_count: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    max_database_count: Mapped[int | None] = mapped_column(Integer)
    min_database_count: Mapped[int | None] = mapped_column(Integer)
    total_size_change_mb: Mapped[int | None] = mapped_column(BigInteger)
    total_size_change_percent: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    database_count_change: Mapped[int | None] = mapped_column(Integer)
    database_count_change_percent: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    growth_rate: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    trend_direction: Mapped[str | None] = mapped_column(String(20))  # growing/shrinking/stable
    calculated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
