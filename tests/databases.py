"""Throw-away databases holding a schema written for a test module."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg

from dbaudit.scratch import ScratchServer


def database_with(server: ScratchServer, template: str, ddl: str, *, prefix: str = "dbaudit_t_") -> Iterator[str]:
    """A database cloned from ``template`` with ``ddl`` executed in it; yields its URL, drops it after."""
    url = server.create_database(template=template, prefix=prefix)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(ddl.encode())
        yield url
    finally:
        server.drop_database(url)
