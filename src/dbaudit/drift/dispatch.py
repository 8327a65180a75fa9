"""The comparator dispatcher: sides, matched pairs, and comparators registered per target and qualifier.

Modelled on Alembic's autogenerate comparators (STYLE.md section 4). A comparator looks at one aspect of
one matched pair (a table or a column present on both sides) and yields findings. It is registered for
a target (``"table"``, ``"column"``) and an aspect name, optionally qualified by the *source pair*
(``"database:models"``, ``"database:database"``); the qualified registration overrides the
``"default"`` one for that pair, so a tolerance of the ORM is an override, not an ``if`` in shared code.
A duplicate registration raises.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from dbaudit.drift.catalogue import DRIFT_RULES
from dbaudit.findings import Finding, Severity
from dbaudit.messages import msg
from dbaudit.model import Column, Location, SchemaModel, Table

T = TypeVar("T")
DEFAULT = "default"

_ROLE_WORDS = {"models": msg("models"), "migrations": msg("migrations head")}
_DATABASE = msg("database")


@dataclass(frozen=True)
class Side:
    """One of the two compared sources: its model, its role and how findings name it."""

    model: SchemaModel
    role: str  # "models", "migrations", "database" (a live database, a .sql file, a model JSON)

    @property
    def is_models(self) -> bool:
        return self.role == "models"

    @property
    def kind(self) -> str:
        """``models`` for the ORM, ``database`` for anything that is a realised schema."""
        return "models" if self.is_models else "database"

    @property
    def label(self) -> str:
        """``models (app.models:Base)``, ``migrations head (migrations)``, ``database (…/prod)``."""
        word = _ROLE_WORDS.get(self.role, _DATABASE)
        return msg("{word} ({name})", word=word, name=self.model.source.name) if self.model.source.name else word


@dataclass(frozen=True)
class Context:
    """The two sides of one comparison. ``left`` is the reference: ``missing-*`` is in left only."""

    left: Side
    right: Side

    @property
    def qualifier(self) -> str:
        return ":".join(sorted((self.left.kind, self.right.kind)))

    @property
    def sides(self) -> tuple[Side, Side]:
        return (self.left, self.right)


@dataclass(frozen=True)
class Pair(Generic[T]):
    """One object present on both sides (a table, or a column with its tables)."""

    ctx: Context
    left: T
    right: T
    left_table: Table
    right_table: Table

    @property
    def table_name(self) -> str:
        return self.left_table.qualified_name

    def both(self) -> tuple[tuple[Side, T, Table], tuple[Side, T, Table]]:
        return (
            (self.ctx.left, self.left, self.left_table),
            (self.ctx.right, self.right, self.right_table),
        )


TablePair = Pair[Table]
ColumnPair = Pair[Column]
Comparator = Callable[[Any], Iterable[Finding]]


class DuplicateComparatorError(ValueError):
    pass


class ComparatorRegistry:
    """Comparators by (target, aspect) and qualifier; :meth:`branch` gives a per-run copy."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], dict[str, Comparator]] = {}

    def register(self, target: str, aspect: str, func: Comparator, *, qualifier: str = DEFAULT) -> None:
        slot = self._entries.setdefault((target, aspect), {})
        if qualifier in slot:
            raise DuplicateComparatorError(
                f"comparator {target}/{aspect} for {qualifier!r} is registered twice"
            )
        slot[qualifier] = func

    def comparator(
        self, target: str, aspect: str, *, qualifier: str = DEFAULT
    ) -> Callable[[Comparator], Comparator]:
        def decorate(func: Comparator) -> Comparator:
            self.register(target, aspect, func, qualifier=qualifier)
            return func

        return decorate

    def for_target(self, target: str, qualifier: str) -> list[tuple[str, Comparator]]:
        """(aspect, comparator) for ``target``: the qualified override if any, else the default."""
        out = []
        for (entry_target, aspect), slot in self._entries.items():
            if entry_target != target:
                continue
            func = slot.get(qualifier) or slot.get(DEFAULT)
            if func is not None:
                out.append((aspect, func))
        return out

    def branch(self) -> ComparatorRegistry:
        copy = ComparatorRegistry()
        copy._entries = {key: dict(slot) for key, slot in self._entries.items()}
        return copy


COMPARATORS = ComparatorRegistry()
comparator = COMPARATORS.comparator


def drift_finding(
    rule_id: str,
    *,
    objects: Iterable[str],
    title: str,
    evidence: Iterable[str] = (),
    impact: str = "",
    root_cause: str = "",
    fix_sql: str | None = None,
    verify_sql: str | None = None,
    locations: Iterable[Location | None] = (),
    severity: Severity | None = None,
    data: dict[str, Any] | None = None,
) -> Finding:
    """A finding of a drift rule, with the catalogue's category and default severity."""
    spec = DRIFT_RULES[rule_id]
    unique_locations = tuple(dict.fromkeys(loc for loc in locations if loc is not None))
    return Finding(
        rule=rule_id,
        category=spec.category,
        severity=severity or spec.severity,
        objects=tuple(objects),
        title=title,
        evidence=tuple(evidence),
        impact=impact,
        root_cause=root_cause,
        fix_sql=fix_sql,
        verify_sql=verify_sql,
        locations=unique_locations,
        data=tuple(sorted((data or {}).items())),
    )


def at(location: Location | None) -> str:
    """`` at path:line`` for evidence text, or nothing when the source knows no location."""
    return msg(" at {path}:{line}", path=location.path, line=location.line) if location is not None else ""
