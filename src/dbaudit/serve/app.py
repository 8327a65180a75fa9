"""The WSGI application: ``/healthz``, ``/api/db-status`` and ``/metrics``.

Requests only read the refresher's current state (see :mod:`dbaudit.serve.state`); nothing here
touches a database. ``/metrics`` is ``prometheus_client``'s own exposition of a registry holding the
:class:`~dbaudit.serve.metrics.StatusCollector`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, make_wsgi_app

from dbaudit.serve.metrics import StatusCollector
from dbaudit.serve.state import Refresher

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def build_app(refresher: Refresher) -> WSGIApp:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StatusCollector(lambda: refresher.status))
    metrics = make_wsgi_app(registry)
    started = datetime.now(UTC)

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD", "GET") not in ("GET", "HEAD"):
            return _send(start_response, "405 Method Not Allowed", {"error": "only GET"})
        if path == "/metrics":
            body: Iterable[bytes] = metrics(environ, start_response)
            return body
        if path == "/api/db-status":
            status = refresher.status
            document = status.to_json()
            document["ok"] = all(d.reachable and d.alembic_head_match is not False for d in status.databases)
            document["refreshing"] = refresher.busy
            return _send(start_response, "200 OK", document)
        if path in ("/healthz", "/"):
            return _send(start_response, "200 OK", {
                "status": "ok", "started_at": started.isoformat(), "refreshes": refresher.status.refreshes,
            })
        return _send(start_response, "404 Not Found", {"error": f"no such path: {path}"})

    return app


def _send(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    data = (json.dumps(body, ensure_ascii=False) + "\n").encode()
    start_response(status, [("Content-Type", "application/json; charset=utf-8"),
                            ("Content-Length", str(len(data))), ("Cache-Control", "no-store")])
    return [data]


__all__ = ["build_app"]
