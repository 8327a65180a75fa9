"""Accounts ledger: every account of every instance, with search, tag filter and pagination."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Unpack

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.models import AccountPermission, Instance, InstanceAccount, Tag, instance_tags

if TYPE_CHECKING:
    # Any row shape: the ledgers select several entities per row.
    Rows = Select[Unpack[tuple[Any, ...]]]


@dataclass(frozen=True)
class AccountLedgerFilters:
    search: str = ""
    db_type: str | None = None
    tags: list[str] = field(default_factory=list)
    include_inactive: bool = False
    page: int = 1
    limit: int = 20


class AccountsLedgerRepository:
    """Read side of the accounts ledger page."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _base_query(self, filters: AccountLedgerFilters) -> Rows:
        query = (
            select(AccountPermission, InstanceAccount, Instance)
            .join(InstanceAccount, InstanceAccount.id == AccountPermission.instance_account_id)
            .join(Instance, Instance.id == AccountPermission.instance_id)
        )
        if not filters.include_inactive:
            query = query.where(InstanceAccount.is_active.is_(True))
        if filters.db_type:
            query = query.where(AccountPermission.db_type == filters.db_type)
        return query

    def _apply_search(self, query: Rows, search: str) -> Rows:
        # contains() renders LIKE '%search%': a leading wildcard no btree index can serve.
        if search:
            query = query.where(
                AccountPermission.username.contains(search)
                | Instance.name.contains(search)
                | Instance.host.contains(search)
            )
        return query

    def _apply_tags(self, query: Rows, tags: list[str]) -> Rows:
        # Joins instance_tags on tag_id; the only index there is the PK (instance_id, tag_id).
        if tags:
            query = (
                query.join(instance_tags, instance_tags.c.instance_id == Instance.id)
                .join(Tag, Tag.id == instance_tags.c.tag_id)
                .where(Tag.name.in_(tags))
                .distinct()
            )
        return query

    def list_accounts(self, filters: AccountLedgerFilters) -> tuple[list[Any], int]:
        query = self._apply_tags(self._apply_search(self._base_query(filters), filters.search), filters.tags)
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = self.session.execute(
            query.order_by(AccountPermission.username.asc())
            .offset((filters.page - 1) * filters.limit)
            .limit(filters.limit)
        ).all()
        return list(rows), total
