"""The grouping layer: one entry per (rule, object) with a stable id, one numbered finding per problem."""

from __future__ import annotations

import re
import statistics
from dataclasses import replace

from dbaudit.calibrate import Reason
from dbaudit.findings import Finding, Severity
from dbaudit.model.schema import Location
from dbaudit.report.context import HISTORY_NOTE_RULE, TableReach, build_context, registry_rules
from dbaudit.report.grouping import consolidate, fingerprint, group
from dbaudit.report.html import render_html
from dbaudit.report.markdown import render_markdown
from dbaudit.report.phrases import PHRASES
from dbaudit.report.writing import calibration_text, reach_text
from dbaudit.rules.families import PROFILES
from tests.report.fixtures import GENERATED_AT, small_model


def f(rule: str, obj: str, severity: Severity = Severity.P2, *, line: int = 0, title: str = "") -> Finding:
    return Finding(rule=rule, category="indexes", severity=severity, objects=(obj,), title=title or f"{rule} {obj}",
                   evidence=(f"{rule} saw {obj}",), fix_sql=f"DROP INDEX CONCURRENTLY {obj};",
                   locations=(Location("app/x.py", line),) if line else ())


class TestEntries:
    def test_one_entry_per_rule_and_object(self) -> None:
        """Two findings of one rule on one object become one entry with both locations."""
        entries = consolidate([f("deep-offset-pagination", "public.t", line=3),
                               f("deep-offset-pagination", "public.t", line=9)])
        assert len(entries) == 1
        assert [loc.line for loc in entries[0].finding.locations] == [3, 9]

    def test_id_survives_line_moves_and_wording(self) -> None:
        """The id hashes rule and object, not wording or line numbers (an object ``path:line`` too)."""
        before = consolidate([f("credentials-in-config", "app/settings.py:14", title="a")])[0].id
        after = consolidate([f("credentials-in-config", "app/settings.py:21", title="b")])[0].id
        assert before == after == fingerprint("credentials-in-config", "app/settings.py")

    def test_two_objects_of_one_file_keep_distinct_ids(self) -> None:
        """Two secrets in one file get an ordinal, by line order."""
        ids = {e.id for e in consolidate([f("credentials-in-config", "app/s.py:3"),
                                          f("credentials-in-config", "app/s.py:8")])}
        assert len(ids) == 2


class TestGroups:
    def test_rule_on_many_objects_is_one_group(self) -> None:
        """A rule firing on several objects is one group with a row each and one script."""
        (only,) = group([f("nullable-with-default", f"public.t.c{i}") for i in range(5)])
        assert len(only.rows) == 5
        assert only.fix_sql is not None
        assert only.fix_sql.count("DROP INDEX") == 5

    def test_same_index_dropped_by_two_rules_is_one_row(self) -> None:
        """An index both redundant and unused is one row, led by redundant-index; one DROP INDEX."""
        groups = group([f("unused-index", "public.ix_a"), f("redundant-index", "public.ix_a"),
                        f("unused-index", "public.ix_b")])
        assert [(g.key, g.objects) for g in groups] == [
            ("redundant-index", ("public.ix_a",)), ("unused-index", ("public.ix_b",))]
        assert groups[0].rules == ("redundant-index", "unused-index")
        assert groups[0].fix_sql == "DROP INDEX CONCURRENTLY public.ix_a;"

    def test_orm_key_found_by_two_rules_is_one_p0(self) -> None:
        """partitioned-orm-key-mismatch and pk-mismatch on the same tables are one P0 with both facts."""
        findings = [f(rule, f"public.{t}", Severity.P0) for rule in ("pk-mismatch", "partitioned-orm-key-mismatch")
                    for t in ("stats", "aggs")]
        (only,) = group(findings)
        assert (only.key, only.severity, len(only.rows), len(only.entries)) == (
            "partitioned-orm-key-mismatch", Severity.P0, 2, 4)

    def test_missing_fk_found_by_schema_and_drift_is_one(self) -> None:
        groups = group([f("fk-missing", "public.a.b_id", Severity.P1),
                        f("fk-only-in-models", "public.a.b_id", Severity.P1)])
        assert [(g.key, len(g.rows), g.rules) for g in groups] == [
            ("fk-missing", 1, ("fk-missing", "fk-only-in-models"))]

    def test_declared_group_gathers_several_rules(self) -> None:
        """A secret column and the encryption key protecting it form one numbered finding."""
        groups = group([f("secret-in-bounded-varchar", "public.c.password", Severity.P0),
                        f("ephemeral-encryption-key", "KEY", Severity.P0),
                        f("secret-in-bounded-varchar", "public.u.password", Severity.P1)])
        assert [(g.key, g.severity, g.mixed_severity, g.objects) for g in groups] == [
            ("secrets", Severity.P0, True, ("public.c.password", "KEY", "public.u.password"))]


