"""The rule engine: selection, requirement skips, result checks, configuration applied to findings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dbaudit.config import Config, ObjectIgnore
from dbaudit.engine import RuleRun, apply_config, exit_code, resolve_selection, run_rules
from dbaudit.errors import UsageError
from dbaudit.findings import Finding, Note, Severity
from dbaudit.model.schema import Location
from dbaudit.rules.registry import RuleContext, RuleRegistry, rule
from dbaudit.testing import schema

DOC = """Summary.

## What it does
x
## Why is this bad?
y
## Example
z
## Use instead
w
"""


def make_registry() -> RuleRegistry:
    """Four toy rules: two integrity, one naming needing triggers, one preview, one removed."""
    registry = RuleRegistry()

    def one_per_table(rule_id: str, category: str, severity: Severity, **kw: object) -> None:
        def check(ctx: RuleContext) -> Iterator[Finding]:
            for table in ctx.model.tables:
                yield registry.get(rule_id).finding(  # type: ignore[union-attr]
                    objects=[table.qualified_name], title=f"{rule_id} on {table.name}")

        check.__doc__ = DOC
        rule(rule_id, category=category, severity=severity, registry=registry, **kw)(check)  # type: ignore[arg-type]

    one_per_table("alpha", "integrity", Severity.P1)
    one_per_table("beta", "integrity", Severity.P2)
    one_per_table("gamma", "naming", Severity.P2, requires=("triggers",))
    one_per_table("delta", "naming", Severity.P0, status="preview")
    one_per_table("omega", "naming", Severity.P0, status="removed")
    one_per_table("pg-only", "types", Severity.P2, requires=("postgresql",))
    one_per_table("needs-code", "types", Severity.P2, requires=("models|code",))
    return registry


MODEL = schema().table("a", cols={"id": "bigint"}, pk="id").table("b", cols={"id": "bigint"}, pk="id").build()


def ids(run: RuleRun) -> list[tuple[str, tuple[str, ...]]]:
    return [(f.rule, f.objects) for f in run.findings]


class TestSelection:
    def test_default_runs_stable_rules_only(self) -> None:
        """ALL names stable rules: preview and removed rules do not run by default."""
        rules, notes = resolve_selection(Config(), make_registry())
        assert [r.id for r in rules] == ["alpha", "beta", "gamma", "pg-only", "needs-code"]
        assert notes == ()

    def test_category_selector_and_ignore_by_id(self) -> None:
        """select a category, ignore one of its rules: the rest of the category runs."""
        rules, _ = resolve_selection(Config(select=("integrity",), ignore=("beta",)), make_registry())
        assert [r.id for r in rules] == ["alpha"]

    def test_most_specific_selector_wins(self) -> None:
        """Ignoring a category but selecting one of its rules by id keeps that rule."""
        config = Config(select=("ALL", "beta"), ignore=("integrity",))
        rules, _ = resolve_selection(config, make_registry())
        assert [r.id for r in rules] == ["beta", "gamma", "pg-only", "needs-code"]

    def test_preview_rule_runs_when_named(self) -> None:
        """A preview rule runs when extend-select names its id."""
        rules, _ = resolve_selection(Config(select=("naming",), extend_select=("delta",)), make_registry())
        assert [r.id for r in rules] == ["gamma", "delta"]

    def test_removed_rule_named_gives_note(self) -> None:
        """Selecting a removed rule by id does not run it and says so."""
        rules, notes = resolve_selection(Config(select=("omega",)), make_registry())
        assert rules == ()
        assert notes == (Note("omega is a removed rule and no longer runs", rule="omega"),)

    def test_unknown_selector_is_a_note_or_strict_error(self) -> None:
        """An unknown selector gives a note with a suggestion, or a UsageError when strict."""
        _, notes = resolve_selection(Config(select=("alpah",)), make_registry())
        assert notes == (Note("unknown rule or category 'alpah' (did you mean 'alpha'?); "
                              "it selects no schema rule", rule="alpah"),)
        with pytest.raises(UsageError, match="unknown rule or category 'alpah'"):
            resolve_selection(Config(select=("alpah",)), make_registry(), strict=True)


class TestRunRules:
    def test_findings_sorted_p0_first_with_skip_notes(self) -> None:
        """Findings come sorted by severity; missing capabilities and inputs skip rules with notes."""
        model = schema(capabilities=()).table("a", cols={"id": "bigint"}).build()
        run = run_rules(RuleContext(model), Config(extend_select=("delta",)), registry=make_registry())
        assert ids(run) == [("delta", ("public.a",)), ("alpha", ("public.a",)), ("beta", ("public.a",)),
                            ("pg-only", ("public.a",))]
        assert run.notes == (
            Note("gamma skipped: the builder source dbaudit.testing does not provide triggers", rule="gamma"),
            Note("needs-code skipped: no models or code input was given", rule="needs-code"),
        )
        assert run.rules_skipped == ("gamma", "needs-code")

    def test_postgresql_only_rule_skips_on_other_dialects(self) -> None:
        """A rule requiring "postgresql" is skipped on a SQLite model, with a note."""
        model = schema(dialect="sqlite").table("a", cols={"id": "bigint"}).build()
        run = run_rules(RuleContext(model), Config(select=("pg-only",)), registry=make_registry())
        assert run.findings == ()
        assert run.notes == (
            Note("pg-only skipped: it is PostgreSQL-only and dbaudit.testing is sqlite", rule="pg-only"),)

    def test_alternative_input_satisfies_requirement(self) -> None:
        """requires=("models|code",) runs when either input is present."""
        run = run_rules(RuleContext(MODEL, inputs={"code": {}}), Config(select=("needs-code",)),
                        registry=make_registry())
        assert run.rules_run == ("needs-code",)

    def test_rule_returning_non_findings_raises_naming_it(self) -> None:
        """A rule yielding something that is not a Finding is a TypeError naming the rule."""
        registry = RuleRegistry()

        def bad(ctx: RuleContext) -> list[object]:
            return ["oops"]

        bad.__doc__ = DOC
        rule("bad-rule", category="x", severity=Severity.P2, registry=registry)(bad)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="bad-rule returned str"):
            run_rules(RuleContext(MODEL), Config(), registry=registry)

    def test_config_options_reach_rules(self) -> None:
        """House options from the configuration are merged into ctx.options."""
        registry = RuleRegistry()
        seen: list[object] = []

        def probe(ctx: RuleContext) -> list[Finding]:
            seen.append(ctx.option("house-required-columns", "columns"))
            return []

        probe.__doc__ = DOC
        rule("probe", category="house", severity=Severity.P2, registry=registry)(probe)
        from dbaudit.config import HouseConfig  # noqa: PLC0415

        run_rules(RuleContext(MODEL), Config(house=HouseConfig(required_columns=("created_at",))),
                  registry=registry)
        assert seen == [["created_at"]]


def finding(rule_id: str, category: str, severity: Severity, *objects: str) -> Finding:
    return Finding(rule=rule_id, category=category, severity=severity, objects=objects, title="t")


class TestApplyConfig:
    FINDINGS = (
        finding("fk-missing", "integrity", Severity.P1, "public.orders.customer_id"),
        finding("missing-downgrade", "migrations", Severity.P1, "migrations/versions/1.py"),
        finding("fk-missing", "integrity", Severity.P1, "audit.events_history.user_id"),
        finding("non-snake-case", "naming", Severity.P2, "public.Orders"),
    )

    def test_severity_override_by_id_and_category(self) -> None:
        """Overrides apply by rule id first, then category, and the result is re-sorted."""
        config = Config(severity=(("naming", Severity.P0), ("fk-missing", Severity.P2)))
        kept, notes = apply_config(self.FINDINGS, config)
        assert [(f.rule, f.severity) for f in kept] == [
            ("non-snake-case", Severity.P0), ("missing-downgrade", Severity.P1),
            ("fk-missing", Severity.P2), ("fk-missing", Severity.P2)]
        assert notes == ()

    def test_selection_applies_to_any_analysis(self) -> None:
        """ignore by category filters findings of other analyses (migration lint) too."""
        kept, _ = apply_config(self.FINDINGS, Config(ignore=("migrations", "naming")))
        assert [f.rule for f in kept] == ["fk-missing", "fk-missing"]

    def test_per_object_suppression_with_glob_and_parent_match(self) -> None:
        """A glob over a table silences findings on its columns; the others stay."""
        config = Config(per_object_ignores=(ObjectIgnore(("audit.*_history",), ("fk-missing",), "archive"),))
        kept, notes = apply_config(self.FINDINGS, config)
        assert [f.objects for f in kept] == [("public.orders.customer_id",), ("migrations/versions/1.py",),
                                            ("public.Orders",)]
        assert notes == ()

    def test_unused_suppression_is_reported(self) -> None:
        """A suppression that silences nothing yields an unused-suppression note (unless disabled)."""
        config = Config(per_object_ignores=(ObjectIgnore(("public.nothing",), ("ALL",), "legacy"),))
        kept, notes = apply_config(self.FINDINGS, config)
        assert len(kept) == 4
        assert notes == (Note("unused-suppression: per-object-ignores public.nothing -> ALL (reason: legacy) "
                              "silenced nothing; remove it", rule="unused-suppression"),)
        assert apply_config(self.FINDINGS, config, report_unused=False)[1] == ()

    def test_suppression_limited_to_its_rules(self) -> None:
        """A suppression for one category does not silence findings of another on the same object."""
        config = Config(per_object_ignores=(ObjectIgnore(("public.Orders",), ("integrity",), "x"),))
        kept, notes = apply_config(self.FINDINGS, config)
        assert len(kept) == 4
        assert [n.rule for n in notes] == ["unused-suppression"]


class TestExitCode:
    def test_fail_on_threshold(self) -> None:
        """Exit 1 only when a finding is at or above --fail-on."""
        p2 = [finding("x", "c", Severity.P2, "o")]
        assert exit_code(p2, Severity.P1) == 0
        assert exit_code(p2, Severity.P2) == 1
        assert exit_code([], Severity.P2) == 0
        assert exit_code([finding("x", "c", Severity.P0, "o")]) == 1


class TestPlugins:
    def test_plugin_module_registers_rules(self, tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
        """A module named in plugins is imported before the rules run, and its rule runs."""
        import sys  # noqa: PLC0415
        from pathlib import Path  # noqa: PLC0415

        assert isinstance(tmp_path, Path)
        (tmp_path / "team_rules_plugin.py").write_text(
            "from dbaudit.findings import Severity\n"
            "from dbaudit.rules.registry import rule\n"
            "from tests.test_engine import DOC\n"
            "def check(ctx):\n"
            "    return [team.finding(objects=[t.qualified_name], title='t') for t in ctx.model.tables]\n"
            "check.__doc__ = DOC\n"
            "team = rule('house-team-plugin', category='house', severity=Severity.P1,\n"
            "            registry=__import__('tests.test_engine').test_engine.PLUGIN_REGISTRY)(check)\n",
            encoding="utf-8",
        )
        monkeypatch.syspath_prepend(str(tmp_path))
        monkeypatch.delitem(sys.modules, "team_rules_plugin", raising=False)
        run = run_rules(RuleContext(MODEL), Config(plugins=("team_rules_plugin",)), registry=PLUGIN_REGISTRY)
        assert ids(run) == [("house-team-plugin", ("public.a",)), ("house-team-plugin", ("public.b",))]

    def test_missing_plugin_is_a_usage_error(self) -> None:
        """A plugin that cannot be imported is a one-line UsageError."""
        with pytest.raises(UsageError, match="cannot import rule plugin 'no_such_plugin_mod'"):
            run_rules(RuleContext(MODEL), Config(plugins=("no_such_plugin_mod",)), registry=RuleRegistry())


PLUGIN_REGISTRY = RuleRegistry()


class TestOtherDialects:
    def test_fix_sql_dropped_for_non_postgresql_models(self) -> None:
        """Findings on a MySQL model keep their facts but lose PostgreSQL fix/verify SQL, with a note."""
        model = (schema(dialect="mysql", capabilities=())
                 .table("instances", cols={"id": "integer"}, pk="id")
                 .table("stats", cols={"id": "integer", "instance_id": "integer"}, pk="id").build())
        run = run_rules(RuleContext(model), Config(select=("fk-missing",)))
        assert [(f.objects, f.fix_sql, f.verify_sql) for f in run.findings] == [
            (("public.stats.instance_id",), None, None)]
        assert run.notes == (Note("fix and verification SQL omitted: it is written for PostgreSQL and "
                                  "dbaudit.testing is mysql"),)


class TestCrashingRule:
    def registry(self) -> RuleRegistry:
        registry = RuleRegistry()

        def boom(ctx: RuleContext) -> list[Finding]:
            raise ZeroDivisionError("division by zero")

        boom.__doc__ = DOC
        rule("boom", category="x", severity=Severity.P2, registry=registry)(boom)
        return registry

    def test_crash_becomes_a_note(self) -> None:
        """A rule that raises is skipped with a note naming it; the run goes on."""
        run = run_rules(RuleContext(MODEL), Config(), registry=self.registry())
        assert (run.findings, run.notes, run.rules_skipped) == (
            (), (Note("boom failed and reported nothing: ZeroDivisionError: division by zero", rule="boom"),),
            ("boom",))

    def test_raise_errors(self) -> None:
        """raise_errors=True lets the exception through (for tests and debugging)."""
        with pytest.raises(ZeroDivisionError):
            run_rules(RuleContext(MODEL), Config(), registry=self.registry(), raise_errors=True)


class TestPerFileIgnores:
    @pytest.mark.parametrize(("pattern", "silenced"), [
        ("versions/*.py", True), ("migrations/versions/x.py", True), ("*.py", True),
        ("/versions/*.py", False), ("/migrations/versions/*.py", True), ("other/*.py", False),
    ])
    def test_patterns_match_whole_path_tails(self, pattern: str, silenced: bool) -> None:
        """A glob matches the finding's first file or a tail of whole directories of it; a leading /
        anchors it at the start."""
        finding = Finding(rule="missing-downgrade", category="migrations", severity=Severity.P2, objects=("r1",),
                          title="no downgrade", locations=(Location("migrations/versions/x.py", 3),))
        config = Config(per_file_ignores=(ObjectIgnore((pattern,), ("missing-downgrade",), "squashed"),))
        kept, _ = apply_config([finding], config)
        assert (kept == ()) is silenced
