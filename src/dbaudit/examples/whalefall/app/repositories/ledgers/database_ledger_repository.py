"""Database ledger: every database of every instance with its latest capacity sample."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Unpack

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from app.models import DatabaseSizeStat, Instance, InstanceDatabase, Tag, instance_tags

if TYPE_CHECKING:
    # Any row shape: the ledgers select several entities per row.
    Rows = Select[Unpack[tuple[Any, ...]]]


@dataclass(frozen=True)
class DatabaseLedgerFilters:
    search: str = ""
    db_type: str | None = None
    instance_id: int | None = None
    tags: list[str] = field(default_factory=list)
    page: int = 1
    limit: int = 20


class DatabaseLedgerRepository:
    """Read side of the database ledger page."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _base_query(self, filters: DatabaseLedgerFilters) -> Rows:
        query = (
            select(InstanceDatabase, Instance)
            .join(Instance, Instance.id == InstanceDatabase.instance_id)
            .where(InstanceDatabase.is_active.is_(True), Instance.deleted_at.is_(None))
        )
        if filters.db_type:
            query = query.where(Instance.db_type == filters.db_type)
        if filters.instance_id:
            query = query.where(Instance.id == filters.instance_id)
        return query

    def _apply_search(self, query: Rows, search: str) -> Rows:
        term = search.strip()
        if term:
            pattern = f"%{term}%"
            query = query.where(
                or_(
                    InstanceDatabase.database_name.ilike(pattern),
                    Instance.name.ilike(pattern),
                    Instance.host.ilike(pattern),
                )
            )
        return query

    def _apply_tags(self, query: Rows, tags: list[str]) -> Rows:
        if tags:
            query = (
                query.join(instance_tags, instance_tags.c.instance_id == Instance.id)
                .join(Tag, Tag.id == instance_tags.c.tag_id)
                .where(Tag.name.in_(tags))
                .distinct()
            )
        return query

    def list_databases(self, filters: DatabaseLedgerFilters) -> tuple[list[Any], int]:
        query = self._apply_tags(self._apply_search(self._base_query(filters), filters.search), filters.tags)
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = self.session.execute(
            query.order_by(Instance.name, InstanceDatabase.database_name)
            .offset((filters.page - 1) * filters.limit)
            .limit(filters.limit)
        ).all()
        latest = self.latest_capacity([(db.instance_id, db.database_name) for db, _ in rows])
        return [(db, instance, latest.get((db.instance_id, db.database_name))) for db, instance in rows], total

    def latest_capacity(self, keys: list[tuple[int, str]]) -> dict[tuple[int, str], DatabaseSizeStat]:
        """Latest sample per (instance_id, database_name): GROUP BY + max(collected_at), joined back."""
        if not keys:
            return {}
        instance_ids = sorted({instance_id for instance_id, _ in keys})
        latest = (
            select(
                DatabaseSizeStat.instance_id,
                DatabaseSizeStat.database_name,
                func.max(DatabaseSizeStat.collected_at).label("latest_collected_at"),
            )
            .where(DatabaseSizeStat.instance_id.in_(instance_ids))
            .group_by(DatabaseSizeStat.instance_id, DatabaseSizeStat.database_name)
            .subquery()
        )
        query = select(DatabaseSizeStat).join(
            latest,
            and_(
                DatabaseSizeStat.instance_id == latest.c.instance_id,
                DatabaseSizeStat.database_name == latest.c.database_name,
                DatabaseSizeStat.collected_at == latest.c.latest_collected_at,
            ),
        )
        return {(row.instance_id, row.database_name): row for row in self.session.scalars(query)}
