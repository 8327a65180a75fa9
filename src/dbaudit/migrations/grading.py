"""Size-aware grading: each hazard weighed by the real table it touches (``--database``).

A rewrite of an empty table is harmless; the same statement on 40 GB blocks every query for
minutes. With the sizes of the target database, findings whose cost grows with the table get an
estimate and a severity from it:

- the table is empty, or created by a revision of the same run: P2, "safe";
- under a second: P2; up to a minute: the rule's own severity; a minute or more: P0.

The durations are rough, stated with their assumptions: sequential scan 200 MB/s, rewrite
(table and every index copied) 50 MB/s of the table's total size, index build 50 MB/s of the
table's heap. Real speed depends on disks, CPU, ``maintenance_work_mem`` and load.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from dbaudit.findings import Finding, Severity
from dbaudit.messages import msg
from dbaudit.migrations.database import DatabaseFacts, TableSize

MB = 1024 * 1024
THROUGHPUT = {"scan": 200 * MB, "rewrite": 50 * MB, "index": 50 * MB}
ASSUMED = msg("assumed: scan 200 MB/s, rewrite 50 MB/s of table+indexes, index build 50 MB/s")
# rule -> (kind of work, the lock held meanwhile)
COSTS: dict[str, tuple[str, str]] = {
    "add-column-rewrite": ("rewrite", "ACCESS EXCLUSIVE"),
    "column-type-rewrite": ("rewrite", "ACCESS EXCLUSIVE"),
    "vacuum-full-or-cluster": ("rewrite", "ACCESS EXCLUSIVE"),
    "set-not-null-scan": ("scan", "ACCESS EXCLUSIVE"),
    "check-without-not-valid": ("scan", "ACCESS EXCLUSIVE"),
    "fk-without-not-valid": ("scan", "SHARE ROW EXCLUSIVE"),
    "validate-in-same-transaction": ("scan", "the ADD's lock"),
    "non-concurrent-index": ("index", "SHARE (writes blocked)"),
    "unique-constraint-without-index": ("index", "ACCESS EXCLUSIVE"),
    "primary-key-on-existing-table": ("index", "ACCESS EXCLUSIVE"),
    "reindex-non-concurrent": ("index", "SHARE (writes blocked)"),
    "not-null-without-default": ("fails", ""),
}
_VERB = {"rewrite": msg("rewrites"), "scan": msg("scans"), "index": msg("builds an index on")}


def grade(findings: Iterable[Finding], db: DatabaseFacts, created_in_run: dict[str, str]) -> list[Finding]:
    """Findings with a size line in their evidence and a severity from the estimate.

    ``created_in_run``: tables created by revisions of this run (table -> revision): empty when the
    statement runs, whatever the database holds today.
    """
    findings = list(findings)
    tables = {t for f in findings if f.rule in COSTS and (t := table_of(f)) is not None}
    empty = db.empty_tables(tables - set(created_in_run))
    return [_graded(f, db, created_in_run, empty) for f in findings]


def table_of(finding: Finding) -> str | None:
    for obj in finding.objects:
        parts = obj.split(".")
        if len(parts) >= 2:
            return ".".join(parts[:2])
    return None


def _graded(f: Finding, db: DatabaseFacts, created: dict[str, str], empty: set[str]) -> Finding:
    cost = COSTS.get(f.rule)
    table = table_of(f)
    if cost is None or table is None:
        return f
    kind, lock = cost
    if table in created:
        return _with(f, msg("{table} is created by revision {revision} of this run: empty when this runs: safe",
                            table=table, revision=created[table]),
                     Severity.P2, {"table_empty": True}, short=msg("empty when it runs: safe"))
    size = db.size(table)
    if size is None or size.table_bytes is None:
        return _with(f, msg("{table} is not in {db}: size unknown, severity kept", table=table, db=db.name),
                     f.severity, {})
    if table in empty or size.table_bytes == 0 or (size.rows == 0 and not size.exact):
        return _with(f, msg("{table} is empty in {db}{analyzed}: safe", table=table, db=db.name,
                            analyzed="" if size.exact else msg(" (as of its last ANALYZE)")),
                     Severity.P2, {"table_empty": True}, short=msg("table is empty: safe"))
    if kind == "fails":
        rows = msg("~{count} rows", count=_count(size.rows)) if size.rows else _bytes(size.table_bytes)
        return _with(f, msg("{table} holds {rows} in {db}: the statement fails there", table=table, rows=rows,
                            db=db.name), f.severity,
                     {"table_bytes": size.table_bytes}, short=msg("{rows}: fails", rows=rows))
    return _estimated(f, size, kind, lock, db)


def work_estimate(kind: str, table_bytes: int | None, total_bytes: int | None) -> tuple[int, float]:
    """Bytes a statement of this kind of work reads or writes, and the seconds that takes (a rewrite
    copies the table and its indexes; a scan or an index build reads the heap)."""
    work = (total_bytes or table_bytes or 0) if kind == "rewrite" else (table_bytes or 0)
    return work, work / THROUGHPUT[kind]


def _estimated(f: Finding, size: TableSize, kind: str, lock: str, db: DatabaseFacts) -> Finding:
    work, seconds = work_estimate(kind, size.table_bytes, size.total_bytes)
    rows = msg(", ~{count} rows", count=_count(size.rows)) if size.rows else ""
    line = msg("{verb} {table} ({size}{rows} in {db}): {duration} under {lock} ({assumed})", verb=_VERB[kind],
               table=size.table, size=_bytes(work), rows=rows, db=db.name, duration=_duration(seconds),
               lock=lock, assumed=ASSUMED)
    severity = Severity.P2 if seconds < 1 else Severity.P0 if seconds >= 60 else f.severity
    return _with(f, line, severity, {"estimated_seconds": round(seconds, 1), "table_bytes": work,
                                     "rows_estimate": size.rows},
                 short=msg("{size}{rows}: {duration} under {lock}", size=_bytes(work), rows=rows,
                           duration=_duration(seconds), lock=lock))


def _with(f: Finding, line: str, severity: Severity, data: dict[str, object], *, short: str | None = None) -> Finding:
    merged = dict(f.data) | {"size": line} | data
    title = msg("{title} ({short})", title=f.title, short=short) if short else f.title
    return dataclasses.replace(f, title=title, evidence=(*f.evidence, msg("size: {line}", line=line)),
                               severity=severity, data=tuple(sorted(merged.items())))


def _bytes(n: int) -> str:
    value = float(n)
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} bytes"


def _count(n: int | None) -> str:
    if n is None:
        return "?"
    for threshold, suffix in ((1_000_000_000, " G"), (1_000_000, " M"), (1_000, " k")):
        if n >= threshold:
            return f"{n / threshold:.1f}{suffix}"
    return str(n)


def _duration(seconds: float) -> str:
    if seconds < 1:
        return msg("under 1 s")
    if seconds < 120:
        return f"~{seconds:.0f} s"
    if seconds < 7200:
        return msg("~{minutes:.0f} minutes", minutes=seconds / 60)
    return msg("~{hours:.1f} hours", hours=seconds / 3600)


__all__ = ["ASSUMED", "COSTS", "THROUGHPUT", "grade", "table_of", "work_estimate"]
