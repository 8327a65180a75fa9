"""The aggregated view of a fleet: findings by database × rule, the structure drift between databases
that should be alike, and the Alembic revisions side by side.

Databases are grouped by their schema fingerprint: one group per structure, labelled ``A``, ``B``, …
from the largest. Group ``A`` is the reference: for every other group the report lists the tables it
lacks, the tables only it has and the tables whose structure differs (by per-table fingerprint),
and says when the difference lies outside the tables (sequences, enums, functions, extensions).
A database without fingerprints (not audited, or audited without ``--fleet-name``) is listed apart.
"""

from __future__ import annotations

import string
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from dbaudit.findings import Severity
from dbaudit.fleet.summary import SEVERITIES, DatabaseSummary

FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class RuleRow:
    """One rule across the fleet: its worst severity, total entries, and entries per database."""

    rule: str
    severity: str
    total: int
    counts: dict[str, int]


@dataclass(frozen=True, slots=True)
class StructureGroup:
    """Databases sharing one schema fingerprint, and how the group differs from the reference (``A``)."""

    label: str
    fingerprint: str
    databases: tuple[str, ...]
    missing_tables: tuple[str, ...] = ()   # in the reference, not here
    extra_tables: tuple[str, ...] = ()     # here, not in the reference
    changed_tables: tuple[str, ...] = ()   # in both, another structure
    # True when the tables are the same but the fingerprints differ: sequences, enums, functions…
    other_objects_differ: bool = False
    # False when the group's reports carry no per-table fingerprints (the difference cannot be told).
    tables_known: bool = True

    @property
    def table_differences(self) -> int:
        return len(self.missing_tables) + len(self.extra_tables) + len(self.changed_tables)


@dataclass(frozen=True, slots=True)
class AlembicView:
    """The Alembic revisions of every database, per version table, and the revisions most databases are at."""

    tables: tuple[str, ...]
    common: dict[str, tuple[str, ...]]
    differing: tuple[str, ...]


