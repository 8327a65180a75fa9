"""``dbaudit audit``: the full audit, reports in Markdown, HTML, JSON and SARIF.

Output rules: with ``-o DIR`` every requested format is written there (all four by default), each
file atomically. Without ``-o`` one format may go to stdout (``--format json`` pipes into ``jq``):
stdout then carries that document and nothing else. ``--output-format`` (shared with
``lint-migrations``, see :mod:`dbaudit.cli.ci_options`) prints the findings for CI instead: concise
lines, GitHub annotations, GitLab code quality, JUnit, SARIF or JSON, with paths relative to the
repository root. Humans read stderr: progress, the findings table and the summary.
Exit codes: 0 nothing at or above ``--fail-on``, 1 findings, 2 errors.
"""

from __future__ import annotations

import functools
import os
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from dbaudit.cli.ci_options import (
    CiOptions,
    baseline_filter,
    ci_options,
    deliver,
    machine_text,
    write_baseline_and_exit,
)
from dbaudit.cli.common import EXIT_OK, check_output, guarded, progress, stderr
from dbaudit.errors import UsageError

if TYPE_CHECKING:
    from dbaudit.auditing import AuditResult
    from dbaudit.config import Config
    from dbaudit.output.paths import PathMapper
    from dbaudit.report.context import DatabaseFacts

ALL_FORMATS = ("md", "html", "json", "sarif")


def _split(values: tuple[str, ...]) -> list[str]:
    """Repeated and comma-separated values alike: ``--select a,b --select c``."""
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def parse_formats(text: str | None, *, to_dir: bool, allowed: tuple[str, ...] = ALL_FORMATS) -> tuple[str, ...]:
    if text is None:
        return allowed if to_dir else ()
    formats = tuple(dict.fromkeys(_split((text,))))
    unknown = [f for f in formats if f not in allowed]
    if unknown:
        raise UsageError(f"unknown format {unknown[0]!r} (expected {', '.join(allowed)})")
    if not to_dir and len(formats) > 1:
        raise UsageError("several formats need an output directory: add -o DIR (stdout takes one format)")
    return formats


@click.command("audit")
@click.argument("target", required=False)
@click.option("--models", "models_spec", metavar="IMPORT", help="SQLAlchemy models: package.module:Base.")
@click.option("--project", "project_dir", metavar="DIR", help="Project directory for --models imports.")
@click.option("--migrations", metavar="DIR", help="Alembic project: upgraded to head on a throw-away database.")
@click.option("--code", "code_dir", metavar="DIR", help="Application code to scan for query patterns.")
@click.option("--since", metavar="REV", help="Lint revisions after REV in full even if the database ran them.")
@click.option("--format", "formats", metavar="LIST",
              help="Comma-separated: md, html, json, sarif (default: all four with -o, none without).")
