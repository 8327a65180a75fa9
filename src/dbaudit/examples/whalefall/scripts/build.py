"""Build the WhaleFall example into a PostgreSQL database: Alembic migrations, then generated data.

Small API for tools (``dbaudit demo``) and people::

    from build import upgrade, build        # with scripts/ on sys.path, or load this file by path
    upgrade("postgresql://user@host/db")     # alembic upgrade head
    counts = build("postgresql://user@host/db", scale=1.0, seed=42)

Command line: ``python scripts/build.py URL [--revision REV] [--scale 1.0] [--seed 42] [--no-data]``.
URLs are libpq/psycopg style (``postgresql://...``, query parameters such as ``?host=/socket/dir`` are
kept); SQLAlchemy URLs (``postgresql+psycopg://``) are accepted too.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


def _ensure_project_on_path() -> None:
    for path in (PROJECT_DIR, PROJECT_DIR / "scripts"):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))


def alembic_config(url: str):  # type: ignore[no-untyped-def]  # alembic.config.Config
    """Alembic Config for this project, pointing at ``url`` (script location resolved from this file)."""
    from alembic.config import Config  # noqa: PLC0415 - keep `import build` cheap

    _ensure_project_on_path()
    config = Config(str(PROJECT_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_DIR / "migrations"))
    # ConfigParser interpolation: a literal % in the URL must be doubled.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Run ``alembic upgrade <revision>`` on ``url``."""
    from alembic import command  # noqa: PLC0415

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Run ``alembic downgrade <revision>`` on ``url`` (the baseline itself cannot be downgraded)."""
    from alembic import command  # noqa: PLC0415

    command.downgrade(alembic_config(url), revision)


def build(url: str, *, scale: float = 1.0, seed: int = 42, plant: bool = True, record: str | None = None,
          ) -> dict[str, int]:
    """Upgrade ``url`` to head and fill it with generated data; returns row counts per table.

    ``plant=False`` leaves out the planted data problems; ``record`` is a JSON file listing them.
    """
    _ensure_project_on_path()
    from generate_data import generate  # type: ignore[import-not-found]  # noqa: PLC0415

    upgrade(url)
    counts: dict[str, int] = generate(url, scale=scale, seed=seed, plant=plant, record=record)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--revision", default="head")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-data", action="store_true", help="only run the migrations")
    parser.add_argument("--clean", action="store_true", help="plant no data problems")
    parser.add_argument("--record", metavar="FILE", help="write what was planted to FILE (JSON)")
    args = parser.parse_args(argv)
    if args.no_data or args.revision != "head":
        upgrade(args.url, args.revision)
        return 0
    counts = build(args.url, scale=args.scale, seed=args.seed, plant=not args.clean, record=args.record)
    for table, count in counts.items():
        print(f"{table:40} {count:>10}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
