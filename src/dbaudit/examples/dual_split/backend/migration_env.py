"""What both Alembic environments (migrations/users, migrations/pool) share.

The URL comes from, first match wins: ``-x url=...``, ``sqlalchemy.url`` set on the config (empty in
the ini files), then the database's own environment variable. Each tree keeps its revision in its own
version table, so that both trees can also live in one database (the development set-up this
example warns about) without overwriting each other's version.
"""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import MetaData, create_engine, pool


def _sqlalchemy_url(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def run(context: Any, metadata: MetaData, *, url_env: str, version_table: str) -> None:
    config = context.config
    url = (context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
           or os.environ.get(url_env))
    if not url:
        raise SystemExit(f"set {url_env} (or pass -x url=...)")
    options = {"target_metadata": metadata, "version_table": version_table, "render_as_batch": True}
    if context.is_offline_mode():
        context.configure(url=_sqlalchemy_url(url), literal_binds=True, **options)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(_sqlalchemy_url(url), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, **options)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
