"""Reports of large audits: streamed writing gives the rendered text, and the Markdown stays readable by
detailing a bounded number of tables and names with a pointer to where the rest is."""

from __future__ import annotations

import base64
import gzip
import io
import json
import re

import pytest

from dbaudit.findings import Finding, Severity
from dbaudit.output.jsontext import json_text, write_json
from dbaudit.report import render, write_report
from dbaudit.report.context import build_context
from dbaudit.report.html import packed, packed_stream
from dbaudit.report.markdown import MarkdownLimits, _squeezed, render_markdown
from dbaudit.testing import schema
from tests.report.fixtures import GENERATED_AT, RULES, small_context

TABLES = 12


def _many() -> tuple[object, list[Finding]]:
    builder = schema()
    for n in range(TABLES):
        builder = builder.table(f"t{n:02d}", cols={"id": "int not null", "parent_id": "int"}, pk="id")
    model = builder.build()
    findings = [
        Finding(rule="fk-without-index", category="indexes", severity=Severity.P2,
                objects=(f"public.t{n:02d}.parent_id",), title=f"t{n:02d}.parent_id has no index",
                evidence=(f"no index on t{n:02d} leads with parent_id",),
                fix_sql=f"CREATE INDEX CONCURRENTLY ON public.t{n:02d} (parent_id);",
                verify_sql="SELECT 1;")
        for n in range(TABLES)
    ]
    return model, findings


def _context() -> object:
    model, findings = _many()
    return build_context(model, findings, generated_at=GENERATED_AT, dbaudit_version="0.1.0",  # type: ignore[arg-type]
                         rule_lookup=RULES)


SMALL = MarkdownLimits(tables=4, names=6)


class TestStreamedWriting:
    @pytest.mark.parametrize("fmt", ["md", "html", "json", "sarif"])
    def test_streamed_text_is_the_rendered_text(self, fmt: str) -> None:
        """write_report writes exactly what render returns, for every format."""
        context = small_context()
        out = io.StringIO()
        write_report(context, fmt, out)
        assert out.getvalue() == render(context, fmt)

    def test_blank_line_runs_are_squeezed_across_chunks(self) -> None:
        """Runs of blank lines become one blank line even when they span the pieces the template yields."""
        pieces = ["a\n", "\n", "\n\n", "b", "\n\n\n\nc\n", "\n", "\n"]
        expected = re.sub(r"\n{3,}", "\n\n", "".join(pieces))
        assert "".join(_squeezed(pieces)) == expected == "a\n\nb\n\nc\n\n"

    def test_json_one_record_per_line(self) -> None:
        """Envelope indented, each record of a list (or iterator) on a line of its own, scalars' lists inline."""
        doc = {"version": 1, "tags": ["a", "b"], "records": iter([{"id": 1, "x": [1, 2]}, {"id": 2}]), "empty": []}
        text = json_text(doc)
        assert text.splitlines() == [
            "{", '  "version": 1,', '  "tags": ["a", "b"],', '  "records": [', '    {"id": 1, "x": [1, 2]},',
            '    {"id": 2}', "  ],", '  "empty": []', "}"]
        assert json.loads(text) == {"version": 1, "tags": ["a", "b"], "records": [{"id": 1, "x": [1, 2]}, {"id": 2}],
                                    "empty": []}

    def test_json_depth_expands_nested_envelopes(self) -> None:
        """depth=3 (SARIF) indents down to each run's members and writes a result per line."""
        out = io.StringIO()
        write_json({"runs": [{"tool": {"name": "x"}, "results": [{"a": 1}, {"a": 2}]}]}, out, depth=3)
        lines = out.getvalue().splitlines()
        assert '      "tool": {"name": "x"},' in lines
        assert '        {"a": 1},' in lines
        assert json.loads(out.getvalue())["runs"][0]["results"] == [{"a": 1}, {"a": 2}]

    def test_packed_stream_is_gzip_of_the_whole_text(self) -> None:
        """Compressing chunk by chunk gives the bytes of compressing the whole text at once."""
        text = "é" + "x" * 70_000 + "</script>"
        chunks = [text[i:i + 1000] for i in range(0, len(text), 1000)]
        assert packed_stream(chunks) == packed(text)
        assert gzip.decompress(base64.b64decode(packed(text))).decode("utf-8") == text


class TestLimits:
    def test_markdown_table_detail_and_domain_lists_are_bounded(self) -> None:
        """A3 details 4 of 12 tables and says where the others are; A1 lists 6 names and counts the rest."""
        text = render_markdown(_context(), limits=SMALL)  # type: ignore[arg-type]
        assert len(re.findall(r"^##### `t\d\d`", text, re.M)) == 4
        assert "Detail of the first 4 of 12 tables. The HTML report shows every table" in text
        assert "and 6 more" in text

    def test_chinese_notes(self) -> None:
        """The note about the tables left out of A3 is translated."""
        text = render_markdown(_context(), "zh", limits=SMALL)  # type: ignore[arg-type]
        assert "仅列出前 4 张表的明细(共 12 张)" in text

    def test_default_limits_keep_small_reports_whole(self) -> None:
        """Below the limits every table has its detail and no note is written."""
        text = render_markdown(_context())  # type: ignore[arg-type]
        assert len(re.findall(r"^##### `t\d\d`", text, re.M)) == TABLES
        assert "Detail of the first" not in text


class TestNameCutting:
    @pytest.mark.parametrize(("text", "name"), [
        ("unique key public.t_key also counts rows of public.t", "public.t"),
        ("declared at app/models/x.py:12 (see app/models/x.py:12)", "app/models/x.py:12"),
        ("at at aat at", "at"),
        ("xpublic.t public.tx public.t/ public.t. (public.t)", "public.t"),
        ("é_public.t ²public.t public.t", "public.t"),
        ("", "a"),
    ])
    def test_same_as_the_regular_expression(self, text: str, name: str) -> None:
        """Cutting a row's own name without compiling a pattern per name marks what the pattern marked."""
        from dbaudit.report.condense import _marked  # noqa: PLC0415

        expected = re.sub(rf"(?:\bat )?(?<![\w./]){re.escape(name)}(?![\w/])", "\x00", text)
        assert _marked(text, name) == expected


class TestObjectList:
    @pytest.mark.parametrize("budget", [0, 5, 40, 120, 10_000])
    @pytest.mark.parametrize("lang", ["en", "zh"])
    def test_as_many_names_as_fit(self, budget: int, lang: str) -> None:
        """The list of a group's objects is the longest that fits the budget, counting the rest, as trying
        every count from the top would give (without joining thousands of names per count)."""
        from dbaudit.report.writing import object_list, say, short  # noqa: PLC0415

        objects = [f"public.table_{n:04d}.column_{n % 7}" for n in range(300)] + ["public.table_0001.column_1"]
        names = [short(o) for o in dict.fromkeys(objects)]
        expected = ""
        for count in range(len(names), 0, -1):
            shown = ", ".join(names[:count])
            more = len(names) - count
            text = shown if not more else say(lang, "objects.more", shown=shown, more=more, total=len(names))
            if len(text) <= budget or count == 1:
                expected = text
                break
        assert object_list(objects, lang, budget) == expected
        assert object_list([], lang, budget) == ""
