"""The difference between two snapshots: rows and sizes per table, tables added and removed, schema
changes (the drift comparison of the two embedded schema models), Alembic version changes, and the
tables whose row loss or gain crosses a threshold.

Rows are compared on the same footing on both sides: exact counts when both snapshots counted the
table, else the estimates when both have one; otherwise the change is unknown, never guessed from
an exact count on one side and an estimate on the other.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any, Literal

from dbaudit.findings import Finding
from dbaudit.model.schema import SchemaModel
from dbaudit.snapshot.document import Snapshot, TableSnapshot

Status = Literal["added", "removed", "changed", "unchanged", "unknown"]
_THRESHOLD = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$")


@dataclass(frozen=True, slots=True)
class Threshold:
    """A limit on one table's row change: a number of rows, or a percentage of the rows before."""

    amount: float
    percent: bool = False

    @classmethod
    def parse(cls, text: str) -> Threshold:
        """``"0"``, ``"1000"`` or ``"5%"``; raises ``ValueError`` otherwise."""
        match = _THRESHOLD.match(text)
        if match is None:
            raise ValueError(f"{text!r} is not a row count (1000) or a percentage (5%)")
        return cls(float(match.group(1)), percent=bool(match.group(2)))

    def crossed(self, before: int, change: int) -> bool:
        """Whether ``change`` rows (lost or gained, > 0) from ``before`` rows is more than allowed."""
        if change <= 0:
            return False
        if not self.percent:
            return change > self.amount
        return before == 0 or 100.0 * change / before > self.amount

    def __str__(self) -> str:
        number = f"{self.amount:g}"
        return f"{number}%" if self.percent else number


@dataclass(frozen=True, slots=True)
class TableChange:
    name: str
    kind: str
    status: Status
    rows_before: int | None
    rows_after: int | None
    rows_basis: str | None
    bytes_before: int | None
    bytes_after: int | None

    @property
    def rows_delta(self) -> int | None:
        if self.status == "added":
            return self.rows_after
        if self.status == "removed":
            return None if self.rows_before is None else -self.rows_before
        if self.rows_before is None or self.rows_after is None:
            return None
        return self.rows_after - self.rows_before

    @property
    def bytes_delta(self) -> int | None:
        before = 0 if self.status == "added" else self.bytes_before
        after = 0 if self.status == "removed" else self.bytes_after
        return None if before is None or after is None else after - before


@dataclass(frozen=True, slots=True)
class Violation:
    table: str
    kind: Literal["row-loss", "row-gain"]
    rows_before: int
    rows_after: int
    limit: str

    @property
    def message(self) -> str:
        change = self.rows_after - self.rows_before
        word = "lost" if self.kind == "row-loss" else "gained"
        return (f"{self.table} {word} {abs(change)} rows ({self.rows_before} -> {self.rows_after}); "
                f"--max-{self.kind} is {self.limit}")


@dataclass(frozen=True)
class SnapshotDiff:
    old: Snapshot
    new: Snapshot
    tables: tuple[TableChange, ...]
    schema_changes: tuple[Finding, ...] | None
    schema_note: str | None
    violations: tuple[Violation, ...]

    @property
    def alembic_changed(self) -> bool:
        return self.old.alembic_versions != self.new.alembic_versions

    def count(self, status: Status) -> int:
        return sum(1 for t in self.tables if t.status == status)

    def to_json(self) -> dict[str, Any]:
        return {
            "old": _header(self.old),
            "new": _header(self.new),
            "tables": [_change_json(t) for t in self.tables],
            "tables_added": [t.name for t in self.tables if t.status == "added"],
            "tables_removed": [t.name for t in self.tables if t.status == "removed"],
            "schema_changes": None if self.schema_changes is None else [
                _schema_change_json(f) for f in self.schema_changes],
            "schema_note": self.schema_note,
            "fingerprint_changed": None if self.old.fingerprint is None or self.new.fingerprint is None
            else self.old.fingerprint != self.new.fingerprint,
            "alembic": {
                "before": {k: list(v) for k, v in self.old.alembic_versions.items()},
                "after": {k: list(v) for k, v in self.new.alembic_versions.items()},
                "changed": self.alembic_changed,
            },
            "violations": [
                {"table": v.table, "kind": v.kind, "rows_before": v.rows_before, "rows_after": v.rows_after,
                 "limit": v.limit, "message": v.message}
                for v in self.violations
            ],
            "ok": not self.violations,
        }


