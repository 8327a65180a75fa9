"""Models of the two databases: ``UsersBase`` (users.py) and ``PoolBase`` (pool.py).

Each base has its own ``MetaData``; ``backend.db.session_for`` binds each to its own engine.
"""

from backend.models.pool import PoolBase
from backend.models.users import UsersBase

__all__ = ["PoolBase", "UsersBase"]
