"""Benchmark: ``dbaudit snapshot``, estimated on a large schema and exact over 1 and 2 connections.

Run on purpose, not in the test suite:

    .venv/bin/python bench/snapshot_bench.py --estimate-size 10000 --count-tables 1000 --rows 20000 --runs 5

1. Estimated snapshot of the ``bench/schema_gen.py`` schema (10,000 tables + partitions, the database
   ``inspect_bench.py`` builds and reuses): ``dbaudit snapshot URL -o FILE --no-schema`` (rows and
   sizes from the catalog in one statement) and ``dbaudit snapshot URL -o FILE`` (also the schema model
   and its fingerprint). "After start-up" is the snapshot's own ``elapsed_s`` (from the start of
   ``take_snapshot`` to the end, written in the file); wall time is around the whole process. Peer:
   ``psql`` reading ``pg_stat_user_tables`` (the row estimates PgHero shows), same database.
2. Exact counts on a database of ``--count-tables`` tables of ``--rows`` rows each:
   ``--exact --jobs 1`` against ``--exact --jobs 2`` (both ``--no-schema``, so only the counting
   differs), run alternately, the ratio taken round by round. Peer: one ``psql`` session running
   ``SELECT count(*)`` on every table in turn.

Each command is a fresh process; medians with min-max are reported. The machine is shared: quote the
load average printed with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent))
from inspect_bench import DEFAULT_URL, ensure_database, find_dbaudit, log, run_once, with_database

COUNT_MARKER = "dbaudit-bench counts complete"
PSQL = "/usr/bin/psql"
STARTUP = "python imports only (start-up)"


def ensure_count_database(admin_url: str, tables: int, rows: int) -> str:
    """``tables`` tables of ``rows`` rows each (id, v, note), vacuumed and analyzed; reused when complete."""
    name = f"dbaudit_bench_counts_{tables}_{rows}"
    url = with_database(admin_url, name)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        row = conn.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                           (name,)).fetchone()
        if row is not None and row[0] == COUNT_MARKER:
            log(f"reusing {name}")
            return url
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    log(f"generating {name} ...")
    with psycopg.connect(url, autocommit=True) as conn:
        for start in range(0, tables, 50):
            batch = [
                f"CREATE TABLE t_{i:05d} (id int, v int, note text);"
                f"INSERT INTO t_{i:05d} SELECT g, g % 97, 'row ' || g FROM generate_series(1, {rows}) g;"
                for i in range(start, min(start + 50, tables))
            ]
            conn.execute("BEGIN;" + "".join(batch) + "COMMIT;")
        conn.execute("VACUUM ANALYZE")
        conn.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name), sql.Literal(COUNT_MARKER)))
    return url


def snapshot_elapsed(path: Path, key: str = "elapsed_s") -> float:
    return float(json.loads(path.read_text(encoding="utf-8"))[key])


def rounds(commands: dict[str, list[str]], runs: int, warmup: int,
           after: Callable[[str], float | None] | None = None) -> dict[str, list[tuple[float, float | None]]]:
    """Run every command once per round, in turn; (wall, in-process seconds) per counted run."""
    out: dict[str, list[tuple[float, float | None]]] = {label: [] for label in commands}
    for i in range(warmup + runs):
        for label, command in commands.items():
            run = run_once(command)
            inner = after(label) if after else None
            log(f"  {label}: {run.wall:.2f} s" + (f" (in process {inner:.2f} s)" if inner is not None else "")
                + ("" if i >= warmup else " (warm-up)"))
            if i >= warmup:
                out[label].append((run.wall, inner))
    return out


def fmt(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def print_table(result: dict[str, list[tuple[float, float | None]]]) -> None:
    print("| command | wall s, median (min-max) | after start-up s (elapsed_s) |")
    print("| --- | --- | --- |")
    for label, runs in result.items():
        inner = [r[1] for r in runs if r[1] is not None]
        print(f"| `{label}` | {fmt([r[0] for r in runs])} | {fmt(inner) if inner else '-'} |")


def estimate_part(args: argparse.Namespace, dbaudit: str, tmp: Path) -> None:
    url = ensure_database(args.url, args.estimate_size, 1, False)
    rows_only, with_schema = tmp / "rows.json", tmp / "schema.json"
    commands = {
        "dbaudit snapshot --no-schema": [dbaudit, "snapshot", url, "-o", str(rows_only), "--no-schema"],
        "dbaudit snapshot": [dbaudit, "snapshot", url, "-o", str(with_schema)],
        "psql pg_stat_user_tables": [PSQL, "-X", "-q", "-At", "-d", url, "-o", os.devnull, "-c",
                                     "SELECT schemaname, relname, n_live_tup FROM pg_stat_user_tables"],
        # Start-up: the interpreter and every module the command imports, and nothing else.
        STARTUP: [sys.executable, "-c", "import dbaudit.cli.main, dbaudit.cli.snapshot_cmd, dbaudit.snapshot, "
                  "dbaudit.live.postgres, dbaudit.sources.postgres.connect, psycopg, importlib.metadata"],
    }
    files = {"dbaudit snapshot --no-schema": rows_only, "dbaudit snapshot": with_schema}
    log(f"estimated snapshot, {args.estimate_size} tables (load {os.getloadavg()[0]:.2f})")
    result = rounds(commands, args.runs, 1, lambda label: snapshot_elapsed(files[label]) if label in files else None)
    tables = len(json.loads(rows_only.read_text(encoding="utf-8"))["tables"])
    print(f"\n### Estimated snapshot: {args.estimate_size:,} tables ({tables:,} relations with rows), "
          f"{args.runs} runs, load average {os.getloadavg()[0]:.2f}\n")
    print_table(result)
    startup = statistics.median(r[0] for r in result[STARTUP])
    for label in ("dbaudit snapshot --no-schema", "dbaudit snapshot"):
        after = [r[0] - startup for r in result[label]]
        print(f"\n`{label}` after start-up (wall minus the median start-up {startup:.2f} s): {fmt(after)} s")


def count_part(args: argparse.Namespace, dbaudit: str, tmp: Path) -> None:
    url = ensure_count_database(args.url, args.count_tables, args.rows)
    script, halves = tmp / "counts.sql", (tmp / "even.sql", tmp / "odd.sql")
    statements = [f"SELECT count(*) FROM t_{i:05d};\n" for i in range(args.count_tables)]
    script.write_text("".join(statements), encoding="utf-8")
    for k, half in enumerate(halves):
        half.write_text("".join(statements[k::2]), encoding="utf-8")
    psql = f"{PSQL} -X -q -At -d '{url}' -o {os.devnull} -f"
    one, two = tmp / "one.json", tmp / "two.json"
    commands = {
        "--jobs 1": [dbaudit, "snapshot", url, "-o", str(one), "--exact", "--jobs", "1", "--no-schema"],
        "--jobs 2": [dbaudit, "snapshot", url, "-o", str(two), "--exact", "--jobs", "2", "--no-schema"],
        "psql count(*) loop": [PSQL, "-X", "-q", "-At", "-d", url, "-o", os.devnull, "-f", str(script)],
        # Control: what two sessions gain on this machine right now, without dbaudit.
        "psql, 2 sessions, half each": ["/bin/sh", "-c", f"{psql} {halves[0]} & {psql} {halves[1]} & wait"],
    }
    files = {"--jobs 1": one, "--jobs 2": two}
    log(f"exact counts, {args.count_tables} tables x {args.rows} rows (load {os.getloadavg()[0]:.2f})")
    counting: dict[str, list[float]] = {label: [] for label in files}

    def after(label: str) -> float | None:
        if label not in files:
            return None
        counting[label].append(snapshot_elapsed(files[label], "count_elapsed_s"))
        return snapshot_elapsed(files[label])

    result = rounds(commands, args.runs, 1, after)
    ratios = [a[0] / b[0] for a, b in zip(result["--jobs 1"], result["--jobs 2"], strict=True)]
    # The first (warm-up) round is not counted.
    phase = [a / b for a, b in zip(counting["--jobs 1"][1:], counting["--jobs 2"][1:], strict=True)]
    inner = [a[1] / b[1] for a, b in zip(result["--jobs 1"], result["--jobs 2"], strict=True)
             if a[1] is not None and b[1] is not None]
    print(f"\n### Exact counts: {args.count_tables:,} tables x {args.rows:,} rows, {args.runs} rounds, "
          f"load average {os.getloadavg()[0]:.2f}\n")
    print_table(result)
    print(f"\nthe counting itself (count_elapsed_s): --jobs 1 {fmt(counting['--jobs 1'][1:])} s, "
          f"--jobs 2 {fmt(counting['--jobs 2'][1:])} s")
    control = [a[0] / b[0] for a, b in zip(result["psql count(*) loop"], result["psql, 2 sessions, half each"],
                                           strict=True)]
    print(f"\n--jobs 1 / --jobs 2: wall {fmt(ratios)}x; after start-up {fmt(inner)}x; counting {fmt(phase)}x")
    print(f"control, psql 1 session / 2 sessions: {fmt(control)}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=DEFAULT_URL, help="server holding the benchmark databases")
    parser.add_argument("--estimate-size", type=int, default=10000, help="schema_gen size; 0 skips part 1")
    parser.add_argument("--count-tables", type=int, default=1000, help="0 skips part 2")
    parser.add_argument("--rows", type=int, default=20000, help="rows per table for part 2")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    dbaudit = find_dbaudit()
    with tempfile.TemporaryDirectory(prefix="dbaudit-snapbench-") as tmp:
        if args.estimate_size:
            estimate_part(args, dbaudit, Path(tmp))
        if args.count_tables:
            count_part(args, dbaudit, Path(tmp))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
