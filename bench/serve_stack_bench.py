"""Which HTTP stack for ``dbaudit serve``: uvicorn (ASGI) or waitress (WSGI), measured the same way.

Each stack serves the same two endpoints from one process: ``/metrics`` (a prometheus_client registry
with 300 labelled gauge samples, what a dozen databases produce) and ``/api/db-status`` (a 4 KB JSON
document). For each stack, in a fresh child process: time from start to the first answer, resident
memory after the load, and requests per second with 1 and 8 keep-alive clients (bounded: a fixed
number of requests, loopback only).

    python bench/serve_stack_bench.py --requests 3000     # needs uvicorn, waitress, prometheus-client
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time

APP = r'''
import json, sys
from prometheus_client import CollectorRegistry, Gauge, generate_latest, CONTENT_TYPE_LATEST
registry = CollectorRegistry()
g = Gauge("dbaudit_table_rows_estimated", "rows", ["database", "table"], registry=registry)
for db in range(3):
    for t in range(100):
        g.labels(f"db{db}", f"public.table_{t:03d}").set(t * 1000)
STATUS = json.dumps({"databases": {f"db{i}": {"reachable": True, "latency_s": 0.002, "tables": list(range(100))}
                                   for i in range(3)}}).encode()

def body(path):
    if path == "/metrics":
        return generate_latest(registry), CONTENT_TYPE_LATEST
    if path == "/api/db-status":
        return STATUS, "application/json"
    return b"ok", "text/plain"

stack, port = sys.argv[1], int(sys.argv[2])
if stack == "waitress":
    from waitress import serve
    def app(environ, start_response):
        data, ctype = body(environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", ctype), ("Content-Length", str(len(data)))])
        return [data]
    serve(app, host="127.0.0.1", port=port, threads=4, _quiet=True)
else:
    import uvicorn
    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        data, ctype = body(scope["path"])
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", ctype.encode()), (b"content-length", str(len(data)).encode())]})
        await send({"type": "http.response.body", "body": data})
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(port: int, timeout: float = 20.0) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            conn.close()
            return time.perf_counter() - started
        except OSError:
            time.sleep(0.01)
    raise RuntimeError("server did not start")


def load(port: int, path: str, total: int, clients: int) -> float:
    """Requests per second for ``total`` requests spread over ``clients`` keep-alive connections."""
    per = total // clients

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for _ in range(per):
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            assert response.status == 200
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return per * clients / (time.perf_counter() - started)


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def measure(stack: str, requests: int) -> dict[str, float]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", APP, stack, str(port)])
    try:
        ready = wait_ready(port)
        out = {"start_s": ready}
        for path in ("/metrics", "/api/db-status"):
            for clients in (1, 8):
                out[f"{path} x{clients} req/s"] = load(port, path, requests, clients)
        out["rss_mb"] = rss_mb(proc.pid)
        return out
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", help="write the raw figures here")
    args = parser.parse_args()
    results: dict[str, list[dict[str, float]]] = {"uvicorn": [], "waitress": []}
    for _ in range(args.runs):
        for stack, runs in results.items():  # alternate, so drift in machine load hits both
            runs.append(measure(stack, args.requests))
    print(f"load average {os.getloadavg()[0]:.2f}; {args.runs} runs, {args.requests} requests per figure; medians")
    keys = list(results["uvicorn"][0])
    print("| stack | " + " | ".join(keys) + " |")
    print("| --- |" + " ---: |" * len(keys))
    for stack, runs in results.items():
        cells = [f"{statistics.median(r[k] for r in runs):.3g}" for k in keys]
        print(f"| {stack} | " + " | ".join(cells) + " |")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
