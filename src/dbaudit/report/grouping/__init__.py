"""One numbered finding per problem: the grouping layer between findings and the reports.

Analyses report one finding per (rule, object); a DBA reads one finding per problem. This layer
turns the first into the second, declaratively, from the rule profiles of
:mod:`dbaudit.rules.families`:

1. :func:`consolidate`: at most one entry per (rule, main object): two findings of one rule on one
   object (the same OFFSET pagination found at two call sites) become one entry with both locations.
   Each entry gets a stable :attr:`Entry.id` (:func:`dbaudit.findings.fingerprint` of rule and
   object, not of wording or line numbers), the identity machines (JSON, SARIF, baselines) keep
   across runs.
2. :func:`group_entries`: entries of rules sharing a *concern*, on the same object, form one
   :class:`Row` led by the lowest-ranked rule (one ``DROP INDEX`` for an index that is both redundant
   and unused; one missing foreign key found by the schema rule and by drift). Rows are then
   gathered into :class:`FindingGroup` values by the lead rule, or by the ``group`` its profile
   names (a secret column and the encryption key protecting it). A group has one fix script and one
   verification covering all its rows.

The JSON keeps every entry (with its ``id`` and its ``group`` key); Markdown and HTML number groups.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cached_property

from dbaudit.findings import Finding, Severity, fingerprint, identity_object, sort_findings
from dbaudit.rules.families import profile


@dataclass(frozen=True, slots=True)
class Entry:
    """One (rule, main object): a finding with its stable id and the key of the group it is in."""

    id: str
    finding: Finding
    group: str = ""

    @property
    def rule(self) -> str:
        return self.finding.rule

    @property
    def object(self) -> str:
        return self.finding.objects[0] if self.finding.objects else ""


@dataclass(frozen=True, slots=True)
class Row:
    """One object of a group, with every entry about it (the leading rule's first)."""

    entries: tuple[Entry, ...]

    @property
    def lead(self) -> Entry:
        return self.entries[0]

    @property
    def object(self) -> str:
        return self.lead.object

    @property
    def severity(self) -> Severity:
        return min(e.finding.severity for e in self.entries)

    @property
    def fix_sql(self) -> str | None:
        return next((e.finding.fix_sql for e in self.entries if e.finding.fix_sql), None)

    @property
    def verify_sql(self) -> str | None:
        return next((e.finding.verify_sql for e in self.entries if e.finding.verify_sql), None)


@dataclass(frozen=True)
class FindingGroup:
    """One problem: rows of objects, one fix script, one verification."""

    key: str
    rows: tuple[Row, ...]

    @property
    def lead(self) -> Entry:
        return self.rows[0].lead

    @cached_property
    def severity(self) -> Severity:
        # cached: reports ask for it often, and a group of a large schema has thousands of rows
        return min(r.severity for r in self.rows)

    @property
    def entries(self) -> tuple[Entry, ...]:
        return tuple(e for r in self.rows for e in r.entries)

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.rule for e in self.entries))

    @property
    def category(self) -> str:
        return self.lead.finding.category

    @property
    def objects(self) -> tuple[str, ...]:
        return tuple(r.object for r in self.rows)

    @property
    def mixed_severity(self) -> bool:
        return len({r.severity for r in self.rows}) > 1

    @property
    def fix_sql(self) -> str | None:
        return _joined(r.fix_sql for r in self.rows)

    @property
    def verify_sql(self) -> str | None:
        return _joined(r.verify_sql for r in self.rows)

    @property
    def impact(self) -> str:
        return next((e.finding.impact for e in self.entries if e.finding.impact), "")

    @property
    def root_cause(self) -> str:
        return next((e.finding.root_cause for e in self.entries if e.finding.root_cause), "")

    @property
    def locations(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(
            f"{loc.path}:{loc.line}" if loc.line else loc.path for e in self.entries for loc in e.finding.locations
        ))


def _joined(parts: Iterable[str | None]) -> str | None:
    """Distinct non-empty SQL texts, in order, one blank line apart (one script for the group)."""
    distinct = list(dict.fromkeys(p.strip() for p in parts if p and p.strip()))
    return "\n\n".join(distinct) if distinct else None


# -- 1. one entry per (rule, object) ----------------------------------------------------------------


