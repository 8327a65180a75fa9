"""Benchmark: reading a large ``.sql`` file (dbaudit's parse step) at 1, 10 and 50 MB, with a peer.

Run on purpose, not in the test suite:

    .venv/bin/python bench/sql_parse_bench.py --sizes 1,10,50 --runs 3

Two kinds of file are generated (deterministic, kept in ``--dir`` and reused):

- ``ddl``: schema only, the statements of ``bench/schema_gen.py`` (tables, partitions, CHECKs, FKs,
  partial/expression/GIN indexes, triggers, comments, views) repeated to the size: about 4,700
  statements per MB;
- ``dump``: what ``pg_dump`` writes with data: ``\\restrict`` lines, a few statements per table and
  ``COPY … FROM stdin`` blocks of 20,000 rows (non-ASCII text included), to the size.

Each measurement is a fresh process; wall time is taken from outside, CPU time and peak resident
memory from the kernel's accounting of the child (``os.wait4``). Measured, alternating run by run:

- ``dbaudit``: ``dbaudit.sources.ddl.parse_sql_file`` (what ``audit``/``inspect``/``drift`` do with a
  ``.sql`` file before loading it into a throw-away database; the load itself is the server's work);
- ``pglast split`` (schema-only files; it cannot read a dump's meta-commands and data): PostgreSQL's
  own parser splitting the whole text at once (``pglast.parser.split(text, with_parser=True)``), the
  C parse dbaudit relied on before, without any Python work on top.

With ``--before SRC`` (the ``src`` directory of another dbaudit checkout, e.g. a ``git worktree`` of an
older commit) that version's ``parse_sql_file`` is measured too, once per size (it may be slow).

The table gives medians and the ratio of each size to the 1 MB one, of wall and of CPU time
(linear: about the size ratio; the CPU ratio is steadier on a shared machine).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from schema_gen import generate  # bench/ is not a package: imported from its directory

CHILD = {
    "dbaudit": (
        "import sys; from dbaudit.sources.ddl import parse_sql_file; "
        "print(len(parse_sql_file(sys.argv[1])))"
    ),
    "pglast split": (
        "import sys; from pglast import parser; "
        "print(len(parser.split(open(sys.argv[1], encoding='utf-8').read(), with_parser=True, only_slices=True)))"
    ),
}


def make_ddl(path: Path, megabytes: float) -> None:
    target = int(megabytes * 1024 * 1024)
    size = 0
    with path.open("w", encoding="utf-8") as out:
        for chunk in generate(200_000, 7):
            out.write(chunk + "\n")
            size += len(chunk.encode()) + 1
            if size >= target:
                return


def make_dump(path: Path, megabytes: float) -> None:
    target = int(megabytes * 1024 * 1024)
    rng = random.Random(1)
    size = 0
    table = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("\\restrict bench\nSET statement_timeout = 0;\n"
                  "SELECT pg_catalog.set_config('search_path', '', false);\n")
        while size < target:
            table += 1
            rows = "".join(f"{i}\tname {i} 名字\tnote; with a semicolon\t{rng.random() * 1000:.2f}\n"
                           for i in range(20_000))
            chunk = (
                f"CREATE TABLE public.t{table} (id bigint NOT NULL, name text, note text, amount numeric(12,2));\n"
                f"ALTER TABLE public.t{table} OWNER TO app;\n"
                f"COMMENT ON TABLE public.t{table} IS '订单表 {table}';\n"
                f"COPY public.t{table} (id, name, note, amount) FROM stdin;\n{rows}\\.\n\n"
                f"ALTER TABLE ONLY public.t{table} ADD CONSTRAINT t{table}_pkey PRIMARY KEY (id);\n"
            )
            out.write(chunk)
            size += len(chunk.encode())
        out.write("\\unrestrict bench\n")


def measure(tool: str, path: Path, before: Path | None = None) -> tuple[float, float, float, str]:
    """(wall s, CPU s, peak MB, stdout) of one fresh process."""
    env = dict(os.environ)
    if tool == "dbaudit before" and before is not None:
        env["PYTHONPATH"] = str(before)
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", CHILD["dbaudit" if tool == "dbaudit before" else tool], str(path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    out = proc.stdout.read() if proc.stdout else ""
    err = proc.stderr.read() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{tool} failed on {path}: {err.strip()[-500:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,50", help="file sizes in MB, comma-separated")
    parser.add_argument("--kinds", default="ddl,dump")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/dbaudit-sql-bench"))
    parser.add_argument("--before", type=Path, help="src/ of an older dbaudit to measure too (one run per size)")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    sizes = [float(s) for s in args.sizes.split(",")]
    print("| file | statements | tool | median wall s | median CPU s | peak MB | wall / 1 MB | CPU / 1 MB |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for kind in args.kinds.split(","):
        base: dict[str, tuple[float, float]] = {}
        for mb in sizes:
            path = args.dir / f"{kind}_{mb:g}mb.sql"
            if not path.exists():
                (make_ddl if kind == "ddl" else make_dump)(path, mb)
            # the peer cannot read a dump: psql meta-commands and COPY data are not SQL
            tools = list(CHILD) if kind == "ddl" else ["dbaudit"]
            runs: dict[str, list[tuple[float, float, float, str]]] = {tool: [] for tool in tools}
            for _ in range(args.runs):  # alternating, so a change in machine speed hits both tools
                for tool in tools:
                    runs[tool].append(measure(tool, path))
            if args.before is not None:
                runs["dbaudit before"] = [measure("dbaudit before", path, args.before)]
            for tool, results in runs.items():
                wall = statistics.median(r[0] for r in results)
                cpu = statistics.median(r[1] for r in results)
                wall0, cpu0 = base.setdefault(tool, (wall, cpu))
                print(f"| {kind} {mb:g} MB | {results[-1][3]} | {tool} | {wall:.2f} | {cpu:.2f} | "
                      f"{max(r[2] for r in results):.0f} | {wall / wall0:.1f}x | {cpu / cpu0:.1f}x |", flush=True)


if __name__ == "__main__":
    main()
