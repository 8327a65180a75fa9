"""Fleet benchmark: N small databases audited with ``dbaudit fleet --concurrency 8`` against one after
another (``--concurrency 1``), in the same run, on the same databases.

The databases (default 50 of 20 tables, the generator of ``schema_gen.py``) are cloned from one
template, audited, and dropped at the end (also on Ctrl-C). Each measurement is a fresh
``dbaudit fleet`` process writing every database's four reports and the aggregated report, so it
includes Python start-up and all writing; the two concurrencies alternate (1, 8, 1, 8, …) so that
load from elsewhere on the machine hits both alike. CPU time of the whole process tree comes from
the kernel's accounting of the child (``os.wait4``).

    .venv/bin/python bench/fleet_bench.py                        # 50 × 20 tables, 3 runs each
    .venv/bin/python bench/fleet_bench.py --databases 20 --runs 1 --concurrency 1,4,8
    .venv/bin/python bench/fleet_bench.py --loop     # also: one `dbaudit audit` process per database

``--rtt-ms 2`` puts a delay proxy between dbaudit and the server (this many milliseconds per round
trip, half each way, per chunk of data), as for databases in another zone or region; the server's
CPU stays on this machine, so only the network part of a remote fleet is simulated.

``--loop`` adds what a shell loop does without ``dbaudit fleet``: ``dbaudit audit URL -o DIR`` once per
database, one after another (a Python start-up and a report set each), measured once per run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent))
import schema_gen

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DBAUDIT = str(Path(sys.executable).with_name("dbaudit"))


# A TCP proxy adding half the round-trip time to each chunk in each direction (run as its own process).
PROXY = r"""
import asyncio, sys

HOST, PORT, DELAY = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]) / 2000


async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            await asyncio.sleep(DELAY)
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()


async def handle(client_reader, client_writer):
    upstream_reader, upstream_writer = await asyncio.open_connection(HOST, PORT)
    await asyncio.gather(pipe(client_reader, upstream_writer), pipe(upstream_reader, client_writer),
                         return_exceptions=True)


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


