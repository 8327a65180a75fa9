"""Monthly partitions of the four capacity tables: create ahead, drop after retention, report health.

This is the application-side path that creates partitions. instance_size_stats also has a database
trigger (instance_size_stats_partition_trigger) that tries to do the same on insert: two paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import text
from sqlalchemy.orm import Session

PARTITIONED_TABLES: dict[str, str] = {
    "database_size_stats": "collected_date",
    "database_size_aggregations": "period_start",
    "instance_size_stats": "collected_date",
    "instance_size_aggregations": "period_start",
}


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def partition_name(table: str, month: date) -> str:
    return f"{table}_{month:%Y_%m}"


@dataclass(frozen=True)
class PartitionAction:
    table: str
    partition: str
    action: str  # "created" / "exists" / "dropped"


class PartitionManagementService:
    def __init__(self, session: Session) -> None:
        self.session = session

    def partition_exists(self, name: str) -> bool:
        return bool(self.session.scalar(text("SELECT to_regclass(:name) IS NOT NULL"), {"name": f"public.{name}"}))

    def create_partitions_for_month(self, month: date) -> list[PartitionAction]:
        """CREATE TABLE ... PARTITION OF for every capacity table, for the month containing ``month``."""
        start = month_start(month)
        end = add_months(start, 1)
        actions = []
        for table in PARTITIONED_TABLES:
            name = partition_name(table, start)
            if self.partition_exists(name):
                actions.append(PartitionAction(table, name, "exists"))
                continue
            # Plain CREATE TABLE ... PARTITION OF: takes an ACCESS EXCLUSIVE lock on the parent.
            self.session.execute(
                text(
                    f'CREATE TABLE public."{name}" PARTITION OF public."{table}" '
                    f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
                )
            )
            actions.append(PartitionAction(table, name, "created"))
        return actions

    def create_future_partitions(self, today: date, months_ahead: int = 1) -> list[PartitionAction]:
        actions = []
        for offset in range(months_ahead + 1):
            actions.extend(self.create_partitions_for_month(add_months(month_start(today), offset)))
        return actions

    def cleanup_old_partitions(self, today: date, retention_months: int) -> list[PartitionAction]:
        cutoff = add_months(month_start(today), -retention_months)
        actions = []
        for table in PARTITIONED_TABLES:
            rows = self.session.execute(
                text(
                    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                    "WHERE i.inhparent = to_regclass(:parent) ORDER BY c.relname"
                ),
                {"parent": f"public.{table}"},
            ).scalars()
            for name in rows:
                suffix = name.removeprefix(f"{table}_")
                year, _, month = suffix.partition("_")
                if year.isdigit() and month.isdigit() and date(int(year), int(month), 1) < cutoff:
                    self.session.execute(text(f'DROP TABLE public."{name}"'))
                    actions.append(PartitionAction(table, name, "dropped"))
        return actions

    def missing_partitions(self, today: date, months_ahead: int = 1) -> list[str]:
        """Partitions that should exist (this month and the next ``months_ahead``) but do not."""
        missing: list[str] = []
        for offset in range(months_ahead + 1):
            month = add_months(month_start(today), offset)
            missing.extend(
                partition_name(table, month)
                for table in PARTITIONED_TABLES
                if not self.partition_exists(partition_name(table, month))
            )
        return missing
