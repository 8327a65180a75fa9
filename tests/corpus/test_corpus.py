"""Issue 11: the audit on public schemas written by others keeps every finding judged true and never
brings back one judged false (tests/corpus/README.md). Each schema is loaded once per session."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest

from dbaudit.calibrate import CalibrationInput, calibrate
from dbaudit.engine import RuleRun, run_rules
from dbaudit.findings import Finding
from dbaudit.model.schema import SchemaModel
from dbaudit.rules import RuleContext
from tests.corpus.corpus import entries, judged, judgements

ENTRIES = {e.name: e for e in entries()}


@pytest.fixture(scope="session")
def corpus_run(corpus_model: Callable[[str], SchemaModel]) -> Callable[[str], RuleRun]:
    """``corpus_run(name)``: the whole registry's run on that schema (loaded at most once a session)."""
    runs: dict[str, RuleRun] = {}

    def get(name: str) -> RuleRun:
        if name not in runs:
            runs[name] = run_rules(RuleContext(corpus_model(name)))
        return runs[name]

    return get


def test_every_schema_has_judgements() -> None:
    """At least four schemas of different origins, each with at least 25 judged findings."""
    assert len({e.kind for e in ENTRIES.values()}) >= 4
    assert {name: len(judgements(name)) >= 25 for name in ENTRIES} == dict.fromkeys(ENTRIES, True)


def lost_and_back(name: str, findings: Iterable[Finding]) -> tuple[list[tuple[str, str, str]], ...]:
    """Judged-true findings missing (not known misses) and judged-false findings present."""
    matched = judged(tuple(findings), judgements(name))
    lost = [(j.rule, j.object, j.reason) for j, found in matched.items()
            if j.verdict == "true" and not j.missed and not found]
    back = [(j.rule, j.object, j.reason) for j, found in matched.items() if j.verdict == "false" and found]
    return lost, back


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_true_findings_stay_and_false_ones_stay_away(name: str, corpus_run: Callable[[str], RuleRun]) -> None:
    """Every finding judged true is still reported (unless recorded as a known miss); none judged
    false comes back."""
    assert lost_and_back(name, corpus_run(name).findings) == ([], [])


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_calibration_keeps_the_judgements(
    name: str, corpus_run: Callable[[str], RuleRun], corpus_model: Callable[[str], SchemaModel],
) -> None:
    """Calibrated as the audit calibrates them, the findings keep every judgement (the severity ones too)."""
    calibrated, _ = calibrate(corpus_run(name).findings, CalibrationInput(corpus_model(name)))
    assert lost_and_back(name, calibrated) == ([], [])


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_no_rule_fails_on_the_schema(name: str, corpus_run: Callable[[str], RuleRun]) -> None:
    """Every rule runs to the end on a real schema (a rule that raises is a bug, not a note)."""
    assert [n.message for n in corpus_run(name).notes if " failed and reported nothing" in n.message] == []


# Rules of issue 11 items 9-14 and 16: on these schemas every finding they give is judged, so a new
# finding (a regression in precision, or a new true one) is seen and judged, not silently counted.
FULLY_JUDGED_RULES = frozenset({
    "duplicate-index", "index-duplicates-constraint", "low-selectivity-index",
    "too-many-indexes", "nullable-owning-fk", "nullable-created-at", "sequence-type-mismatch", "deep-cascade",
})


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_every_finding_of_the_newer_rules_is_judged(name: str, corpus_run: Callable[[str], RuleRun]) -> None:
    """No finding of the rules of items 9-14 and 16 goes unjudged (redundant-index, whose prefix
    findings predate issue 11, is sampled like the other rules)."""
    verdicts = [j for j in judgements(name) if j.rule in FULLY_JUDGED_RULES]
    unjudged = [
        (f.rule, f.objects[0]) for f in corpus_run(name).findings
        if f.rule in FULLY_JUDGED_RULES and not any(j.matches(f) for j in verdicts)
    ]
    assert unjudged == []
