"""Current permission snapshot of each account (formerly current_account_sync_data).

The table keeps both instance_id and instance_account_id; nothing in the database keeps
account_permission.instance_id equal to instance_accounts.instance_id.

The audit report elides the permission snapshot columns ("多列 jsonb 权限快照"); the jsonb columns below
are our realistic choice: one set per database type (MySQL, PostgreSQL, SQL Server, Oracle) plus a
type_specific catch-all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class AccountPermission(Base):
    __tablename__ = "account_permission"
    __table_args__ = (
        Index("uq_current_account_sync", "instance_id", "db_type", "username", unique=True),
        Index("idx_instance_dbtype", "instance_id", "db_type"),
        Index("idx_username", "username"),
        Index("idx_last_sync_time", "last_sync_time"),
        Index("idx_last_change_time", "last_change_time"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("instances.id", name="fk_account_permission_instance"), nullable=False
    )
    db_type: Mapped[str] = mapped_column(String(20), nullable=False)
    username: Mapped[str] = mapped_column(String(255), nullable=False)
    is_superuser: Mapped[bool | None] = mapped_column(Boolean, server_default="false")
    # MySQL
    global_privileges: Mapped[Any] = mapped_column(JSONB)
    database_privileges: Mapped[Any] = mapped_column(JSONB)
    # PostgreSQL
    predefined_roles: Mapped[Any] = mapped_column(JSONB)
    role_attributes: Mapped[Any] = mapped_column(JSONB)
    database_privileges_pg: Mapped[Any] = mapped_column(JSONB)
    tablespace_privileges: Mapped[Any] = mapped_column(JSONB)
    # SQL Server
    server_roles: Mapped[Any] = mapped_column(JSONB)
    server_permissions: Mapped[Any] = mapped_column(JSONB)
    database_roles: Mapped[Any] = mapped_column(JSONB)
    database_permissions: Mapped[Any] = mapped_column(JSONB)
    # Oracle
    oracle_roles: Mapped[Any] = mapped_column(JSONB)
    system_privileges: Mapped[Any] = mapped_column(JSONB)
    tablespace_privileges_oracle: Mapped[Any] = mapped_column(JSONB)
    type_specific: Mapped[Any] = mapped_column(JSONB)
    last_sync_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_change_type: Mapped[str | None] = mapped_column(String(20), server_default="add")
    last_change_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), server_default=func.now())
    instance_account_id: Mapped[int] = mapped_column(
        ForeignKey("instance_accounts.id", name="fk_account_permission_instance_account", ondelete="CASCADE"),
        nullable=False,
    )
    is_locked: Mapped[bool] = mapped_column(Boolean, nullable=False, index=True)
