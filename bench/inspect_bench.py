"""Benchmark: ``dbaudit inspect`` against ``pg_dump --schema-only`` and SQLAlchemy ``MetaData.reflect()``.

Run on purpose, not in the test suite:

    .venv/bin/python bench/inspect_bench.py --sizes 1000,5000,10000

For each size it makes sure a database holding the synthetic schema of ``bench/schema_gen.py`` exists
on the server named by ``--url`` (reused when already complete for the same size, seed and generator
version; ``--rebuild`` forces a fresh one), then measures, in the same run and on the same database:

- ``dbaudit inspect URL -o FILE`` (a fresh process, Python start-up included);
- ``pg_dump --schema-only -f FILE`` with the pg_dump of the server's major version;
- ``python -c 'MetaData().reflect(engine)'`` with ``postgresql+psycopg`` (a fresh process).

dbaudit and pg_dump run alternately (A B A B ...) after warm-up runs, and the ratio is taken pair by
pair, so a drift in machine speed hits both sides of each ratio. Each run is one child process timed
from outside: wall time from ``time.perf_counter`` around the process, user/sys time and peak RSS from
the kernel's accounting of that child (``os.wait4``). Medians are reported.

``--audit`` also times ``dbaudit audit URL --format json`` against ``dbaudit inspect`` (issue 4) at
the sizes given by ``--audit-sizes``; it is skipped with a message while ``dbaudit audit`` does not
exist.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent))
import schema_gen

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
MARKER = "dbaudit-bench complete"

REFLECT_SNIPPET = (
    "import sys, sqlalchemy as sa\n"
    "engine = sa.create_engine(sys.argv[1])\n"
    "metadata = sa.MetaData()\n"
    "metadata.reflect(engine)\n"
    "print(len(metadata.tables))\n"
)


# ---------------------------------------------------------------------------------------------------
# Databases


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


def database_name(size: int, seed: int) -> str:
    return f"dbaudit_bench_{size}_s{seed}_g{schema_gen.GENERATOR_VERSION}"


def ensure_database(admin_url: str, size: int, seed: int, rebuild: bool) -> str:
    """URL of a complete benchmark database of this size and seed, generating it when needed."""
    name = database_name(size, seed)
    url = with_database(admin_url, name)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
        if row is not None and row[0] == MARKER and not rebuild:
            log(f"[{size}] reusing database {name}")
            return url
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    started = time.perf_counter()
    log(f"[{size}] generating {name} ...")
    with psycopg.connect(url, autocommit=True) as conn:
        for batch in schema_gen.generate(size, seed):
            # One transaction per batch: a failed batch leaves no half-built table behind.
            conn.execute("BEGIN;\n" + batch + "\nCOMMIT;")
        conn.execute("ANALYZE")
        marker = sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name), sql.Literal(MARKER))
        conn.execute(marker)
    log(f"[{size}] generated in {time.perf_counter() - started:.1f} s")
    return url


def catalog_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT c.relkind::text, count(*) FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace "
            "GROUP BY 1"
        ).fetchall()
        triggers = conn.execute("SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal").fetchone()
    kinds = {str(k): int(v) for k, v in rows}
    return {
        "tables": kinds.get("r", 0) + kinds.get("p", 0),
        "partitioned": kinds.get("p", 0),
        "indexes": kinds.get("i", 0) + kinds.get("I", 0),
        "views": kinds.get("v", 0),
        "triggers": int(triggers[0]) if triggers else 0,
    }


def server_version(url: str) -> tuple[int, str]:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT current_setting('server_version_num')::int, version()").fetchone()
    assert row is not None
    return int(row[0]) // 10000, str(row[1])


# ---------------------------------------------------------------------------------------------------
# Commands


def find_pg_dump(major: int) -> str:
    """The pg_dump of the server's major version (an older pg_dump refuses a newer server)."""
    candidate = Path(f"/usr/lib/postgresql/{major}/bin/pg_dump")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("pg_dump")
    if found:
        out = subprocess.run([found, "--version"], capture_output=True, text=True, check=False).stdout
        match = re.search(r"(\d+)", out)
        if match and int(match.group(1)) >= major:
            return found
    raise SystemExit(f"no pg_dump for PostgreSQL {major} found (looked in {candidate} and PATH)")


