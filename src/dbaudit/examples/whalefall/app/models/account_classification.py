"""Account classifications, their rules, and the assignments of accounts to classifications."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class AccountClassification(Base):
    __tablename__ = "account_classifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True, nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    risk_level: Mapped[str] = mapped_column(String(20), nullable=False, server_default="medium")
    color: Mapped[str | None] = mapped_column(String(20))
    icon_name: Mapped[str | None] = mapped_column(String(50), server_default="fa-tag")
    priority: Mapped[int | None] = mapped_column(Integer, server_default="0")
    is_system: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="true")
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ClassificationRule(Base):
    __tablename__ = "classification_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    classification_id: Mapped[int] = mapped_column(ForeignKey("account_classifications.id"), nullable=False)
    db_type: Mapped[str] = mapped_column(String(20), nullable=False)
    rule_name: Mapped[str] = mapped_column(String(100), nullable=False)
    # JSON document describing the match (privileges, roles, ...), stored as text
    rule_expression: Mapped[str] = mapped_column(Text, nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="true")
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AccountClassificationAssignment(Base):
    __tablename__ = "account_classification_assignments"
    __table_args__ = (
        UniqueConstraint("account_id", "classification_id", "batch_id", name="unique_account_classification_batch"),
        Index("idx_account_classification_assignments_account_id", "account_id"),
        Index("idx_account_classification_assignments_classification_id", "classification_id"),
        Index("idx_account_classification_assignments_is_active", "is_active"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account_permission.id"), nullable=False)
    classification_id: Mapped[int] = mapped_column(ForeignKey("account_classifications.id"), nullable=False)
    rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("classification_rules.id", name="fk_account_classification_assignments_rule_id", ondelete="SET NULL")
    )
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assignment_type: Mapped[str] = mapped_column(String(20), nullable=False, server_default="auto")
    confidence_score: Mapped[float | None] = mapped_column(Float)
    notes: Mapped[str | None] = mapped_column(Text)
    batch_id: Mapped[str | None] = mapped_column(String(36))
    is_active: Mapped[bool | None] = mapped_column(Boolean, server_default="true")
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), server_default=func.now())
