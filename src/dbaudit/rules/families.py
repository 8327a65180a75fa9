"""What each rule means for the report: its family, merge affinity and how its severity is calibrated.

Every rule of every catalogue (schema rules, drift, migration lint) has one :class:`RuleProfile`,
declared here in one table rather than in the templates, so that the report's grouping layer
(:mod:`dbaudit.report.grouping`), its writing (gap map, compatibility table) and the severity
calibration (:mod:`dbaudit.calibrate`) read the same facts:

- ``family``: the standard or ADR the rule's findings show to be missing (the expert report's
  "gap map": key strategy, secrets, JSONB, soft delete, partitioning, search, zero-downtime
  migrations, retention...).
- ``concern`` and ``rank``: the *merge affinity*. Findings of rules sharing a concern, on the same
  object, are one problem: the same index told to be dropped by ``redundant-index`` and
  ``unused-index``, the same missing foreign key found by ``fk-missing`` and by drift, the same ORM
  key that omits the partition key found by ``partitioned-orm-key-mismatch`` and ``pk-mismatch``.
  The lowest ``rank`` leads (its fix is the one shown). ``group`` puts findings of several rules
  in one numbered finding although their objects differ (a secret column and the encryption key
  that protects it).
- ``applies_once``: a migration rule about *applying* a revision (locks, rewrites, rolling-deploy
  breakage). Once a revision ran on the audited database its hazard is history: the audit
  summarises it instead of reporting it at full severity. ``missing-downgrade`` is not such a
  rule: an applied revision can still be rolled back.
- ``scale_sensitive``: the harm grows with the table (a missing index, a scan, a rewrite, a key
  running out). The calibration (:mod:`dbaudit.calibrate`) lowers such a finding on a small or empty
  table and raises it on a large or hot one, saying why.
- ``compat``: the kind of row it gives in the compatibility/fallback table, when it belongs there.

A rule without an entry (a plugin's house rule) gets :data:`DEFAULT`: its own group, no family.
A test checks that every catalogued rule has an entry, so a new rule is placed on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Family = Literal[
    "key-strategy", "secrets", "jsonb", "soft-delete", "partitioning", "search", "migrations",
    "retention", "integrity", "indexing", "types", "naming", "conventions", "access", "operations",
]
CompatKind = Literal["config-fallback", "state-compat", "migration-rollback", "rolling-deploy", "schema-drift"]

# The order the gap map lists families in (the expert report's order first).
FAMILY_ORDER: tuple[Family, ...] = (
    "key-strategy", "secrets", "jsonb", "soft-delete", "partitioning", "search", "migrations",
    "retention", "integrity", "indexing", "types", "naming", "conventions", "access", "operations",
)


@dataclass(frozen=True, slots=True)
class RuleProfile:
    family: Family | None = None
    concern: str | None = None
    rank: int = 50
    group: str | None = None
    applies_once: bool = False
    scale_sensitive: bool = False
    compat: CompatKind | None = None


DEFAULT = RuleProfile()

_DROP_INDEX = "drop-index"
_ORM_KEY = "orm-partition-key"
_MISSING_FK = "missing-fk"
_KEY_EXHAUSTION = "key-exhaustion"


def _migration(*, compat: CompatKind | None = None, scale_sensitive: bool = False) -> RuleProfile:
    return RuleProfile(family="migrations", applies_once=True, compat=compat, scale_sensitive=scale_sensitive)


PROFILES: dict[str, RuleProfile] = {
    # integrity
    "fk-missing": RuleProfile(family="integrity", concern=_MISSING_FK, rank=10),
    "redundant-column-without-consistency": RuleProfile(family="integrity"),
    "table-without-primary-key": RuleProfile(family="key-strategy"),
    "unique-on-nullable-column": RuleProfile(family="integrity"),
    "fk-not-validated": RuleProfile(family="migrations"),
    "check-values-drift": RuleProfile(family="integrity", compat="state-compat"),
    "nullable-owning-fk": RuleProfile(family="integrity"),
    # indexes and performance
    "fk-without-index": RuleProfile(family="indexing", scale_sensitive=True),
    "duplicate-index": RuleProfile(family="indexing", concern=_DROP_INDEX, rank=10),
    "index-duplicates-constraint": RuleProfile(family="indexing", concern=_DROP_INDEX, rank=20),
    "redundant-index": RuleProfile(family="indexing", concern=_DROP_INDEX, rank=30),
    "low-selectivity-index": RuleProfile(family="indexing", concern=_DROP_INDEX, rank=40, scale_sensitive=True),
    "unused-index": RuleProfile(family="indexing", concern=_DROP_INDEX, rank=60),
    "too-many-indexes": RuleProfile(family="indexing", scale_sensitive=True),
    "invalid-index": RuleProfile(family="migrations"),
    "search-without-trigram-index": RuleProfile(family="search", scale_sensitive=True),
    "latest-row-without-index": RuleProfile(family="partitioning", scale_sensitive=True),
    "deep-offset-pagination": RuleProfile(family="search", scale_sensitive=True),
    # column types
    "secret-in-bounded-varchar": RuleProfile(family="secrets", group="secrets", rank=10),
    "timestamp-without-time-zone": RuleProfile(family="types"),
    "int4-key-overflow-risk": RuleProfile(family="key-strategy", concern=_KEY_EXHAUSTION, rank=20,
                                          scale_sensitive=True),
    "sequence-type-mismatch": RuleProfile(family="key-strategy"),
    "json-not-jsonb": RuleProfile(family="jsonb"),
    "nullable-with-default": RuleProfile(family="types"),
    "nullable-created-at": RuleProfile(family="conventions"),
    "status-without-check": RuleProfile(family="integrity"),
    "char-type": RuleProfile(family="types"),
    # partitioning
    "partitions-missing-ahead": RuleProfile(family="partitioning"),
    "partition-created-by-trigger": RuleProfile(family="partitioning"),
    "partition-index-misaligned": RuleProfile(family="partitioning"),
    "partitioned-orm-key-mismatch": RuleProfile(family="key-strategy", concern=_ORM_KEY, rank=10),
    # lifecycle
    "fact-table-lifecycle-columns": RuleProfile(family="soft-delete"),
    "soft-delete-unique-not-partial": RuleProfile(family="soft-delete"),
    "updated-at-not-maintained": RuleProfile(family="conventions"),
    "deep-cascade": RuleProfile(family="retention"),
    # naming and house rules
    "sequence-name-mismatch": RuleProfile(family="naming"),
    "non-snake-case": RuleProfile(family="naming"),
    "house-naming-pattern": RuleProfile(family="naming"),
    "house-pk-type": RuleProfile(family="key-strategy"),
    "house-required-columns": RuleProfile(family="conventions"),
    "house-timestamps-trigger": RuleProfile(family="conventions"),
    # governance (code scan)
    "ephemeral-encryption-key": RuleProfile(family="secrets", group="secrets", rank=20, compat="config-fallback"),
    "credentials-in-config": RuleProfile(family="secrets", compat="config-fallback"),
    # security: row-level security, privileges, function security, passwords
    "rls-not-forced": RuleProfile(family="access"),
    "tenant-table-without-policy": RuleProfile(family="access"),
    "view-bypasses-rls": RuleProfile(family="access"),
    "security-definer-search-path": RuleProfile(family="access"),
    "schema-create-for-public": RuleProfile(family="access"),
    "granted-to-public": RuleProfile(family="access"),
    "app-role-privileged": RuleProfile(family="access"),
    "extension-in-public": RuleProfile(family="access"),
    "md5-password": RuleProfile(family="access"),
    # capacity: forecasts from the running database
    "sequence-exhaustion": RuleProfile(family="key-strategy", concern=_KEY_EXHAUSTION, rank=10),
    "xid-wraparound-risk": RuleProfile(family="operations"),
    "estimated-bloat": RuleProfile(family="operations"),
    # drift between two sources
    "pk-mismatch": RuleProfile(family="key-strategy", concern=_ORM_KEY, rank=20),
    "fk-only-in-models": RuleProfile(family="integrity", concern=_MISSING_FK, rank=20),
    "fk-only-in-database": RuleProfile(family="integrity", compat="schema-drift"),
    "fk-action-mismatch": RuleProfile(family="integrity", compat="schema-drift"),
    "column-type-mismatch": RuleProfile(family="types", compat="schema-drift"),
    "nullable-mismatch": RuleProfile(family="types"),
    "server-default-mismatch": RuleProfile(family="types"),
    "missing-table": RuleProfile(family="migrations", compat="schema-drift"),
    "extra-table": RuleProfile(family="migrations"),
    "missing-column": RuleProfile(family="migrations", compat="schema-drift"),
    "extra-column": RuleProfile(family="migrations"),
    "index-mismatch": RuleProfile(family="indexing"),
    # tenant schemas that differ from the structure their siblings share
    "tenant-schema-deviation": RuleProfile(family="migrations", compat="schema-drift"),
    # migration lint: hazards of applying a revision
    "access-exclusive-lock": _migration(),
    "add-column-rewrite": _migration(scale_sensitive=True),
    "check-without-not-valid": _migration(scale_sensitive=True),
    "column-type-rewrite": _migration(scale_sensitive=True),
    "concurrent-in-transaction": _migration(),
    "concurrent-index-on-partitioned-table": _migration(),
    "destructive-change": _migration(compat="rolling-deploy"),
    "fk-without-not-valid": _migration(scale_sensitive=True),
    "missing-lock-timeout": _migration(),
    "non-concurrent-index": _migration(scale_sensitive=True),
    "not-null-without-default": _migration(),
    "primary-key-on-existing-table": _migration(scale_sensitive=True),
    "set-not-null-scan": _migration(scale_sensitive=True),
    "unique-constraint-without-index": _migration(scale_sensitive=True),
    "validate-in-same-transaction": _migration(scale_sensitive=True),
    "fk-locks-referenced-table": _migration(),
    "drop-index-non-concurrent": _migration(),
    "reindex-non-concurrent": _migration(scale_sensitive=True),
    "vacuum-full-or-cluster": _migration(scale_sensitive=True),
    "truncate-table": _migration(compat="rolling-deploy"),
    "lock-table": _migration(),
    "detach-partition-non-concurrent": _migration(),
    "drop-trigger": _migration(compat="rolling-deploy"),
    "enum-value-in-transaction": _migration(),
    "missing-statement-timeout": _migration(),
    "identifier-too-long": RuleProfile(family="naming"),
    # migration lint: properties of the history itself, true after the revision ran
    "missing-downgrade": RuleProfile(family="migrations", compat="migration-rollback"),
    "multiple-heads": RuleProfile(family="migrations"),
}


def profile(rule_id: str) -> RuleProfile:
    """The rule's profile, :data:`DEFAULT` for a rule this table does not know (plugins)."""
    return PROFILES.get(rule_id, DEFAULT)


__all__ = ["DEFAULT", "FAMILY_ORDER", "PROFILES", "CompatKind", "Family", "RuleProfile", "profile"]
