"""LineIndex answers what counting newlines from the start answers, for every offset."""

from __future__ import annotations

import random

import pytest

from dbaudit.textpos import LineIndex


def _slow(text: str, offset: int) -> tuple[int, int]:
    offset = max(0, min(offset, len(text)))
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


@pytest.mark.parametrize("text", ["", "a", "\n", "ab\ncd\n\nef", "\n\nx\n", "é\n日本\n"])
def test_line_column_matches_counting(text: str) -> None:
    index = LineIndex(text)
    for offset in range(-2, len(text) + 3):
        assert index.line_column(offset) == _slow(text, offset)
        assert index.line(offset) == _slow(text, offset)[0]


def test_random_texts() -> None:
    rng = random.Random(7)
    for _ in range(100):
        text = "".join(rng.choice("ab\n") for _ in range(rng.randrange(80)))
        index = LineIndex(text)
        assert [index.line_column(o) for o in range(len(text) + 1)] == [_slow(text, o) for o in range(len(text) + 1)]
