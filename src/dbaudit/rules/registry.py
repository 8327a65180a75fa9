"""The rule catalogue: every rule's id, category, default severity, documentation and check.

A rule is a plain function decorated with :func:`rule`. The decorator returns a :class:`Rule` that is
still callable and builds its own findings (``my_rule.finding(...)``) so a rule never repeats its id,
category or severity. Ids are permanent: a retired rule stays registered with ``status="removed"``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from dbaudit.findings import Finding, Note, Severity
from dbaudit.model.schema import Location, SchemaModel

FixAvailability = Literal["always", "sometimes", "never"]
RuleStatus = Literal["stable", "preview", "removed"]

REQUIRED_DOC_HEADINGS = ("What it does", "Why is this bad?", "Example", "Use instead")
_ID = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*\Z")


@dataclass(frozen=True)
class RuleContext:
    """What a rule may look at. Rules never open connections or read files.

    ``model`` is the audited schema. ``inputs`` holds optional extra inputs by name (``"models"``: the
    ORM's SchemaModel, ``"code"``: code-scan facts, ``"runtime"``: query statistics and forecasts,
    ``"app_role"``: the application's role), and ``options`` the per-rule options from configuration
    (house rules read theirs here). ``notes`` collects what a rule could not judge (:meth:`note`).
    """

    model: SchemaModel
    inputs: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    # What rules could not judge ("unknown" rather than a finding); the engine reports them as notes.
    notes: list[Note] = field(default_factory=list)

    def note(self, rule_id: str, message: str) -> None:
        """Record that ``rule_id`` could not judge something, instead of accusing without evidence."""
        self.notes.append(Note(message, rule=rule_id))

    def option(self, rule_id: str, key: str, default: Any = None) -> Any:
        value = self.options.get(rule_id, {})
        return value.get(key, default) if isinstance(value, dict) else default


CheckFunction = Callable[[RuleContext], Iterable[Finding]]


@dataclass(frozen=True, eq=False)
class Rule:
    id: str
    category: str
    severity: Severity
    check: CheckFunction
    doc: str
    fix: FixAvailability = "never"
    # Capabilities of the model (``statistics``, ``triggers``…) or inputs (``code``, ``models``)
    # without which the rule cannot judge; the engine skips it with a note when one is missing.
    requires: tuple[str, ...] = ()
    status: RuleStatus = "stable"

    def __call__(self, ctx: RuleContext) -> Iterable[Finding]:
        return self.check(ctx)

    @property
    def title(self) -> str:
        """The first line of the docstring: a one-line summary."""
        return self.doc.strip().splitlines()[0].strip() if self.doc.strip() else self.id

    @property
    def rationale(self) -> str:
        """The first paragraph of the "Why is this bad?" section."""
        section = doc_sections(self.doc).get("Why is this bad?", "")
        return section.split("\n\n")[0].replace("\n", " ").strip()

    def finding(
        self,
        *,
        objects: Iterable[str],
        title: str,
        evidence: Iterable[str] = (),
        impact: str = "",
        root_cause: str = "",
        fix_sql: str | None = None,
        verify_sql: str | None = None,
        locations: Iterable[Location] = (),
        data: dict[str, Any] | None = None,
        severity: Severity | None = None,
    ) -> Finding:
        """A finding of this rule; ``severity`` overrides the default when the evidence warrants it."""
        return Finding(
            rule=self.id,
            category=self.category,
            severity=severity or self.severity,
            objects=tuple(objects),
            title=title,
            evidence=tuple(evidence),
            impact=impact,
            root_cause=root_cause,
            fix_sql=fix_sql,
            verify_sql=verify_sql,
            locations=tuple(locations),
            data=tuple(sorted((data or {}).items())),
        )


class DuplicateRuleError(ValueError):
    pass


class RuleRegistry:
    """Rules by id, in registration order; categories act as selectors."""

    def __init__(self) -> None:
        self._rules: dict[str, Rule] = {}

    def add(self, rule_: Rule) -> Rule:
        if not _ID.match(rule_.id):
            raise ValueError(f"rule id {rule_.id!r} is not kebab-case")
        if rule_.id in self._rules:
            raise DuplicateRuleError(f"rule {rule_.id!r} is registered twice")
        self._rules[rule_.id] = rule_
        return rule_

    def __iter__(self) -> Iterator[Rule]:
        return iter(self._rules.values())

    def __len__(self) -> int:
        return len(self._rules)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._rules

    def get(self, rule_id: str) -> Rule | None:
        return self._rules.get(rule_id)

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.category for r in self._rules.values()))

    def resolve(self, selector: str) -> tuple[Rule, ...]:
        """Rules named by a selector: ``ALL``, a category, or a rule id. Unknown -> ``KeyError``."""
        if selector == "ALL":
            return tuple(self._rules.values())
        if selector in self._rules:
            return (self._rules[selector],)
        matched = tuple(r for r in self._rules.values() if r.category == selector)
        if not matched:
            raise KeyError(selector)
        return matched


REGISTRY = RuleRegistry()


def rule(
    rule_id: str,
    *,
    category: str,
    severity: Severity,
    fix: FixAvailability = "never",
    requires: tuple[str, ...] = (),
    status: RuleStatus = "stable",
    registry: RuleRegistry | None = None,
) -> Callable[[CheckFunction], Rule]:
    """Register a check function as a rule; its docstring is the rule's documentation."""

    def decorate(func: CheckFunction) -> Rule:
        rule_ = Rule(
            id=rule_id,
            category=category,
            severity=severity,
            check=func,
            doc=_dedent_doc(func.__doc__ or ""),
            fix=fix,
            requires=requires,
            status=status,
        )
        # not ``registry or REGISTRY``: an empty registry is falsy (it has ``__len__``)
        return (registry if registry is not None else REGISTRY).add(rule_)

    return decorate


def _dedent_doc(doc: str) -> str:
    import inspect  # noqa: PLC0415 - only at registration

    return inspect.cleandoc(doc)


_HEADING = re.compile(r"^## (.+?)\s*$", re.M)


def doc_sections(doc: str) -> dict[str, str]:
    """Split a rule docstring into its ``## Heading`` sections."""
    parts = _HEADING.split(doc)
    return {parts[i].strip(): parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
