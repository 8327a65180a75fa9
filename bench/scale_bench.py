"""Benchmark at size (issue 20): ``dbaudit inspect`` and ``dbaudit audit`` (all four report formats) at
1,000 / 5,000 / 10,000 tables, and a schema-per-tenant cluster of 100,000 tables, with the peer
``pg_dump --schema-only`` measured in the same run.

Run on purpose, not in the test suite:

    .venv/bin/python bench/scale_bench.py --sizes 1000,5000,10000 --runs 3 --tenants 5000

For each size it reuses (or generates) the database of ``bench/schema_gen.py`` that ``inspect_bench.py``
uses, then runs, alternately after a warm-up round, as fresh processes:

- ``dbaudit inspect URL -o model.json``;
- ``dbaudit audit URL -o DIR -q`` (Markdown, HTML, JSON and SARIF: the default formats);
- ``pg_dump --schema-only -f dump.sql URL`` (the server's major version);
- with ``--base-src DIR``, the same audit with ``PYTHONPATH=DIR`` (another source tree: "before").

Wall time around each process; user+sys CPU time and peak resident memory from the kernel's accounting
of that child (``os.wait4``, ``ru_maxrss``); the size of each report file. Medians are printed, and
the ratio of the 10,000-table audit's wall time to the 5,000-table one's.

``--tenants N`` builds a throw-away database of N tenant schemas of ``bench/tenant_gen.py``
(20 tables each, three of them deviating), audits it (``--tenant-runs`` times, and once with
``--no-tenant-dedupe`` unless ``--no-full-audit``, and once with the ``--base-src`` tree), inspects it,
runs ``pg_dump -s`` on it, then drops it (``--keep-tenants`` keeps it for another run: it is reused when
complete).
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
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent))
import inspect_bench as ib
import tenant_gen

FORMATS = ("report.md", "report.html", "report.json", "report.sarif")


@dataclass
class Measured:
    label: str
    wall: float
    cpu: float
    peak_mb: float
    returncode: int
    sizes: dict[str, int] = field(default_factory=dict)
    error: str = ""


def run(label: str, command: Sequence[str], *, out_dir: Path | None = None, env: dict[str, str] | None = None,
        ok: tuple[int, ...] = (0,)) -> Measured:
    """One fresh process: wall clock around it, CPU and peak RSS of the child from the kernel."""
    if out_dir is not None:
        shutil.rmtree(out_dir, ignore_errors=True)
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        code = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read().decode(errors="replace").strip().splitlines()
    sizes = {}
    if out_dir is not None and out_dir.is_dir():
        sizes = {name: (out_dir / name).stat().st_size for name in FORMATS if (out_dir / name).exists()}
    measured = Measured(label, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, code, sizes,
                        "" if code in ok else (tail[-1] if tail else f"exit {code}"))
    total = f", reports {sum(sizes.values()) / 1e6:.1f} MB" if sizes else ""
    status_text = f" FAILED: {measured.error}" if measured.error else ""
    ib.log(f"    {label}: {wall:.2f} s, CPU {measured.cpu:.2f} s, peak {measured.peak_mb:.0f} MB{total}{status_text}")
    return measured


def median(runs: list[Measured], attr: str) -> float:
    good = [r for r in runs if not r.error] or runs
    return statistics.median(getattr(r, attr) for r in good)


def peak(runs: list[Measured]) -> float:
    return max(r.peak_mb for r in runs)


# ---------------------------------------------------------------------------------------------------
# Sizes


def bench_size(args: argparse.Namespace, size: int, tools: dict[str, str]) -> dict[str, list[Measured]]:
    url = ib.ensure_database(args.url, size, args.seed, args.rebuild)
    work = Path(tempfile.mkdtemp(prefix="dbaudit-scale-"))
    commands: dict[str, tuple[list[str], Path | None, dict[str, str] | None, tuple[int, ...]]] = {
        "inspect": ([tools["dbaudit"], "inspect", url, "-o", str(work / "model.json")], None, None, (0,)),
        "audit": ([tools["dbaudit"], "audit", url, "-o", str(work / "audit"), "-q"], work / "audit", None, (0, 1)),
        "pg_dump": ([tools["pg_dump"], "--schema-only", "-f", str(work / "dump.sql"), url], None, None, (0,)),
    }
    if args.base_src:
        env = dict(os.environ, PYTHONPATH=args.base_src)
        commands["audit (base)"] = ([tools["dbaudit"], "audit", url, "-o", str(work / "base"), "-q"], work / "base",
                                    env, (0, 1))
    results: dict[str, list[Measured]] = {name: [] for name in commands}
    for n in range(args.warmup + args.runs):
        ib.log(f"[{size}] round {n + 1}{' (warm-up)' if n < args.warmup else ''}, load {os.getloadavg()[0]:.1f}")
        for name, (command, out_dir, env, ok) in commands.items():
            measured = run(name, command, out_dir=out_dir, env=env, ok=ok)
            if n >= args.warmup:
                results[name].append(measured)
    shutil.rmtree(work, ignore_errors=True)
    return results


# ---------------------------------------------------------------------------------------------------
# Tenants


def tenant_database(args: argparse.Namespace) -> tuple[str, str, float | None]:
    """URL and name of the tenant cluster's database, built unless a complete one exists; build seconds."""
    name = f"dbaudit_bench_tenants_{args.tenants}_g{tenant_gen.GENERATOR_VERSION}"
    url = ib.with_database(args.url, name)
    with psycopg.connect(args.url, autocommit=True) as conn:
        row = conn.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                           (name,)).fetchone()
        if row is not None and row[0] == ib.MARKER:
            ib.log(f"[tenants] reusing database {name}")
            return url, name, None
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    ib.log(f"[tenants] building {args.tenants:,} tenant schemas x {tenant_gen.TENANT_TABLES} tables in {name} ...")
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        tenant_gen.build(conn, args.tenants, log=ib.log)
        conn.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name), sql.Literal(ib.MARKER)))
    seconds = time.perf_counter() - started
    ib.log(f"[tenants] built in {seconds:.0f} s")
    return url, name, seconds


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    ib.log(f"[tenants] dropped {name}")


