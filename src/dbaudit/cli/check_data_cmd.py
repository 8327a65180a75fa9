"""``dbaudit check-data``: run the findings' verifications on live data, read-only.

Output rules as ``audit``: with ``-o DIR`` each requested format (``md``, ``json``; both by default) is
written there atomically; without it one format may go to stdout. Humans read stderr: the progress
bar and one line per confirmed finding. Exit codes: 0 no check confirmed a problem, 1 at least one
did, 2 errors.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from dbaudit.cli.audit_cmd import parse_formats
from dbaudit.cli.common import EXIT_FINDINGS, EXIT_OK, guarded, progress, split_values, stderr
from dbaudit.errors import UsageError

if TYPE_CHECKING:
    from dbaudit.checkdata import CheckOptions, CheckResult
    from dbaudit.findings import Finding

FORMATS = ("md", "json")


@click.command("check-data")
@click.argument("target", required=False)
@click.option("--select", multiple=True, metavar="RULES", help="Rules or categories whose findings to check.")
@click.option("--ignore", multiple=True, metavar="RULES", help="Rules or categories not to check.")
@click.option("--full", is_flag=True, help="Never sample: read whole tables (statement_timeout still applies).")
@click.option("--format", "formats", metavar="LIST", help="Comma-separated: md, json (default: both with -o).")
@click.option("-o", "--output", "output_dir", metavar="DIR", help="Write check-data.md/.json here.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default=None, help="Report language (default en).")
@click.option("--samples", "samples", type=click.IntRange(0, 1000), default=5, show_default=True,
              help="Sample keys listed per check.")
@click.option("--max-cost", type=click.FloatRange(min=1), default=250_000, show_default=True,
              help="Planner cost above which a check samples its table (TABLESAMPLE) unless --full.")
@click.option("--timeout", "timeout_s", type=click.FloatRange(min=0.1), default=30, show_default=True,
              help="statement_timeout of each query, in seconds.")
@click.option("--near-limit", type=click.FloatRange(0, 100), default=10, show_default=True,
              help="Count values within this percentage of a column's length limit.")
@click.option("--snapshot", "snapshot_path", metavar="FILE",
              help="An earlier `dbaudit snapshot` of this database: sequence growth between the two.")
@click.option("--models", "models_spec", metavar="IMPORT", help="SQLAlchemy models: package.module:Base.")
@click.option("--project", "project_dir", metavar="DIR", help="Project directory for --models imports.")
@click.option("--config", "config_path", metavar="FILE", help="dbaudit.toml or pyproject.toml to read.")
@click.option("--scratch-url", metavar="URL", help="Server for throw-away databases (default: embedded).")
@click.option("--quiet", "-q", is_flag=True, help="Only the counts on stderr.")
@guarded
def check_data_command(  # noqa: PLR0917 - click passes every option as an argument
    target: str | None, select: tuple[str, ...], ignore: tuple[str, ...], full: bool, formats: str | None,
    output_dir: str | None, lang: str | None, samples: int, max_cost: float, timeout_s: float, near_limit: float,
    snapshot_path: str | None, models_spec: str | None, project_dir: str | None, config_path: str | None,
    scratch_url: str | None, quiet: bool,
) -> None:
    """Run the findings' verification queries on live data (read-only, time-limited, sampled when huge)."""
    from dbaudit.auditing import audit  # noqa: PLC0415 - heavy imports after argument parsing
    from dbaudit.checkdata import CheckOptions, Outcome, check_findings  # noqa: PLC0415
    from dbaudit.config import load_config  # noqa: PLC0415

    chosen = parse_formats(formats, to_dir=output_dir is not None, allowed=FORMATS)
    config = load_config(config_path, start_dir=project_dir or ".").merged(
        select=split_values(select) or None, ignore=split_values(ignore), lang=lang,  # type: ignore[arg-type]
    )
    target = target or (os.environ.get(config.url_env) if config.url_env else None)
    if not target:
        raise UsageError("missing TARGET (a PostgreSQL database URL)")
    scratch_url = scratch_url or (os.environ.get(config.scratch_url_env) if config.scratch_url_env else None)
    options = CheckOptions(full=full, samples=samples, max_cost=max_cost, timeout_s=timeout_s,
                           near_limit_percent=near_limit, previous_sequences=previous_sequences(snapshot_path))
    with progress("auditing") as step:
        audited = audit(target, models=models_spec, project_dir=project_dir, config=config,
                        scratch_url=scratch_url, progress=step)
        findings, results = check_findings(target, audited.model, audited.findings, options,
                                           inputs=audited.inputs, config=config)
    emit(results, findings, target=target, formats=chosen, output_dir=output_dir, lang=config.lang, options=options)
    count = {o: sum(1 for r in results if r.outcome is o) for o in Outcome}
    if not quiet:
        for r in results:
            if r.outcome is Outcome.CONFIRMED:
                stderr.print(f"confirmed: {r.check.rule} {', '.join(r.check.objects[:1])}", markup=False,
                             soft_wrap=True)
    stderr.print(
        f"{len(results)} checks: {count[Outcome.CONFIRMED]} confirmed, {count[Outcome.CLEARED]} cleared, "
        f"{count[Outcome.NOT_SEEN]} not seen in a sample, {count[Outcome.MEASURED]} measured, "
        f"{count[Outcome.SKIPPED]} not run", markup=False, soft_wrap=True)
    sys.exit(EXIT_FINDINGS if count[Outcome.CONFIRMED] else EXIT_OK)


