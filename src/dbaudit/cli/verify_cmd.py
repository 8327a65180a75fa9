"""``dbaudit verify CONFIG.toml``: are the tables split correctly across the configured databases?"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from dbaudit.cli.common import EXIT_FINDINGS, EXIT_OK, guarded, progress


@click.command("verify")
@click.argument("config", metavar="CONFIG.toml", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the result to FILE instead of stdout.")
@guarded
def verify_command(config: Path, fmt: str, output: Path | None) -> None:
    """Check every [databases.NAME] of CONFIG: reachable, unexpected and missing tables, Alembic
    current vs head; across databases: shared tables, foreign keys and views that cross.

    Exit 0 when everything is as configured, 1 on any problem, 2 on a configuration error."""
    from dbaudit.verify import verify  # noqa: PLC0415 - keep --help fast

    with progress("verifying databases"):
        result = verify(config)
    if fmt == "json":
        text = json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n"
    else:
        from dbaudit.verify.render import verify_markdown  # noqa: PLC0415

        text = verify_markdown(result)
    if output is None:
        sys.stdout.write(text)
    else:
        from dbaudit.atomic import write_text_atomic  # noqa: PLC0415

        write_text_atomic(output, text)
    sys.exit(EXIT_OK if result.ok else EXIT_FINDINGS)
