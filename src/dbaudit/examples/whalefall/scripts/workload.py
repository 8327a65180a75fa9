"""Run the application's read paths against a built WhaleFall database, the way its pages do.

    python scripts/workload.py URL [--rounds 3]

Each repository of ``app/repositories`` runs with the filters users pick most (search terms, tag
filters, first pages), ``rounds`` times, so that ``pg_stat_statements`` on the server records the
statements the application really sends: leading-wildcard searches on the ledgers and the logs, the
"latest capacity per database" query, the tag-filtered lists. Deterministic: the same filters in the
same order every time. Read-only: nothing is written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))

SEARCHES = ("prod", "order", "app", "bi")
TAG_FILTERS = (["prod"], ["core", "payment"])
LOG_KEYWORDS = ("timeout", "failed")


def sqlalchemy_url(url: str) -> str:
    """SQLAlchemy wants a driver: ``postgresql://`` becomes ``postgresql+psycopg://``."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def run(url: str, *, rounds: int = 3) -> dict[str, int]:
    """Run every read path ``rounds`` times; returns how many times each page ran."""
    from sqlalchemy import create_engine  # noqa: PLC0415
    from sqlalchemy.orm import Session  # noqa: PLC0415

    from app.repositories.history_logs_repository import HistoryLogsRepository, LogSearchFilters  # noqa: PLC0415
    from app.repositories.history_sessions_repository import (  # noqa: PLC0415
        HistorySessionsRepository,
        SessionFilters,
    )
    from app.repositories.instances_repository import InstanceFilters, InstancesRepository  # noqa: PLC0415
    from app.repositories.ledgers.accounts_ledger_repository import (  # noqa: PLC0415
        AccountLedgerFilters,
        AccountsLedgerRepository,
    )
    from app.repositories.ledgers.database_ledger_repository import (  # noqa: PLC0415
        DatabaseLedgerFilters,
        DatabaseLedgerRepository,
    )

    counts = dict.fromkeys(("instances", "accounts", "databases", "logs", "sessions"), 0)
    engine = create_engine(sqlalchemy_url(url))
    try:
        with Session(engine) as session:
            for _ in range(rounds):
                for term in SEARCHES:
                    InstancesRepository(session).list_instances(InstanceFilters(search=term))
                    AccountsLedgerRepository(session).list_accounts(AccountLedgerFilters(search=term))
                    DatabaseLedgerRepository(session).list_databases(DatabaseLedgerFilters(search=term))
                    counts["instances"] += 1
                    counts["accounts"] += 1
                    counts["databases"] += 1
                for tags in TAG_FILTERS:
                    InstancesRepository(session).list_instances(InstanceFilters(tags=tags))
                    AccountsLedgerRepository(session).list_accounts(AccountLedgerFilters(tags=tags))
                    DatabaseLedgerRepository(session).list_databases(DatabaseLedgerFilters(tags=tags))
                    counts["instances"] += 1
                    counts["accounts"] += 1
                    counts["databases"] += 1
                for keyword in LOG_KEYWORDS:
                    # the generated logs are from 2025: a window wide enough to reach them
                    HistoryLogsRepository(session).search(LogSearchFilters(hours=24 * 3650, keyword=keyword))
                    counts["logs"] += 1
                HistorySessionsRepository(session).list_sessions(SessionFilters(status="completed"))
                counts["sessions"] += 1
                session.rollback()  # read-only: end the transaction between rounds
    finally:
        engine.dispose()
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    for page, count in run(args.url, rounds=args.rounds).items():
        print(f"{page:12} {count:>6}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