def find_dbaudit() -> str:
    candidate = Path(sys.executable).parent / "dbaudit"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("dbaudit")
    if not found:
        raise SystemExit("dbaudit is not installed (pip install -e .)")
    return found


def has_subcommand(dbaudit: str, name: str) -> bool:
    result = subprocess.run([dbaudit, name, "--help"], capture_output=True, check=False)
    return result.returncode == 0


def psycopg_url(url: str) -> str:
    scheme, rest = url.split("://", 1)
    return f"postgresql+psycopg://{rest}" if scheme in ("postgresql", "postgres") else url


# ---------------------------------------------------------------------------------------------------
# Measurement


@dataclass
class Run:
    wall: float
    user: float
    sys: float
    peak_rss_mb: float
    returncode: int


@dataclass
class Series:
    label: str
    command: list[str]
    runs: list[Run] = field(default_factory=list)

    def median(self, attr: str) -> float:
        return statistics.median(getattr(r, attr) for r in self.runs)

    def spread(self, attr: str) -> tuple[float, float]:
        values = [getattr(r, attr) for r in self.runs]
        return min(values), max(values)


class RunFailed(Exception):
    """A command kept failing; its size is reported as failed and the benchmark goes on."""


def run_once(command: Sequence[str], ok_codes: tuple[int, ...] = (0,), retries: int = 2) -> Run:
    """One child process: wall clock around it, CPU time and peak RSS from the kernel (wait4).

    A failed run is retried after a pause (the server is shared: other sessions can fill the lock
    table for a while, and pg_dump takes a lock per table); when it keeps failing, RunFailed.
    """
    try:
        return _run_child(command, ok_codes)
    except RuntimeError as exc:
        last = str(exc).strip().splitlines()[-1]
        if retries <= 0:
            raise RunFailed(f"{Path(command[0]).name}: {last}") from None
        log(f"    retrying in 5 s after a failed run: {last}")
        time.sleep(5)
        return run_once(command, ok_codes, retries - 1)


def _run_child(command: Sequence[str], ok_codes: tuple[int, ...]) -> Run:
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in ok_codes:
            err.seek(0)
            tail = err.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"command failed ({proc.returncode}): {' '.join(command)}\n{tail.strip()}")
    # ru_maxrss is in KiB on Linux.
    return Run(wall, usage.ru_utime, usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode)


def paired(a: Series, b: Series, runs: int, warmup: int, ok_codes: tuple[int, ...] = (0,)) -> list[float]:
    """Run A and B alternately; return the A/B wall-time ratio of each counted pair."""
    ratios = []
    for i in range(warmup + runs):
        ra, rb = run_once(a.command, ok_codes), run_once(b.command)
        if i >= warmup:
            a.runs.append(ra)
            b.runs.append(rb)
            ratios.append(ra.wall / rb.wall)
        log(f"    {a.label} {ra.wall:.2f} s / {b.label} {rb.wall:.2f} s{'' if i >= warmup else ' (warm-up)'}")
    return ratios


def single(series: Series, runs: int) -> None:
    for _ in range(runs):
        r = run_once(series.command)
        series.runs.append(r)
        log(f"    {series.label} {r.wall:.2f} s, {r.peak_rss_mb:.0f} MB")


# ---------------------------------------------------------------------------------------------------
# Report


@dataclass
class SizeResult:
    size: int
    database: str
    counts: dict[str, int]
    series: dict[str, Series]
    ratio_dbaudit_pg_dump: list[float]
    ratio_reflect_dbaudit: float | None
    audit_ratios: list[float] | None = None


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def fmt_series(s: Series | None) -> str:
    if s is None or not s.runs:
        return "-"
    return f"{s.median('wall'):.2f}"


