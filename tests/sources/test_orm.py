"""The SQLAlchemy models source: imported in a child process, converted with PostgreSQL semantics,
with the file and line of every table, column, key and index."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from dbaudit.errors import SourceError
from dbaudit.model import (
    CheckConstraint,
    Column,
    ColumnType,
    EnumType,
    ForeignKey,
    Index,
    IndexElement,
    Location,
    Partitioning,
    PrimaryKey,
    ReferentialAction,
    SchemaModel,
    SourceInfo,
    Table,
    TableKind,
    UniqueConstraint,
)
from dbaudit.sources.orm import read_models

MODELS = '''\
import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = sa.MetaData(
        naming_convention={"fk": "fk_%(table_name)s_%(column_0_name)s", "ix": "ix_%(column_0_label)s"}
    )


class Status(enum.StrEnum):
    NEW = "new"
    DONE = "done"


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        sa.UniqueConstraint("email", name="uq_users_email"),
        sa.Index("ix_users_lower_name", sa.func.lower(sa.column("name")), postgresql_where=sa.text("active")),
        sa.CheckConstraint("karma >= 0", name="ck_users_karma"),
        {"comment": "people"},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(255))
    name: Mapped[str | None] = mapped_column(sa.Text)
    active: Mapped[bool] = mapped_column(server_default=sa.true())
    karma: Mapped[int] = mapped_column(sa.BigInteger, server_default="0")
    status: Mapped[str] = mapped_column(sa.String(20), server_default=Status.NEW.value)
    data = mapped_column(JSONB)
    uid = mapped_column(UUID)
    tags = mapped_column(ARRAY(sa.String(30)))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), onupdate=sa.func.now())

    def finish(self) -> None:
        self.status = Status.DONE.value


class Stat(Base):
    __tablename__ = "stats"
    __table_args__ = {"postgresql_partition_by": "RANGE (day)"}

    id = mapped_column(sa.BigInteger, primary_key=True)
    user_id = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    day = mapped_column(sa.Date, nullable=False)
    kind = mapped_column(sa.Enum("x", "y", name="stat_kind"))
    amount = mapped_column(sa.Numeric(12, 2))
    at = mapped_column(sa.DateTime)


tags = sa.Table(
    "tags",
    Base.metadata,
    sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
    sa.Column("label", sa.String, unique=True),
)
'''


def _project(tmp_path: Path, source: str = MODELS, package: str = "app") -> Path:
    (tmp_path / package).mkdir()
    (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / package / "models.py").write_text(textwrap.dedent(source))
    return tmp_path


def _type(sql: str, name: str, **kw: int | bool) -> ColumnType:
    return ColumnType(sql=sql, name=name, **kw)  # type: ignore[arg-type]


def _loc(line: int) -> Location:
    return Location("app/models.py", line)


class TestReadModels:
    def test_whole_model(self, tmp_path: Path) -> None:
        """Declarative classes and a plain Table become the exact model, with PostgreSQL types,
        generated names, partitioning, enums and file:line locations."""
        model = read_models("app.models:Base", project_dir=str(_project(tmp_path)))
        stats = Table(
            schema="public", name="stats", kind=TableKind.PARTITIONED_TABLE,
            columns=(
                Column("id", _type("bigint", "int8"), nullable=False,
                       default="nextval('stats_id_seq'::regclass)", serial_sequence="public.stats_id_seq",
                       position=1, location=_loc(48)),
                Column("user_id", _type("integer", "int4"), nullable=False, position=2, location=_loc(49)),
                Column("day", _type("date", "date"), nullable=False, position=3, location=_loc(50)),
                Column("kind", _type("stat_kind", "public.stat_kind", is_enum=True), position=4, location=_loc(51)),
                Column("amount", _type("numeric(12,2)", "numeric", precision=12, scale=2), position=5,
                       location=_loc(52)),
                Column("at", _type("timestamp without time zone", "timestamp"), position=6, location=_loc(53)),
            ),
            primary_key=PrimaryKey("stats_pkey", ("id",), location=_loc(48)),
            foreign_keys=(ForeignKey("fk_stats_user_id", ("user_id",), "public", "users", ("id",),
                                     on_delete=ReferentialAction.CASCADE, location=_loc(49)),),
            indexes=(Index("ix_stats_user_id", (IndexElement(column="user_id"),), location=_loc(49)),),
            partitioning=Partitioning("RANGE", "day", ("day",)),
            location=_loc(44),
        )
        tags = Table(
            schema="public", name="tags",
            columns=(
                Column("id", _type("integer", "int4"), nullable=False, identity="by default", position=1,
                       location=_loc(59)),
                Column("label", _type("character varying", "varchar"), position=2, location=_loc(60)),
            ),
            primary_key=PrimaryKey("tags_pkey", ("id",), location=_loc(59)),
            uniques=(UniqueConstraint("tags_label_key", ("label",), location=_loc(60)),),
            location=_loc(56),
        )
        users = Table(
            schema="public", name="users",
            columns=(
                Column("id", _type("integer", "int4"), nullable=False, default="nextval('users_id_seq'::regclass)",
                       serial_sequence="public.users_id_seq", position=1, location=_loc(29)),
                Column("email", _type("character varying(255)", "varchar", length=255), nullable=False,
                       position=2, location=_loc(30)),
                Column("name", _type("text", "text"), position=3, location=_loc(31)),
                Column("active", _type("boolean", "bool"), nullable=False, default="true", position=4,
                       location=_loc(32)),
                Column("karma", _type("bigint", "int8"), nullable=False, default="'0'", position=5,
                       location=_loc(33)),
                Column("status", _type("character varying(20)", "varchar", length=20), nullable=False,
                       default="'new'", position=6, location=_loc(34), model_values=("new", "done"),
                       model_values_location=_loc(15)),
                Column("data", _type("jsonb", "jsonb"), position=7, location=_loc(35)),
                Column("uid", _type("uuid", "uuid"), position=8, location=_loc(36)),
                Column("tags", _type("character varying(30)[]", "varchar", length=30, array_dims=1), position=9,
                       location=_loc(37)),
                Column("updated_at", _type("timestamp with time zone", "timestamptz"), nullable=False,
                       position=10, location=_loc(38), orm_onupdate=True),
            ),
            primary_key=PrimaryKey("users_pkey", ("id",), location=_loc(29)),
            uniques=(UniqueConstraint("uq_users_email", ("email",), location=_loc(23)),),
            checks=(CheckConstraint("ck_users_karma", "karma >= 0", ("karma",), location=_loc(25)),),
            indexes=(Index("ix_users_lower_name", (IndexElement(expression="lower(name)"),), predicate="active",
                           location=_loc(24)),),
            comment="people",
            location=_loc(20),
        )
        expected = SchemaModel(
            source=SourceInfo(kind="models", name="app.models:Base", dialect="postgresql", capabilities=()),
            schemas=("public",),
            tables=(stats, tags, users),
            enums=(EnumType("public", "stat_kind", ("x", "y")),),
        )
        assert model == expected

    def test_metadata_and_registry_specs(self, tmp_path: Path) -> None:
        """``:Base.metadata`` (a MetaData) and ``:Base.registry`` (a registry) give the same tables."""
        project = str(_project(tmp_path))
        by_metadata = read_models("app.models:Base.metadata", project_dir=project)
        by_registry = read_models("app.models:Base.registry", project_dir=project)
        assert (by_metadata.tables, [t.name for t in by_registry.tables]) == (
            by_registry.tables, ["stats", "tags", "users"]
        )

    def test_parent_process_untouched(self, tmp_path: Path) -> None:
        """The user's modules are imported in a child process, never in dbaudit's own."""
        read_models("orm_child_only_pkg.models:Base", project_dir=str(_project(tmp_path, package="orm_child_only_pkg")))
        assert ("orm_child_only_pkg.models" in sys.modules, str(tmp_path) in sys.path) == (False, False)


class TestErrors:
    def test_syntax_error_names_file_and_line(self, tmp_path: Path) -> None:
        """A syntax error in the models is one SourceError line naming the file and line."""
        project = _project(tmp_path, "import sqlalchemy\n\nclass Broken(:\n    pass\n")
        with pytest.raises(SourceError) as caught:
            read_models("app.models:Base", project_dir=str(project))
        assert str(caught.value) == (
            "models: cannot load app.models:Base: SyntaxError: invalid syntax (at app/models.py:3)"
        )

    def test_missing_import(self, tmp_path: Path) -> None:
        """An ImportError raised by the user's module is reported with the line that raised it."""
        project = _project(tmp_path, "import not_a_real_module_xyz\n")
        with pytest.raises(SourceError) as caught:
            read_models("app.models:Base", project_dir=str(project))
        assert str(caught.value) == (
            "models: cannot load app.models:Base: ModuleNotFoundError: No module named 'not_a_real_module_xyz' "
            "(at app/models.py:1)"
        )

    def test_missing_attribute(self, tmp_path: Path) -> None:
        """A spec naming an attribute the module lacks says so."""
        project = _project(tmp_path)
        with pytest.raises(SourceError) as caught:
            read_models("app.models:Nope", project_dir=str(project))
        assert str(caught.value) == (
            "models: cannot load app.models:Nope: AttributeError: module 'app.models' has no attribute 'Nope'"
        )

    def test_not_metadata(self, tmp_path: Path) -> None:
        """A spec naming something that holds no MetaData is refused."""
        project = _project(tmp_path, "Base = 42\n")
        with pytest.raises(SourceError) as caught:
            read_models("app.models:Base", project_dir=str(project))
        assert str(caught.value) == (
            "models: cannot load app.models:Base: TypeError: app.models:Base is neither a DeclarativeBase "
            "subclass, a registry nor a MetaData"
        )

    def test_spec_without_colon(self, tmp_path: Path) -> None:
        """A spec without ``:attribute`` is a usage mistake reported before anything is imported."""
        with pytest.raises(SourceError, match="not an import path"):
            read_models("app.models", project_dir=str(tmp_path))


class TestLoadSource:
    def test_models_prefix(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """``load_source("models:…")`` reads the models with the working directory as project."""
        from dbaudit.sources import load_source  # noqa: PLC0415

        monkeypatch.chdir(_project(tmp_path))
        model = load_source("models:app.models:Base")
        assert (model.source.kind, [t.name for t in model.tables]) == ("models", ["stats", "tags", "users"])
