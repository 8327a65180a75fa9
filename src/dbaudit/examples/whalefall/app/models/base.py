"""Declarative base shared by every model."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Base class of the WhaleFall ORM models."""