def fmt_mem(s: Series | None) -> str:
    if s is None or not s.runs:
        return "-"
    return f"{max(r.peak_rss_mb for r in s.runs):.0f}"


def markdown(results: list[SizeResult]) -> str:
    lines = [
        "| tables (+partitions) | indexes | triggers | dbaudit inspect s | pg_dump -s s | reflect() s "
        "| dbaudit / pg_dump | reflect / dbaudit | peak MB dbaudit | peak MB pg_dump | peak MB reflect |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        s = r.series
        ratio = f"{statistics.median(r.ratio_dbaudit_pg_dump):.2f}x" if r.ratio_dbaudit_pg_dump else "-"
        lo_hi = (
            f" ({min(r.ratio_dbaudit_pg_dump):.2f}-{max(r.ratio_dbaudit_pg_dump):.2f})"
            if len(r.ratio_dbaudit_pg_dump) > 1
            else ""
        )
        reflect = f"{r.ratio_reflect_dbaudit:.1f}x" if r.ratio_reflect_dbaudit else "-"
        lines.append(
            f"| {r.size:,} ({r.counts['tables']:,}) | {r.counts['indexes']:,} | {r.counts['triggers']:,} "
            f"| {fmt_series(s.get('dbaudit'))} | {fmt_series(s.get('pg_dump'))} "
            f"| {fmt_series(s.get('reflect'))} "
            f"| {ratio}{lo_hi} | {reflect} | {fmt_mem(s.get('dbaudit'))} | {fmt_mem(s.get('pg_dump'))} "
            f"| {fmt_mem(s.get('reflect'))} |"
        )
    audits = [r for r in results if r.audit_ratios]
    if audits:
        lines += [
            "",
            "| tables | dbaudit audit s | dbaudit inspect s | audit / inspect | peak MB audit |",
            "| --- | --- | --- | --- | --- |",
        ]
        for r in audits:
            assert r.audit_ratios is not None
            lines.append(
                f"| {r.size:,} | {fmt_series(r.series.get('audit'))} "
                f"| {fmt_series(r.series.get('inspect_a'))} "
                f"| {statistics.median(r.audit_ratios):.2f}x | {fmt_mem(r.series.get('audit'))} |"
            )
    return "\n".join(lines)


def machine_facts(pg_version: str) -> dict[str, str]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import sqlalchemy  # noqa: PLC0415

    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "memory_gb": f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.1f}",
        "python": platform.python_version(),
        "sqlalchemy": sqlalchemy.__version__,
        "psycopg": psycopg.__version__,
        "postgresql": pg_version,
    }


# ---------------------------------------------------------------------------------------------------
# Main


