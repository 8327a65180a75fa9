"""Test set-up against real servers.

PostgreSQL: ``DBAUDIT_TEST_PG_URL`` if set, else the local server on 127.0.0.1:5432, else the same
embedded PostgreSQL dbaudit itself starts (``dbaudit.scratch``). PostgreSQL tests never skip.
Each test gets its own database, created from a session template and dropped afterwards.

MySQL/MariaDB: ``DBAUDIT_TEST_MYSQL_URL`` if set, else root@127.0.0.1:3306; MySQL tests skip with a
visible reason when no server answers.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from dbaudit.scratch import ScratchServer, embedded_server
from tests.whalefall import BuiltExample, build_template

LOCAL_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
LOCAL_MYSQL = "mysql+pymysql://root@127.0.0.1:3306/test"


def _reachable(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


_server: ScratchServer | None = None


def _test_server() -> ScratchServer:
    global _server  # noqa: PLW0603 - one server per test session
    if _server is None:
        url = os.environ.get("DBAUDIT_TEST_PG_URL", LOCAL_PG)
        _server = ScratchServer(url, "local") if _reachable(url) else embedded_server()
    return _server


def pytest_report_header(config: pytest.Config) -> str:
    server = _test_server()
    with psycopg.connect(server.admin_url) as conn:
        version = conn.execute("SHOW server_version").fetchone()
    return f"dbaudit: PostgreSQL {version[0] if version else '?'} ({server.description})"


@pytest.fixture(scope="session")
def pg_server() -> ScratchServer:
    return _test_server()


@pytest.fixture(scope="session")
def pg_template(pg_server: ScratchServer) -> Iterator[str]:
    """An empty template database; per-test databases are cloned from it."""
    name = f"dbaudit_tpl_{uuid.uuid4().hex[:10]}"
    pg_server.execute_admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield name
    pg_server.drop_database(name)


@pytest.fixture(scope="session")
def whalefall_data_template(
    pg_server: ScratchServer, pg_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BuiltExample]:
    """The bundled example migrated and filled once per session (small scale), with its planted problems."""
    yield from build_template(pg_server, pg_template, tmp_path_factory.mktemp("wf") / "planted.json", plant=True)


@pytest.fixture(scope="session")
def whalefall_clean_template(
    pg_server: ScratchServer, pg_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BuiltExample]:
    """The same example filled without any planted data problem."""
    yield from build_template(pg_server, pg_template, tmp_path_factory.mktemp("wf") / "clean.json", plant=False)


@pytest.fixture
def pg_url(pg_server: ScratchServer, pg_template: str) -> Iterator[str]:
    """URL of a fresh database owned by this test alone."""
    url = pg_server.create_database(template=pg_template, prefix="dbaudit_t_")
    yield url
    pg_server.drop_database(url)


@pytest.fixture
def pg_exec(pg_url: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """An autocommit connection to this test's database, for setting up schemas."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        yield conn


@pytest.fixture
def pg_trgm_url(pg_url: str) -> str:
    """``pg_url`` on a server that ships pg_trgm; skips with the reason otherwise (a server built
    without contrib)."""
    with psycopg.connect(pg_url) as conn:
        row = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'").fetchone()
    if row is None:
        pytest.skip("pg_trgm is not available on this PostgreSQL server (built without contrib)")
    return pg_url


@pytest.fixture
def mysql_url() -> Iterator[str]:
    """URL of a fresh MySQL/MariaDB database; skips with a reason when no server answers."""
    import sqlalchemy as sa  # noqa: PLC0415

    base = os.environ.get("DBAUDIT_TEST_MYSQL_URL", LOCAL_MYSQL)
    engine = sa.create_engine(base)
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as exc:
        pytest.skip(f"no MySQL/MariaDB server reachable at {base}: {exc.orig}")
    name = f"dbaudit_t_{uuid.uuid4().hex[:10]}"
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    try:
        yield str(sa.engine.make_url(base).set(database=name).render_as_string(hide_password=False))
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
        engine.dispose()


# Fixtures of the dual_split example, shared by tests/verify and tests/serve.
pytest_plugins = ("tests.dual_split_fixtures",)
