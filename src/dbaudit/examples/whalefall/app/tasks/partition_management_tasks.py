"""Scheduled partition maintenance (run daily by the scheduler).

Creates next month's partitions of the four capacity tables, drops partitions past retention, and
logs a warning when a partition is missing.
"""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from app import settings
from app.services.partition_management_service import PartitionAction, PartitionManagementService

logger = logging.getLogger(__name__)


def _engine_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


def create_database_size_partitions(url: str | None = None, today: date | None = None) -> list[PartitionAction]:
    """Create this month's and next month's partitions for the 4 capacity tables."""
    engine = create_engine(_engine_url(url or settings.DATABASE_URL))
    try:
        with Session(engine) as session, session.begin():
            actions = PartitionManagementService(session).create_future_partitions(today or date.today())
    finally:
        engine.dispose()
    for action in actions:
        if action.action == "created":
            logger.info("created partition %s", action.partition)
    return actions


def cleanup_database_size_partitions(url: str | None = None, today: date | None = None) -> list[PartitionAction]:
    """Drop capacity partitions older than PARTITION_RETENTION_MONTHS."""
    engine = create_engine(_engine_url(url or settings.DATABASE_URL))
    try:
        with Session(engine) as session, session.begin():
            return PartitionManagementService(session).cleanup_old_partitions(
                today or date.today(), settings.PARTITION_RETENTION_MONTHS
            )
    finally:
        engine.dispose()


def monitor_partition_health(url: str | None = None, today: date | None = None) -> list[str]:
    engine = create_engine(_engine_url(url or settings.DATABASE_URL))
    try:
        with Session(engine) as session:
            missing = PartitionManagementService(session).missing_partitions(today or date.today())
    finally:
        engine.dispose()
    if missing:
        logger.warning("missing capacity partitions: %s", ", ".join(missing))
    return missing
