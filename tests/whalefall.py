"""The bundled WhaleFall example for tests: its scripts, and the built databases the suite shares.

Building the example (migrations to head, then generated rows) takes several seconds, so the session
builds it once per flavour into a template database: with the data problems its generator plants
(and the record of them), and clean. Tests clone a template (``CREATE DATABASE … TEMPLATE``) when
they change it, or read a clone shared by their module.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from dbaudit.scratch import ScratchServer

WHALEFALL_DIR = Path(__file__).resolve().parents[1] / "src" / "dbaudit" / "examples" / "whalefall"
SCALE = 0.05
SEED = 42


def load_script(name: str) -> ModuleType:
    """scripts/<name>.py of the example, registered under its own name (as build.py imports generate_data)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, WHALEFALL_DIR / "scripts" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


@dataclass(frozen=True)
class BuiltExample:
    """A template database holding the built example, its row counts and what its generator planted."""

    name: str
    counts: dict[str, int]
    planted: list[dict[str, Any]]


def build_template(server: ScratchServer, empty_template: str, record: Path, *, plant: bool) -> Iterator[BuiltExample]:
    """Build the example once into a template database; yields it, drops it afterwards."""
    build = load_script("build")
    url = server.create_database(template=empty_template, prefix="dbaudit_tpl_wfd_")
    try:
        try:
            counts = build.build(url, scale=SCALE, seed=SEED, plant=plant, record=str(record))
        except Exception:  # the one-transaction baseline can exhaust the shared lock table on a busy server
            server.drop_database(url)
            url = server.create_database(template=empty_template, prefix="dbaudit_tpl_wfd_")
            counts = build.build(url, scale=SCALE, seed=SEED, plant=plant, record=str(record))
        planted = json.loads(record.read_text(encoding="utf-8"))["planted"]
        yield BuiltExample(database_name(url), counts, planted)
    finally:
        server.drop_database(url)


def copy_of(server: ScratchServer, example: BuiltExample) -> Iterator[str]:
    """A throw-away copy of a built example (CREATE DATABASE … TEMPLATE); yields its URL, drops it after."""
    url = server.create_database(template=example.name, prefix="dbaudit_t_")
    try:
        yield url
    finally:
        server.drop_database(url)
