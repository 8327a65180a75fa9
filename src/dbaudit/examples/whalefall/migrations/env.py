"""Alembic environment of the WhaleFall example project.

A connection passed in ``config.attributes["connection"]`` is used as is. Otherwise the URL comes
from, first match wins: ``-x url=...``, ``sqlalchemy.url`` set on the config (empty in
alembic.ini, set programmatically by scripts/build.py), the ``DATABASE_URL`` environment variable, and
finally ``app.settings.DATABASE_URL``. Plain ``postgresql://`` URLs are switched to the psycopg 3 driver.
"""

from __future__ import annotations

import os
import sys
from logging.config import fileConfig
from pathlib import Path

from alembic import context
from sqlalchemy import create_engine, pool

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))

from app import settings  # noqa: E402
from app.models import Base  # noqa: E402

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _sqlalchemy_url(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def database_url() -> str:
    x_url = context.get_x_argument(as_dictionary=True).get("url")
    configured = config.get_main_option("sqlalchemy.url")
    url = x_url or configured or os.environ.get("DATABASE_URL") or settings.DATABASE_URL
    return _sqlalchemy_url(url)


def run_migrations_offline() -> None:
    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    # A tool may hand over its own connection (config.attributes["connection"], the Alembic recipe).
    shared = config.attributes.get("connection")
    if shared is not None:
        context.configure(connection=shared, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(database_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