@dataclass(frozen=True)
class FleetResult:
    """A fleet's outcome: one summary per database (sorted by name) and the views built from them."""

    databases: tuple[DatabaseSummary, ...]
    generated_at: datetime
    dbaudit_version: str
    mode: str = "run"   # "run": audited here; "merge": read from reports
    concurrency: int | None = None
    peak_running: int | None = None
    elapsed_s: float | None = None
    source: str | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def failed(self) -> tuple[DatabaseSummary, ...]:
        return tuple(d for d in self.databases if not d.ok)

    @property
    def audited(self) -> tuple[DatabaseSummary, ...]:
        return tuple(d for d in self.databases if d.ok)

    @property
    def counts(self) -> dict[str, int]:
        """Entries (one per rule and object) per severity over the audited databases."""
        return {s: sum(d.counts.get(s, 0) for d in self.audited) for s in SEVERITIES}

    @property
    def problems(self) -> dict[str, int]:
        """Numbered findings (as each audit report counts them) per severity, over the audited databases."""
        return {s: sum(d.problems.get(s, 0) for d in self.audited) for s in SEVERITIES}

    def exit_code(self) -> int:
        """As ``audit``: 2 when a database could not be audited, else 1 when one has a finding at or
        above its fail-on severity, else 0."""
        if self.failed:
            return 2
        return 1 if any(d.failing for d in self.databases) else 0

    @cached_property
    def matrix(self) -> tuple[RuleRow, ...]:
        """Rules with findings, most severe first, then by how many databases have them."""
        rows: dict[str, dict[str, int]] = {}
        worst: dict[str, str] = {}
        for db in self.audited:
            for rule, count in db.rules.items():
                rows.setdefault(rule, {})[db.name] = count.count
                if rule not in worst or Severity[count.severity].is_at_least(Severity[worst[rule]]):
                    worst[rule] = count.severity
        out = [RuleRow(rule, worst[rule], sum(counts.values()), counts) for rule, counts in rows.items()]
        return tuple(sorted(out, key=lambda r: (Severity[r.severity].value, -len(r.counts), r.rule)))

    @cached_property
    def groups(self) -> tuple[StructureGroup, ...]:
        """Structure groups, the reference (most databases) first."""
        members: dict[str, list[DatabaseSummary]] = {}
        for db in self.audited:
            if db.fingerprint is not None:
                members.setdefault(db.fingerprint, []).append(db)
        ordered = sorted(members.values(), key=lambda dbs: (-len(dbs), dbs[0].name))
        if not ordered:
            return ()
        reference = _tables_of(ordered[0])
        out = []
        for n, dbs in enumerate(ordered):
            label = _label(n)
            names = tuple(d.name for d in dbs)
            fingerprint = dbs[0].fingerprint or ""
            tables = _tables_of(dbs)
            if n == 0 or tables is None or reference is None:
                out.append(StructureGroup(label, fingerprint, names, tables_known=tables is not None))
                continue
            missing = tuple(sorted(set(reference) - set(tables)))
            extra = tuple(sorted(set(tables) - set(reference)))
            changed = tuple(sorted(t for t in set(reference) & set(tables) if reference[t] != tables[t]))
            out.append(StructureGroup(label, fingerprint, names, missing, extra, changed,
                                      other_objects_differ=not (missing or extra or changed)))
        return tuple(out)

    @cached_property
    def group_of(self) -> dict[str, str]:
        return {name: g.label for g in self.groups for name in g.databases}

    @property
    def without_fingerprint(self) -> tuple[str, ...]:
        """Audited databases whose report has no fingerprint (audited without ``--fleet-name``)."""
        return tuple(d.name for d in self.audited if d.fingerprint is None)

    @cached_property
    def drift_matrix(self) -> dict[str, dict[str, int | None]]:
        """Group × group: tables that differ between the two structures (0: only other objects differ;
        ``None``: not known, a group without per-table fingerprints)."""
        by_name = {d.name: d for d in self.audited}
        tables = {g.label: _tables_of([by_name[n] for n in g.databases]) for g in self.groups}
        out: dict[str, dict[str, int | None]] = {}
        for a in self.groups:
            row: dict[str, int | None] = {}
            for b in self.groups:
                left, right = tables[a.label], tables[b.label]
                if a.label == b.label:
                    row[b.label] = 0
                elif left is None or right is None:
                    row[b.label] = None
                else:
                    row[b.label] = len(set(left) ^ set(right)) + sum(
                        1 for t in set(left) & set(right) if left[t] != right[t])
            out[a.label] = row
        return out

    @cached_property
    def alembic(self) -> AlembicView:
        """Version tables seen anywhere, the revisions most databases are at, and who is elsewhere."""
        tables = sorted({t for d in self.audited for t in (d.alembic_versions or {})})
        common: dict[str, tuple[str, ...]] = {}
        for table in tables:
            seen = Counter((d.alembic_versions or {}).get(table, ()) for d in self.audited)
            common[table] = max(seen.items(), key=lambda item: (item[1], item[0]))[0]
        differing = tuple(d.name for d in self.audited if tables and any(
            (d.alembic_versions or {}).get(t, ()) != common[t] for t in tables))
        return AlembicView(tuple(tables), common, differing)

    def to_json(self) -> dict[str, Any]:
        """The aggregated report as JSON (``docs/fleet-schema-v1.json``)."""
        return {
            "fleet_format_version": FORMAT_VERSION,
            "dbaudit_version": self.dbaudit_version,
            "generated_at": self.generated_at.isoformat(),
            "mode": self.mode,
            "source": self.source,
            "concurrency": self.concurrency,
            "peak_running": self.peak_running,
            "elapsed_s": None if self.elapsed_s is None else round(self.elapsed_s, 3),
            "exit_code": self.exit_code(),
            "summary": {
                "databases": len(self.databases), "audited": len(self.audited), "failed": len(self.failed),
                **self.counts,
                "findings": self.problems,
            },
            "databases": [{**d.to_json(), "group": self.group_of.get(d.name)} for d in self.databases],
            "findings_matrix": [
                {"rule": r.rule, "severity": r.severity, "total": r.total, "databases": dict(sorted(r.counts.items()))}
                for r in self.matrix
            ],
            "drift": {
                "groups": [
                    {"label": g.label, "fingerprint": g.fingerprint, "databases": list(g.databases),
                     "reference": n == 0, "tables_known": g.tables_known,
                     "missing_tables": list(g.missing_tables), "extra_tables": list(g.extra_tables),
                     "changed_tables": list(g.changed_tables), "other_objects_differ": g.other_objects_differ}
                    for n, g in enumerate(self.groups)
                ],
                "matrix": self.drift_matrix,
                "without_fingerprint": list(self.without_fingerprint),
            },
            "alembic": {
                "tables": list(self.alembic.tables),
                "common": {t: list(v) for t, v in self.alembic.common.items()},
                "differing": list(self.alembic.differing),
                "databases": {d.name: None if d.alembic_versions is None else
                              {t: list(v) for t, v in d.alembic_versions.items()} for d in self.audited},
            },
            "notes": list(self.notes),
        }


def _label(n: int) -> str:
    """A, B, …, Z, AA, AB, …"""
    letters = string.ascii_uppercase
    out = ""
    n += 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = letters[rem] + out
    return out


def _tables_of(dbs: Sequence[DatabaseSummary]) -> dict[str, str] | None:
    """The per-table fingerprints of a group (its databases share a schema fingerprint, so any one's)."""
    return next((d.table_fingerprints for d in dbs if d.table_fingerprints is not None), None)


__all__ = ["FORMAT_VERSION", "AlembicView", "FleetResult", "RuleRow", "StructureGroup"]
