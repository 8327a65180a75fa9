"""The code source: facts read from application code without importing it."""

from __future__ import annotations

from pathlib import Path

import pytest

from dbaudit.errors import SourceError
from dbaudit.model.code_facts import (
    ColumnValues,
    CredentialInConfig,
    EncryptedColumn,
    EphemeralKey,
    JoinCondition,
    LatestRowQuery,
    OffsetPagination,
    PartitionTask,
    SearchPattern,
)
from dbaudit.model.schema import Location
from dbaudit.sources.code import scan_code
from dbaudit.testing import schema

MODELS = '''
from enum import StrEnum
from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class JobState(StrEnum):
    QUEUED = "queued"
    DONE = "done"


links = Table("order_links", Base.metadata, Column("order_id", Integer))


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer: Mapped[str] = mapped_column("customer_name", String(50))
    secret: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(20), server_default=JobState.QUEUED.value)

    def set_secret(self, plain: str) -> None:
        self.secret = encrypt_value(plain)
'''

REPO = '''
from sqlalchemy import Text, cast, func, select
from models import Order, links


def search(session, term, page, size):
    pattern = f"%{term}%"
    query = select(Order).where(Order.customer.ilike(pattern))
    query = query.where(Order.secret.contains(term))
    query = query.where(cast(Order.state, Text).like("%" + term))
    query = query.where(Order.customer.like(f"{term}%"))
    return session.execute(query.offset((page - 1) * size).limit(size).offset(0))


def latest(session):
    sub = (
        select(Order.customer, func.max(Order.id))
        .group_by(Order.customer)
    )
    return session.execute(sub)


def linked(session, term):
    query = select(Order).join(links, and_(links.c.order_id == Order.id, Order.state == term))
    return session.execute(query.outerjoin(links, Order.customer == "x"))
'''

SETTINGS = '''
import os
from cryptography.fernet import Fernet

DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://app:s3cr3t@db.internal/app")
PLACEHOLDER_URL = "postgresql://app:${DB_PASSWORD}@db/app"
API_KEY = "abc123"
EMPTY_TOKEN = ""


def key():
    configured = os.environ.get("ORDER_ENCRYPTION_KEY")
    return configured or Fernet.generate_key()


def partitions(conn):
    for table in ("orders", "order_links"):
        conn.execute(f"CREATE TABLE x PARTITION OF {table} FOR VALUES FROM (1) TO (2)")
'''

FRONTEND = '''
const STATE_LABELS = {
  queued: { label: "Queued", nested: { ignored: 1 } },
  paused: { label: "Paused" },
};
const OTHER = ["not", "collected"];
'''


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "models.py").write_text(MODELS)
    (tmp_path / "repo.py").write_text(REPO)
    (tmp_path / "settings.py").write_text(SETTINGS)
    (tmp_path / "broken.py").write_text("def (:\n")
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "orders.js").write_text(FRONTEND)
    (tmp_path / "alembic.ini").write_text("sqlalchemy.url = mysql://root:hunter2@10.0.0.1/x\n# a://u:p@h\n")
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "m.py").write_text('API_KEY = "in-a-migration"\n')
    return tmp_path


class TestScanCode:
    def test_query_shapes(self, project: Path) -> None:
        """Leading-wildcard searches, latest-row queries and page OFFSETs are found with their lines."""
        facts = scan_code(project)
        assert facts.searches == (
            SearchPattern("orders", "customer_name", "ilike", Location("repo.py", 8)),
            SearchPattern("orders", "secret", "contains", Location("repo.py", 9)),
            SearchPattern("orders", "state", "like", Location("repo.py", 10)),
        )
        assert facts.latest_rows == (LatestRowQuery("orders", ("customer_name",), "id", Location("repo.py", 18)),)
        assert facts.offsets == (OffsetPagination("orders", Location("repo.py", 12)),)

    def test_join_conditions(self, project: Path) -> None:
        """Column equalities of a join's ON clause, each side resolved through the ORM map; a
        comparison with a value is not a join."""
        assert scan_code(project).joins == (JoinCondition("order_links", "order_id", "orders", "id",
                                                          Location("repo.py", 24)),)

    def test_keys_secrets_and_tasks(self, project: Path) -> None:
        """Ephemeral keys, secrets (never their values), encrypted columns and partition tasks."""
        facts = scan_code(project)
        assert facts.ephemeral_keys == (
            EphemeralKey("Fernet.generate_key", "ORDER_ENCRYPTION_KEY", Location("settings.py", 13)),
        )
        assert facts.credentials == (
            CredentialInConfig("url-password", "db.internal/app", Location("settings.py", 5)),
            CredentialInConfig("secret-assignment", "API_KEY", Location("settings.py", 7)),
            CredentialInConfig("url-password", "10.0.0.1/x", Location("alembic.ini", 1)),
        )
        assert "s3cr3t" not in repr(facts)
        assert "hunter2" not in repr(facts)
        assert facts.encrypted_columns == (
            EncryptedColumn("orders", "secret", "base64-fernet", Location("models.py", 27)),
        )
        assert facts.partition_tasks == (PartitionTask(("order_links", "orders"), Location("settings.py", 18)),)

    def test_status_vocabularies(self, project: Path) -> None:
        """Enum values tied to a column and front-end vocabularies named after a table's column."""
        model = schema().table("orders", cols={"id": "int8", "state": "varchar(20)"}, pk=["id"]).build()
        facts = scan_code(project, model)
        assert facts.column_values == (
            ColumnValues("orders", "state", ("queued", "done"), Location("models.py", 11)),
            ColumnValues("orders", "state", ("queued", "paused"), Location("static/orders.js", 2)),
        )

    def test_missing_directory_is_a_source_error(self, tmp_path: Path) -> None:
        """A code directory that does not exist is one clear error."""
        with pytest.raises(SourceError, match="code directory not found"):
            scan_code(tmp_path / "nope")