def bench_tenants(args: argparse.Namespace, tools: dict[str, str]) -> dict[str, object]:
    url, name, built = tenant_database(args)
    work = Path(tempfile.mkdtemp(prefix="dbaudit-tenants-"))
    try:
        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT count(*) FILTER (WHERE relkind IN ('r', 'p')), count(*) FILTER "
                               "(WHERE relkind = 'i') FROM pg_class c JOIN pg_namespace n ON n.oid = relnamespace "
                               "WHERE nspname LIKE 'tenant\\_%' OR nspname = 'public'").fetchone()
        assert row is not None
        tables, indexes = int(row[0]), int(row[1])
        ib.log(f"[tenants] {tables:,} tables, {indexes:,} indexes")
        results: dict[str, list[Measured]] = {"audit": [], "inspect": [], "pg_dump": [], "audit --no-tenant-dedupe": []}
        for n in range(args.tenant_runs):
            ib.log(f"[tenants] round {n + 1}, load {os.getloadavg()[0]:.1f}")
            results["audit"].append(run("audit", [tools["dbaudit"], "audit", url, "-o", str(work / "audit"), "-q"],
                                        out_dir=work / "audit", ok=(0, 1)))
            results["inspect"].append(run("inspect", [tools["dbaudit"], "inspect", url, "-o",
                                                      str(work / "model.json")]))
            results["pg_dump"].append(run("pg_dump", [tools["pg_dump"], "--schema-only", "-f", str(work / "dump.sql"),
                                                      url]))
        findings: dict[str, object] = {}
        report = work / "audit" / "report.json"
        if report.exists():
            document = json.loads(report.read_text())
            findings = {"entries": len(document["findings"]), "groups": len(document["groups"]),
                        "clusters": [{"template": c["template"], "schemas": len(c["schemas"]),
                                      "deviants": [d["schemas"] for d in c["deviants"]]}
                                     for c in document.get("tenants", [])]}
        if args.full_audit:
            results["audit --no-tenant-dedupe"].append(run(
                "audit --no-tenant-dedupe",
                [tools["dbaudit"], "audit", url, "-o", str(work / "full"), "-q", "--no-tenant-dedupe"],
                out_dir=work / "full", ok=(0, 1)))
            full = work / "full" / "report.json"
            if full.exists():
                findings["entries_without_dedupe"] = len(json.loads(full.read_text())["findings"])
        if args.base_src:
            results["audit (base)"] = [run(
                "audit (base)", [tools["dbaudit"], "audit", url, "-o", str(work / "base"), "-q"],
                out_dir=work / "base", env=dict(os.environ, PYTHONPATH=args.base_src), ok=(0, 1))]
        return {"database": name, "tables": tables, "indexes": indexes, "built_s": built, "results": results,
                "findings": findings}
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if not args.keep_tenants:
            drop_database(args.url, name)


# ---------------------------------------------------------------------------------------------------
# Output


def mb(n: float) -> str:
    return f"{n / 1e6:.1f}"


