"""A PostgreSQL server with pg_stat_statements preloaded, and the WhaleFall example loaded on it with the
application's read paths run against it, once per session.

The local test server does not preload pg_stat_statements, so these tests start an embedded server
from the PostgreSQL binaries on this machine (``dbaudit.scratch.embedded_server(settings=...)``); they
skip, with the reason, where the binaries or their contrib modules are missing. HypoPG is used when
the server has it (Debian's ``postgresql-NN-hypopg``); tests that need it skip visibly otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest

from dbaudit.cli.demo_cmd import STATS_SETTINGS, prepare_statistics, run_example_script
from dbaudit.errors import ScratchError
from dbaudit.scratch import ScratchServer, embedded_server

PRELOAD = STATS_SETTINGS
SCALE = "0.2"


@dataclass(frozen=True)
class StatsDatabase:
    url: str
    hypopg: bool


@pytest.fixture(scope="session")
def stats_server() -> ScratchServer:
    """An embedded server started with pg_stat_statements preloaded (skips when it cannot start)."""
    try:
        server = embedded_server(PRELOAD)
    except ScratchError as exc:
        pytest.skip(f"no PostgreSQL binaries to start a server with pg_stat_statements preloaded: {exc}")
    with psycopg.connect(server.admin_url) as conn:
        row = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_stat_statements'").fetchone()
    if row is None:
        pytest.skip("the PostgreSQL binaries on this machine have no pg_stat_statements (contrib)")
    return server


def _extensions(url: str) -> bool:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION pg_stat_statements")
        if conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'hypopg'").fetchone() is None:
            return False
        conn.execute("CREATE EXTENSION hypopg")
        return True


@pytest.fixture(scope="session")
def loaded_whalefall(stats_server: ScratchServer) -> Iterator[StatsDatabase]:
    """The example built (scale 0.2), then prepared as ``dbaudit demo --stats`` does: vacuumed and
    analysed as a production database is (the visibility map is what makes index-only scans cheap),
    statistics reset, its read paths run twice."""
    url = stats_server.create_database(prefix="dbaudit_t_stats_")
    try:
        run_example_script("build.py", url, "--scale", SCALE)
        hypopg = prepare_statistics(url, rounds=2)
        yield StatsDatabase(url, hypopg)
    finally:
        stats_server.drop_database(url)


@pytest.fixture
def stats_url(stats_server: ScratchServer) -> Iterator[str]:
    """A fresh database with pg_stat_statements (and HypoPG when available) on the stats server."""
    url = stats_server.create_database(prefix="dbaudit_t_stats_")
    try:
        _extensions(url)
        yield url
    finally:
        stats_server.drop_database(url)
