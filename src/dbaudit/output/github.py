"""``github``: GitHub Actions workflow commands, one annotation per finding.

``::error file=backend/app/models/tag.py,line=46,title=fk-without-index (P1)::FK ...`` shows the
finding on the pull request's diff. P0 is an error, P1 a warning, P2 a notice. Values are escaped as
the runner expects (``%``, CR and LF everywhere; ``:`` and ``,`` in properties too).
"""

from __future__ import annotations

from collections.abc import Sequence

from dbaudit.findings import Finding, Severity
from dbaudit.output.run import RunInfo, message

COMMANDS = {Severity.P0: "error", Severity.P1: "warning", Severity.P2: "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(findings: Sequence[Finding], info: RunInfo) -> str:
    out = []
    for f in findings:
        props = []
        loc = info.anchor(f)
        if loc is not None:
            props.append(f"file={_property(loc.path)}")
            if loc.line > 0:
                props.append(f"line={loc.line}")
        props.append(f"title={_property(f'{f.rule} ({f.severity.name})')}")
        out.append(f"::{COMMANDS[f.severity]} {','.join(props)}::{_data(message(f))}\n")
    return "".join(out)


__all__ = ["render_github"]
