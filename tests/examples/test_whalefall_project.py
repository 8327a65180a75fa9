"""The WhaleFall example is a self-contained project whose ORM carries the report's flaws."""

from __future__ import annotations

import importlib
import pkgutil

import app
from app.models import (
    Base,
    Credential,
    DatabaseSizeAggregation,
    DatabaseSizeStat,
    InstanceAccount,
    InstanceDatabase,
    InstanceSizeAggregation,
    InstanceSizeStat,
    SyncStatus,
)

from tests.examples.catalog import parse_a3
from tests.examples.conftest import WHALEFALL_DIR
from tests.examples.whalefall_a3 import A3


class TestProject:
    def test_every_module_imports(self) -> None:
        """Every module of the `app` package imports (the code the report cites is real)."""
        names = [m.name for m in pkgutil.walk_packages(app.__path__, "app.")]
        assert [n for n in names if importlib.import_module(n) is None] == []

    def test_no_dbaudit_imports(self) -> None:
        """The example is a user's project: it never imports dbaudit."""
        offenders = [
            str(path.relative_to(WHALEFALL_DIR))
            for path in WHALEFALL_DIR.rglob("*.py")
            if "import dbaudit" in path.read_text() or "from dbaudit" in path.read_text()
        ]
        assert offenders == []

    def test_every_package_has_init(self) -> None:
        """Every directory holding Python files is a package."""
        missing = [
            str(d.relative_to(WHALEFALL_DIR))
            for d in {p.parent for p in WHALEFALL_DIR.rglob("*.py")}
            if d != WHALEFALL_DIR and not (d / "__init__.py").exists()
        ]
        assert missing == []


class TestOrmFlaws:
    def test_models_cover_a3(self) -> None:
        """The metadata holds exactly the 21 tables of A3."""
        assert set(Base.metadata.tables) == set(parse_a3(A3))

    def test_primary_keys(self) -> None:
        """database_size_stats/aggregations map a single-column id key; the instance tables are composite."""
        keys = {
            model.__tablename__: [c.name for c in model.__table__.primary_key.columns]
            for model in (DatabaseSizeStat, DatabaseSizeAggregation, InstanceSizeStat, InstanceSizeAggregation)
        }
        assert keys == {
            "database_size_stats": ["id"],
            "database_size_aggregations": ["id"],
            "instance_size_stats": ["id", "collected_date"],
            "instance_size_aggregations": ["id", "period_start"],
        }

    def test_orm_only_foreign_key(self) -> None:
        """The ORM declares database_size_aggregations.instance_id -> instances.id (the database does not)."""
        fks = {fk.target_fullname for fk in DatabaseSizeAggregation.__table__.c.instance_id.foreign_keys}
        assert fks == {"instances.id"}

    def test_password_column(self) -> None:
        """Credential.password is String(255)."""
        assert Credential.__table__.c.password.type.length == 255

    def test_status_vocabulary(self) -> None:
        """The code's sync status list includes pending and paused, which the CHECK forbids."""
        assert [s.value for s in SyncStatus] == ["pending", "running", "paused", "completed", "failed", "cancelled"]

    def test_updated_at_without_onupdate(self) -> None:
        """updated_at of tables without a trigger has no ORM onupdate either."""
        models = (InstanceAccount, InstanceDatabase, DatabaseSizeStat, InstanceSizeStat)
        assert [m.__table__.c.updated_at.onupdate for m in models] == [None] * 4
