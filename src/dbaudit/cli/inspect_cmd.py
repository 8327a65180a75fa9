"""``dbaudit inspect``: read a source into the schema model, summarise it, optionally write it as JSON."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from dbaudit.cli.common import check_output, guarded, progress, stderr

if TYPE_CHECKING:
    from rich.table import Table as RichTable

    from dbaudit.model.schema import SchemaModel


@click.command("inspect")
@click.argument("source", metavar="URL|FILE.sql|MODEL.json")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the schema model as JSON to this file.")
@click.option("--scratch-url", envvar="DBAUDIT_SCRATCH_URL", metavar="URL",
              help="PostgreSQL server for the throw-away database a .sql file is loaded into "
                   "(default: DBAUDIT_SCRATCH_URL, else an embedded PostgreSQL).")
@click.option("--schema", "schemas", multiple=True, metavar="NAME",
              help="Read only this schema (repeatable). Default: every user schema.")
@click.option("--exact-sizes", is_flag=True,
              help="Open every relation for its exact size instead of the planner's page counts.")
@guarded
def inspect_command(
    source: str, output: Path | None, scratch_url: str | None, schemas: tuple[str, ...], exact_sizes: bool,
) -> None:
    """Read a database, a .sql DDL file or a model file and summarise its schema.

    SOURCE is a database URL (postgresql://, sqlite:///, mysql+pymysql://), a .sql file (loaded into a
    throw-away PostgreSQL database) or a model .json written by -o.
    """
    from dbaudit.sources import load_source  # noqa: PLC0415 - keeps `dbaudit --help` fast

    if output is not None:
        check_output(output, directory=False)
    started = time.monotonic()
    with progress("Reading the schema…"):
        model = load_source(source, scratch_url=scratch_url, schemas=schemas or None, exact_sizes=exact_sizes)
    elapsed = time.monotonic() - started
    if output is not None:
        from dbaudit.atomic import write_text_atomic  # noqa: PLC0415
        from dbaudit.model.serialize import model_to_json  # noqa: PLC0415

        write_text_atomic(output, model_to_json(model))
    stderr.print(summary_header(model, elapsed), markup=False, highlight=False, soft_wrap=True)
    stderr.print(summary_table(model))
    for note in model.source.notes:
        stderr.print(f"note: {note}", markup=False, highlight=False, soft_wrap=True)
    if output is not None:
        stderr.print(f"model written to {output}", markup=False, highlight=False, soft_wrap=True)


_COLUMNS = ("tables", "partitions", "views", "columns", "indexes", "FKs", "checks", "triggers",
            "sequences", "enums")
# Narrow headers so the table fits an 80-column terminal without truncating counts.
_HEADERS = ("tables", "parts", "views", "cols", "idx", "FKs", "chk", "trig", "seqs", "enums")


def schema_counts(model: SchemaModel) -> dict[str, dict[str, int]]:
    """Per schema: how many of each kind of object the model holds."""
    from dbaudit.model.schema import TableKind  # noqa: PLC0415

    counts: dict[str, dict[str, int]] = {s: dict.fromkeys(_COLUMNS, 0) for s in model.schemas}
    views = (TableKind.VIEW, TableKind.MATERIALIZED_VIEW)
    for table in model.tables:
        row = counts.setdefault(table.schema, dict.fromkeys(_COLUMNS, 0))
        if table.partition_of is not None:
            row["partitions"] += 1
        elif table.kind in views:
            row["views"] += 1
        else:
            row["tables"] += 1
        row["columns"] += len(table.columns)
        row["indexes"] += len(table.indexes)
        row["FKs"] += len(table.foreign_keys)
        row["checks"] += len(table.checks)
        row["triggers"] += len(table.triggers)
    for sequence in model.sequences:
        counts.setdefault(sequence.schema, dict.fromkeys(_COLUMNS, 0))["sequences"] += 1
    for enum in model.enums:
        counts.setdefault(enum.schema, dict.fromkeys(_COLUMNS, 0))["enums"] += 1
    return counts


_DIALECTS = {"postgresql": "PostgreSQL", "sqlite": "SQLite", "mysql": "MySQL", "mariadb": "MariaDB"}


def summary_header(model: SchemaModel, elapsed: float) -> str:
    source = model.source
    server = _DIALECTS.get(source.dialect, source.dialect)
    version = f", {server} {source.server_version.split(' ')[0]}" if source.server_version else ""
    return f"{source.name} ({source.kind}{version}) read in {elapsed:.2f} s"


def summary_table(model: SchemaModel) -> RichTable:
    from rich import box  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    # No title: Rich widens a table to its title, and a long URL would squeeze the counts.
    table = Table(box=box.SIMPLE_HEAD, padding=(0, 0, 0, 1), show_edge=False, pad_edge=False)
    table.add_column("schema", max_width=24, overflow="ellipsis", no_wrap=True)
    for header in _HEADERS:
        table.add_column(header, justify="right", no_wrap=True)
    counts = schema_counts(model)
    for schema in sorted(counts):
        table.add_row(schema, *(str(counts[schema][name]) for name in _COLUMNS))
    if len(counts) > 1:
        table.add_row("[b]total[/]", *(f"[b]{sum(c[name] for c in counts.values())}[/]" for name in _COLUMNS))
    return table
