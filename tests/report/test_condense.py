"""What Markdown and HTML show of a numbered finding: distinguishing columns, capped lists, scripts once."""

from __future__ import annotations

import json

import pglast

from dbaudit.findings import Finding, Severity
from dbaudit.messages import msg
from dbaudit.model.schema import Location
from dbaudit.report.condense import (
    FOLD_LINES,
    MAX_ROWS,
    compress_runs,
    condensed_script,
    object_table,
    shorten_labels,
)
from dbaudit.report.context import ReportContext, SourceRef, build_context
from dbaudit.report.grouping import group
from dbaudit.report.html import render_html
from dbaudit.report.json_report import render_json
from dbaudit.report.markdown import render_markdown
from tests.report.fixtures import GENERATED_AT, small_model

TYPES = ("timestamp with time zone", "integer", "boolean")
DEFAULTS = ("now()", "0", "true")


def nullable(i: int, severity: Severity = Severity.P2) -> Finding:
    """A nullable-with-default finding worded as the rule words it (messages the catalogue knows)."""
    col = f"public.t{i}.c{i}"
    return Finding(
        rule="nullable-with-default", category="types", severity=severity, objects=(col,),
        title=msg("{col_object} has DEFAULT {default} but accepts NULL", col_object=col, default=DEFAULTS[i % 3]),
        evidence=(msg("{col_object} {column_type} DEFAULT {default}, nullable", col_object=col,
                      column_type=TYPES[i % 3], default=DEFAULTS[i % 3]),),
        impact="Explicit NULLs bypass the default.",
        fix_sql=(f"-- Backfill existing NULLs first (batch this on a large table).\n"
                 f"UPDATE public.t{i} SET c{i} = DEFAULT WHERE c{i} IS NULL;\n"
                 f"ALTER TABLE public.t{i} ALTER COLUMN c{i} SET NOT NULL;"),
        verify_sql=f"SELECT count(*) FROM public.t{i} WHERE c{i} IS NULL;",
        locations=(Location(f"app/models/t{i}.py", 10 + i),),
    )


def context_of(findings: list[Finding], sources: tuple[SourceRef, ...] = ()) -> ReportContext:
    return build_context(small_model(), findings, generated_at=GENERATED_AT, dbaudit_version="0", sources=sources)


class TestObjectTable:
    def test_only_the_columns_that_tell_objects_apart(self) -> None:
        """The detail keeps what differs between rows (type and default), without the object's name or
        the words every row shares; no severity column when all rows have one severity; the folder
        every location is in is said once."""
        (grp,) = group([nullable(i) for i in range(3)])
        table = object_table(grp, "en")
        assert [(r.object, r.detail, r.location) for r in table.rows] == [
            ("t0.c0", "timestamp with time zone DEFAULT now(), nullable", "t0.py:10"),
            ("t1.c1", "integer DEFAULT 0, nullable", "t1.py:11"),
            ("t2.c2", "boolean DEFAULT true, nullable", "t2.py:12"),
        ]
        assert (table.show_severity, table.show_detail, table.folder) == (False, True, "app/models/")
        zh = object_table(grp, "zh")
        assert zh.rows[0].detail == "timestamp with time zone DEFAULT now(), 可空"

    def test_severity_column_when_rows_differ(self) -> None:
        """Rows of one group at two severities show the severity column."""
        groups = group([nullable(0, Severity.P1), nullable(1)])
        table = object_table(groups[0], "en")
        assert table.show_severity is groups[0].mixed_severity

    def test_detail_dropped_when_only_the_object_differs(self) -> None:
        """Rows whose texts differ only by their own object and location have no detail column."""
        rows = [Finding(rule="deep-offset-pagination", category="indexes", severity=Severity.P2,
                        objects=(f"public.t{i}",), title=f"Unbounded OFFSET pagination at app/r{i}.py:{i}",
                        evidence=(f"OFFSET from a page number at app/r{i}.py:{i}",),
                        locations=(Location(f"app/r{i}.py", i),)) for i in (1, 2)]
        (grp,) = group(rows)
        table = object_table(grp, "en")
        assert (table.show_detail, [r.location for r in table.rows]) == (False, ["r1.py:1", "r2.py:2"])

    def test_long_list_capped_with_pointer_to_json(self) -> None:
        """A group of many objects shows the first rows and "… and N more"; the JSON keeps every entry."""
        findings = [nullable(i) for i in range(MAX_ROWS + 12)]
        context = context_of(findings)
        text = render_markdown(context, "en")
        block = text.split("#### P2-1 ", 1)[1].split("\n<a id=", 1)[0]
        rows = [line for line in block.splitlines() if line.startswith("| ") and line[2].isdigit()]
        assert len(rows) == MAX_ROWS
        assert f"\n… and 12 more (all {MAX_ROWS + 12} in the JSON report)\n" in block
        assert f"… 另有 12 个(全部 {MAX_ROWS + 12} 个见 JSON 报告)" in render_markdown(context, "zh")
        assert "and 12 more (all" in render_html(context, "en")
        entries = json.loads(render_json(context))["findings"]
        assert len([e for e in entries if e["rule"] == "nullable-with-default"]) == MAX_ROWS + 12

    def test_short_list_not_capped(self) -> None:
        """A group within the cap lists every object and no pointer."""
        text = render_markdown(context_of([nullable(i) for i in range(3)]), "en")
        assert "more (all" not in text
        assert "| 3 | `t2.c2` |" in text


