"""``dbaudit fleet``: many databases audited at once, and the aggregated report over them.

``dbaudit fleet CONFIG.toml`` or ``dbaudit fleet URL...`` audits every database (``--concurrency`` at a
time, ``--timeout`` seconds each), writes each one's reports to ``OUT/<name>/`` and the aggregated
report to ``OUT/fleet.{md,json,html}``. ``dbaudit fleet --merge DIR [CONFIG.toml]`` builds the
aggregated report from the JSON reports of separate ``dbaudit audit --fleet-name NAME`` runs.

stderr shows one line per database as it starts and ends. Exit codes as ``audit``: 0 nothing at or
above ``--fail-on``, 1 findings, 2 when a database could not be audited (or a usage error).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from dbaudit.cli.common import check_output, guarded, stderr
from dbaudit.errors import UsageError

if TYPE_CHECKING:
    from dbaudit.fleet import FleetEvent, FleetResult

DEFAULT_OUTPUT = "dbaudit-fleet"


@click.command("fleet")
@click.argument("targets", nargs=-1, metavar="CONFIG.toml|URL...")
@click.option("--merge", "merge_dir", metavar="DIR",
              help="Aggregate the JSON reports under DIR (from `dbaudit audit --fleet-name`) instead of auditing.")
@click.option("-o", "--output", "output_dir", metavar="DIR",
              help=f"Write OUT/<name>/report.* and OUT/fleet.{{md,json,html}} here (default {DEFAULT_OUTPUT}; "
                   "with --merge: DIR).")
@click.option("--concurrency", "-j", type=click.IntRange(1, 256), default=None,
              help="Audits at once (default: the fleet file's, else 8).")
@click.option("--timeout", "timeout_s", type=click.FloatRange(min=0, min_open=True), default=None, metavar="S",
              help="Seconds each database's audit may take (default: the fleet file's, else 600).")
@click.option("--format", "formats", metavar="LIST",
              help="Each database's report formats: md, html, json, sarif (default all four); the aggregated "
                   "report is Markdown and JSON, and HTML when html is among them.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default=None, help="Report language (default en).")
@click.option("--fail-on", type=click.Choice(["P0", "P1", "P2"], case_sensitive=False), default=None,
              help="Exit 1 when a database has a finding at or above this severity (default P1).")
@click.option("--stats/--no-stats", default=None,
              help="Read query statistics in each database (default: when pg_stat_statements is available).")
@click.option("--scratch-url", metavar="URL", help="Server for throw-away databases (migrations' head, .sql files).")
@click.option("--quiet", "-q", is_flag=True, help="Only the databases' outcomes, not their starts.")
@guarded
def fleet_command(  # noqa: PLR0917 - click passes every option as an argument
    targets: tuple[str, ...], merge_dir: str | None, output_dir: str | None, concurrency: int | None,
    timeout_s: float | None, formats: str | None, lang: str | None, fail_on: str | None, stats: bool | None,
    scratch_url: str | None, quiet: bool,
) -> None:
    """Audit many databases at once (a fleet file or URLs), or merge separate audits' JSON reports."""
    from dbaudit.cli.audit_cmd import parse_formats  # noqa: PLC0415
    from dbaudit.fleet import FLEET_FORMATS, audit_fleet, merge_fleet, write_fleet_report  # noqa: PLC0415

    chosen = parse_formats(formats, to_dir=True)
    language = lang or "en"
    fail_on = fail_on.upper() if fail_on else None
    tomls = [t for t in targets if t.endswith(".toml")]
    if tomls and len(targets) > 1:
        raise UsageError("a fleet file is named alone: dbaudit fleet CONFIG.toml (or list URLs without one)")
    aggregate = tuple(f for f in FLEET_FORMATS if f != "html" or "html" in chosen)
    if merge_dir is not None:
        if targets and not tomls:
            raise UsageError("--merge reads reports, it audits nothing: give no URL (a fleet file names the "
                             "databases expected)")
        out = output_dir or merge_dir
        check_output(out, directory=True)
        result = merge_fleet(merge_dir, expected=tomls[0] if tomls else (), fail_on=fail_on)
        for database in result.databases:
            _finished_line(database.name, None, database, language)
        written = write_fleet_report(result, out, formats=aggregate, lang=language, reports_dir=merge_dir)
    else:
        if not targets:
            raise UsageError("name a fleet file (CONFIG.toml) or database URLs, or --merge DIR")
        out = output_dir or DEFAULT_OUTPUT
        check_output(out, directory=True)
        result = audit_fleet(
            tomls[0] if tomls else list(targets), output_dir=out, formats=chosen, concurrency=concurrency,
            timeout_s=timeout_s, lang=lang, fail_on=fail_on, stats=stats, scratch_url=scratch_url,
            on_event=lambda event: _event(event, language, quiet=quiet),
        )
        written = write_fleet_report(result, out, formats=aggregate, lang=language)
    _summary(result, written, language)
    sys.exit(result.exit_code())


