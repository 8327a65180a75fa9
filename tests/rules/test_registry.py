"""The rule catalogue itself: every registered rule is complete and documented."""

from __future__ import annotations

import re

import pytest

from dbaudit.findings import Severity
from dbaudit.rules import REGISTRY, Rule
from dbaudit.rules.registry import REQUIRED_DOC_HEADINGS, RuleRegistry, doc_sections, rule

KEBAB = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*\Z")
ALL_RULES = list(REGISTRY)


class TestCatalogue:
    def test_rules_are_registered(self) -> None:
        """Importing dbaudit.rules registers the rules of every category module."""
        assert {"integrity", "lifecycle", "naming", "house"} <= set(REGISTRY.categories)

    @pytest.mark.parametrize("rule_", ALL_RULES, ids=lambda r: r.id)
    def test_rule_is_complete(self, rule_: Rule) -> None:
        """Each rule has a kebab-case id, a category, a severity, a fix availability and a summary."""
        assert KEBAB.match(rule_.id)
        assert rule_.category
        assert isinstance(rule_.severity, Severity)
        assert rule_.fix in ("always", "sometimes", "never")
        assert rule_.status in ("stable", "preview", "removed")
        assert rule_.title
        assert not rule_.title.startswith("#")

    @pytest.mark.parametrize("rule_", ALL_RULES, ids=lambda r: r.id)
    def test_rule_doc_has_required_headings(self, rule_: Rule) -> None:
        """Each rule's docstring has the four required headings, each with text."""
        sections = doc_sections(rule_.doc)
        missing = [h for h in REQUIRED_DOC_HEADINGS if not sections.get(h)]
        assert missing == [], f"{rule_.id} lacks {missing}"
        assert rule_.rationale

    def test_ids_are_unique(self) -> None:
        """No two rules share an id (the registry refuses duplicates)."""
        ids = [r.id for r in ALL_RULES]
        assert len(ids) == len(set(ids))


class TestRegistry:
    def test_duplicate_id_is_refused(self) -> None:
        """Registering the same id twice raises instead of silently replacing a rule."""
        registry = RuleRegistry()

        @rule("my-rule", category="house", severity=Severity.P2, registry=registry)
        def first(ctx):  # type: ignore[no-untyped-def]
            """Doc."""
            return []

        with pytest.raises(ValueError, match="my-rule"):
            rule("my-rule", category="house", severity=Severity.P2, registry=registry)(first.check)

    def test_non_kebab_id_is_refused(self) -> None:
        """An id that is not kebab-case is refused at registration."""
        with pytest.raises(ValueError, match="kebab"):
            rule("My_Rule", category="house", severity=Severity.P2, registry=RuleRegistry())(lambda ctx: [])

    def test_selectors_resolve_ids_categories_and_all(self) -> None:
        """A selector is ALL, a category or an id; an unknown one raises KeyError."""
        assert REGISTRY.resolve("fk-missing") == (REGISTRY.get("fk-missing"),)
        assert {r.category for r in REGISTRY.resolve("naming")} == {"naming"}
        assert len(REGISTRY.resolve("ALL")) == len(REGISTRY)
        with pytest.raises(KeyError):
            REGISTRY.resolve("no-such-rule")
