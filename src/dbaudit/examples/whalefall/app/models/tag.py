"""Tags attached to instances, and the instance_tags association table.

instance_tags only has its composite primary key (instance_id, tag_id): filtering instances by tag
joins on tag_id, which no index leads with.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, Table, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base

if TYPE_CHECKING:
    from app.models.instance import Instance


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True, index=True, nullable=False)
    display_name: Mapped[str] = mapped_column(String(100), nullable=False)
    category: Mapped[str] = mapped_column(String(50), index=True, nullable=False)
    color: Mapped[str] = mapped_column(String(20), nullable=False, server_default="primary")
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="true")
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    instances: Mapped[list[Instance]] = relationship(secondary="instance_tags", back_populates="tags")

    def __repr__(self) -> str:
        return f"<Tag {self.name}>"


# Association table: primary key (instance_id, tag_id) only, no index with tag_id first.
instance_tags = Table(
    "instance_tags",
    Base.metadata,
    Column("instance_id", Integer, ForeignKey("instances.id"), primary_key=True),
    Column("tag_id", Integer, ForeignKey("tags.id"), primary_key=True),
    Column("created_at", DateTime(timezone=True), server_default=func.now()),
)
