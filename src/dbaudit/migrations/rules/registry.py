"""Metadata of the migration rules, in the same shape as ``dbaudit.rules.registry``.

Migration rules look at revisions (statements with their facts), not at a ``SchemaModel``, so they
keep their own small registry. ``as_catalogue_rules()`` turns each entry into a
``dbaudit.rules.registry.Rule`` (a check that yields nothing, ``requires=("migrations",)``) so that
``dbaudit rules`` and the generated docs can list them next to the schema rules:

    from dbaudit.migrations.rules.registry import as_catalogue_rules
    from dbaudit.rules.registry import REGISTRY
    for rule in as_catalogue_rules():
        REGISTRY.add(rule)
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from dbaudit.findings import Finding, Severity
from dbaudit.model.schema import Location

if TYPE_CHECKING:
    from dbaudit.migrations.source import MigrationSet
    from dbaudit.migrations.state import AnalyzedRevision
    from dbaudit.rules.registry import Rule

CATEGORY = "migrations"
REQUIRED_DOC_HEADINGS = ("What it does", "Why is this bad?", "Example", "Use instead")
Scope = Literal["revision", "project", "trace"]
RevisionCheck = Callable[["AnalyzedRevision"], Iterable[Finding]]
ProjectCheck = Callable[["MigrationSet"], Iterable[Finding]]
_HEADING = re.compile(r"^## (.+?)\s*$", re.M)


@dataclass(frozen=True, eq=False)
class MigrationRule:
    id: str
    severity: Severity
    doc: str
    scope: Scope
    check: Callable[[Any], Iterable[Finding]] | None
    fix: Literal["always", "sometimes", "never"] = "always"
    category: str = CATEGORY
    status: Literal["stable", "preview", "removed"] = "stable"

    @property
    def title(self) -> str:
        return self.doc.strip().splitlines()[0].strip()

    @property
    def rationale(self) -> str:
        """The first paragraph of the "Why is this bad?" section."""
        return doc_sections(self.doc).get("Why is this bad?", "").split("\n\n")[0].replace("\n", " ").strip()

    def finding(
        self, *, objects: Iterable[str], title: str, evidence: Iterable[str] = (), impact: str = "",
        root_cause: str = "", fix_sql: str | None = None, verify_sql: str | None = None,
        locations: Iterable[Location] = (), severity: Severity | None = None,
        data: dict[str, Any] | None = None,
    ) -> Finding:
        return Finding(
            rule=self.id, category=self.category, severity=severity or self.severity,
            objects=tuple(objects), title=title, evidence=tuple(evidence), impact=impact,
            root_cause=root_cause, fix_sql=fix_sql, verify_sql=verify_sql, locations=tuple(locations),
            data=tuple(sorted((data or {}).items())),
        )


RULES: dict[str, MigrationRule] = {}


def migration_rule(
    rule_id: str, *, severity: Severity, scope: Scope = "revision",
    fix: Literal["always", "sometimes", "never"] = "always",
) -> Callable[[Callable[[Any], Iterable[Finding]]], MigrationRule]:
    """Register a migration check; its docstring (four ``## `` headings) is the rule's documentation."""

    def decorate(func: Callable[[Any], Iterable[Finding]]) -> MigrationRule:
        if rule_id in RULES:
            raise ValueError(f"migration rule {rule_id!r} is registered twice")
        rule_ = MigrationRule(rule_id, severity, inspect.cleandoc(func.__doc__ or ""), scope,
                              None if scope == "trace" else func, fix)
        RULES[rule_id] = rule_
        return rule_

    return decorate


def doc_sections(doc: str) -> dict[str, str]:
    parts = _HEADING.split(doc)
    return {parts[i].strip(): parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}


def all_rules() -> dict[str, MigrationRule]:
    """Every migration rule (importing the rule modules registers them)."""
    from dbaudit.migrations.rules import (  # noqa: F401, PLC0415
        deploy,
        graph,
        locks,
        maintenance,
        naming,
        rewrites,
        rollback,
        transactions,
    )

    return RULES


def as_catalogue_rules() -> Iterator[Rule]:
    """The rules as ``dbaudit.rules.registry.Rule`` values, for the global catalogue."""
    from dbaudit.rules.registry import Rule  # noqa: PLC0415 - only when merging

    for r in all_rules().values():
        yield Rule(id=r.id, category=r.category, severity=r.severity, check=lambda _ctx: (),
                   doc=r.doc, fix=r.fix, requires=("migrations",), status=r.status)
