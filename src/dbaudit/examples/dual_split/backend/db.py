"""Two engines, one session: each model goes to the database of its base.

URLs come from the environment only (``USERS_DATABASE_URL``, ``POOL_DATABASE_URL``). The development
mistake this example documents is setting both to the same database.
"""

from __future__ import annotations

import os

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from backend.models import PoolBase, UsersBase


def session_for(users_url: str | None = None, pool_url: str | None = None) -> Session:
    users = create_engine(users_url or os.environ["USERS_DATABASE_URL"])
    pool = create_engine(pool_url or os.environ["POOL_DATABASE_URL"])
    return Session(binds={UsersBase: users, PoolBase: pool})
