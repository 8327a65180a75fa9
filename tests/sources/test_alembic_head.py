"""The Alembic source: revision graph without a database, head schema on a throw-away database, migration
locations, one-line errors; and a clean models + migrations project that reports zero drift."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dbaudit.drift import compare
from dbaudit.errors import SourceError
from dbaudit.model import Location, PrimaryKey
from dbaudit.scratch import ScratchServer
from dbaudit.sources.alembic_head import Revision, RevisionGraph, read_migrations_head, read_revision_graph
from dbaudit.sources.orm import read_models

ENV_PY = '''\
import os

from alembic import context
from sqlalchemy import create_engine, pool


def url():
    x = context.get_x_argument(as_dictionary=True).get("url")
    return x or context.config.get_main_option("sqlalchemy.url") or os.environ["DATABASE_URL"]


engine = create_engine(url(), poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
'''

REV_1 = '''\
"""create users

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade():
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(255), nullable=False),
    )


def downgrade():
    op.drop_table("users")
'''

REV_2 = '''\
"""orders

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade():
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
    )
    op.create_primary_key("orders_pkey", "orders", ["id"])
    op.create_index("ix_orders_user_id", "orders", ["user_id"])


def downgrade():
    pass
'''

REV_3_BRANCH = '''\
"""side branch

Revision ID: 0003
Revises: 0001
"""
from alembic import op

revision = "0003"
down_revision = "0001"


def upgrade():
    op.execute("CREATE TABLE notes (id int PRIMARY KEY)")


def downgrade():
    op.execute("DROP TABLE notes")
'''

MODELS = '''\
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(255))


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
'''


def _project(root: Path, *revisions: tuple[str, str], ini: bool = True) -> Path:
    (root / "migrations" / "versions").mkdir(parents=True)
    (root / "migrations" / "env.py").write_text(ENV_PY)
    (root / "migrations" / "script.py.mako").write_text("")
    for name, source in revisions:
        (root / "migrations" / "versions" / name).write_text(textwrap.dedent(source))
    if ini:
        (root / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n")
    return root


def _linear(root: Path) -> Path:
    return _project(root, ("0001_users.py", REV_1), ("0002_orders.py", REV_2))


class TestRevisionGraph:
    def test_linear_graph(self, tmp_path: Path) -> None:
        """Revisions come base first, with files, messages, down revisions and working downgrades."""
        assert read_revision_graph(str(_linear(tmp_path))) == RevisionGraph(
            revisions=(
                Revision("0001", (), "migrations/versions/0001_users.py", "create users", True),
                Revision("0002", ("0001",), "migrations/versions/0002_orders.py", "orders", False),
            ),
            heads=("0002",),
            bases=("0001",),
            branch_points=(),
        )

    def test_multiple_heads(self, tmp_path: Path) -> None:
        """Two revisions on the same parent give two heads and a branch point."""
        project = _project(
            tmp_path, ("0001_users.py", REV_1), ("0002_orders.py", REV_2), ("0003_notes.py", REV_3_BRANCH)
        )
        graph = read_revision_graph(str(project))
        assert (graph.heads, graph.branch_points, graph.revisions[0].id) == (
            ("0002", "0003"), ("0001",), "0001"
        )

    def test_script_directory_path(self, tmp_path: Path) -> None:
        """The script directory itself (no alembic.ini) is accepted."""
        project = _project(tmp_path, ("0001_users.py", REV_1), ini=False)
        graph = read_revision_graph(str(project / "migrations"))
        assert graph.heads == ("0001",)

    def test_not_a_project(self, tmp_path: Path) -> None:
        """A directory without alembic.ini or env.py is one clear error."""
        with pytest.raises(SourceError) as caught:
            read_revision_graph(str(tmp_path))
        assert str(caught.value) == (
            f"migrations: {tmp_path} has no alembic.ini and is not an Alembic script directory"
        )


class TestHead:
    def test_head_schema_with_locations(self, tmp_path: Path, pg_server: ScratchServer) -> None:
        """Upgrading to head yields the tables, and keys get the revision line that names them."""
        model, graph = read_migrations_head(str(_linear(tmp_path)), scratch_url=pg_server.admin_url)
        orders = model.table("public.orders")
        assert orders is not None
        assert (
            model.source.kind,
            sorted(t.qualified_name for t in model.tables),
            orders.primary_key,
            orders.location,
            [(i.name, i.location) for i in orders.indexes if i.name == "ix_orders_user_id"],
            graph.heads,
        ) == (
            "migrations",
            ["public.alembic_version", "public.orders", "public.users"],
            PrimaryKey("orders_pkey", ("id",), Location("migrations/versions/0002_orders.py", 19)),
            Location("migrations/versions/0002_orders.py", 14),
            [("ix_orders_user_id", Location("migrations/versions/0002_orders.py", 20))],
            ("0002",),
        )

    def test_multiple_heads_upgrade(self, tmp_path: Path, pg_server: ScratchServer) -> None:
        """With two heads, every head is applied."""
        project = _project(
            tmp_path, ("0001_users.py", REV_1), ("0002_orders.py", REV_2), ("0003_notes.py", REV_3_BRANCH)
        )
        model, _graph = read_migrations_head(str(project), scratch_url=pg_server.admin_url)
        assert sorted(t.name for t in model.tables) == ["alembic_version", "notes", "orders", "users"]

    def test_failing_revision_names_file_and_line(self, tmp_path: Path, pg_server: ScratchServer) -> None:
        """A revision that fails on the database is one SourceError naming the revision file and line."""
        broken = REV_2.replace('op.create_index("ix_orders_user_id", "orders", ["user_id"])',
                               'op.execute("ALTER TABLE nowhere ADD COLUMN x int")')
        project = _project(tmp_path, ("0001_users.py", REV_1), ("0002_orders.py", broken))
        with pytest.raises(SourceError) as caught:
            read_migrations_head(str(project), scratch_url=pg_server.admin_url)
        assert str(caught.value).startswith(
            "migrations: upgrade to head failed in migrations/versions/0002_orders.py:20: ProgrammingError: "
            '(psycopg.errors.UndefinedTable) relation "nowhere" does not exist'
        )

    def test_clean_project_reports_zero_drift(self, tmp_path: Path, pg_server: ScratchServer) -> None:
        """Models and migrations that agree report no drift at all, in both directions."""
        project = _linear(tmp_path)
        (project / "app").mkdir()
        (project / "app" / "__init__.py").write_text("")
        (project / "app" / "models.py").write_text(MODELS)
        models = read_models("app.models:Base", project_dir=str(project))
        head, _graph = read_migrations_head(str(project), scratch_url=pg_server.admin_url)
        assert (compare(models, head), compare(head, models)) == ([], [])