class TestCatalogues:
    def test_every_rule_has_a_profile(self) -> None:
        """Each catalogued rule (schema, drift, migrations) is placed in a family on purpose."""
        assert sorted(set(registry_rules()) - set(PROFILES)) == []

    def test_languages_have_the_same_messages_and_placeholders(self) -> None:
        en, zh = PHRASES["en"], PHRASES["zh"]
        assert sorted(set(en) ^ set(zh)) == []
        fields = re.compile(r"\{(\w+)\}")
        # a language may count "N more" or "N in all": both values are always passed
        counted = {"more", "total"}
        assert [k for k in en if set(fields.findall(en[k])) - counted != set(fields.findall(zh[k])) - counted] == []

    def test_history_note_rule_is_shared(self) -> None:
        from dbaudit.migrations.history import HISTORY_NOTE_RULE as MIGRATIONS_RULE  # noqa: PLC0415

        assert HISTORY_NOTE_RULE == MIGRATIONS_RULE


class TestWriting:
    def test_limits_hold_with_many_problems(self) -> None:
        """Summary and roadmap stay within 8 lines/actions, P0 first, bullets about 200 characters."""
        findings = [f(rule, f"public.t{i}.c", sev) for i, (rule, sev) in enumerate(
            [(r, Severity.P1) for r in ("fk-without-index", "search-without-trigram-index", "fk-missing",
                                        "check-values-drift", "partitions-missing-ahead", "latest-row-without-index",
                                        "redundant-column-without-consistency", "credentials-in-config")]
            + [("secret-in-bounded-varchar", Severity.P0), ("nullable-with-default", Severity.P2)]
            + [(r, Severity.P2) for r in ("unused-index", "status-without-check", "int4-key-overflow-risk")])]
        context = build_context(small_model(), findings, generated_at=GENERATED_AT, dbaudit_version="0")
        for lang in ("en", "zh"):
            w = context.writing(lang)
            assert len(w.summary) <= 8
            assert len(w.roadmap) <= 8
            assert w.summary[0].severity == w.roadmap[0].severity == "P0"
            closed = {n for r in w.roadmap for n in r.numbers}
            assert closed == {ng.number for ng in context.numbered_groups}
            assert statistics.median(len(s.text) for s in w.summary) <= 200
        gaps = [g.family for g in context.writing("en").gaps]
        assert gaps[:3] == ["key-strategy", "secrets", "partitioning"]


