"""Fixtures for the bundled WhaleFall example project (src/dbaudit/examples/whalefall).

Migrating to head creates ~80 partitions and takes a few seconds, so it runs once per session into a
template database; per-test databases are cloned from it (CREATE DATABASE ... TEMPLATE).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from types import ModuleType
from urllib.parse import urlsplit

import pytest

from dbaudit.scratch import ScratchServer
from tests.whalefall import WHALEFALL_DIR, BuiltExample, load_script

# The example is a project of its own: its top-level package is `app`, imported from the project dir.
if str(WHALEFALL_DIR) not in sys.path:
    sys.path.insert(0, str(WHALEFALL_DIR))


def _database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


@pytest.fixture(scope="session")
def whalefall_build() -> ModuleType:
    """scripts/build.py of the example (upgrade/downgrade/build)."""
    return load_script("build")


@pytest.fixture(scope="session")
def whalefall_generate() -> ModuleType:
    """scripts/generate_data.py of the example."""
    return load_script("generate_data")


@pytest.fixture(scope="session")
def whalefall_head_template(pg_server: ScratchServer, pg_template: str, whalefall_build: ModuleType) -> Iterator[str]:
    """Name of a database migrated to head by build.upgrade(), used as a template."""
    url = pg_server.create_database(template=pg_template, prefix="dbaudit_tpl_wf_")
    try:
        whalefall_build.upgrade(url)
        yield _database_name(url)
    finally:
        pg_server.drop_database(url)


@pytest.fixture
def whalefall_url(pg_server: ScratchServer, whalefall_head_template: str) -> Iterator[str]:
    """A fresh database at head (no data), owned by this test alone."""
    url = pg_server.create_database(template=whalefall_head_template, prefix="dbaudit_t_")
    yield url
    pg_server.drop_database(url)


@pytest.fixture(scope="module")
def whalefall_head_url(pg_server: ScratchServer, whalefall_head_template: str) -> Iterator[str]:
    """A database at head (no data), shared by a test module that only reads it."""
    url = pg_server.create_database(template=whalefall_head_template, prefix="dbaudit_t_")
    yield url
    pg_server.drop_database(url)


@pytest.fixture(scope="module")
def whalefall_data_url(
    pg_server: ScratchServer, whalefall_data_template: BuiltExample
) -> Iterator[tuple[str, dict[str, int]]]:
    """A database holding the built example (migrations + data, small scale), shared by a test module:
    a clone of the session's build."""
    url = pg_server.create_database(template=whalefall_data_template.name, prefix="dbaudit_t_")
    try:
        yield url, dict(whalefall_data_template.counts)
    finally:
        pg_server.drop_database(url)
