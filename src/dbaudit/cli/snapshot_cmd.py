"""``dbaudit snapshot TARGET -o FILE.json``: row counts, sizes, Alembic versions and schema of a live database."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import click

from dbaudit.cli.common import guarded, stderr
from dbaudit.errors import UsageError


@click.command("snapshot")
@click.argument("target", metavar="URL")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Write the snapshot JSON to this file (atomically).")
@click.option("--exact", is_flag=True, help="Also count every table's rows exactly (count(*) per table).")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Read-only connections counting in parallel (with --exact).")
@click.option("--timeout", "timeout_s", type=click.FloatRange(0.001), default=60.0, show_default=True,
              help="Seconds allowed for each table's count; a table that runs out is marked, not fatal.")
@click.option("--schema", "schemas", multiple=True, metavar="NAME",
              help="Only this schema (repeatable). Default: every user schema.")
@click.option("--no-schema", "without_schema", is_flag=True,
              help="Rows and sizes only: no schema model and no fingerprint (faster on very large schemas).")
@guarded
def snapshot_command(  # noqa: PLR0917 - click passes options as arguments
    target: str, output: Path, exact: bool, jobs: int, timeout_s: float, schemas: tuple[str, ...],
    without_schema: bool,
) -> None:
    """Snapshot a PostgreSQL, SQLite or MySQL/MariaDB database: rows (estimated, or exact with
    --exact), sizes, Alembic versions, schema fingerprint and schema model, as versioned JSON."""
    from dbaudit.snapshot import take_snapshot, write_snapshot  # noqa: PLC0415 - keep --help fast

    if output.is_dir():
        raise UsageError(f"-o {output} is a directory; name the snapshot file")
    with _progress() as (step, bar):
        snapshot = take_snapshot(
            target, exact=exact, jobs=jobs, timeout_s=timeout_s, schema=not without_schema,
            schemas=schemas or None, step=step, progress=bar,
        )
    try:
        write_snapshot(snapshot, output)
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
    counted = sum(1 for t in snapshot.tables if t.rows_exact is not None)
    failed = [t for t in snapshot.tables if t.count_error is not None]
    rows = f", {counted} counted exactly" if exact else ""
    stderr.print(f"snapshot of {snapshot.source.name}: {len(snapshot.tables)} tables{rows} "
                 f"in {snapshot.elapsed_s or 0:.2f} s -> {output}", markup=False, highlight=False, soft_wrap=True)
    for table in failed[:10]:
        stderr.print(f"  not counted: {table.name} ({table.count_error})", markup=False, highlight=False,
                     soft_wrap=True)
    if len(failed) > 10:
        stderr.print(f"  … and {len(failed) - 10} more not counted (see count_error in the file)", markup=False)


@contextlib.contextmanager
def _progress() -> Iterator[tuple[Callable[[str], None], Callable[[int, int], None]]]:
    """One Rich display on a terminal: the current step, then a bar over the exact counts."""
    if not stderr.is_terminal:
        yield (lambda _text: None), (lambda _done, _total: None)
        return
    from rich.progress import (  # noqa: PLC0415
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TimeRemainingColumn(), console=stderr, transient=True) as bar:
        task = bar.add_task("reading row estimates", total=None)

        def step(text: str) -> None:
            bar.update(task, description=text)

        def counted(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield step, counted