class TestScripts:
    def test_preamble_once_and_a_statement_per_object(self) -> None:
        """Comments and CREATE EXTENSION lines shared by the objects' scripts appear once; each object keeps
        its statement."""
        parts = [(f"public.t.c{i}", "-- pg_trgm is needed once\nCREATE EXTENSION IF NOT EXISTS pg_trgm;\n"
                  f"CREATE INDEX CONCURRENTLY t_c{i}_trgm ON public.t USING gin (c{i} gin_trgm_ops);")
                 for i in range(3)]
        script = condensed_script(parts, "en")
        assert script is not None
        assert script.text.count("CREATE EXTENSION") == script.text.count("-- pg_trgm is needed once") == 1
        assert [line for line in script.text.splitlines() if line.startswith("CREATE INDEX")] == [
            f"CREATE INDEX CONCURRENTLY t_c{i}_trgm ON public.t USING gin (c{i} gin_trgm_ops);" for i in range(3)]
        assert script.omitted == 0
        pglast.parse_sql(script.text)

    def test_objects_past_the_limit_named_in_one_comment(self) -> None:
        """Past the line limit, objects whose statements have the same shape are named in one closing
        comment pointing at the JSON; what is shown still parses."""
        script = condensed_script([(f"public.t{i}.c{i}", nullable(i).fix_sql) for i in range(10)], "en", limit=8)
        assert script is not None
        lines = script.text.splitlines()
        assert lines[0] == "-- Backfill existing NULLs first (batch this on a large table)."
        assert sum(line.startswith("UPDATE ") for line in lines) == 3
        assert lines[-1] == ("-- … and the same for 7 more: t3.c3, t4.c4, t5.c5, t6.c6, t7.c7, t8.c8, t9.c9 "
                             "(every statement in the JSON report)")
        assert script.omitted == 7
        pglast.parse_sql(script.text)
        zh = condensed_script([(f"public.t{i}.c{i}", nullable(i).fix_sql) for i in range(10)], "zh", limit=8)
        assert zh is not None
        assert zh.text.splitlines()[-1].startswith("-- … 其余 7 个对象的语句相同: ")

    def test_p2_scripts_terser_than_p1(self) -> None:
        """A P2 group shows fewer objects' statements than the same group at P1 (the expert writes P2 tersely)."""
        def updates(severity: Severity) -> int:
            text = render_markdown(context_of([nullable(i, severity) for i in range(6)]), "en")
            return text.split("- Fix:", 1)[1].split("- Verification:", 1)[0].count("UPDATE public.")

        assert (updates(Severity.P1), updates(Severity.P2)) == (3, 1)

    def test_partition_blocks_shown_once(self) -> None:
        """A block of statements repeated per partition is shown once, then the partitions it repeats
        for; the statements around the run stay."""
        months = [f"2025_{m:02d}" for m in range(1, 13)]
        lines = ["SET lock_timeout = '5s';", "CREATE INDEX ix ON ONLY public.s (a);", "RESET lock_timeout;"]
        for month in months:
            lines += [f"CREATE INDEX CONCURRENTLY s_{month}_a ON public.s_{month} (a);", "SET lock_timeout = '5s';",
                      f"ALTER INDEX public.ix ATTACH PARTITION public.s_{month}_a;", "RESET lock_timeout;"]
        out = compress_runs(lines, "en")
        assert out == [
            *lines[:3], *lines[3:7],
            "-- … the same 4 statement(s) for 11 more: s_2025_02 … s_2025_12 (every statement in the JSON report)",
        ]
        pglast.parse_sql("\n".join(out))
        assert compress_runs(lines[:11], "en") == lines[:11], "two repetitions are shown as they are"

    def test_long_scripts_folded(self) -> None:
        """A script longer than the fold limit sits in <details> in Markdown and HTML; a short one does not."""
        # statements of different shapes: nothing to compress
        long_fix = "\n".join(f"SELECT {', '.join(['c'] * n)} FROM public.t;" for n in range(1, FOLD_LINES + 2))
        finding = Finding(rule="fk-missing", category="integrity", severity=Severity.P1, objects=("public.t.x",),
                          title="x", fix_sql=long_fix, verify_sql="SELECT 1;")
        context = context_of([finding])
        text = render_markdown(context, "en")
        assert f"<details><summary>Fix ({FOLD_LINES + 1} lines)</summary>\n\n```sql\n" in text
        assert "<summary>Verification" not in text
        assert f"<summary>Fix ({FOLD_LINES + 1} lines)</summary><pre>" in render_html(context, "en")


class TestDriftLabels:
    def test_source_names_said_once(self) -> None:
        """Drift evidence says "models" and "database"; the sources' names stay in section II and in the JSON."""
        url = "postgresql://app@db:5432/prod"
        finding = Finding(
            rule="column-type-mismatch", category="drift", severity=Severity.P2, objects=("public.t.c",),
            title=msg("Column {name} is {left_type} in {label} but {right_type} in {label2}", name="public.t.c",
                      left_type="real", label="models (app.models:Base)", right_type="double precision",
                      label2=f"database ({url})"),
            evidence=(msg("{label}: {column} {fact}{at}", label="models (app.models:Base)", column="c",
                          fact="real", at=""),),
        )
        context = context_of([finding], (SourceRef("postgresql", url), SourceRef("orm", "app.models:Base", "models")))
        text = render_markdown(context, "en")
        findings = text.split("## III.", 1)[1].split("## IV.", 1)[0]
        assert "#### P2-1 (drift) Column t.c is real in models but double precision in database\n" in findings
        assert "  - models: c real\n" in findings
        assert "app.models:Base" not in findings
        assert url not in findings
        assert url in text.split("## III.", 1)[0]
        report = json.loads(render_json(context))
        assert report["findings"][0]["title"] == finding.title
        assert report["groups"][0]["title"] == finding.title, "the JSON is not condensed"
        assert shorten_labels("database (x): y", ["x"]) == "database: y"
