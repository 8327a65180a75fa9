"""Helpers for drift tests: a database model from DDL on real PostgreSQL, an ORM model from MetaData."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from dbaudit.findings import Finding
from dbaudit.model import SchemaModel
from dbaudit.sources._orm_convert import convert
from dbaudit.sources.postgres import read_postgres

ReadDb = Callable[[str], SchemaModel]


@pytest.fixture
def read_db(pg_exec: psycopg.Connection[tuple[object, ...]], pg_url: str) -> ReadDb:
    """Run DDL in this test's database and read it back as the database side."""

    def read(ddl: str) -> SchemaModel:
        if ddl.strip():
            pg_exec.execute(ddl)
        return read_postgres(pg_url, name="db")

    return read


def orm(metadata: sa.MetaData, project_dir: Path | None = None) -> SchemaModel:
    """The models side, converted in this process (no locations: nothing lives in ``project_dir``)."""
    return convert(metadata, name="test.models:Base", project_dir=str(project_dir or Path("/nonexistent")))


def keys(findings: list[Finding]) -> list[tuple[str, str, tuple[str, ...]]]:
    """(rule, severity, objects) of every finding, in report order."""
    return [(f.rule, f.severity.name, f.objects) for f in findings]
