"""``dbaudit lint-migrations PATH``: the migration safety review (static, and traced with --trace)."""

from __future__ import annotations

import dataclasses
import io
import json
import sys
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.table import Table

from dbaudit.cli.ci_options import (
    CiOptions,
    baseline_filter,
    ci_options,
    deliver,
    machine_text,
    write_baseline_and_exit,
)
from dbaudit.cli.common import EXIT_FINDINGS, EXIT_OK, check_output, guarded, progress, stderr, stdout
from dbaudit.errors import UsageError
from dbaudit.findings import Note, Severity

if TYPE_CHECKING:
    from dbaudit.config import Config
    from dbaudit.migrations import LintResult
    from dbaudit.output import RunInfo


@click.command("lint-migrations")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="PATH")
@click.option("--changed", is_flag=True,
              help="PATHs are revision files (as pre-commit passes them): lint their projects, report "
                   "only these revisions.")
@click.option("--trace", is_flag=True, help="Also apply the revisions on a throw-away database and record locks.")
@click.option("--since", metavar="REV", help="Lint only the revisions after REV (e.g. the base of a pull request).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default=None,
              help="Older spelling of --output-format full|json.")
@click.option("-o", "--output", type=click.Path(path_type=Path), metavar="FILE",
              help="Write the report to FILE instead of stdout (same as --output-file).")
@click.option("--fail-on", type=click.Choice(["P0", "P1", "P2"], case_sensitive=False), default=None,
              help="Exit 1 when a finding is at or above this severity (default P1, or the config's).")
@click.option("--select", multiple=True, metavar="RULES", help="Rules or categories to report (replaces config).")
@click.option("--ignore", multiple=True, metavar="RULES", help="Rules or categories not to report.")
@click.option("--config", "config_path", metavar="FILE", help="dbaudit.toml or pyproject.toml to read.")
@click.option("--scratch-url", metavar="URL", help="Server for throw-away databases (default: embedded).")
@click.option("--assume-in-transaction", is_flag=True,
              help="Plain .sql files each run inside a transaction (as Flyway and sqitch run them).")
@click.option("--rows", default=1000, show_default=True, help="Sample rows per table before a traced revision.")
@click.option("--database", metavar="URL|FILE",
              help="The target database (PostgreSQL URL, or a model JSON from `dbaudit inspect -o`): lint only "
                   "the revisions not applied there and grade each hazard by the real table's size.")
@click.option("--target-version", type=click.IntRange(9, 30), metavar="N",
              help="PostgreSQL major version the migrations run on (default: the --database server's, else 13+).")
@ci_options
@guarded
def lint_command(*, paths: tuple[Path, ...], changed: bool, trace: bool, since: str | None, fmt: str | None,
                 output: Path | None, fail_on: str | None, select: tuple[str, ...], ignore: tuple[str, ...],
                 config_path: str | None, scratch_url: str | None, rows: int, assume_in_transaction: bool,
                 database: str | None, target_version: int | None, ci: CiOptions) -> None:
    """Review migrations for locks, rewrites, rollback and rolling-deploy safety.

    PATHS: Alembic projects (alembic.ini, a script directory) or directories of .sql files; several in one
    run. With --changed: revision files, as pre-commit passes them.
    """
    from dbaudit.engine import apply_config  # noqa: PLC0415 - keep --help fast
    from dbaudit.migrations import lint_migrations  # noqa: PLC0415
    from dbaudit.migrations.changed import lint_changed  # noqa: PLC0415
    from dbaudit.selection import command_config  # noqa: PLC0415

    ci = _legacy_options(ci, fmt, output)
    if ci.output_file is not None:
        check_output(ci.output_file, directory=False)
    path = paths[0]
    project = path if path.is_dir() else path.parent
    config = command_config(config_path, start_dir=project, select=select, extend_select=ci.extend_select,
                            ignore=ignore, fail_on=fail_on)
    with progress("linting migrations" + (" and tracing locks" if trace else "")):
        def lint(where: Path | tuple[Path, ...]) -> LintResult:
            return lint_migrations(where, trace=trace, since=since, scratch_url=scratch_url, rows=rows,
                                   assume_in_transaction=assume_in_transaction, target_version=target_version,
                                   database=database)

        result = lint_changed(paths, lint) if changed else lint(paths)
    kept, config_notes = apply_config(result.findings, config)
    if ci.write_baseline:
        write_baseline_and_exit(kept, ci, lambda text: stderr.print(text, markup=False))
    kept, baseline_notes = baseline_filter(kept, ci)
    result = dataclasses.replace(result, findings=kept,
                                 notes=(*result.notes, *config_notes, *baseline_notes, *_selection_notes(config)))
    if ci.machine:
        deliver(machine_text(result.findings, ci, run_info(result, path), {
            "json": lambda: json_lines(envelope(result, paths)),
        }), ci)
        stderr.print(summary_line(result), markup=False, highlight=False)
    elif ci.output_file is not None:
        deliver(render_text(result), ci)
    else:
        render(result, stdout)
    failing = any(f.severity.is_at_least(config.fail_on) for f in result.findings)
    sys.exit(EXIT_FINDINGS if failing else EXIT_OK)


