"""Sync sessions history page."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import SyncSession, SyncStatus

# Statuses shown as "in progress" - pending/paused are never accepted by sync_sessions_status_check.
ACTIVE_STATUSES = (SyncStatus.PENDING.value, SyncStatus.RUNNING.value, SyncStatus.PAUSED.value)


@dataclass(frozen=True)
class SessionFilters:
    sync_type: str | None = None
    sync_category: str | None = None
    status: str | None = None
    sort_field: str = "started_at"
    sort_order: str = "desc"
    page: int = 1
    limit: int = 20


class HistorySessionsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def list_sessions(self, filters: SessionFilters) -> tuple[list[SyncSession], int]:
        query = select(SyncSession)
        if filters.sync_type:
            query = query.where(SyncSession.sync_type == filters.sync_type)
        if filters.sync_category:
            query = query.where(SyncSession.sync_category == filters.sync_category)
        if filters.status == "active":
            query = query.where(SyncSession.status.in_(ACTIVE_STATUSES))
        elif filters.status:
            query = query.where(SyncSession.status == filters.status)
        column = getattr(SyncSession, filters.sort_field, SyncSession.started_at)
        order = column.desc() if filters.sort_order == "desc" else column.asc()
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = self.session.scalars(
            query.order_by(order).offset((filters.page - 1) * filters.limit).limit(filters.limit)
        ).all()
        return list(rows), total