asyncio.run(main())
"""


def start_proxy(url: str, rtt_ms: float) -> tuple[subprocess.Popen[bytes], int]:
    parts = urlsplit(url)
    proxy = subprocess.Popen([sys.executable, "-c", PROXY, parts.hostname or "127.0.0.1", str(parts.port or 5432),
                              str(rtt_ms)], stdout=subprocess.PIPE)
    assert proxy.stdout is not None
    return proxy, int(proxy.stdout.readline())


def through(url: str, port: int) -> str:
    parts = urlsplit(url)
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit((parts.scheme, f"{user}127.0.0.1:{port}", parts.path, parts.query, parts.fragment))


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


def create_databases(admin_url: str, prefix: str, count: int, tables: int) -> list[str]:
    """A template with ``tables`` generated tables, and ``count`` clones of it."""
    template = f"{prefix}tpl"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(template)))
    with psycopg.connect(with_database(admin_url, template), autocommit=True) as conn:
        for batch in schema_gen.generate(tables, 1):
            conn.execute("BEGIN;\n" + batch + "\nCOMMIT;")
        conn.execute("ANALYZE")
    names = [f"{prefix}{n:03d}" for n in range(1, count + 1)]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        for name in names:
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name),
                                                                            sql.Identifier(template)))
    return [with_database(admin_url, name) for name in names]


def drop_databases(admin_url: str, prefix: str) -> int:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        names = [r[0] for r in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s",
                                            (prefix.replace("_", r"\_") + "%",)).fetchall()]
        for name in names:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    return len(names)


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far (``/proc/stat``; zeros elsewhere)."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0.0, 0.0
    tick = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields) - idle) / tick, sum(fields) / tick


def run_fleet(urls: list[str], concurrency: int, out: Path) -> dict[str, float | int]:
    shutil.rmtree(out, ignore_errors=True)
    busy_before, total_before = machine_busy()
    command = [DBAUDIT, "fleet", *urls, "--concurrency", str(concurrency), "-o", str(out), "-q",
               "--timeout", "600"]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    busy_after, total_after = machine_busy()
    stderr = process.stderr.read().decode() if process.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    document = json.loads((out / "fleet.json").read_text(encoding="utf-8"))
    audited = document["summary"]["audited"]
    if audited != len(urls) or code == 2:
        raise SystemExit(f"fleet run failed (exit {code}, {audited}/{len(urls)} audited):\n{stderr}")
    # ru_*time of a reaped child covers its own reaped children (the workers) too.
    # The machine's CPUs busy during the run (dbaudit, the PostgreSQL server and anything else running).
    machine = (busy_after - busy_before) / (total_after - total_before) if total_after > total_before else 0.0
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_running": document["peak_running"],
            "exit_code": code, "maxrss_mb": usage.ru_maxrss / 1024, "machine_busy": machine}


def run_loop(urls: list[str], out: Path) -> dict[str, float | int]:
    """``dbaudit audit`` per database, one after another, as a shell loop would."""
    shutil.rmtree(out, ignore_errors=True)
    busy_before, total_before = machine_busy()
    started = time.perf_counter()
    cpu = 0.0
    for n, url in enumerate(urls):
        process = subprocess.Popen([DBAUDIT, "audit", url, "-o", str(out / f"db{n}"), "-q"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _pid, status, usage = os.wait4(process.pid, 0)
        if os.waitstatus_to_exitcode(status) == 2:
            raise SystemExit(f"dbaudit audit failed on database {n}")
        cpu += usage.ru_utime + usage.ru_stime
    wall = time.perf_counter() - started
    busy_after, total_after = machine_busy()
    machine = (busy_after - busy_before) / (total_after - total_before) if total_after > total_before else 0.0
    return {"wall_s": wall, "cpu_s": cpu, "peak_running": 1, "exit_code": 0, "maxrss_mb": 0.0,
            "machine_busy": machine}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=DEFAULT_URL, help="admin URL of the server (creates/drops databases)")
    parser.add_argument("--databases", type=int, default=50)
    parser.add_argument("--tables", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3, help="runs per concurrency (alternating)")
    parser.add_argument("--concurrency", default="1,8", help="comma-separated concurrencies to compare")
    parser.add_argument("--rtt-ms", type=float, default=0.0, help="simulated network round trip (ms)")
    parser.add_argument("--loop", action="store_true", help="also time one `dbaudit audit` process per database")
    parser.add_argument("--json", metavar="FILE", help="write the raw figures here")
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    prefix = f"dbaudit_fleetbench_{uuid.uuid4().hex[:6]}_"
    work = Path(tempfile.mkdtemp(prefix="dbaudit-fleet-bench-"))
    figures: dict[int, list[dict[str, float | int]]] = {c: [] for c in levels}
    loop: list[dict[str, float | int]] = []
    load = os.getloadavg()
    proxy: subprocess.Popen[bytes] | None = None
    try:
        started = time.perf_counter()
        urls = create_databases(args.url, prefix, args.databases, args.tables)
        log(f"created {len(urls)} databases of {args.tables} tables in {time.perf_counter() - started:.1f} s")
        if args.rtt_ms > 0:
            proxy, port = start_proxy(args.url, args.rtt_ms)
            urls = [through(u, port) for u in urls]
            log(f"through a proxy adding {args.rtt_ms:g} ms per round trip (port {port})")
        run_fleet(urls[:2], 2, work / "warm")  # page cache and the server's catalog caches, off the clock
        for run in range(1, args.runs + 1):
            for level in levels:
                result = run_fleet(urls, level, work / f"c{level}")
                figures[level].append(result)
                log(f"run {run}: concurrency {level}: {result['wall_s']:.2f} s wall, {result['cpu_s']:.2f} s CPU, "
                    f"peak {result['peak_running']} running, machine CPUs {result['machine_busy']:.0%} busy")
            if args.loop:
                loop.append(run_loop(urls, work / "loop"))
                log(f"run {run}: one `dbaudit audit` per database: {loop[-1]['wall_s']:.2f} s wall, "
                    f"{loop[-1]['cpu_s']:.2f} s CPU")
    finally:
        if proxy is not None:
            proxy.terminate()
            proxy.wait()
        dropped = drop_databases(args.url, prefix)
        shutil.rmtree(work, ignore_errors=True)
        log(f"dropped {dropped} benchmark databases")
    print_table(args, figures, loop, load)
    if args.json:
        Path(args.json).write_text(json.dumps({"args": vars(args), "figures": figures, "loop": loop}, indent=2)
                                   + "\n")


def print_table(args: argparse.Namespace, figures: dict[int, list[dict[str, float | int]]],
                loop: list[dict[str, float | int]], load: tuple[float, float, float]) -> None:
    levels = list(figures)
    medians = {c: statistics.median(r["wall_s"] for r in rs) for c, rs in figures.items()}
    base = medians[levels[0]]
    print(f"{args.databases} databases × {args.tables} tables, {args.runs} runs each, {os.cpu_count()} CPUs, "
          f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
          + (f", {args.rtt_ms:g} ms simulated round trip" if args.rtt_ms else ""))
    print("| concurrency | wall median (s) | runs (s) | dbaudit CPU median (s) | machine CPUs busy | speed-up vs "
          f"concurrency {levels[0]} |")
    print("| ---: | ---: | --- | ---: | ---: | ---: |")
    for c, rs in figures.items():
        walls = ", ".join(f"{r['wall_s']:.2f}" for r in rs)
        cpu = statistics.median(r["cpu_s"] for r in rs)
        busy = statistics.median(r["machine_busy"] for r in rs)
        print(f"| {c} | {medians[c]:.2f} | {walls} | {cpu:.2f} | {busy:.0%} | {base / medians[c]:.2f}× |")
    if loop:
        wall = statistics.median(r["wall_s"] for r in loop)
        walls = ", ".join(f"{r['wall_s']:.2f}" for r in loop)
        cpu = statistics.median(r["cpu_s"] for r in loop)
        busy = statistics.median(r["machine_busy"] for r in loop)
        print(f"| `dbaudit audit` × {args.databases} | {wall:.2f} | {walls} | {cpu:.2f} | {busy:.0%} | "
              f"{base / wall:.2f}× |")


if __name__ == "__main__":
    main()
