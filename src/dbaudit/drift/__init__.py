"""Drift: differences between two schema sources (models, migrations head, databases, .sql files).

``compare(left, right)`` treats ``left`` as the reference: ``missing-*`` findings name what the left
side has and the right side lacks, ``extra-*`` the reverse. The role of each side (``models``,
``migrations``, ``database``) comes from its ``SourceInfo.kind`` unless given, and selects the
comparator overrides for that source pair (see :mod:`dbaudit.drift.dispatch`).
"""

from __future__ import annotations

from dbaudit.drift import compare as _comparators  # noqa: F401 - registers the comparators
from dbaudit.drift.dispatch import COMPARATORS, ComparatorRegistry, Context, Side
from dbaudit.drift.walk import walk
from dbaudit.findings import Finding, sort_findings
from dbaudit.model import SchemaModel

ROLES = ("models", "migrations", "database")


def role_of(model: SchemaModel) -> str:
    kind = model.source.kind
    return kind if kind in ("models", "migrations") else "database"


def compare(
    left: SchemaModel,
    right: SchemaModel,
    *,
    left_role: str | None = None,
    right_role: str | None = None,
    registry: ComparatorRegistry | None = None,
) -> list[Finding]:
    """Drift findings between two models, P0 first."""
    ctx = Context(Side(left, left_role or role_of(left)), Side(right, right_role or role_of(right)))
    findings = walk(ctx, registry or COMPARATORS)
    skipped = set(left.source.skipped) | set(right.source.skipped)
    if skipped:  # an object a source could not read is not missing from it
        findings = [f for f in findings if not any(_table_of(obj) in skipped for obj in f.objects)]
    return list(sort_findings(findings))


def _table_of(obj: str) -> str:
    """``schema.table`` of an object name (``schema.table.column`` or ``schema.table``)."""
    return ".".join(obj.split(".")[:2])


__all__ = ["COMPARATORS", "ROLES", "compare", "role_of"]
