"""``dbaudit serve CONFIG.toml``: /healthz, /api/db-status and /metrics over the configured databases."""

from __future__ import annotations

import gc
from pathlib import Path

import click

from dbaudit.cli.common import guarded, stderr


@click.command("serve")
@click.argument("config", metavar="CONFIG.toml", type=click.Path(path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="Port (0: any free port).")
@guarded
def serve_command(config: Path, host: str, port: int) -> None:
    """Serve the health of every [databases.NAME] of CONFIG: /healthz, /api/db-status, /metrics
    (Prometheus). Refreshes in the background ([serve] interval, audit_interval); read-only."""
    gc.enable()  # main() pauses cyclic GC for short commands; a service runs for days
    from dbaudit.serve import serve  # noqa: PLC0415 - keep --help fast

    def ready(url: str) -> None:
        stderr.print(f"dbaudit serve: listening on {url} (/healthz, /api/db-status, /metrics); Ctrl-C stops",
                     markup=False, highlight=False, soft_wrap=True)

    serve(config, host=host, port=port, ready=ready)
