"""Daily size of every database (fact table, RANGE-partitioned by month on collected_date).

The database primary key is (id, collected_date) since migration 20251224164000; this mapping still
declares ``id`` alone as the primary key, so two rows with the same id in different partitions are
one identity in the session.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Index, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class DatabaseSizeStat(Base):
    __tablename__ = "database_size_stats"
    __table_args__ = (
        UniqueConstraint("instance_id", "database_name", "collected_date", name="uq_daily_database_size"),
        Index("ix_database_size_stats_collected_date", "collected_date"),
        Index("ix_database_size_stats_instance_date", "instance_id", "collected_date"),
        Index("ix_database_size_stats_instance_db", "instance_id", "database_name"),
        {"postgresql_partition_by": "RANGE (collected_date)"},
    )

    # Single-column primary key: the database has PRIMARY KEY (id, collected_date).
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), nullable=False)
    database_name: Mapped[str] = mapped_column(String(255), nullable=False)
    size_mb: Mapped[int] = mapped_column(BigInteger, nullable=False)
    data_size_mb: Mapped[int | None] = mapped_column(BigInteger)
    log_size_mb: Mapped[int | None] = mapped_column(BigInteger)
    # Partition key, not part of the mapped primary key.
    collected_date: Mapped[date] = mapped_column(Date, nullable=False)
    collected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "instance_id": self.instance_id,
            "database_name": self.database_name,
            "size_mb": self.size_mb,
            "data_size_mb": self.data_size_mb,
            "log_size_mb": self.log_size_mb,
            "collected_date": self.collected_date.isoformat(),
            "collected_at": self.collected_at.isoformat(),
        }
