"""The corpus is self-contained (no server needed): each schema file is committed beside its
corpus.toml, is the file that was judged, and comes with its licence, its provenance and the script
that assembled it; lago's trim removes pg_partman and nothing else."""

from __future__ import annotations

import hashlib
import importlib.util
import re
from types import ModuleType

import pytest

from tests.corpus.corpus import HERE, entries

ENTRIES = {e.name: e for e in entries()}


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_schema_file_is_committed_with_its_licence_and_source(name: str) -> None:
    """The judged bytes are in the repository, with LICENSE.txt and a SOURCE.txt naming the origin's
    commit (or package versions), the file's sha256 and every assembly script, which exists."""
    entry = ENTRIES[name]
    folder = HERE / name
    assert hashlib.sha256((folder / entry.file).read_bytes()).hexdigest() == entry.sha256
    assert len((folder / "LICENSE.txt").read_text(encoding="utf-8")) > 500
    source = (folder / "SOURCE.txt").read_text(encoding="utf-8")
    assert entry.sha256 in source
    named = set(re.findall(r"\b([a-z_]+\.(?:py|sh))\b", entry.origin))  # "... removed by trim.py"
    scripts = {p.name for p in folder.iterdir() if p.suffix in (".py", ".sh")}
    assert named <= scripts
    assert {s: s in source for s in scripts} == dict.fromkeys(scripts, True)


def _lago_trim() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lago_trim", HERE / "lago" / "trim.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


DUMP = """SET client_min_messages = warning;

DROP TABLE IF EXISTS public.events;
DROP TABLE IF EXISTS partman.template_public_events;
DROP EXTENSION IF EXISTS pg_partman;
DROP SCHEMA IF EXISTS partman;
--
-- Name: partman; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA partman;


--
-- Name: pg_partman; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS pg_partman WITH SCHEMA partman;


--
-- Name: template_public_events; Type: TABLE; Schema: partman; Owner: -
--

CREATE TABLE partman.template_public_events (
    id uuid NOT NULL
);


--
-- Name: events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.events (
    id uuid NOT NULL
);

"""


def test_lago_trim_removes_pg_partman_and_nothing_else() -> None:
    trim = _lago_trim()
    out, entries_removed, lines_removed = trim.trim(DUMP)
    assert (entries_removed, lines_removed) == (3, 3)
    assert out == """SET client_min_messages = warning;

DROP TABLE IF EXISTS public.events;
--
-- Name: events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.events (
    id uuid NOT NULL
);

"""


def test_lago_trim_fails_when_partman_would_remain() -> None:
    """A statement naming partman outside the entries it knows is not silently kept."""
    trim = _lago_trim()
    with pytest.raises(SystemExit, match="partman is still named"):
        trim.trim(DUMP + "SELECT partman.create_parent('public.events');\n")


def test_committed_lago_file_has_no_pg_partman_left() -> None:
    """trim.py on its own output removes nothing: the committed lago.sql is a fixed point."""
    trim = _lago_trim()
    text = (HERE / "lago" / "lago.sql").read_text(encoding="utf-8")
    assert trim.trim(text) == (text, 0, 0)
