"""Build the two databases of the example: both Alembic trees to head, then the rows of the seed's
baseline (admin_config 1, admin_sessions 10, audit_logs 12, redeem_codes 2, mother_accounts 3).

    python scripts/build.py USERS_URL POOL_URL [--no-data]

Give the same URL twice to reproduce the development mistake (both halves in one database).
Alembic runs in a child process (this script with ``--migrate-only``), so importing this module
imports nothing of the project.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

PROJECT = Path(__file__).resolve().parent.parent


def _engine_url(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def upgrade(users_url: str, pool_url: str, revision: str = "head") -> None:
    """``alembic upgrade`` of both trees, in one child process (Alembic imports the project there)."""
    subprocess.run([sys.executable, __file__, "--migrate-only", users_url, pool_url, "--revision", revision],
                   cwd=PROJECT, check=True, capture_output=True, text=True)


def _upgrade_here(users_url: str, pool_url: str, revision: str) -> None:
    import argparse as _argparse

    from alembic import command
    from alembic.config import Config

    for tree, url in (("users", users_url), ("pool", pool_url)):
        config = Config(str(PROJECT / "migrations" / tree / "alembic.ini"),
                        cmd_opts=_argparse.Namespace(x=[f"url={url}"]))
        command.upgrade(config, revision)


def seed(users_url: str, pool_url: str) -> None:
    now = datetime(2025, 10, 27, 8, 0, tzinfo=UTC)
    with sa.create_engine(_engine_url(users_url)).begin() as conn:
        conn.execute(sa.text("INSERT INTO admin_config (key, value, updated_at) VALUES ('maintenance', 'off', :t)"),
                     {"t": now})
        conn.execute(sa.text(
            "INSERT INTO admin_sessions (session_token, admin_username, created_at, expires_at, revoked) "
            "VALUES (:token, 'admin', :t, :e, false)"),
            [{"token": f"token-{i:02d}", "t": now, "e": now + timedelta(hours=12)} for i in range(10)])
        conn.execute(sa.text("INSERT INTO audit_logs (actor, action, target, created_at) VALUES ('admin', :a, :x, :t)"),
                     [{"a": "login" if i % 2 else "update_config", "x": f"target-{i}", "t": now} for i in range(12)])
        conn.execute(sa.text("INSERT INTO redeem_codes (code, status, created_at) VALUES (:c, 'unused', :t)"),
                     [{"c": f"CODE-{i:04d}", "t": now} for i in range(2)])
    with sa.create_engine(_engine_url(pool_url)).begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO mother_accounts (email, status, seat_limit, created_at) VALUES (:e, 'active', 5, :t)"),
            [{"e": f"mother{i}@example.com", "t": now} for i in range(3)])


def build(users_url: str, pool_url: str, *, data: bool = True) -> None:
    upgrade(users_url, pool_url)
    if data:
        seed(users_url, pool_url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("users_url")
    parser.add_argument("pool_url")
    parser.add_argument("--no-data", action="store_true")
    parser.add_argument("--migrate-only", action="store_true", help="only upgrade, in this process")
    parser.add_argument("--revision", default="head")
    args = parser.parse_args()
    if args.migrate_only:
        _upgrade_here(args.users_url, args.pool_url, args.revision)
        return
    build(args.users_url, args.pool_url, data=not args.no_data)


if __name__ == "__main__":
    main()
