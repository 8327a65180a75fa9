"""The corpus schemas, each loaded into a throw-away database at most once per session and shared by
every test that reads it (the rules' judgements, the docs' coverage)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from dbaudit.model.schema import SchemaModel
from dbaudit.scratch import ScratchServer
from dbaudit.sources.ddl import read_sql_file
from tests.corpus.corpus import entries, missing_file, unmet


@pytest.fixture(scope="session")
def corpus_model(pg_server: ScratchServer) -> Callable[[str], SchemaModel]:
    """``corpus_model(name)``: that schema's model. Fails when its file is absent or not the judged one
    (the files are committed); skips with the reason when the server lacks what the schema needs (an
    extension, ICU: the embedded PostgreSQL has no contrib extensions)."""
    known = {e.name: e for e in entries()}
    models: dict[str, SchemaModel | str] = {}

    def get(name: str) -> SchemaModel:
        entry = known[name]
        problem = missing_file(entry)
        if problem is not None:
            pytest.fail(problem)
        if name not in models:
            reason = unmet(entry, pg_server.admin_url)
            models[name] = reason if reason is not None else read_sql_file(entry.path, scratch_url=pg_server.admin_url)
        got = models[name]
        if isinstance(got, str):
            pytest.skip(got)
        return got

    return get
