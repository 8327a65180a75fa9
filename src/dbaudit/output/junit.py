"""``junit``: JUnit XML, which every CI shows as a test report (GitLab ``artifacts:reports:junit``,
Jenkins, Azure Pipelines, GitHub test-report actions).

One test suite per file (findings without a file go to the suite ``database``), one failed test case
per finding named ``rule objects``; a run without findings is one passing case, so the report is never
empty.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from dbaudit.findings import Finding
from dbaudit.output.run import RunInfo, message

NO_FILE = "database"
# Characters XML 1.0 cannot hold at all (a hostile identifier may carry them): replaced, not written.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _x(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def render_junit(findings: Sequence[Finding], info: RunInfo) -> str:
    suites: dict[str, list[tuple[Finding, int]]] = {}
    for f in findings:
        loc = info.anchor(f)
        suites.setdefault(loc.path if loc is not None else NO_FILE, []).append((f, loc.line if loc else 0))
    root = ET.Element("testsuites", name="dbaudit", tests=str(max(len(findings), 1)), failures=str(len(findings)))
    if not findings:
        suite = ET.SubElement(root, "testsuite", name=f"dbaudit {info.command}", tests="1", failures="0")
        ET.SubElement(suite, "testcase", name="no findings", classname=f"dbaudit.{info.command}")
    for path, items in suites.items():
        suite = ET.SubElement(root, "testsuite", name=_x(path), tests=str(len(items)), failures=str(len(items)))
        for f, line in items:
            case = ET.SubElement(suite, "testcase", name=_x(f"{f.rule} {', '.join(f.objects)}".strip()),
                                 classname=_x(path), file=_x(path))
            if line > 0:
                case.set("line", str(line))
            failure = ET.SubElement(case, "failure", message=_x(f"{f.severity.name} {f.title}"), type=f.severity.name)
            body = [message(f)]
            if f.fix_sql:
                body.append("Fix:\n" + f.fix_sql)
            failure.text = _x("\n\n".join(body))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


__all__ = ["render_junit"]
