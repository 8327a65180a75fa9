"""What the service knows about each database, and how it is refreshed.

The state is an immutable value replaced whole by the refresher: a request reads whatever value is
current and never waits for a refresh (no lock on the read path). The refresher runs on its own
thread, one refresh at a time (a refresh asked for while one runs is skipped, not queued):

- every ``interval``: connect (latency), health (connection usage, longest transaction, replication
  lag), Alembic current version, row estimates;
- every ``audit_interval``: the schema model, from which the partitions ahead, the sequences' used
  ratio and the finding counts of the schema rules (the last audit) are computed; and the heads of
  the configured migrations.

Every connection is read-only (``dbaudit.live`` and the schema sources).
"""

from __future__ import annotations

import glob
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from dbaudit.errors import DbauditError
from dbaudit.redact import redact_text
from dbaudit.verify.check import current_revisions
from dbaudit.verify.config import DatabasesConfig, DatabaseSpec


@dataclass(frozen=True)
class AuditFacts:
    """What the last schema read gave: finding counts, partitions ahead, sequence usage."""

    at: datetime
    findings: dict[str, int]
    partitions_ahead: dict[str, int]
    sequence_used_ratio: dict[str, float]
    alembic_head: tuple[str, ...] | None
    error: str | None = None


@dataclass(frozen=True)
class DatabaseStatus:
    name: str
    reachable: bool | None = None  # None: not refreshed yet
    error: str | None = None
    dialect: str | None = None
    latency_s: float | None = None
    connection_usage: float | None = None
    connections_used: int | None = None
    connections_max: int | None = None
    longest_transaction_s: float | None = None
    replication_lag_s: float | None = None
    is_replica: bool | None = None
    alembic_current: tuple[str, ...] | None = None
    rows_estimated: dict[str, int | None] = field(default_factory=dict)
    last_snapshot_at: datetime | None = None
    refreshed_at: datetime | None = None
    refresh_s: float | None = None
    audit: AuditFacts | None = None

    @property
    def alembic_head_match(self) -> bool | None:
        head = self.audit.alembic_head if self.audit is not None else None
        if head is None:
            return None
        return self.alembic_current is not None and sorted(self.alembic_current) == sorted(head)

    def to_json(self) -> dict[str, Any]:
        audit = self.audit
        head = audit.alembic_head if audit is not None else None
        return {
            "reachable": self.reachable,
            "error": self.error,
            "dialect": self.dialect,
            "latency_s": _round(self.latency_s),
            "alembic": {
                "current": ",".join(sorted(self.alembic_current)) if self.alembic_current else None,
                "head": ",".join(sorted(head)) if head else None,
                "ok": self.alembic_head_match,
            },
            "last_snapshot_at": _iso(self.last_snapshot_at),
            "findings": dict(audit.findings) if audit is not None else None,
            "last_audit_at": _iso(audit.at) if audit is not None else None,
            "audit_error": audit.error if audit is not None else None,
            "connections": {"used": self.connections_used, "max": self.connections_max,
                            "usage_ratio": _round(self.connection_usage)},
            "longest_transaction_s": _round(self.longest_transaction_s),
            "replication_lag_s": _round(self.replication_lag_s),
            "tables": len(self.rows_estimated),
            "refreshed_at": _iso(self.refreshed_at),
            "refresh_s": _round(self.refresh_s),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


@dataclass(frozen=True)
class Status:
    databases: tuple[DatabaseStatus, ...]
    refreshes: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"databases": {d.name: d.to_json() for d in self.databases}, "refreshes": self.refreshes}


class Refresher:
    """Keeps :attr:`status` current; :meth:`start` runs it on a daemon thread."""

    def __init__(self, config: DatabasesConfig, *, today: Callable[[], date] | None = None) -> None:
        self.config = config
        self.status = Status(tuple(DatabaseStatus(spec.name) for spec in config.databases))
        self._running = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._today = today or (lambda: datetime.now(UTC).date())

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="dbaudit-refresh", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.refresh()
            self._stop.wait(self.config.serve.interval_s)

    @property
    def busy(self) -> bool:
        return self._running.locked()

    def refresh(self) -> bool:
        """One refresh of every database; ``False`` (and nothing done) when one is already running."""
        if not self._running.acquire(blocking=False):
            return False
        try:
            current = {d.name: d for d in self.status.databases}
            fresh = tuple(self._refresh_one(spec, current[spec.name]) for spec in self.config.databases)
            self.status = Status(fresh, self.status.refreshes + 1)  # one assignment: readers see old or new
        finally:
            self._running.release()
        return True

    def _refresh_one(self, spec: DatabaseSpec, previous: DatabaseStatus) -> DatabaseStatus:
        started = time.perf_counter()
        now = datetime.now(UTC)
        snapshot_at = last_snapshot_time(spec, self.config.base_dir)
        try:
            url = spec.url()
            status = _probe(spec, url)
        except DbauditError as exc:
            return DatabaseStatus(spec.name, reachable=False, error=str(exc), refreshed_at=now,
                                  refresh_s=time.perf_counter() - started, last_snapshot_at=snapshot_at)
        except Exception as exc:  # a bug or an odd server must not stop the service
            return DatabaseStatus(spec.name, reachable=False, error=_line(exc), refreshed_at=now,
                                  refresh_s=time.perf_counter() - started, last_snapshot_at=snapshot_at)
        audit = previous.audit
        if audit is None or (now - audit.at).total_seconds() >= self.config.serve.audit_interval_s:
            audit = self._audit(spec, url, now)
        return replace(status, audit=audit, last_snapshot_at=snapshot_at, refreshed_at=now,
                       refresh_s=time.perf_counter() - started)

    def _audit(self, spec: DatabaseSpec, url: str, now: datetime) -> AuditFacts:
        try:
            return audit_facts(spec, url, self.config, now, self._today())
        except Exception as exc:
            return AuditFacts(now, {}, {}, {}, None, error=_line(exc))


