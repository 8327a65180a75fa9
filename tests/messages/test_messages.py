"""Msg: English text that keeps its template and parameters, translated when a report renders it."""

from __future__ import annotations

import copy
import json
import pickle
from dataclasses import replace

from dbaudit.findings import Finding, Severity
from dbaudit.messages import Msg, join, msg, sql_comment, translate, translate_sql

TITLE = "FK {table}({columns}) has no supporting index"


class TestMsg:
    def test_is_the_english_text(self) -> None:
        """A message is equal to, hashes like and serialises as its English text."""
        m = msg(TITLE, table="public.t", columns="a, b")
        assert m == "FK public.t(a, b) has no supporting index"
        assert hash(m) == hash("FK public.t(a, b) has no supporting index")
        assert json.dumps({"title": m}) == '{"title": "FK public.t(a, b) has no supporting index"}'
        assert f"{m}!" == "FK public.t(a, b) has no supporting index!"

    def test_keeps_template_and_parameters(self) -> None:
        """The template and the parameters stay available for the catalogue."""
        m = msg(TITLE, table="public.t", columns="a")
        assert (m.template, dict(m.params)) == (TITLE, {"table": "public.t", "columns": "a"})

    def test_without_parameters_braces_are_text(self) -> None:
        """A template called without parameters is literal: SQL braces survive."""
        assert msg("'{}'::jsonb is empty") == "'{}'::jsonb is empty"

    def test_survives_pickle_and_copy(self) -> None:
        """Findings cross process boundaries (pickle) and copies with their messages intact."""
        f = Finding(rule="r", category="c", severity=Severity.P1, objects=("o",),
                    title=msg(TITLE, table="t", columns="{x}"), evidence=(msg("NULLS NOT DISTINCT is not set"),))
        for back in (pickle.loads(pickle.dumps(f)), copy.deepcopy(f), replace(f, severity=Severity.P0)):
            assert isinstance(back.title, Msg)
            assert back.title == f.title
            assert back.title.template == TITLE
            assert translate(back.title, "zh") == "外键 t({x}) 缺少支撑索引"

    def test_finding_json_is_english(self) -> None:
        """The JSON contract keeps English text."""
        f = Finding(rule="r", category="c", severity=Severity.P1, objects=("o",),
                    title=msg(TITLE, table="t", columns="a"))
        assert f.to_json()["title"] == "FK t(a) has no supporting index"


class TestTranslate:
    def test_catalogued(self) -> None:
        """Chinese from the catalogue, identifiers verbatim."""
        m = msg("{table} has no primary key", table="public.Orders")
        assert translate(m, "zh") == "public.Orders 没有主键"
        assert translate(m, "en") is m

    def test_nested_messages(self) -> None:
        """Parameters that are messages are translated too; plain strings are not."""
        inner = msg(" and {n} more", n=3)
        outer = msg("{n_history} id column(s) of {shown}", n_history=1, shown=join("", ["a, b", inner]))
        assert translate(msg("leading columns of existing indexes: {value}", value=join("", ["x", inner])),
                         "zh") == "现有索引的前导列: x 等 3 个"
        assert translate(outer, "zh") == str(outer)  # not catalogued: English, parameters and all

    def test_structural_templates(self) -> None:
        """A template of placeholders and punctuation needs no entry; its parameters are translated."""
        m = msg("{prefix}: {message}", prefix="migrations", message=msg("{table} has no primary key", table="t"))
        assert translate(m, "zh") == "migrations: t 没有主键"

    def test_join_separator(self) -> None:
        """join() keeps its parts' translations and translates a message separator."""
        joined = join(msg(" and "), [msg("is misnamed"), msg("is not owned by it")])
        assert joined == "is misnamed and is not owned by it"
        assert translate(joined, "zh") == "命名不符 且 未归属于该列"
        assert join(", ", ["a", "b"]) == "a, b"
        assert not isinstance(join(", ", ["a", "b"]), Msg)

    def test_plain_strings_pass_through(self) -> None:
        """A string that is not a message is shown as written, in every language."""
        assert translate("public.t: btree (a)", "zh") == "public.t: btree (a)"

    def test_unknown_language(self) -> None:
        """An unknown language renders English."""
        assert translate(msg("{table} has no primary key", table="t"), "xx") == "t has no primary key"


class TestTranslateSql:
    def test_comments_translated_statements_kept(self) -> None:
        """Catalogued comments become Chinese; statements and identifiers are untouched."""
        sql = (sql_comment("-- change the application code first\n") + 'ALTER TABLE "Orders" RENAME TO orders;\n'
               + sql_comment("-- a release later: ALTER TABLE {table} DROP COLUMN {column};",
                             table='public."Odd ""name"""', column="old_id"))
        assert translate_sql(sql, "zh") == (
            "-- 先修改应用代码\n" 'ALTER TABLE "Orders" RENAME TO orders;\n'
            '-- 下一个版本再执行: ALTER TABLE public."Odd ""name""" DROP COLUMN old_id;')
        assert translate_sql(sql, "en") == sql

    def test_trailing_comment(self) -> None:
        """A comment after a statement on the same line is found too."""
        sql = "SET statement_timeout = '30min';  " + sql_comment("-- sized for this table")
        assert translate_sql(sql, "zh") == "SET statement_timeout = '30min';  -- 按这张表的规模设定"

    def test_unknown_comment_and_empty(self) -> None:
        """A comment the catalogue does not know stays; no SQL stays no SQL."""
        assert translate_sql("-- hand-written note\nSELECT 1;", "zh") == "-- hand-written note\nSELECT 1;"
        assert translate_sql(None, "zh") is None
