"""Prometheus metrics, built at scrape time from the refresher's current state (never a database call).

A custom collector in the style ``prometheus_client`` recommends for exporters: ``collect()`` turns
the last gathered :class:`~dbaudit.serve.state.Status` into gauge families, so a slow or unreachable
database never slows a scrape. A database that is down exports ``dbaudit_database_up 0`` and nothing
else about itself (no stale numbers).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from dbaudit.serve.state import DatabaseStatus, Status

# name -> help; every family the service exports.
METRICS: dict[str, str] = {
    "dbaudit_database_up": "1 when the last refresh reached the database, else 0.",
    "dbaudit_database_latency_seconds": "Seconds to connect and answer the health query.",
    "dbaudit_alembic_head_match": "1 when the Alembic version table holds the migrations' head(s), else 0.",
    "dbaudit_table_rows_estimated": "Rows per table, as the catalog estimates them.",
    "dbaudit_findings": "Findings of the last audit (schema rules), by severity.",
    "dbaudit_partitions_ahead": "Partitions of a range-partitioned table that start after today.",
    "dbaudit_sequence_used_ratio": "Share of a sequence's range already used (0..1).",
    "dbaudit_connections_used_ratio": "Client connections over max_connections.",
    "dbaudit_longest_transaction_seconds": "Age of the oldest open transaction this role can see.",
    "dbaudit_replication_lag_seconds":
        "Replica: time since the last replayed transaction; primary: largest replay lag.",
    "dbaudit_last_snapshot_timestamp_seconds": "taken_at of the newest snapshot file, as a Unix time.",
    "dbaudit_last_refresh_timestamp_seconds": "When the service last refreshed this database, as a Unix time.",
    "dbaudit_refresh_duration_seconds": "Seconds the last refresh of this database took.",
}


class StatusCollector(Collector):
    def __init__(self, current: Callable[[], Status]) -> None:
        self.current = current

    def collect(self) -> Iterator[GaugeMetricFamily]:
        families = {name: _family(name) for name in METRICS}
        for db in self.current().databases:
            if db.reachable is None:
                continue
            _add(families, db)
        yield from families.values()


def _family(name: str) -> GaugeMetricFamily:
    labels = ["database"]
    if name in ("dbaudit_table_rows_estimated", "dbaudit_partitions_ahead"):
        labels.append("table")
    elif name == "dbaudit_sequence_used_ratio":
        labels.append("sequence")
    elif name == "dbaudit_findings":
        labels.append("severity")
    return GaugeMetricFamily(name, METRICS[name], labels=labels)


def _add(families: dict[str, GaugeMetricFamily], db: DatabaseStatus) -> None:
    name = db.name

    def put(metric: str, value: Any, *extra: str) -> None:
        if value is not None:
            families[metric].add_metric([name, *extra], float(value))

    put("dbaudit_database_up", 1 if db.reachable else 0)
    if db.refreshed_at is not None:
        put("dbaudit_last_refresh_timestamp_seconds", db.refreshed_at.timestamp())
        put("dbaudit_refresh_duration_seconds", db.refresh_s)
    if db.last_snapshot_at is not None:
        put("dbaudit_last_snapshot_timestamp_seconds", db.last_snapshot_at.timestamp())
    if not db.reachable:
        return
    put("dbaudit_database_latency_seconds", db.latency_s)
    match = db.alembic_head_match
    put("dbaudit_alembic_head_match", None if match is None else int(match))
    put("dbaudit_connections_used_ratio", db.connection_usage)
    put("dbaudit_longest_transaction_seconds", db.longest_transaction_s)
    put("dbaudit_replication_lag_seconds", db.replication_lag_s)
    for table, rows in sorted(db.rows_estimated.items()):
        put("dbaudit_table_rows_estimated", rows, table)
    if db.audit is not None and db.audit.error is None:
        for severity, count in sorted(db.audit.findings.items()):
            put("dbaudit_findings", count, severity)
        for table, ahead in sorted(db.audit.partitions_ahead.items()):
            put("dbaudit_partitions_ahead", ahead, table)
        for sequence, ratio in sorted(db.audit.sequence_used_ratio.items()):
            put("dbaudit_sequence_used_ratio", ratio, sequence)


__all__ = ["METRICS", "StatusCollector"]
