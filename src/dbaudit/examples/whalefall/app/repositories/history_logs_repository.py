"""History logs page: search unified_logs by time window, level, module and keyword."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Text, cast, func, or_, select
from sqlalchemy.orm import Session

from app.models import LogLevel, UnifiedLog


@dataclass(frozen=True)
class LogSearchFilters:
    hours: int = 24
    level: LogLevel | None = None
    module: str | None = None
    keyword: str = ""
    page: int = 1
    limit: int = 50


class HistoryLogsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def search(self, filters: LogSearchFilters) -> tuple[list[UnifiedLog], int]:
        since = datetime.now(UTC) - timedelta(hours=filters.hours)
        query = select(UnifiedLog).where(UnifiedLog.timestamp >= since)
        if filters.level:
            query = query.where(UnifiedLog.level == filters.level)
        if filters.module:
            query = query.where(UnifiedLog.module == filters.module)
        if filters.keyword:
            kw = filters.keyword.strip()
            # Leading-wildcard LIKE on message and on the jsonb context rendered as text.
            query = query.where(
                or_(
                    UnifiedLog.message.like(f"%{kw}%"),
                    cast(UnifiedLog.context, Text).like(f"%{kw}%"),
                )
            )
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        logs = self.session.scalars(
            query.order_by(UnifiedLog.timestamp.desc()).offset((filters.page - 1) * filters.limit).limit(filters.limit)
        ).all()
        return list(logs), total
