"""Line and column of character offsets in a text, in O(log n) per lookup.

Parsers that report many statements of one large text (a 50 MB ``.sql`` dump, a migration with
thousands of statements) must not count newlines from the start for each one: that is quadratic.
:class:`LineIndex` records the newline offsets once and answers each lookup by bisection.
"""

from __future__ import annotations

from bisect import bisect_right


class LineIndex:
    """Newline offsets of ``text``, found once; lines and columns are 1-based."""

    __slots__ = ("_newlines", "_size")

    def __init__(self, text: str) -> None:
        newlines: list[int] = []
        find = text.find
        position = find("\n")
        while position >= 0:
            newlines.append(position)
            position = find("\n", position + 1)
        self._newlines = newlines
        self._size = len(text)

    def line(self, offset: int) -> int:
        """The line holding character ``offset`` (offsets past the end belong to the last line)."""
        return bisect_right(self._newlines, self._clamp(offset) - 1) + 1

    def line_column(self, offset: int) -> tuple[int, int]:
        offset = self._clamp(offset)
        line = bisect_right(self._newlines, offset - 1) + 1
        line_start = self._newlines[line - 2] + 1 if line > 1 else 0
        return line, offset - line_start + 1

    def _clamp(self, offset: int) -> int:
        return max(0, min(offset, self._size))
