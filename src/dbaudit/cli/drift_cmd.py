"""``dbaudit drift A B``: differences between two schema sources.

A and B are each a database URL, a ``.sql`` file, a model JSON (``dbaudit inspect``),
``models:package.module:Base`` (imported with ``--project`` on ``sys.path``) or
``migrations:PATH`` (the Alembic head, built on a throw-away database). A is the reference:
``missing-*`` findings name what A has and B lacks.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import click

from dbaudit.cli.common import EXIT_FINDINGS, EXIT_OK, check_output, guarded, progress, stdout
from dbaudit.errors import UsageError
from dbaudit.findings import Finding, Note, Severity
from dbaudit.model import SchemaModel

FORMAT_SUFFIXES = {"md": "md", "html": "html", "json": "json", "sarif": "sarif"}


@click.command("drift")
@click.argument("left", metavar="A")
@click.argument("right", metavar="B")
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Project directory for models: sources (put on sys.path). Default: current directory.")
@click.option("--format", "formats", default=None,
              help="Comma-separated report formats: md, html, json, sarif. Default: a table on the terminal.")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Write the report to FILE (one format) or into DIR as drift.<format> (several).")
@click.option("--scratch-url", metavar="URL", default=None,
              help="Server for throw-away databases (.sql and migrations: sources). Default: embedded.")
@click.option("--fail-on", default="P1", show_default=True, help="Exit 1 when a finding is at or above this.")
@guarded
def drift_command(  # noqa: PLR0917 - click passes options as arguments
    left: str, right: str, project: Path | None, formats: str | None, output: Path | None,
    scratch_url: str | None, fail_on: str,
) -> None:
    """Compare two schema sources (models, migrations head, databases, .sql files, model JSON)."""
    try:
        threshold = Severity.parse(fail_on)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    chosen = _formats(formats)
    if output is not None:
        if not chosen:
            raise UsageError("-o needs --format (md, html, json or sarif)")
        check_output(output, directory=len(chosen) > 1 or output.is_dir())
    with progress("reading sources") as step:
        step(f"reading {left}")
        left_model = load_spec(left, project=project, scratch_url=scratch_url)
        step(f"reading {right}")
        right_model = load_spec(right, project=project, scratch_url=scratch_url)
    from dbaudit.drift import compare  # noqa: PLC0415 - keep --help fast

    findings = compare(left_model, right_model)
    emit(findings, left_model, right_model, chosen, output)
    failing = any(f.severity.is_at_least(threshold) for f in findings)
    sys.exit(EXIT_FINDINGS if failing else EXIT_OK)


def _formats(formats: str | None) -> tuple[str, ...]:
    if not formats:
        return ()
    chosen = tuple(dict.fromkeys(f.strip().lower() for f in formats.split(",") if f.strip()))
    unknown = [f for f in chosen if f not in FORMAT_SUFFIXES]
    if unknown:
        raise UsageError(f"unknown format {unknown[0]!r} (expected md, html, json or sarif)")
    return chosen


def load_spec(spec: str, *, project: Path | None = None, scratch_url: str | None = None) -> SchemaModel:
    """One side of the comparison, read from its spec."""
    if spec.startswith("models:"):
        from dbaudit.sources.orm import read_models  # noqa: PLC0415

        return read_models(spec[len("models:"):], project_dir=str(project) if project else None)
    from dbaudit.sources import load_source  # noqa: PLC0415 - URLs, .sql, model JSON, migrations:PATH

    return load_source(spec, scratch_url=scratch_url)


def emit(findings: list[Finding], left: SchemaModel, right: SchemaModel, formats: tuple[str, ...],
         output: Path | None) -> None:
    """The terminal table, or the reports in ``formats`` (to stdout or ``output``)."""
    from dbaudit.report import render  # noqa: PLC0415
    from dbaudit.report.context import SourceRef, build_context  # noqa: PLC0415

    context = build_context(
        right, findings, generated_at=datetime.now(UTC), dbaudit_version=version("dbaudit"),
        notes=[Note(text) for text in (*left.source.notes, *right.source.notes)],
        sources=(
            SourceRef(left.source.kind, left.source.name, role="reference"),
            SourceRef(right.source.kind, right.source.name, role="compared"),
        ),
    )
    if not formats:
        if output is not None:
            raise UsageError("-o needs --format (md, html, json or sarif)")
        from dbaudit.report.terminal import print_terminal  # noqa: PLC0415

        print_terminal(context, stdout)
        return
    from dbaudit.atomic import write_set_atomic, write_text_atomic  # noqa: PLC0415

    if output is None:
        if len(formats) > 1:
            raise UsageError("several formats need -o DIR")
        sys.stdout.write(render(context, formats[0]))
        return
    if len(formats) == 1 and not output.is_dir():
        write_text_atomic(output, render(context, formats[0]))
        return
    names = {fmt: f"drift.{FORMAT_SUFFIXES[fmt]}" for fmt in FORMAT_SUFFIXES}
    write_set_atomic(output, {names[fmt]: render(context, fmt) for fmt in formats}, family=names.values())
