"""Instances list page: filter by type/status/tags, search name/host, sort, paginate."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from app.models import Instance, Tag, instance_tags


@dataclass(frozen=True)
class InstanceFilters:
    search: str = ""
    db_type: str | None = None
    status: str | None = None  # "active" / "inactive" / "deleted"
    tags: list[str] = field(default_factory=list)
    sort: str = "id"
    page: int = 1
    limit: int = 20


SORT_COLUMNS = {"id": Instance.id, "name": Instance.name, "db_type": Instance.db_type}


class InstancesRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def list_instances(self, filters: InstanceFilters) -> tuple[list[Instance], int]:
        query = select(Instance)
        if filters.status == "deleted":
            query = query.where(Instance.deleted_at.is_not(None))
        else:
            query = query.where(Instance.deleted_at.is_(None))
            if filters.status:
                query = query.where(Instance.is_active.is_(filters.status == "active"))
        if filters.db_type:
            query = query.where(Instance.db_type == filters.db_type)
        if filters.search:
            pattern = f"%{filters.search.strip()}%"
            query = query.where(or_(Instance.name.ilike(pattern), Instance.host.ilike(pattern)))
        if filters.tags:
            query = (
                query.join(instance_tags, instance_tags.c.instance_id == Instance.id)
                .join(Tag, Tag.id == instance_tags.c.tag_id)
                .where(Tag.name.in_(filters.tags))
                .distinct()
            )
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = self.session.scalars(
            query.options(selectinload(Instance.tags))
            .order_by(SORT_COLUMNS.get(filters.sort, Instance.id))
            .offset((filters.page - 1) * filters.limit)
            .limit(filters.limit)
        ).all()
        return list(rows), total