def _line(exc: BaseException) -> str:
    text = redact_text(str(exc)).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


def _probe(spec: DatabaseSpec, url: str) -> DatabaseStatus:
    from dbaudit.live import open_live  # noqa: PLC0415

    with open_live(url, schemas=spec.schemas or None) as db:
        health = db.health()
        versions = db.alembic_versions()
        rows = db.relation_rows()
        default_schema = db.default_schema
        dialect = db.dialect
    return DatabaseStatus(
        spec.name, reachable=True, dialect=dialect, latency_s=health.latency_s,
        connection_usage=health.connection_usage, connections_used=health.connections_used,
        connections_max=health.connections_max, longest_transaction_s=health.longest_transaction_s,
        replication_lag_s=health.replication_lag_s, is_replica=health.is_replica,
        alembic_current=current_revisions(versions, spec.version_table, default_schema),
        rows_estimated={r.qualified_name: r.rows_estimated for r in rows},
    )


def audit_facts(spec: DatabaseSpec, url: str, config: DatabasesConfig, now: datetime, today: date) -> AuditFacts:
    """Read the schema, run the schema rules (the service's audit), and measure partitions and sequences."""
    from dbaudit.config import load_config  # noqa: PLC0415
    from dbaudit.engine import run_rules  # noqa: PLC0415
    from dbaudit.findings import Severity  # noqa: PLC0415
    from dbaudit.rules import RuleContext  # noqa: PLC0415 - importing registers every rule
    from dbaudit.sources import load_source  # noqa: PLC0415

    model = load_source(url, schemas=spec.schemas or None)
    run = run_rules(RuleContext(model=model, inputs={}), load_config(str(config.path)), report_unused=False)
    counts = {s.name: 0 for s in Severity}
    for finding in run.findings:
        counts[finding.severity.name] += 1
    head = None
    if spec.migrations is not None:
        from dbaudit.sources.alembic_head import read_revision_graph  # noqa: PLC0415

        head = read_revision_graph(str(spec.migrations)).heads
    return AuditFacts(now, counts, partitions_ahead(model, today), sequence_used_ratio(model), head)


def partitions_ahead(model: Any, today: date) -> dict[str, int]:
    """Per date-range partitioned table: how many partitions start after today."""
    from dbaudit.model import TableKind  # noqa: PLC0415
    from dbaudit.rules.partitioning import parse_range_bound  # noqa: PLC0415

    out = {}
    for table in model.tables:
        if table.kind != TableKind.PARTITIONED_TABLE or table.partitioning is None:
            continue
        if table.partitioning.strategy != "RANGE":
            continue
        bounds = [b for p in model.partitions_of(table.qualified_name) if (b := parse_range_bound(p)) is not None]
        if bounds:
            out[table.qualified_name] = sum(1 for b in bounds if b.lower > today and b.lower != date.max)
    return out


def sequence_used_ratio(model: Any) -> dict[str, float]:
    """Per sequence with a known position: how much of its range is used (0..1)."""
    out = {}
    for seq in model.sequences:
        if seq.last_value is None:
            continue
        if seq.increment >= 0 and seq.max_value:
            lowest = seq.min_value if seq.min_value is not None else 1
            span = seq.max_value - lowest
            out[seq.qualified_name] = (seq.last_value - lowest) / span if span > 0 else 1.0
        elif seq.increment < 0 and seq.min_value:
            highest = seq.max_value if seq.max_value is not None else -1
            span = highest - seq.min_value
            out[seq.qualified_name] = (highest - seq.last_value) / span if span > 0 else 1.0
    return out


def last_snapshot_time(spec: DatabaseSpec, base: Path) -> datetime | None:
    """``taken_at`` of the newest snapshot matching the database's ``snapshots`` glob."""
    if spec.snapshots is None:
        return None
    pattern = spec.snapshots if Path(spec.snapshots).is_absolute() else str(base / spec.snapshots)
    newest: datetime | None = None
    for path in glob.glob(pattern):
        taken = _taken_at(Path(path))
        if taken is not None and (newest is None or taken > newest):
            newest = taken
    return newest


_TAKEN_AT_CACHE: dict[tuple[str, float, int], datetime | None] = {}


def _taken_at(path: Path) -> datetime | None:
    """A snapshot's ``taken_at``, read once per file version (path, mtime, size)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (str(path), stat.st_mtime, stat.st_size)
    if key not in _TAKEN_AT_CACHE:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            value = document.get("taken_at") if isinstance(document, dict) else None
            _TAKEN_AT_CACHE[key] = datetime.fromisoformat(value) if isinstance(value, str) else None
        except (OSError, ValueError):
            _TAKEN_AT_CACHE[key] = None
    return _TAKEN_AT_CACHE[key]


__all__ = [
    "AuditFacts",
    "DatabaseStatus",
    "Refresher",
    "Status",
    "audit_facts",
    "last_snapshot_time",
    "partitions_ahead",
    "sequence_used_ratio",
]