@click.option("-o", "--output", "output_dir", metavar="DIR", help="Write report.md/.html/.json/.sarif here.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default=None, help="Report language (default en).")
@click.option("--fail-on", type=click.Choice(["P0", "P1", "P2"], case_sensitive=False), default=None,
              help="Exit 1 when a finding is at or above this severity (default P1).")
@click.option("--select", multiple=True, metavar="RULES", help="Rules or categories to run (replaces config).")
@click.option("--ignore", multiple=True, metavar="RULES", help="Rules or categories not to run.")
@click.option("--config", "config_path", metavar="FILE", help="dbaudit.toml or pyproject.toml to read.")
@click.option("--scratch-url", metavar="URL", help="Server for throw-away databases (default: embedded).")
@click.option("--app-role", metavar="ROLE", help="The role the application connects as (security rules).")
@click.option("--stats/--no-stats", default=None,
              help="Read query statistics, plans and forecasts (default: when pg_stat_statements is available).")
@click.option("--top", "stats_top", type=click.IntRange(1, 100), default=10, show_default=True,
              help="Statements per ranking (total time, calls) read from pg_stat_statements.")
@click.option("--explain-analyze", is_flag=True,
              help="EXPLAIN ANALYZE parameterless SELECTs among them (read-only, under a timeout).")
@click.option("--tenant-dedupe/--no-tenant-dedupe", "tenant_dedupe", default=None,
              help="Audit a structure many schemas share once and report the deviating schemas (default: on; "
                   "config tenant-dedupe).")
@click.option("--quiet", "-q", is_flag=True, help="No list of findings on stderr (the counts only).")
@click.option("--check-data", "check_data", is_flag=True,
              help="Also run the findings' verifications on live data (read-only; see `dbaudit check-data`).")
@click.option("--fleet-name", metavar="NAME",
              help="This database's name in a fleet: the JSON report then also carries its structure "
                   "fingerprints, for `dbaudit fleet --merge`.")
@ci_options
@guarded
def audit_command(  # noqa: PLR0917 - click passes every option as an argument
    target: str | None, models_spec: str | None, project_dir: str | None, migrations: str | None,
    code_dir: str | None, since: str | None, formats: str | None, output_dir: str | None, lang: str | None,
    fail_on: str | None, select: tuple[str, ...], ignore: tuple[str, ...], config_path: str | None,
    scratch_url: str | None, app_role: str | None, stats: bool | None, stats_top: int, explain_analyze: bool,
    tenant_dedupe: bool | None, quiet: bool, check_data: bool, fleet_name: str | None, ci: CiOptions,
) -> None:
    """Audit a database (URL, .sql file or model JSON) with its models, migrations and code."""
    from dbaudit.auditing import audit  # noqa: PLC0415 - heavy imports after argument parsing
    from dbaudit.engine import exit_code  # noqa: PLC0415
    from dbaudit.fleet.facts import database_facts  # noqa: PLC0415
    from dbaudit.output.paths import PathMapper  # noqa: PLC0415
    from dbaudit.selection import command_config  # noqa: PLC0415
    from dbaudit.sources.stats import StatsOptions  # noqa: PLC0415

    chosen = parse_formats(formats, to_dir=output_dir is not None)
    if chosen and output_dir is None and ci.machine and ci.output_file is None:
        raise UsageError("stdout takes one document: use -o DIR for --format, or --output-file for --output-format")
    if output_dir is not None:
        check_output(output_dir, directory=True)
    if ci.output_file is not None:
        check_output(ci.output_file, directory=False)
    config = command_config(
        config_path, start_dir=project_dir or ".", select=select, extend_select=ci.extend_select,
        ignore=ignore, fail_on=fail_on, lang=lang,  # type: ignore[arg-type]
        app_role=app_role, tenant_dedupe=tenant_dedupe,
    )
    target = target or _env(config.url_env, "TARGET (a database URL, .sql file or model JSON)")
    scratch_url = scratch_url or (os.environ.get(config.scratch_url_env) if config.scratch_url_env else None)
    with progress("auditing") as step:
        result = audit(
            target, models=models_spec, project_dir=project_dir, migrations=migrations, code=code_dir,
            config=config, scratch_url=scratch_url, progress=step, since=since,
            stats=stats, stats_options=StatsOptions(top=stats_top, explain_analyze=explain_analyze),
        )
        if check_data:
            result = with_data_checks(target, result, config)
        if ci.write_baseline:
            write_baseline_and_exit(result.findings, ci, lambda text: stderr.print(text, markup=False))
        findings, notes = baseline_filter(result.findings, ci)
        result = replace(result, findings=findings, notes=(*result.notes, *notes))
        step("writing the reports")
        paths = PathMapper.for_run([project_dir, _dir_of(migrations), code_dir, "."])
        database = database_facts(result, target=target, name=fleet_name, with_fingerprints=fleet_name is not None)
        _emit(result, chosen, output_dir, config.lang, quiet=quiet, ci=ci, paths=paths, database=database)
    sys.exit(exit_code(result.findings, config.fail_on) if result.findings else EXIT_OK)


def with_data_checks(target: str, result: AuditResult, config: Config) -> AuditResult:
    """The audit with its findings checked on the data (``--check-data``), and a note counting the checks."""
    from dbaudit.checkdata import Outcome, check_findings  # noqa: PLC0415
    from dbaudit.findings import Note  # noqa: PLC0415

    findings, results = check_findings(target, result.model, result.findings, inputs=result.inputs, config=config)
    counts = ", ".join(f"{sum(1 for r in results if r.outcome is o)} {o.value}" for o in Outcome)
    note = Note(f"check-data: {len(results)} findings checked on the data ({counts})")
    return replace(result, findings=findings, notes=(*result.notes, note))


def _dir_of(path: str | None) -> str | None:
    """The directory a path option names (``--migrations alembic.ini`` means its directory)."""
    return None if path is None else str(Path(path).parent if Path(path).is_file() else Path(path))


def _env(name: str | None, what: str) -> str:
    if name and os.environ.get(name):
        return os.environ[name]
    hint = f" or set {name}" if name else ""
    raise UsageError(f"missing {what}{hint}")


def _emit(
    result: object, formats: tuple[str, ...], output_dir: str | None, lang: str, *, quiet: bool,
    ci: CiOptions | None = None, paths: PathMapper | None = None, database: DatabaseFacts | None = None,
) -> None:
    from dbaudit.atomic import write_set_atomic  # noqa: PLC0415
    from dbaudit.auditing import AuditResult, report_context  # noqa: PLC0415
    from dbaudit.output import default_docs_base  # noqa: PLC0415
    from dbaudit.report import FORMATS, render, write_report  # noqa: PLC0415
    from dbaudit.report.sarif import run_info  # noqa: PLC0415
    from dbaudit.report.terminal import print_terminal  # noqa: PLC0415

    ci = ci or CiOptions()

    assert isinstance(result, AuditResult)
    context = report_context(result, generated_at=datetime.now(UTC), database=database)
    docs_url = default_docs_base()
    removed: tuple[Path, ...] = ()
    if output_dir is not None:
        # one set: written aside (each format streamed into its file, one after the other), swapped in
        # whole; files of another run's formats are removed
        writers = {FORMATS[fmt]: functools.partial(write_report, context, fmt, lang=lang, docs_base_uri=docs_url,
                                                   paths=paths) for fmt in formats}
        written = write_set_atomic(output_dir, writers, family=FORMATS.values())
        removed = written.removed
    elif formats:
        (fmt,) = formats
        write_report(context, fmt, sys.stdout, lang=lang, docs_base_uri=docs_url, paths=paths)
        sys.stdout.flush()
    if ci.machine:
        info = run_info(context, docs_base_uri=docs_url, paths=paths)
        documents = {fmt: functools.partial(render, context, fmt, docs_base_uri=docs_url, paths=paths)
                     for fmt in ("json", "sarif")}
        findings = [n.finding for n in context.findings]
        deliver(machine_text(findings, ci, info, documents), ci)
    print_terminal(context, stderr, quiet=quiet or ci.machine, lang=lang)
    if output_dir is not None:
        stderr.print(f"reports written to {output_dir}: {', '.join(FORMATS[f] for f in formats)}",
                     markup=False, highlight=False, soft_wrap=True)
    if removed:
        stderr.print(f"removed {', '.join(p.name for p in removed)} of an earlier run (they described "
                     "another database or time)", markup=False, highlight=False, soft_wrap=True)


# The demo writes its reports exactly as the audit does.
emit_reports = _emit

__all__ = ["audit_command", "emit_reports", "parse_formats"]
