"""``dbaudit diff OLD.json NEW.json``: what changed between two snapshots; exit 1 past a threshold."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from dbaudit.cli.common import EXIT_FINDINGS, EXIT_OK, guarded
from dbaudit.errors import UsageError

if TYPE_CHECKING:
    from dbaudit.snapshot import Threshold


@click.command("diff")
@click.argument("old", metavar="OLD.json", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("new", metavar="NEW.json", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the diff to FILE instead of stdout.")
@click.option("--max-row-loss", metavar="N|P%", default=None,
              help="Exit 1 when a table lost more than N rows (or P% of its rows). 0: any loss.")
@click.option("--max-row-gain", metavar="N|P%", default=None,
              help="Exit 1 when a table gained more than N rows (or P% of its rows).")
@click.option("--all", "all_tables", is_flag=True, help="Markdown: list unchanged tables too.")
@guarded
def diff_command(  # noqa: PLR0917 - click passes options as arguments
    old: Path, new: Path, fmt: str, output: Path | None, max_row_loss: str | None, max_row_gain: str | None,
    all_tables: bool,
) -> None:
    """Compare two snapshots: rows and sizes per table, tables added and removed, schema changes,
    Alembic versions. Exit 1 when a --max-row-loss / --max-row-gain threshold is crossed."""
    from dbaudit.snapshot import diff_snapshots, read_snapshot  # noqa: PLC0415

    loss = _threshold(max_row_loss, "--max-row-loss")
    gain = _threshold(max_row_gain, "--max-row-gain")
    diff = diff_snapshots(read_snapshot(old), read_snapshot(new), max_row_loss=loss, max_row_gain=gain)
    if fmt == "json":
        text = json.dumps(diff.to_json(), indent=2, ensure_ascii=False) + "\n"
    else:
        from dbaudit.snapshot.render import diff_markdown  # noqa: PLC0415

        text = diff_markdown(diff, all_tables=all_tables)
    if output is None:
        sys.stdout.write(text)
    else:
        from dbaudit.atomic import write_text_atomic  # noqa: PLC0415

        write_text_atomic(output, text)
    sys.exit(EXIT_FINDINGS if diff.violations else EXIT_OK)


def _threshold(text: str | None, option: str) -> Threshold | None:
    from dbaudit.snapshot import Threshold  # noqa: PLC0415

    if text is None:
        return None
    try:
        return Threshold.parse(text)
    except ValueError as exc:
        raise UsageError(f"{option}: {exc}") from None