class TestBlastRadius:
    def test_one_table_says_where_it_is_mapped_and_queried(self) -> None:
        """One table: its size, where the models map it and where the code queries it (the first, then a count)."""
        table = TableReach("public.t", rows=1200, bytes=90_000, mapped_at="app/models/t.py:3",
                           queried_at=("app/a.py:1", "app/b.py:2", "app/c.py:3"))
        assert reach_text([table], "en") == (
            "t (~1,200 rows, 87.9 kB; mapped by the models at app/models/t.py:3; "
            "queried at app/a.py:1, app/b.py:2, app/c.py:3)")

    def test_many_tables_in_one_sentence(self) -> None:
        """Several tables: their count, total size and the largest; which the code queries and which the
        models do not map, never a list of every table's facts."""
        tables = [TableReach(f"public.t{i}", rows=100 * i, bytes=8192 * i, mapped_at=f"app/models/t{i}.py:1",
                             queried_at=(f"app/q{i}.py:1",) if i % 2 else ()) for i in range(1, 13)]
        tables.append(TableReach("public.legacy", rows=5, bytes=8192, mapped_at=""))
        text = reach_text(tables, "en")
        assert text.startswith("13 tables, ~7,805 rows (632.0 kB) in all; the largest t12 (~1,200 rows, 96.0 kB); "
                               "the code queries t1, t3, t5, t7")
        assert text.endswith("; not mapped by the models: legacy")
        assert "app/models/" not in text
        assert len(text) < 240
        assert reach_text(tables, "zh").startswith("共 13 张表, 合计约 7,805 行(632.0 kB); 最大的是 t12")


def calibrated(finding: Finding, after: Severity, reasons: list[Reason]) -> Finding:
    """``finding`` as :func:`dbaudit.calibrate.calibrate` leaves it after moving it to ``after``."""
    data = {"calibration.from": finding.severity.name, "calibration.to": after.name,
            "calibration.reasons": [r.to_json() for r in reasons]}
    text = calibration_text(data, "en") or ""
    return replace(finding, severity=after, evidence=(*finding.evidence, text),
                   data=(*data.items(), ("calibration.line", text)))


class TestCalibratedGroups:
    def test_rows_moved_apart_are_separate_groups(self) -> None:
        """One rule's rows at different severities after calibration are two numbered findings."""
        joined = f("fk-without-index", "public.tags_link.tag_id", Severity.P1)
        small = [calibrated(f("fk-without-index", f"public.t{i}.p_id", Severity.P1), Severity.P2,
                            [Reason.of("lower", "small", table=f"public.t{i}", rows=12)]) for i in range(2)]
        groups = group([joined, *small])
        assert [(g.key, g.severity, len(g.rows)) for g in groups] == [
            ("fk-without-index", Severity.P1, 1), ("fk-without-index", Severity.P2, 2)]

    def test_group_states_the_calibration_in_its_language(self) -> None:
        """The numbered finding says why once per verdict, in the report's language; the evidence list
        leaves out the English line it replaces."""
        rows = [calibrated(f("fk-without-index", f"public.t{i}.p_id", Severity.P1), Severity.P2,
                           [Reason.of("lower", "small", table=f"public.t{i}", rows=12 * i),
                            Reason.of("support", "no_code")]) for i in (1, 2)]
        context = build_context(small_model(), rows, generated_at=GENERATED_AT, dbaudit_version="0")
        assert context.writing("en").calibration == {"P2-1": (
            "severity lowered P1 → P2: t1 has 12 rows; no scanned code path uses it; t2 has 24 rows")}
        assert context.writing("zh").calibration == {"P2-1": (
            "严重度由 P1 下调为 P2: t1 只有 12 行; 扫描到的代码没有用到它; t2 只有 24 行")}
        one = build_context(small_model(), rows[:1], generated_at=GENERATED_AT, dbaudit_version="0")
        zh = render_markdown(one, "zh")
        assert "- 定级依据: 严重度由 P1 下调为 P2: t1 只有 12 行; 扫描到的代码没有用到它\n" in zh
        assert "severity lowered" not in zh
        en = render_markdown(one, "en")
        assert en.count("severity lowered P1 → P2") == 1
        assert "- Calibration: severity lowered P1 → P2: t1 has 12 rows; no scanned code path uses it\n" in en
        assert "severity lowered" not in render_html(one, "zh")