def _selection_notes(config: Config) -> tuple[Note, ...]:
    """A selection of schema rules only (valid ids, but none a migration rule) reports nothing: say so."""
    from dbaudit.engine import is_selected  # noqa: PLC0415
    from dbaudit.migrations.rules.registry import all_rules  # noqa: PLC0415

    if any(is_selected(r.id, r.category, config) for r in all_rules().values()):
        return ()
    return (Note(f"the selection ({', '.join(config.select)}) names no migration rule: nothing is checked"),)


def _legacy_options(ci: CiOptions, fmt: str | None, output: Path | None) -> CiOptions:
    """``--format table|json`` and ``-o FILE`` are the older spellings of the shared options."""
    if fmt is not None:
        if ci.output_format != "full":
            raise UsageError("--format and --output-format both given: use --output-format")
        ci = dataclasses.replace(ci, output_format="json" if fmt == "json" else "full")
    if output is not None:
        if ci.output_file is not None:
            raise UsageError("-o and --output-file both given: use one")
        ci = dataclasses.replace(ci, output_file=str(output))
    return ci


def run_info(result: LintResult, path: Path) -> RunInfo:
    """What the shared writers need: paths relative to the repository root, from the base the locations
    are relative to (the project's root; the projects' common parent when several were linted)."""
    import os  # noqa: PLC0415

    from dbaudit.output import PathMapper, RunInfo, default_docs_base  # noqa: PLC0415

    roots = [str(p.root) for p in result.projects] or ([str(result.migrations.root)] if result.migrations else [])
    base = Path(os.path.commonpath(roots)) if roots else (path if path.is_dir() else path.parent)
    return RunInfo(tool_version=version("dbaudit"), command="lint-migrations", paths=PathMapper.for_run([base]),
                   docs_base_uri=default_docs_base(), notes=result.notes, target=str(path))


def _split(values: tuple[str, ...]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def envelope(result: LintResult, paths: tuple[Path, ...]) -> dict[str, Any]:
    """The JSON contract (format version 1), plus ``traces``, ``notes`` and inline ``suppressed`` findings."""
    kinds = [m.kind for m in result.projects] or ["migrations"] * len(paths)
    summary = {s.name: sum(1 for f in result.findings if f.severity is s) for s in Severity}
    return {
        "dbaudit_version": version("dbaudit"),
        "format_version": 1,
        "sources": [{"kind": "alembic" if kind == "alembic" else "sql-migrations", "name": str(path)}
                    for kind, path in zip(kinds, paths, strict=False)],
        "findings": [f.to_json() for f in result.findings],
        "summary": summary,
        "traces": [t.to_json() for t in result.traces],
        "notes": [{"message": n.message, "rule": n.rule} for n in result.notes],
        "suppressed": [{"finding": s.finding.to_json(), "suppression": s.by.to_json()} for s in result.suppressed],
    }


def json_lines(doc: dict[str, Any]) -> str:
    """The envelope as JSON with one finding (trace, note) per line: as readable as ``indent=2`` for
    the envelope, greppable per finding, and written by the C encoder (``indent`` disables it: 4x
    slower on 8,000 findings)."""
    parts = []
    for key, value in doc.items():
        name = json.dumps(key)
        if isinstance(value, list) and value:
            items = ",\n    ".join(json.dumps(v, ensure_ascii=False) for v in value)
            parts.append(f"  {name}: [\n    {items}\n  ]")
        else:
            parts.append(f"  {name}: {json.dumps(value, ensure_ascii=False)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def render_text(result: LintResult) -> str:
    console = Console(file=io.StringIO(), width=160, highlight=False, color_system=None)
    render(result, console)
    return console.file.getvalue()  # type: ignore[attr-defined, no-any-return]


def render(result: LintResult, console: Console) -> None:
    table = Table(title="Migration safety review", show_lines=False)
    for column in ("sev", "rule", "location", "finding"):
        table.add_column(column, overflow="fold")
    for f in result.findings:
        loc = f"{f.locations[0].path}:{f.locations[0].line}" if f.locations else ""
        table.add_row(f.severity.name, f.rule, loc, f.title)
    if result.findings:
        console.print(table)
    if result.traces:
        console.print(trace_table(result))
    for note in result.notes:
        console.print(f"note: {note.message}", markup=False)
    console.print(summary_line(result), markup=False)


def summary_line(result: LintResult) -> str:
    counts = ", ".join(f"{s.name}: {sum(1 for f in result.findings if f.severity is s)}" for s in Severity)
    return f"{len(result.findings)} finding(s) in {result.linted} revision(s) ({counts})"


def trace_table(result: LintResult) -> Table:
    from dbaudit.migrations.trace import describe_locks  # noqa: PLC0415

    table = Table(title="Lock trace")
    for column in ("revision", "line", "statement", "locks held", "rewrite", "ms", "blocks"):
        table.add_column(column, overflow="fold")
    for t in result.traces:
        if not t.locks and not t.error:
            continue
        statement = t.statement if len(t.statement) <= 70 else t.statement[:69] + "…"
        table.add_row(t.revision[:14], str(t.line), statement, t.error or describe_locks(t.locks, limit=2),
                      "yes" if t.rewritten else "no", f"{t.duration_ms:.1f}", t.blocks)
    return table