def _say(text: str) -> None:
    stderr.print(text, markup=False, highlight=False, soft_wrap=True)


def _event(event: FleetEvent, lang: str, *, quiet: bool) -> None:
    from dbaudit.messages import msg, translate  # noqa: PLC0415

    if event.kind == "started":
        if not quiet:
            _say(translate(msg("{name}: auditing ({running} running, {done}/{total} done)", name=event.name,
                               running=event.running, done=event.done, total=event.total), lang))
        return
    assert event.summary is not None
    _finished_line(event.name, f"[{event.done}/{event.total}]", event.summary, lang)


def _finished_line(name: str, counter: str | None, summary: object, lang: str) -> None:
    from dbaudit.fleet import DatabaseSummary  # noqa: PLC0415
    from dbaudit.messages import msg, translate  # noqa: PLC0415

    assert isinstance(summary, DatabaseSummary)
    prefix = f"{counter} " if counter else ""
    took = f" ({summary.elapsed_s:.1f} s)" if summary.elapsed_s is not None else ""
    if summary.ok:
        counts = " · ".join(f"{s} {summary.problems.get(s, 0)}" for s in ("P0", "P1", "P2"))
        text = msg("{name}: audited{took}: {n} findings: {counts} ({entries} entries)", name=name, took=took,
                   n=sum(summary.problems.values()), counts=counts, entries=sum(summary.counts.values()))
    elif summary.status == "timeout":
        text = msg("{name}: TIMED OUT: {error}", name=name, error=summary.error or "")
    else:
        text = msg("{name}: FAILED{took}: {error}", name=name, took=took, error=summary.error or "")
    _say(prefix + translate(text, lang))


def _summary(result: FleetResult, written: list[Path], lang: str) -> None:
    from dbaudit.messages import msg, translate  # noqa: PLC0415

    found = result.problems
    _say(translate(msg("fleet: {audited} of {n} databases audited: findings P0 {p0} · P1 {p1} · P2 {p2}",
                       audited=len(result.audited), n=len(result.databases), p0=found["P0"], p1=found["P1"],
                       p2=found["P2"]), lang))
    if len(result.groups) > 1:
        _say(translate(msg("fleet: {n} different structures among the databases (see the schema drift section)",
                           n=len(result.groups)), lang))
    if result.alembic.differing:
        _say(translate(msg("fleet: not at the common Alembic revisions: {names}",
                           names=", ".join(result.alembic.differing)), lang))
    if written:
        _say(translate(msg("aggregated report written to {directory}: {files}", directory=str(written[0].parent),
                           files=", ".join(p.name for p in written)), lang))
    if result.failed:
        reasons = "; ".join(f"{d.name} ({translate(d.error or '', lang)})" for d in result.failed)
        line = translate(msg("{failed} of {n} databases could not be audited: {reasons}", failed=len(result.failed),
                             n=len(result.databases), reasons=reasons), lang)
        stderr.print(f"[bold red]error:[/] {_escape(line)}", markup=True, highlight=False, soft_wrap=True)


def _escape(text: str) -> str:
    from rich.markup import escape  # noqa: PLC0415

    return escape(text)


__all__ = ["fleet_command"]
