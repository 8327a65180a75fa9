"""Alembic environment of the Pool database (see backend/migration_env.py)."""

import sys
from pathlib import Path

from alembic import context

PROJECT_DIR = Path(__file__).resolve().parents[2]
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))

from backend.migration_env import run  # noqa: E402
from backend.models.pool import PoolBase  # noqa: E402

run(context, PoolBase.metadata, url_env="POOL_DATABASE_URL", version_table="alembic_version_pool")