def bench_size(args: argparse.Namespace, size: int, tools: dict[str, str], audit: bool) -> SizeResult:
    url = ensure_database(args.url, size, args.seed, args.rebuild)
    counts = catalog_counts(url)
    log(f"[{size}] {counts}")
    out_dir = Path(tempfile.mkdtemp(prefix="dbaudit-bench-"))
    series: dict[str, Series] = {}
    ratios: list[float] = []
    pg_dump = Series("pg_dump", [tools["pg_dump"], "--schema-only", "-f", str(out_dir / "dump.sql"), url])
    series["pg_dump"] = pg_dump
    if "dbaudit" in tools:
        inspect = Series("dbaudit", [tools["dbaudit"], "inspect", url, "-o", str(out_dir / "model.json")])
        series["dbaudit"] = inspect
        log(f"[{size}] dbaudit inspect vs pg_dump -s, {args.runs} pairs after {args.warmup} warm-up")
        ratios = paired(inspect, pg_dump, args.runs, args.warmup)
    else:
        log(f"[{size}] dbaudit inspect not available yet: measuring pg_dump -s alone")
        single(Series("pg_dump (warm-up)", pg_dump.command), args.warmup)
        single(pg_dump, args.runs)
    reflect_ratio = None
    if args.reflect_runs > 0:
        reflect = Series("reflect", [sys.executable, "-c", REFLECT_SNIPPET, psycopg_url(url)])
        series["reflect"] = reflect
        log(f"[{size}] MetaData.reflect(), {args.reflect_runs} run(s)")
        single(reflect, args.reflect_runs)
        if "dbaudit" in series:
            reflect_ratio = reflect.median("wall") / series["dbaudit"].median("wall")
    result = SizeResult(size, database_name(size, args.seed), counts, series, ratios, reflect_ratio)
    if audit:
        audit_s = Series(
            "audit", [tools["dbaudit"], "audit", url, "--format", "json", "-o", str(out_dir / "report"), "-q"]
        )
        inspect_a = Series("inspect", [tools["dbaudit"], "inspect", url, "-o", str(out_dir / "model2.json")])
        log(f"[{size}] dbaudit audit vs dbaudit inspect, {args.audit_runs} pair(s)")
        # The audit exits 1 when it has findings: that is a result, not a failure.
        cwd = os.getcwd()
        os.chdir(out_dir)
        try:
            result.audit_ratios = paired(audit_s, inspect_a, args.audit_runs, 0, ok_codes=(0, 1))
        finally:
            os.chdir(cwd)
        series["audit"], series["inspect_a"] = audit_s, inspect_a
    shutil.rmtree(out_dir, ignore_errors=True)
    return result


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--url", default=DEFAULT_URL, help="server to create benchmark databases on")
    p.add_argument("--sizes", default="1000,5000,10000", help="comma-separated table counts")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--rebuild", action="store_true", help="regenerate databases even if complete")
    p.add_argument("--runs", type=int, default=3, help="counted runs (pairs) of dbaudit and pg_dump")
    p.add_argument("--warmup", type=int, default=1, help="uncounted runs first")
    p.add_argument("--reflect-runs", type=int, default=1, help="runs of MetaData.reflect() (slow); 0 skips")
    p.add_argument("--audit", action="store_true", help="also time dbaudit audit vs inspect")
    p.add_argument("--audit-sizes", default="5000", help="sizes for --audit")
    p.add_argument("--audit-runs", type=int, default=1, help="pairs of audit and inspect (no warm-up)")
    p.add_argument("--generate-only", action="store_true", help="only make sure the databases exist")
    p.add_argument("--json", type=Path, help="also write the raw results as JSON here")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    major, pg_version = server_version(args.url)
    if args.generate_only:
        for size in sizes:
            url = ensure_database(args.url, size, args.seed, args.rebuild)
            log(f"[{size}] {catalog_counts(url)}")
        return 0
    tools = {"pg_dump": find_pg_dump(major)}
    dbaudit = find_dbaudit()
    if has_subcommand(dbaudit, "inspect"):
        tools["dbaudit"] = dbaudit
    audit = args.audit and "dbaudit" in tools and has_subcommand(dbaudit, "audit")
    if args.audit and not audit:
        log("skipping --audit: `dbaudit audit` does not exist yet")
    audit_sizes = {int(s) for s in args.audit_sizes.split(",") if s}
    failures: list[str] = []
    results = []
    for size in sizes:
        try:
            results.append(bench_size(args, size, tools, audit and size in audit_sizes))
        except RunFailed as exc:
            log(f"[{size}] failed: {exc}")
            failures.append(f"{size:,} tables: {exc}")
    facts = machine_facts(pg_version)
    print(f"Date: {facts['date']}; machine: {facts['nproc']} CPUs ({facts['cpu']}), {facts['memory_gb']} GB;")
    print(f"Python {facts['python']}, SQLAlchemy {facts['sqlalchemy']}, psycopg {facts['psycopg']};")
    print(f"{facts['postgresql']}; pg_dump: {tools['pg_dump']}")
    given = list(argv) if argv is not None else sys.argv[1:]
    print(f"Command: {' '.join(['python', 'bench/inspect_bench.py', *given])}")
    print()
    print(markdown(results))
    for failure in failures:
        print(f"\nFailed: {failure}")
    if args.json:
        raw = {"facts": facts, "results": [asdict(r) for r in results]}
        args.json.write_text(json.dumps(raw, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
