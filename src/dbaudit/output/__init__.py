"""Findings for CI and machines: one small writer per format, chosen by name, shared by ``audit`` and
``lint-migrations`` (``--output-format``), in the manner of ruff's output formats.

=========== ======================================================================================
``full``    the command's own human table (each command prints it itself)
``concise`` ``path:line:col: SEVERITY rule message``, one line per finding
``json``    the command's JSON contract (format version 1)
``sarif``   SARIF 2.1.0 for GitHub code scanning
``github``  GitHub Actions workflow annotations
``gitlab``  GitLab code quality report
``junit``   JUnit XML test report
=========== ======================================================================================

Writers are pure functions of the findings and a :class:`RunInfo`; paths are made relative to the
repository root by :class:`PathMapper`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from dbaudit.findings import Finding
from dbaudit.output.paths import PathMapper, repository_root
from dbaudit.output.run import RunInfo, default_docs_base

OUTPUT_FORMATS = ("full", "concise", "json", "sarif", "github", "gitlab", "junit")
# The formats written from the findings alone; ``full`` and ``json`` belong to each command.
FINDING_FORMATS = ("concise", "sarif", "github", "gitlab", "junit")


def _writer(fmt: str) -> Callable[[Sequence[Finding], RunInfo], str]:
    if fmt == "concise":
        from dbaudit.output.concise import render_concise  # noqa: PLC0415 - load a writer when asked for

        return render_concise
    if fmt == "sarif":
        from dbaudit.output.sarif import render_sarif  # noqa: PLC0415

        return render_sarif
    if fmt == "github":
        from dbaudit.output.github import render_github  # noqa: PLC0415

        return render_github
    if fmt == "gitlab":
        from dbaudit.output.gitlab import render_gitlab  # noqa: PLC0415

        return render_gitlab
    if fmt == "junit":
        from dbaudit.output.junit import render_junit  # noqa: PLC0415

        return render_junit
    raise ValueError(f"unknown output format {fmt!r} (expected one of {', '.join(FINDING_FORMATS)})")


def render_findings(fmt: str, findings: Sequence[Finding], info: RunInfo) -> str:
    """The findings in ``fmt`` (one of :data:`FINDING_FORMATS`)."""
    return _writer(fmt)(findings, info)


__all__ = [
    "FINDING_FORMATS",
    "OUTPUT_FORMATS",
    "PathMapper",
    "RunInfo",
    "default_docs_base",
    "render_findings",
    "repository_root",
]
