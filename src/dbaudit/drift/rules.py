"""Drift rules in the rule catalogue, so ``dbaudit rules``, configuration and the audit know them.

In an audit (``dbaudit audit URL --models IMPORT [--migrations DIR]``) each drift rule compares the
models (input ``"models"``) with the audited database; when the migrations head (input
``"migrations"``) is given, its migration locations are lent to the database's objects so findings
cite the revision that created a key. The comparison runs once per audit and is shared by the rules.
Rules another module already registers (``check-values-drift`` in the integrity category) are left
to it. Importing this module registers the rules; it imports :mod:`dbaudit.rules` first so that the
category modules register theirs before.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

import dbaudit.rules  # noqa: F401 - the category rules register first (no duplicate ids)
from dbaudit.drift import compare
from dbaudit.drift.catalogue import DRIFT_RULES, DriftRule
from dbaudit.findings import Finding
from dbaudit.model import SchemaModel, Table
from dbaudit.rules.registry import REGISTRY, Rule, RuleContext

_last: list[tuple[tuple[object, ...], list[Finding]]] = []


def drift_findings(ctx: RuleContext) -> list[Finding]:
    """Models vs the audited database (with migration locations when the head is an input)."""
    models = ctx.inputs.get("models")
    if not isinstance(models, SchemaModel):
        return []
    head = _as_model(ctx.inputs.get("migrations"))
    key: tuple[object, ...] = (models, ctx.model, head)
    if _last and all(a is b for a, b in zip(_last[0][0], key, strict=True)):
        return _last[0][1]
    database = with_locations_from(ctx.model, head) if head is not None else ctx.model
    findings = compare(models, database, left_role="models", right_role="database")
    _last[:] = [(key, findings)]
    return findings


def _as_model(value: Any) -> SchemaModel | None:
    if isinstance(value, SchemaModel):
        return value
    if isinstance(value, tuple) and value and isinstance(value[0], SchemaModel):
        return value[0]  # (head model, revision graph) as read_migrations_head returns it
    return None


def with_locations_from(model: SchemaModel, donor: SchemaModel) -> SchemaModel:
    """``model`` with missing locations taken from ``donor``'s objects of the same name."""
    tables = []
    for table in model.tables:
        other = donor.table(table.qualified_name)
        tables.append(_lend(table, other) if other is not None else table)
    return dataclasses.replace(model, tables=tuple(tables))


def _lend(table: Table, donor: Table) -> Table:
    def fill(items: Iterable[Any], donors: Iterable[Any]) -> tuple[Any, ...]:
        found = {d.name: d.location for d in donors}
        return tuple(
            i if i.location is not None else dataclasses.replace(i, location=found.get(i.name)) for i in items
        )

    pk = table.primary_key
    if pk is not None and pk.location is None and donor.primary_key is not None:
        pk = dataclasses.replace(pk, location=donor.primary_key.location)
    return dataclasses.replace(
        table,
        location=table.location or donor.location,
        primary_key=pk,
        foreign_keys=fill(table.foreign_keys, donor.foreign_keys),
        uniques=fill(table.uniques, donor.uniques),
        checks=fill(table.checks, donor.checks),
        indexes=fill(table.indexes, donor.indexes),
    )


def _check_for(rule_id: str) -> Callable[[RuleContext], Iterable[Finding]]:
    def check(ctx: RuleContext) -> Iterable[Finding]:
        return [f for f in drift_findings(ctx) if f.rule == rule_id]

    check.__name__ = rule_id.replace("-", "_")
    return check


def _register(spec: DriftRule) -> Rule | None:
    if spec.id in REGISTRY:
        return None
    return REGISTRY.add(
        Rule(
            id=spec.id,
            category=spec.category,
            severity=spec.severity,
            check=_check_for(spec.id),
            doc=spec.doc,
            fix=spec.fix,  # type: ignore[arg-type]
            requires=("models",),
        )
    )


REGISTERED: tuple[Rule, ...] = tuple(r for r in (_register(spec) for spec in DRIFT_RULES.values()) if r)
