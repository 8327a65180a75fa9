"""Fixtures for the bundled WhaleFall example project (src/dbaudit/examples/whalefall)."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from dbaudit.scratch import ScratchServer

WHALEFALL_DIR = Path(__file__).resolve().parents[2] / "src" / "dbaudit" / "examples" / "whalefall"

# The example is a project of its own: its top-level package is `app`, imported from the project dir.
if str(WHALEFALL_DIR) not in sys.path:
    sys.path.insert(0, str(WHALEFALL_DIR))


def _load_script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"whalefall_{name}", WHALEFALL_DIR / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def whalefall_build() -> ModuleType:
    """scripts/build.py of the example (upgrade/downgrade/build)."""
    return _load_script("build")


@pytest.fixture(scope="session")
def whalefall_generate() -> ModuleType:
    """scripts/generate_data.py of the example."""
    return _load_script("generate_data")


@pytest.fixture
def whalefall_url(pg_url: str, whalefall_build: ModuleType) -> str:
    """A fresh database migrated to head (no data)."""
    whalefall_build.upgrade(pg_url)
    return pg_url


@pytest.fixture(scope="module")
def whalefall_head_url(
    pg_server: ScratchServer, pg_template: str, whalefall_build: ModuleType
) -> Iterator[str]:
    """One database migrated to head (no data), shared by a test module that only reads it."""
    url = pg_server.create_database(template=pg_template, prefix="dbaudit_t_")
    try:
        whalefall_build.upgrade(url)
        yield url
    finally:
        pg_server.drop_database(url)


@pytest.fixture(scope="module")
def whalefall_data_url(
    pg_server: ScratchServer, pg_template: str, whalefall_build: ModuleType
) -> Iterator[tuple[str, dict[str, int]]]:
    """One database built at a small scale (migrations + data), shared by a test module."""
    url = pg_server.create_database(template=pg_template, prefix="dbaudit_t_")
    try:
        yield url, whalefall_build.build(url, scale=0.05, seed=42)
    finally:
        pg_server.drop_database(url)