def size_table(by_size: dict[int, dict[str, list[Measured]]]) -> list[str]:
    lines = [
        "| tables | command | wall s (median) | CPU s | peak MB (max) | report.md MB | .html | .json | .sarif "
        "| reports MB |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for size, results in by_size.items():
        for name, runs in results.items():
            if not runs:
                continue
            sizes = runs[-1].sizes
            cells = [mb(sizes[f]) if f in sizes else "" for f in FORMATS]
            total = mb(sum(sizes.values())) if sizes else ""
            failed = " (failed)" if all(r.error for r in runs) else ""
            lines.append(f"| {size:,} | {name}{failed} | {median(runs, 'wall'):.2f} | {median(runs, 'cpu'):.2f} "
                         f"| {peak(runs):.0f} | {' | '.join(cells)} | {total} |")
    return lines


def ratio_lines(by_size: dict[int, dict[str, list[Measured]]]) -> list[str]:
    out = []
    if 5000 in by_size and 10000 in by_size:
        for name in by_size[10000]:
            if by_size[10000][name] and by_size[5000].get(name):
                wall = median(by_size[10000][name], "wall") / median(by_size[5000][name], "wall")
                cpu = median(by_size[10000][name], "cpu") / median(by_size[5000][name], "cpu")
                out.append(f"- {name}: 10,000 / 5,000 tables = {wall:.2f}x wall, {cpu:.2f}x CPU")
    return out


def tenant_lines(t: dict[str, object]) -> list[str]:
    results = t["results"]
    assert isinstance(results, dict)
    lines = [f"Database {t['database']}: {t['tables']:,} tables, {t['indexes']:,} indexes"
             + (f" (built in {t['built_s']:.0f} s)" if t.get("built_s") else ""), "",
             "| command | runs | wall s (median) | CPU s | peak MB (max) | reports MB | result |",
             "| --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for name, runs in results.items():
        if not runs:
            continue
        sizes = runs[-1].sizes
        errors = [r.error for r in runs if r.error]
        result = f"failed {len(errors)}/{len(runs)}: {errors[0]}" if errors else "ok"
        lines.append(f"| {name} | {len(runs)} | {median(runs, 'wall'):.2f} | {median(runs, 'cpu'):.2f} "
                     f"| {peak(runs):.0f} | {mb(sum(sizes.values())) if sizes else ''} | {result} |")
    lines += ["", f"Findings: {json.dumps(t['findings'])}"]
    return lines


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--url", default=ib.DEFAULT_URL, help="server to create benchmark databases on")
    p.add_argument("--sizes", default="1000,5000,10000", help="comma-separated table counts ('' for none)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--rebuild", action="store_true", help="regenerate the size databases even if complete")
    p.add_argument("--runs", type=int, default=3, help="counted rounds per size")
    p.add_argument("--warmup", type=int, default=1, help="uncounted rounds first")
    p.add_argument("--base-src", help="also audit with PYTHONPATH=this src/ directory (another tree)")
    p.add_argument("--tenants", type=int, default=0, help="tenant schemas of the tenant cluster (0: none)")
    p.add_argument("--tenant-runs", type=int, default=2)
    p.add_argument("--no-full-audit", dest="full_audit", action="store_false",
                   help="skip the tenant cluster's audit with --no-tenant-dedupe")
    p.add_argument("--keep-tenants", action="store_true", help="keep the tenant database (reused next time)")
    p.add_argument("--json", type=Path, help="also write the raw results as JSON here")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    major, pg_version = ib.server_version(args.url)
    tools = {"pg_dump": ib.find_pg_dump(major), "dbaudit": ib.find_dbaudit()}
    sizes = [int(s) for s in args.sizes.split(",") if s]
    by_size = {size: bench_size(args, size, tools) for size in sizes}
    tenants = bench_tenants(args, tools) if args.tenants else None
    facts = ib.machine_facts(pg_version)
    given = list(argv) if argv is not None else sys.argv[1:]
    print(f"Date: {facts['date']}; machine: {facts['nproc']} CPUs ({facts['cpu']}), {facts['memory_gb']} GB; "
          f"Python {facts['python']}; {facts['postgresql']}; pg_dump: {tools['pg_dump']}")
    print(f"Command: {' '.join(['python', 'bench/scale_bench.py', *given])}\n")
    if by_size:
        print("\n".join(size_table(by_size)))
        print()
        print("\n".join(ratio_lines(by_size)))
    if tenants is not None:
        print()
        print("\n".join(tenant_lines(tenants)))
    if args.json:
        raw = {"facts": facts, "sizes": {str(k): {n: [asdict(r) for r in v] for n, v in res.items()}
                                        for k, res in by_size.items()},
               "tenants": None if tenants is None else {
                   **{k: v for k, v in tenants.items() if k != "results"},
                   "results": {n: [asdict(r) for r in v] for n, v in tenants["results"].items()},  # type: ignore[attr-defined]
               }}
        args.json.write_text(json.dumps(raw, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
