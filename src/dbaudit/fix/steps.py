"""The pieces of a fix plan: statements, their effects, phases and how each step is undone.

A finding's ``fix_sql`` is read statement by statement with PostgreSQL's parser (:mod:`.classify`);
each statement becomes a :class:`Step` with a :class:`Phase` (the order the whole plan runs in), a
:data:`Mode` (how it runs: concurrently outside a transaction, under a short ``lock_timeout`` with
retries, or plainly) and :class:`Effect` values saying what it changes in the catalog. The planner
(:mod:`.plan`) turns effects into guards, post-checks and the downgrade.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Literal

Mode = Literal["concurrent", "locking", "plain"]


class Phase(IntEnum):
    """Order of a plan: builds that block nothing first, additions, validations, drops, renames last."""

    BUILD = 1      # CREATE INDEX CONCURRENTLY (and a partitioned parent's ON ONLY index, ATTACH)
    ADD = 2        # catalog-only additions: NOT VALID constraints, UNIQUE USING INDEX, widened types, partitions
    VALIDATE = 3   # VALIDATE CONSTRAINT (a later transaction than NOT VALID), SET NOT NULL on a validated CHECK
    DROP = 4       # drops: indexes CONCURRENTLY, columns, constraints, triggers
    RENAME = 5     # renames: sequences, indexes, constraints, columns, then tables


PHASE_TITLES = {
    Phase.BUILD: "build indexes without blocking writes (CONCURRENTLY, outside any transaction)",
    Phase.ADD: "catalog-only additions (NOT VALID, USING INDEX, binary-compatible types): brief locks",
    Phase.VALIDATE: "validate in later transactions (SHARE UPDATE EXCLUSIVE: reads and writes go on)",
    Phase.DROP: "drops (indexes CONCURRENTLY; columns and constraints: brief locks, catalog only)",
    Phase.RENAME: "renames last",
}


@dataclass(frozen=True, slots=True)
class Stmt:
    """One SQL statement and how it runs; ``done`` is a catalog condition meaning "already applied"."""

    sql: str
    mode: Mode
    done: str | None = None
    note: str | None = None  # a comment shown above the statement


@dataclass(frozen=True, slots=True)
class Effect:
    """What a statement changes, in terms the planner can undo and check.

    ``kind``: ``index+`` ``index-`` ``attach`` ``constraint+`` ``validate`` ``constraint-`` ``column-``
    ``column+`` ``type`` ``not-null`` ``rename`` ``trigger+`` ``trigger-`` ``partition+``
    ``row-security`` ``policy+`` ``function-setting`` (``value``: the statement that undoes it).
    ``schema``/``table`` locate the table (for an index: its table), ``name`` the object, ``column``
    a column, ``value`` a new type (as ``format_type`` prints it), a new name or a child index.
    """

    kind: str
    schema: str
    table: str | None = None
    name: str | None = None
    column: str | None = None
    value: str | None = None
    flag: bool = False  # index+: on a partitioned parent (ON ONLY); constraint+: valid once added; rename: a table
    what: str = ""      # rename: index, sequence, table, column or constraint
    keys: tuple[str, ...] = ()  # index+: its key columns when all are plain columns
    covering: bool = False      # index+: a full (not partial) btree, usable for a foreign key's lookups


@dataclass(frozen=True, slots=True)
class Classified:
    """A statement of a finding's fix, read: how it runs, when, and what it changes."""

    stmt: Stmt
    phase: Phase
    effects: tuple[Effect, ...]
    keys: frozenset[str]       # objects it touches: steps of one finding sharing one keep their order
    data_change: bool = False  # UPDATE/DELETE/INSERT: clean-up, never run by a generated fix


@dataclass(frozen=True, slots=True)
class Step:
    """A statement placed in the plan, with what undoes it and what checks it afterwards."""

    stmt: Stmt
    phase: Phase
    item: int                     # index of its FixItem
    position: int                 # its place in the finding's own script
    effects: tuple[Effect, ...] = ()
    undo: tuple[Stmt, ...] = ()
    checks: tuple[str, ...] = ()  # post-check conditions (filled once the whole plan is known)

    @property
    def sort_key(self) -> tuple[int, int, int, int]:
        renames_tables = any(e.kind == "rename" and e.flag for e in self.effects)
        return (self.phase.value, int(renames_tables), self.item, self.position)


class Unsupported(ValueError):
    """A statement a generated fix will not run (it rewrites, scans under a lock, or cannot be undone)."""


__all__ = ["PHASE_TITLES", "Classified", "Effect", "Mode", "Phase", "Step", "Stmt", "Unsupported"]
