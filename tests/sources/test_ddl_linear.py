"""Reading a ``.sql`` file is linear in its size: counted in characters handed to the parser, not timed.

Each character goes through PostgreSQL's scanner once and its parser about once (a statement whose
body holds semicolons of its own is read on, a few pieces more); line numbers come from one
:class:`~dbaudit.textpos.LineIndex`. Timing and memory at 1, 10 and 50 MB are in
``bench/sql_parse_bench.py`` and BENCHMARKS.md.
"""

from __future__ import annotations

from typing import Any

import pytest
from pglast import parser

from dbaudit.sources.ddl import parse_sql_text

BLOCK = """-- table {i}
CREATE TABLE t{i} (id bigint PRIMARY KEY, name text DEFAULT 'a;b', v int CHECK (v > 0));
CREATE INDEX t{i}_name ON t{i} (lower(name)) WHERE v > 1;
COMMENT ON TABLE t{i} IS 'table {i}; with a semicolon';
CREATE FUNCTION f{i}() RETURNS int LANGUAGE sql
BEGIN ATOMIC
  SELECT 1;
  SELECT 2;
END;
CREATE FUNCTION g{i}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END; $$;
ALTER TABLE t{i} OWNER TO app;
COPY t{i} (id, name) FROM stdin;
1\tx;y
2\tz
\\.
"""


def _text(blocks: int) -> str:
    return "".join(BLOCK.format(i=i) for i in range(blocks))


@pytest.fixture
def parsed_characters(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Characters handed to pglast's scanner/parser entry points, by entry point."""
    counts = {"split": 0, "parse_sql_json": 0}
    for name in counts:
        original = getattr(parser, name)

        def counting(text: str, *args: Any, _name: str = name, _original: Any = original, **kwargs: Any) -> Any:
            counts[_name] += len(text)
            return _original(text, *args, **kwargs)

        monkeypatch.setattr(parser, name, counting)
    return counts


class TestLinear:
    @pytest.mark.parametrize("blocks", [300, 3000])
    def test_each_character_is_parsed_a_bounded_number_of_times(
        self, blocks: int, parsed_characters: dict[str, int],
    ) -> None:
        """On a file of functions with BEGIN ATOMIC bodies, COPY data and comments, the scanner reads the
        text once and the parser at most twice over: the work per character does not grow with the file."""
        text = _text(blocks)
        statements = parse_sql_text(text)
        assert len(statements) == 7 * blocks
        assert parsed_characters["split"] <= len(text)
        assert parsed_characters["parse_sql_json"] <= 2 * len(text)

    def test_statements_and_lines_do_not_depend_on_the_file_around_them(self) -> None:
        """The 3,000th block's statements have the same kinds and relative lines as the first block's."""
        one = parse_sql_text(_text(1))
        many = parse_sql_text(_text(3000))
        lines_per_block = BLOCK.count("\n")
        last = many[-len(one):]
        assert [s.kind for s in one] == [s.kind for s in last] == [
            "CreateStmt", "IndexStmt", "CommentStmt", "CreateFunctionStmt", "CreateFunctionStmt",
            "AlterTableStmt", "CopyStmt",
        ]
        assert [s.line for s in one] == [2, 3, 4, 5, 10, 11, 12]
        assert [s.line - 2999 * lines_per_block for s in last] == [s.line for s in one]
        assert [s.privileges_only for s in one] == [False, False, False, False, False, True, False]