def _merge(findings: list[Finding]) -> Finding:
    """Several findings of one rule on one main object as one: every object, evidence line and
    location kept, the worst severity, the first wording."""
    first = findings[0]
    if len(findings) == 1:
        return first
    return replace(
        first,
        severity=min(f.severity for f in findings),
        objects=tuple(dict.fromkeys(o for f in findings for o in f.objects)),
        evidence=tuple(dict.fromkeys(e for f in findings for e in f.evidence)),
        locations=tuple(dict.fromkeys(loc for f in findings for loc in f.locations)),
        fix_sql=_joined(f.fix_sql for f in findings),
        verify_sql=_joined(f.verify_sql for f in findings),
        data=tuple(dict(kv for f in reversed(findings) for kv in f.data).items()),
    )


def consolidate(findings: Iterable[Finding]) -> tuple[Entry, ...]:
    """At most one entry per (rule, main object), most severe first, each with its stable id."""
    by_key: dict[tuple[str, str], list[Finding]] = {}
    for f in sort_findings(tuple(findings)):
        by_key.setdefault((f.rule, f.objects[0] if f.objects else ""), []).append(f)
    merged = sort_findings([_merge(group) for group in by_key.values()])
    ordinals: dict[tuple[str, str], int] = {}
    entries = []
    for f in sorted(merged, key=lambda f: (f.rule, f.objects[:1], _line_of(f))):
        key = (f.rule, identity_object(f.objects[0] if f.objects else ""))
        ordinal = ordinals.get(key, 0)
        ordinals[key] = ordinal + 1
        entries.append(Entry(fingerprint(f.rule, key[1], ordinal), f))
    order = {id(f): i for i, f in enumerate(merged)}
    return tuple(sorted(entries, key=lambda e: order[id(e.finding)]))


def _line_of(f: Finding) -> int:
    obj = f.objects[0] if f.objects else ""
    tail = obj.rpartition(":")[2]
    return int(tail) if tail.isdigit() else 0


# -- 2. rows and groups -------------------------------------------------------------------------------


def _rows(entries: Iterable[Entry]) -> list[Row]:
    """Entries merged by concern on their main object; the lowest-ranked rule leads each row."""
    rows: dict[tuple[str, str], list[Entry]] = {}
    for e in entries:
        concern = profile(e.rule).concern
        key = (f"concern:{concern}", e.object) if concern else (f"rule:{e.rule}", e.object)
        rows.setdefault(key, []).append(e)
    return [
        Row(tuple(sorted(members, key=lambda e: (profile(e.rule).rank, e.finding.severity.value, e.rule))))
        for members in rows.values()
    ]


def group_key(rule_id: str) -> str:
    """The group a row led by this rule goes to: the profile's ``group``, else the rule itself."""
    return profile(rule_id).group or rule_id


def group_entries(entries: Iterable[Entry]) -> tuple[FindingGroup, ...]:
    """Rows gathered into groups, most severe first, then the larger group, then by key.

    A rule's rows at different severities (calibrated by their evidence: the foreign key the code
    joins through stays P1, those on lookup tables go to P2) are separate groups with the same key;
    a group a profile declares (a secret column and the key protecting it) stays one problem.
    """
    by_group: dict[tuple[str, Severity | None], list[Row]] = {}
    for row in _rows(entries):
        key = group_key(row.lead.rule)
        by_group.setdefault((key, None if profile(row.lead.rule).group else row.severity), []).append(row)
    groups = []
    for (key, _), rows in by_group.items():
        rows.sort(key=lambda r: (r.severity.value, profile(r.lead.rule).rank, r.lead.rule, r.object))
        key_rows = tuple(Row(tuple(replace(e, group=key) for e in r.entries)) for r in rows)
        groups.append(FindingGroup(key, key_rows))
    return tuple(sorted(groups, key=lambda g: (g.severity.value, -len(g.rows), g.key)))


def group(findings: Iterable[Finding]) -> tuple[FindingGroup, ...]:
    """Findings of any analysis as numbered-finding groups (consolidate, then group)."""
    return group_entries(consolidate(findings))


__all__ = [
    "Entry",
    "FindingGroup",
    "Row",
    "consolidate",
    "fingerprint",
    "group",
    "group_entries",
    "group_key",
    "identity_object",
]
