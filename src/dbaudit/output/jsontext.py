"""JSON documents written as a stream, one record per line.

Reports of large schemas hold tens of thousands of findings. ``json.dumps(doc, indent=2)`` builds the
whole text in memory with the pure-Python encoder (``indent`` disables the C one: four times slower)
and spends a third of the file on indentation. :func:`write_json` writes the envelope indented (as
readable as before) and every record of a list (a finding, a SARIF result) on one line of its own,
encoded by the C encoder: greppable per finding, and streamed, so a list given as an iterator is
never held whole.

The text is ordinary JSON: any parser reads it as it read the indented form.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any, TextIO


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def write_json(value: Any, out: TextIO, *, depth: int = 1) -> None:
    """Write ``value`` to ``out``: mappings indented for ``depth`` levels, lists (and iterators) of
    records one record per line, everything deeper compact; then a newline."""
    _write(value, out, 0, depth)
    out.write("\n")


def json_text(value: Any, *, depth: int = 1) -> str:
    """:func:`write_json` into a string."""
    import io  # noqa: PLC0415

    buffer = io.StringIO()
    write_json(value, buffer, depth=depth)
    return buffer.getvalue()


def _write(value: Any, out: TextIO, level: int, depth: int) -> None:
    pad = "  " * (level + 1)
    if isinstance(value, Mapping) and value and level < depth:
        out.write("{\n")
        first = True
        for key, item in value.items():
            if not first:
                out.write(",\n")
            first = False
            out.write(f"{pad}{json.dumps(str(key), ensure_ascii=False)}: ")
            _write(item, out, level + 1, depth)
        out.write("\n" + "  " * level + "}")
        return
    if _is_sequence(value):
        items = iter(value)
        first_item = next(items, _END)
        if first_item is _END:
            out.write("[]")
            return
        out.write("[\n")
        _item(first_item, out, level, depth, pad)
        for item in items:
            out.write(",\n")
            _item(item, out, level, depth, pad)
        out.write("\n" + "  " * level + "]")
        return
    out.write(_compact(value))


_END = object()


def _item(item: Any, out: TextIO, level: int, depth: int, pad: str) -> None:
    out.write(pad)
    if isinstance(item, Mapping) and level + 1 < depth:
        _write(item, out, level + 1, depth)
    else:
        out.write(_compact(item))


def _is_sequence(value: Any) -> bool:
    """Lists, tuples and iterators of records: written one record per line."""
    if isinstance(value, list | tuple):
        return bool(value) and isinstance(value[0], Mapping | list | tuple)
    return isinstance(value, Iterator)


__all__ = ["json_text", "write_json"]
