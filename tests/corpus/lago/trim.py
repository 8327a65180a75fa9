#!/usr/bin/env python3
"""Remove the pg_partman statements from lago-api's db/structure.sql (see SOURCE.txt).

Lago's structure.sql installs the pg_partman extension into a ``partman`` schema and dumps the
template table pg_partman keeps there (``partman.template_public_enriched_events``). pg_partman is
not a contrib extension: most PostgreSQL servers (and CI's) lack it, and nothing in the ``public``
schema depends on it (``public.enriched_events`` is an ordinary RANGE-partitioned table). Removed,
and nothing else:

- the pg_dump entries (``-- Name: ...`` header and its statements) of the ``partman`` schema, the
  ``pg_partman`` extension and every object in schema ``partman``;
- the ``DROP ... IF EXISTS`` lines of the dump's clean-up preamble that name them.

Usage: ``python3 trim.py structure.sql lago.sql`` (stdlib only; the output is byte-for-byte the same
on every run). Fails if anything mentioning partman is left.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

# A pg_dump entry header: "--\n-- Name: N; Type: T; Schema: S; Owner: O\n--\n".
HEADER = re.compile(r"^--\n-- Name: (?P<name>.*?); Type: (?P<type>.*?); Schema: (?P<schema>.*?);.*\n--\n",
                    re.MULTILINE)


def is_partman(name: str, kind: str, schema: str) -> bool:
    return schema == "partman" or (kind == "SCHEMA" and name == "partman") or (
        kind == "EXTENSION" and name == "pg_partman")


def trim(text: str) -> tuple[str, int, int]:
    """The text without pg_partman, the number of dump entries and of preamble lines removed."""
    starts = [m.start() for m in HEADER.finditer(text)]
    if not starts:
        raise SystemExit("no pg_dump entry headers found: is this lago-api's db/structure.sql?")
    preamble, pieces, entries_removed = text[:starts[0]], [], 0
    for begin, end in zip(starts, [*starts[1:], len(text)], strict=True):
        entry = text[begin:end]
        header = HEADER.match(entry)
        assert header is not None
        if is_partman(header["name"], header["type"], header["schema"]):
            entries_removed += 1
        else:
            pieces.append(entry)
    kept_lines, lines_removed = [], 0
    for line in preamble.splitlines(keepends=True):
        if line.startswith("DROP ") and re.search(r"\bpartman\b|\bpg_partman\b", line):
            lines_removed += 1
        else:
            kept_lines.append(line)
    out = "".join(kept_lines) + "".join(pieces)
    if "partman" in out:
        left = [n for n, line in enumerate(out.splitlines(), 1) if "partman" in line]
        raise SystemExit(f"partman is still named on output lines {left[:10]}: update trim.py")
    return out, entries_removed, lines_removed


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[0], "\nusage: python3 trim.py structure.sql lago.sql", file=sys.stderr)
        return 2
    source, target = Path(argv[1]), Path(argv[2])
    out, entries, lines = trim(source.read_text(encoding="utf-8"))
    target.write_text(out, encoding="utf-8", newline="\n")
    print(f"{target}: {entries} pg_dump entries and {lines} DROP lines naming pg_partman removed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
