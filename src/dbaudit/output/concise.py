"""``concise``: one line per finding, ``path:line:col: SEVERITY rule message`` (as compilers and ruff
print them, so editors and terminals jump to the place). A finding with no file is printed against its
first object (``public.orders: P1 fk-without-index ...``)."""

from __future__ import annotations

from collections.abc import Sequence

from dbaudit.findings import Finding
from dbaudit.output.run import RunInfo, one_line


def render_concise(findings: Sequence[Finding], info: RunInfo) -> str:
    lines = []
    for f in findings:
        loc = info.anchor(f)
        where = f"{loc.path}:{max(loc.line, 1)}:1" if loc is not None else (f.objects[0] if f.objects else "-")
        lines.append(f"{where}: {f.severity.name} {f.rule} {one_line(f.title)}")
    return "".join(line + "\n" for line in lines)


__all__ = ["render_concise"]
