"""Managed database instances (MySQL, PostgreSQL, SQL Server, Oracle)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base
from app.models.tag import instance_tags

if TYPE_CHECKING:
    from app.models.credential import Credential
    from app.models.instance_account import InstanceAccount
    from app.models.instance_database import InstanceDatabase
    from app.models.tag import Tag


class Instance(Base):
    __tablename__ = "instances"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # unique=True + index=True: SQLAlchemy emits a UNIQUE INDEX ix_instances_name; the exported
    # production schema additionally has the constraint instances_name_key on the same column.
    name: Mapped[str] = mapped_column(String(255), unique=True, index=True, nullable=False)
    db_type: Mapped[str] = mapped_column(String(50), index=True, nullable=False)
    host: Mapped[str] = mapped_column(String(255), nullable=False)
    port: Mapped[int] = mapped_column(Integer, nullable=False)
    database_name: Mapped[str | None] = mapped_column(String(255))
    database_version: Mapped[str | None] = mapped_column(String(1000))
    main_version: Mapped[str | None] = mapped_column(String(20))
    detailed_version: Mapped[str | None] = mapped_column(String(50))
    sync_count: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    credential_id: Mapped[int | None] = mapped_column(ForeignKey("credentials.id"))
    description: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="true")
    last_connected: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    credential: Mapped[Credential | None] = relationship(back_populates="instances")
    tags: Mapped[list[Tag]] = relationship(secondary=instance_tags, back_populates="instances")
    accounts: Mapped[list[InstanceAccount]] = relationship(back_populates="instance")
    databases: Mapped[list[InstanceDatabase]] = relationship(back_populates="instance")

    def __repr__(self) -> str:
        return f"<Instance {self.name} {self.db_type}>"