def previous_sequences(path: str | None) -> dict[str, tuple[int, str]]:
    """Sequence positions of an earlier snapshot file: {qualified name: (last_value, taken_at)}."""
    if path is None:
        return {}
    from dbaudit.auditing import _optional  # noqa: PLC0415

    read_snapshot = _optional("dbaudit.snapshot", "read_snapshot")
    if read_snapshot is None:
        raise UsageError("--snapshot: this build cannot read snapshots")
    try:
        snapshot = read_snapshot(path)
    except (OSError, ValueError) as exc:
        raise UsageError(f"--snapshot {path}: {exc}") from None
    model = getattr(snapshot, "schema", None)
    taken = getattr(snapshot, "taken_at", None)
    if model is None or taken is None:
        raise UsageError(f"--snapshot {path}: the snapshot has no schema model with sequence positions")
    return {s.qualified_name: (int(s.last_value), taken.isoformat())
            for s in model.sequences if s.last_value is not None}


def emit(results: tuple[CheckResult, ...], findings: tuple[Finding, ...], *, target: str, formats: tuple[str, ...],
         output_dir: str | None, lang: str, options: CheckOptions) -> None:
    from dbaudit import __version__  # noqa: PLC0415
    from dbaudit.atomic import write_text_atomic  # noqa: PLC0415
    from dbaudit.checkdata.render import FORMATS as FILES  # noqa: PLC0415
    from dbaudit.checkdata.render import render_json, render_markdown  # noqa: PLC0415
    from dbaudit.redact import redact_url  # noqa: PLC0415

    now = datetime.now(UTC)
    where = redact_url(target)
    texts = {
        fmt: render_json(results, findings, target=where, generated_at=now, dbaudit_version=__version__,
                         options=options) if fmt == "json" else
        render_markdown(results, findings, target=where, generated_at=now, options=options, lang=lang)
        for fmt in formats
    }
    if output_dir is None:
        for text in texts.values():
            sys.stdout.write(text)
        sys.stdout.flush()
        return
    directory = Path(output_dir)
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"output path {directory} exists and is not a directory")
    try:
        for fmt, text in texts.items():
            write_text_atomic(directory / FILES[fmt], text)
    except OSError as exc:
        raise UsageError(f"cannot write the report to {directory}: {exc.strerror or exc}") from None
    stderr.print(f"written to {output_dir}: {', '.join(FILES[f] for f in formats)}", markup=False)


__all__ = ["check_data_command", "emit", "previous_sequences"]
