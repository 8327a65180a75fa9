"""``dbaudit serve``: a small HTTP service over the databases of a ``[databases.NAME]`` configuration.

- ``/healthz``: the service is up;
- ``/api/db-status``: per database reachable, latency, Alembic current vs head, last snapshot time,
  finding counts by severity of the last audit, connection usage, longest transaction, replication lag;
- ``/metrics``: the same in Prometheus format, through the official ``prometheus_client``.

A background thread refreshes the state (:class:`~dbaudit.serve.state.Refresher`); requests only read
it. The HTTP server is waitress (pure Python, no dependencies of its own; chosen by measurement, see
BENCHMARKS.md). Both come with the optional extra: ``pip install 'dbaudit[serve]'``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dbaudit.errors import UsageError
from dbaudit.verify.config import DatabasesConfig, load_databases

EXTRA_HINT = "dbaudit serve needs its optional extra: pip install 'dbaudit[serve]'"


def _require_extra() -> None:
    import importlib.util  # noqa: PLC0415

    missing = [m for m in ("waitress", "prometheus_client") if importlib.util.find_spec(m) is None]
    if missing:
        raise UsageError(f"{EXTRA_HINT} (missing: {', '.join(missing)})")


@dataclass
class RunningServer:
    """A started service: its URL, its refresher, and :meth:`stop`."""

    url: str
    refresher: Any
    server: Any
    thread: threading.Thread

    def stop(self) -> None:
        self.refresher.stop()
        self.server.close()
        self.thread.join(timeout=10)


def start_server(config: str | Path | DatabasesConfig, *, host: str = "127.0.0.1", port: int = 8080,
                 threads: int = 4) -> RunningServer:
    """Start the refresher and the HTTP server on background threads (``port=0``: any free port)."""
    _require_extra()
    from waitress.server import create_server  # noqa: PLC0415

    from dbaudit.serve.app import build_app  # noqa: PLC0415
    from dbaudit.serve.state import Refresher  # noqa: PLC0415

    cfg = config if isinstance(config, DatabasesConfig) else load_databases(config)
    for spec in cfg.databases:
        spec.url()  # every environment variable set, before anything starts
    refresher = Refresher(cfg)
    try:
        server = create_server(build_app(refresher), host=host, port=port, threads=threads,
                               ident="dbaudit")
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    refresher.start()
    thread = threading.Thread(target=server.run, name="dbaudit-http", daemon=True)
    thread.start()
    bound_host, bound_port = server.getsockname()[:2]
    return RunningServer(f"http://{bound_host}:{bound_port}", refresher, server, thread)


def serve(config: str | Path | DatabasesConfig, *, host: str = "127.0.0.1", port: int = 8080,
          ready: Callable[[str], None] | None = None) -> None:
    """Run the service until interrupted (Ctrl-C or SIGTERM); ``ready`` is told the URL once listening."""
    import signal  # noqa: PLC0415

    running = start_server(config, host=host, port=port)
    if ready is not None:
        ready(running.url)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()


__all__ = ["EXTRA_HINT", "RunningServer", "serve", "start_server"]
