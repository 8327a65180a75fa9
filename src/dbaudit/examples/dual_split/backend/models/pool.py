"""The Pool database: mother accounts and their groups, teams, child accounts and seats."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, MetaData, String, UniqueConstraint, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class PoolBase(DeclarativeBase):
    metadata = MetaData(info={"bind_key": "pool"})


class MotherGroup(PoolBase):
    __tablename__ = "mother_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PoolGroup(PoolBase):
    __tablename__ = "pool_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class GroupDailySequence(PoolBase):
    __tablename__ = "group_daily_sequences"
    __table_args__ = (UniqueConstraint("pool_group_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pool_group_id: Mapped[int] = mapped_column(ForeignKey("pool_groups.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class MotherAccount(PoolBase):
    __tablename__ = "mother_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    mother_group_id: Mapped[int | None] = mapped_column(ForeignKey("mother_groups.id"), index=True)
    pool_group_id: Mapped[int | None] = mapped_column(ForeignKey("pool_groups.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    seat_limit: Mapped[int] = mapped_column(Integer, default=5)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PoolGroupSetting(PoolBase):
    __tablename__ = "pool_group_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pool_group_id: Mapped[int] = mapped_column(ForeignKey("pool_groups.id", ondelete="CASCADE"), unique=True)
    settings: Mapped[dict[str, object] | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ChildAccount(PoolBase):
    __tablename__ = "child_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mother_account_id: Mapped[int] = mapped_column(ForeignKey("mother_accounts.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class MotherTeam(PoolBase):
    __tablename__ = "mother_teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mother_account_id: Mapped[int] = mapped_column(ForeignKey("mother_accounts.id", ondelete="CASCADE"), index=True)
    team_name: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Seat(PoolBase):
    __tablename__ = "seats"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mother_team_id: Mapped[int] = mapped_column(ForeignKey("mother_teams.id", ondelete="CASCADE"), index=True)
    child_account_id: Mapped[int | None] = mapped_column(ForeignKey("child_accounts.id", ondelete="SET NULL"), index=True)
    email: Mapped[str | None] = mapped_column(String(320))
    status: Mapped[str] = mapped_column(String(16), default="free")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
