"""dbaudit.sqltext: every generated identifier and literal is valid SQL, proven by executing it."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from dbaudit.sqltext import (
    column_list,
    ident,
    in_comment,
    literal,
    qualified,
    qualified_text,
    regclass_literal,
    script_lines,
    truncate_identifier,
)

Conn = psycopg.Connection[tuple[Any, ...]]

HOSTILE = [
    'we"ird', "with space", "Mixed", "select", "user", "ñandú", "日本語", "a" * 63, "é" * 31 + "x", "1starts_digit",
    "semi;colon", "dollar$", "it's",
]


class TestQuoting:
    @pytest.mark.parametrize(("name", "expected"), [
        ("users", "users"), ("user_id2", "user_id2"), ("Users", '"Users"'), ("select", '"select"'),
        ("user", '"user"'), ('a"b', '"a""b"'), ("with space", '"with space"'), ("ñ", '"ñ"'), ("1a", '"1a"'),
        ("name", "name"),
    ])
    def test_ident_quotes_only_when_needed(self, name: str, expected: str) -> None:
        """Bare when PostgreSQL would read the name back unchanged, double-quoted otherwise."""
        assert ident(name) == expected

    def test_literals(self) -> None:
        """Strings are single-quoted with quotes doubled; NULL, booleans and numbers are bare."""
        assert [literal(v) for v in ("it's", None, True, 3, 1.5)] == ["'it''s'", "NULL", "true", "3", "1.5"]

    def test_nul_bytes_are_refused(self) -> None:
        """NUL cannot appear in PostgreSQL names or text, so it is an error rather than broken SQL."""
        with pytest.raises(ValueError, match="NUL"):
            ident("a\x00b")
        with pytest.raises(ValueError, match="NUL"):
            literal("a\x00b")

    def test_truncate_identifier_keeps_whole_characters(self) -> None:
        """Cutting to 63 bytes never splits a UTF-8 character."""
        assert truncate_identifier("é" * 40) == "é" * 31
        assert truncate_identifier("short") == "short"


class TestExecuted:
    def test_hostile_names_round_trip_through_the_server(self, pg_exec: Conn) -> None:
        """DDL and queries built with the helpers run, and the catalog holds exactly the names used."""
        schema = 'Sch "é"'
        pg_exec.execute(f"CREATE SCHEMA {ident(schema)}")
        for name in HOSTILE:
            columns = ", ".join(f"{ident(c)} text" for c in HOSTILE)
            pg_exec.execute(f"CREATE TABLE {qualified(schema, name)} ({columns})")
            pg_exec.execute(f"INSERT INTO {qualified_text(schema + '.' + name)} ({column_list(HOSTILE)}) "
                            f"VALUES ({', '.join(literal(v) for v in HOSTILE)})")
            row = pg_exec.execute(f"SELECT {column_list(HOSTILE)} FROM {qualified(schema, name)}").fetchone()
            assert row == tuple(HOSTILE)
            oid = pg_exec.execute(f"SELECT {regclass_literal(schema, name)}::regclass::oid").fetchone()
            assert oid is not None
        names = pg_exec.execute("SELECT relname FROM pg_class WHERE relnamespace = %s::regnamespace "
                                "ORDER BY relname COLLATE \"C\"", (ident(schema),)).fetchall()
        assert [n[0] for n in names] == sorted(HOSTILE)


class TestScriptLines:
    def test_newlines_inside_quotes_bodies_and_comments_do_not_end_a_line(self) -> None:
        """A script is cut at the newlines that end a line of SQL only."""
        script = "\n".join([
            f"ALTER TABLE {ident('new' + chr(10) + 'line')} ADD x int;",
            "SELECT $$a\nb$$, $f$ $$\n $f$;",
            "SELECT 'x\ny' /* c\nd */;",
            "-- a comment with a \" quote",
            "",
        ])
        assert script_lines(script) == [
            'ALTER TABLE "new\nline" ADD x int;', "SELECT $$a\nb$$, $f$ $$\n $f$;", "SELECT 'x\ny' /* c\nd */;",
            '-- a comment with a " quote', "",
        ]

    def test_a_name_in_a_comment_stays_in_the_comment(self, pg_exec: Conn) -> None:
        """in_comment keeps a name with a line break inside its ``--`` comment: the script still runs."""
        name = ident("evil\nDROP TABLE keep;")
        pg_exec.execute("CREATE TABLE keep (x int)")
        pg_exec.execute(f"-- about {in_comment(name)}\nSELECT 1")
        assert pg_exec.execute("SELECT count(*) FROM pg_class WHERE relname = 'keep'").fetchone() == (1,)
