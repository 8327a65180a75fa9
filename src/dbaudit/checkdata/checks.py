"""What a data check is: the SQL that counts a finding's problem rows on live data, and its builders.

A :class:`DataCheck` belongs to one finding. Its SQL is written against a *source* for one table,
the table itself or ``table TABLESAMPLE SYSTEM (p)``, always aliased ``c``, so the runner can sample a
huge table without the check knowing. Every count query returns one row ``(problems bigint, scanned bigint, detail
jsonb)``; the sample query returns up to N rows of one text column (a JSON object naming the row).

Builders are registered per rule id (:func:`builder`) and read only the finding's machine-readable
``data`` and the schema model: never its text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from dbaudit.findings import Finding
from dbaudit.model.schema import SchemaModel, Table

# Kinds of checks, in the order reports list them.
KINDS = (
    "orphans", "inconsistent", "repeated-ids", "near-limit", "nulls", "values", "sequence", "partitions-ahead",
)
# Kinds that measure (a rate, a horizon) rather than count bad rows: no problem is "measured", not "cleared".
MEASURES = frozenset({"sequence", "partitions-ahead", "values"})

Source = str  # the FROM item for the check's table: ``schema.t AS c`` or ``schema.t AS c TABLESAMPLE …``


@dataclass(frozen=True)
class CheckOptions:
    """Tunables of a check-data run (CLI flags and the Python API share them)."""

    full: bool = False             # never sample
    samples: int = 5               # sample keys per check
    max_cost: float = 250_000.0    # EXPLAIN cost above which a samplable check samples its table
    timeout_s: float = 30.0        # statement_timeout of each query
    near_limit_percent: float = 10.0  # "within X% of a column's length limit"
    exhaustion_days: int = 365     # a sequence running out within this many days is confirmed
    used_percent: float = 50.0     # ...or one past this share of its range
    arriving_days: int = 35        # a partitioned table with a row this recent is being written
    # sequence -> (last_value, taken_at ISO) from an earlier snapshot, for growth between two snapshots
    previous_sequences: dict[str, tuple[int, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class DataCheck:
    """One verification on live data for one finding."""

    rule: str
    objects: tuple[str, ...]
    kind: str
    table: Table
    what: str                                   # English: what one counted problem is ("orphan rows")
    count: Callable[[Source], str]              # -> one row (problems, scanned, detail jsonb)
    sample: Callable[[Source, int], str] | None = None  # -> up to N rows (key text)
    samplable: bool = True
    blocks_fix: bool = False                    # problems make the finding's fix fail (VALIDATE, SET NOT NULL)
    cleanup_sql: str | None = None              # the clean-up a human may run before the fix (never run by dbaudit)

    @property
    def key(self) -> tuple[str, tuple[str, ...]]:
        return (self.rule, self.objects)


Builder = Callable[[Finding, SchemaModel, CheckOptions], DataCheck | None]
BUILDERS: dict[str, Builder] = {}


def builder(*rule_ids: str) -> Callable[[Builder], Builder]:
    """Register a function building the data check of these rules' findings."""

    def register(func: Builder) -> Builder:
        for rule_id in rule_ids:
            if rule_id in BUILDERS:
                raise ValueError(f"a data check for {rule_id!r} is registered twice")
            BUILDERS[rule_id] = func
        return func

    return register


def checks_for(findings: tuple[Finding, ...] | list[Finding], model: SchemaModel,
               options: CheckOptions) -> Iterator[DataCheck]:
    """The data check of every finding that has one (one per finding)."""
    from dbaudit.checkdata import builders as _builders  # noqa: F401, PLC0415 - registers the builders

    for finding in findings:
        build = BUILDERS.get(finding.rule)
        check = build(finding, model, options) if build is not None else None
        if check is not None:
            yield check


def data_of(finding: Finding) -> dict[str, Any]:
    return dict(finding.data)


__all__ = ["BUILDERS", "KINDS", "MEASURES", "CheckOptions", "DataCheck", "builder", "checks_for", "data_of"]