def diff_snapshots(
    old: Snapshot, new: Snapshot, *, max_row_loss: Threshold | None = None, max_row_gain: Threshold | None = None,
) -> SnapshotDiff:
    """Compare ``old`` with ``new`` (see the module docstring)."""
    before = {t.name: t for t in old.tables}
    after = {t.name: t for t in new.tables}
    changes = [_change(name, before.get(name), after.get(name)) for name in sorted(before.keys() | after.keys())]
    findings, note = _schema_changes(old, new)
    violations = tuple(v for c in changes if (v := _violation(c, max_row_loss, max_row_gain)) is not None)
    return SnapshotDiff(old, new, tuple(changes), findings, note, violations)


def _change(name: str, old: TableSnapshot | None, new: TableSnapshot | None) -> TableChange:
    if old is None:
        assert new is not None
        return TableChange(name, new.kind, "added", None, new.rows, _basis(None, new), None, new.total_bytes)
    if new is None:
        return TableChange(name, old.kind, "removed", old.rows, None, _basis(old, None), old.total_bytes, None)
    basis = _basis(old, new)
    if basis == "exact":
        rows_before, rows_after = old.rows_exact, new.rows_exact
    elif basis == "estimated":
        rows_before, rows_after = old.rows_estimated, new.rows_estimated
    else:
        rows_before, rows_after = old.rows, new.rows
    status: Status = "unknown" if basis is None else ("unchanged" if rows_before == rows_after else "changed")
    return TableChange(name, new.kind, status, rows_before, rows_after, basis, old.total_bytes, new.total_bytes)


def _basis(old: TableSnapshot | None, new: TableSnapshot | None) -> str | None:
    sides = [t for t in (old, new) if t is not None]
    if all(t.rows_exact is not None for t in sides):
        return "exact"
    if all(t.rows_estimated is not None for t in sides):
        return "estimated"
    return None


def _violation(change: TableChange, loss: Threshold | None, gain: Threshold | None) -> Violation | None:
    if change.kind == "partitioned_table":
        return None  # its partitions are judged one by one; the sum would count every row twice
    before = 0 if change.status == "added" else change.rows_before
    after = 0 if change.status == "removed" else change.rows_after
    if before is None or after is None or change.status == "unknown":
        return None
    if loss is not None and loss.crossed(before, before - after):
        return Violation(change.name, "row-loss", before, after, str(loss))
    if gain is not None and gain.crossed(before, after - before):
        return Violation(change.name, "row-gain", before, after, str(gain))
    return None


def _schema_changes(old: Snapshot, new: Snapshot) -> tuple[tuple[Finding, ...] | None, str | None]:
    missing = [label for label, snap in (("OLD", old), ("NEW", new)) if snap.schema is None]
    if missing:
        return None, f"schema not compared: {' and '.join(missing)} holds no schema model (taken with --no-schema)"
    assert old.schema is not None
    assert new.schema is not None
    if old.fingerprint is not None and old.fingerprint == new.fingerprint:
        return (), None
    from dbaudit.drift import compare  # noqa: PLC0415 - drift loads its comparators on import

    left, right = _named(old.schema, "OLD", old), _named(new.schema, "NEW", new)
    return tuple(compare(left, right, left_role="database", right_role="database")), None


def _named(model: SchemaModel, label: str, snapshot: Snapshot) -> SchemaModel:
    """The model named after its snapshot, so that findings say which side holds what."""
    source = dataclasses.replace(model.source, name=f"{label} snapshot of {snapshot.taken_at:%Y-%m-%d %H:%M:%S}")
    return dataclasses.replace(model, source=source)


_CHANGE_WORDS = {"missing": "removed", "extra": "added"}


def change_word(finding: Finding) -> str:
    """``added`` for ``extra-*`` (only NEW has it), ``removed`` for ``missing-*``, else ``changed``."""
    return _CHANGE_WORDS.get(finding.rule.split("-", 1)[0], "changed")


def _schema_change_json(finding: Finding) -> dict[str, Any]:
    return {
        "change": change_word(finding), "rule": finding.rule, "severity": finding.severity.name,
        "objects": list(finding.objects), "title": finding.title, "evidence": list(finding.evidence),
    }


def _header(snapshot: Snapshot) -> dict[str, Any]:
    return {
        "taken_at": snapshot.taken_at.isoformat(), "source": snapshot.source.name,
        "rows": "exact" if snapshot.exact else "estimated", "fingerprint": snapshot.fingerprint,
    }


def _change_json(change: TableChange) -> dict[str, Any]:
    return {
        "name": change.name, "kind": change.kind, "status": change.status,
        "rows_before": change.rows_before, "rows_after": change.rows_after, "rows_delta": change.rows_delta,
        "rows_basis": change.rows_basis,
        "bytes_before": change.bytes_before, "bytes_after": change.bytes_after, "bytes_delta": change.bytes_delta,
    }


__all__ = ["SnapshotDiff", "TableChange", "Threshold", "Violation", "change_word", "diff_snapshots"]
