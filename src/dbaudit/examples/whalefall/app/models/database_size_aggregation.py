"""Daily/weekly/monthly/quarterly size aggregates per database (RANGE-partitioned by period_start).

Two mismatches with the database: the mapped primary key is ``id`` alone (the database has
PRIMARY KEY (id, period_start) since 20251224164000), and ``instance_id`` declares a ForeignKey to
instances.id that the database does not have.

The audit report elides the incremental columns ("增量字段 numeric/int8"); ours are the data/log size
statistics and the change columns (absolute MB, percent, growth rate).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class DatabaseSizeAggregation(Base):
    __tablename__ = "database_size_aggregations"
    __table_args__ = (
        UniqueConstraint(
            "instance_id", "database_name", "period_type", "period_start", name="uq_database_size_aggregation"
        ),
        Index("ix_database_size_aggregations_instance_period", "instance_id", "period_type", "period_start"),
        Index("ix_database_size_aggregations_period_type", "period_type", "period_start"),
        {"postgresql_partition_by": "RANGE (period_start)"},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, index=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), nullable=False)
    database_name: Mapped[str] = mapped_column(String(255), nullable=False)
    period_type: Mapped[str] = mapped_column(String(20), nullable=False)  # daily/weekly/monthly/quarterly
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    avg_size_mb: Mapped[int] = mapped_column(BigInteger, nullable=False)
    max_size_mb: Mapped[int] = mapped_column(BigInteger, nullable=False)
    min_size_mb: Mapped[int] = mapped_column(BigInteger, nullable=False)
    data_count: Mapped[int] = mapped_column(Integer, nullable=False)
    avg_data_size_mb: Mapped[int | None] = mapped_column(BigInteger)
    max_data_size_mb: Mapped[int | None] = mapped_column(BigInteger)
    min_data_size_mb: Mapped[int | None] = mapped_column(BigInteger)
    avg_log_size_mb: Mapped[int | None] = mapped_column(BigInteger)
    max_log_size_mb: Mapped[int | None] = mapped_column(BigInteger)
    min_log_size_mb: Mapped[int | None] = mapped_column(BigInteger)
    size_change_mb: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    size_change_percent: Mapped[Decimal] = mapped_column(Numeric(10, 2), nullable=False, server_default="0")
    data_size_change_mb: Mapped[int | None] = mapped_column(BigInteger)
    data_size_change_percent: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    log_size_change_mb: Mapped[int | None] = mapped_column(BigInteger)
    log_size_change_percent: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    growth_rate: Mapped[Decimal] = mapped_column(Numeric(10, 2), nullable=False, server_default="0")
    calculated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
