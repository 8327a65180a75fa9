"""The options ``audit`` and ``lint-migrations`` share for CI: output format, statistics, baselines,
``--extend-select``; and the one function that prints the findings the way they ask.

- ``--output-format`` (``full``, ``concise``, ``json``, ``sarif``, ``github``, ``gitlab``, ``junit``):
  ``full`` is the command's human table; every other format goes to stdout, or to ``--output-file``
  (written atomically), and stderr keeps only the summary.
- ``--statistics``: counts per rule instead of the findings (``--output-format json`` makes them JSON).
- ``--baseline FILE``: only findings not in FILE are reported and fail the run; ``--write-baseline``
  records the current findings in FILE and exits 0.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from dbaudit.errors import UsageError
from dbaudit.findings import Finding, Note
from dbaudit.output import OUTPUT_FORMATS

if TYPE_CHECKING:
    from dbaudit.output.run import RunInfo


@dataclass(frozen=True)
class CiOptions:
    output_format: str = "full"
    output_file: str | None = None
    statistics: bool = False
    baseline: str | None = None
    write_baseline: bool = False
    extend_select: tuple[str, ...] = ()

    @property
    def machine(self) -> bool:
        """Whether stdout carries a document (so humans get only the summary, on stderr)."""
        return self.output_format != "full" or self.statistics


def ci_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add the shared options; the command receives them as one ``ci`` keyword (a :class:`CiOptions`)."""
    options = [
        click.option("--output-format", type=click.Choice(OUTPUT_FORMATS), default="full", show_default=True,
                     help="How findings are printed: full (table), concise (path:line:col: SEVERITY rule "
                          "message), json, sarif, github (workflow annotations), gitlab (code quality), junit."),
        click.option("--output-file", metavar="FILE",
                     help="Write the --output-format document here instead of stdout."),
        click.option("--statistics", is_flag=True, help="Print how many findings each rule produced instead."),
        click.option("--extend-select", multiple=True, metavar="RULES",
                     help="Rules or categories to run in addition to the selection (e.g. preview rules)."),
        click.option("--baseline", metavar="FILE",
                     help="Report (and fail on) only findings not recorded in this baseline file."),
        click.option("--write-baseline", is_flag=True,
                     help="Record the current findings in the --baseline file and exit 0."),
    ]
    for option in reversed(options):
        func = option(func)

    @functools.wraps(func)
    def wrapper(**kwargs: Any) -> Any:
        ci = CiOptions(
            output_format=kwargs.pop("output_format"), output_file=kwargs.pop("output_file"),
            statistics=kwargs.pop("statistics"), baseline=kwargs.pop("baseline"),
            write_baseline=kwargs.pop("write_baseline"), extend_select=kwargs.pop("extend_select"),
        )
        if ci.write_baseline and not ci.baseline:
            raise click.UsageError("--write-baseline needs --baseline FILE (the file to write)")
        return func(ci=ci, **kwargs)

    return wrapper


def baseline_filter(findings: Sequence[Finding], ci: CiOptions) -> tuple[tuple[Finding, ...], tuple[Note, ...]]:
    """The findings left after ``--baseline`` and its notes (nothing changes without one)."""
    if not ci.baseline or ci.write_baseline:
        return tuple(findings), ()
    from dbaudit.baseline import apply_baseline, load_baseline  # noqa: PLC0415

    result = apply_baseline(findings, load_baseline(ci.baseline))
    return result.new, result.notes


def write_baseline_and_exit(findings: Sequence[Finding], ci: CiOptions, echo: Callable[[str], None]) -> None:
    from dbaudit.baseline import write_baseline  # noqa: PLC0415

    assert ci.baseline is not None
    write_baseline(ci.baseline, findings)
    echo(f"baseline written to {ci.baseline}: {len(findings)} finding(s)")
    sys.exit(0)


def machine_text(
    findings: Sequence[Finding], ci: CiOptions, info: RunInfo, documents: Mapping[str, Callable[[], str]],
) -> str:
    """The document ``--output-format`` / ``--statistics`` asks for (not for ``full``); ``documents``
    are the command's own writers for some formats (its JSON contract, a SARIF with report numbers)."""
    from dbaudit.output import render_findings  # noqa: PLC0415
    from dbaudit.output.statistics import render_statistics  # noqa: PLC0415

    if ci.statistics:
        return render_statistics(findings, info, as_json=ci.output_format == "json")
    if ci.output_format in documents:
        return documents[ci.output_format]()
    return render_findings(ci.output_format, findings, info)


def deliver(text: str, ci: CiOptions) -> None:
    """Write ``text`` to ``--output-file`` (atomically) or stdout."""
    if ci.output_file is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from dbaudit.atomic import write_text_atomic  # noqa: PLC0415

    try:
        write_text_atomic(Path(ci.output_file), text)
    except OSError as exc:
        raise UsageError(f"cannot write {ci.output_file}: {exc.strerror or exc}") from None


__all__ = ["CiOptions", "baseline_filter", "ci_options", "deliver", "machine_text", "write_baseline_and_exit"]
