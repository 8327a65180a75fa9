"""The dual_split example built on real databases, shared by the verify and serve tests (a plugin of
tests/conftest.py, so that session fixtures are built once for both)."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

import dbaudit
from dbaudit.scratch import ScratchServer
from dbaudit.verify import Expectations, load_databases, read_expectations

EXAMPLE = Path(dbaudit.__file__).parent / "examples" / "dual_split"


def load_build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dual_split_build", EXAMPLE / "scripts" / "build.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def build() -> ModuleType:
    return load_build()


@pytest.fixture(scope="session")
def sqlite_one(tmp_path_factory: pytest.TempPathFactory, build: ModuleType) -> str:
    """The development mistake of the seed: both halves of the example in one SQLite file."""
    url = f"sqlite:///{tmp_path_factory.mktemp('dual_split') / 'one.db'}"
    build.build(url, url)
    return url


@pytest.fixture(scope="session")
def expectations() -> Expectations:
    """The example's models and migration heads, read once (two child processes each)."""
    return read_expectations(load_databases(EXAMPLE / "dbaudit.toml"))


@pytest.fixture(scope="session")
def pg_split(pg_server: ScratchServer, build: ModuleType) -> Iterator[dict[str, str]]:
    """The example on two PostgreSQL databases (the split done right)."""
    urls = {name: pg_server.create_database(prefix="dbaudit_t_split_") for name in ("users", "pool")}
    try:
        build.build(urls["users"], urls["pool"])
        yield urls
    finally:
        for url in urls.values():
            pg_server.drop_database(url)


@pytest.fixture
def split_env(monkeypatch: pytest.MonkeyPatch) -> Callable[[str, str], None]:
    """Point USERS_DATABASE_URL / POOL_DATABASE_URL at two URLs."""

    def set_urls(users: str, pool: str) -> None:
        monkeypatch.setenv("USERS_DATABASE_URL", users)
        monkeypatch.setenv("POOL_DATABASE_URL", pool)

    return set_urls


@pytest.fixture
def example_copy(tmp_path: Path) -> Path:
    """A copy of the example to edit (configuration, snapshots) without touching the package."""
    target = tmp_path / "dual_split"
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns("__pycache__", "snapshots"))
    return target
