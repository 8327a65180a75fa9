"""Benchmark: what translatable messages cost a large audit (issue 12 item 4).

Run on purpose, not in the test suite, against the 10,000-table database of ``inspect_bench.py``:

    git archive BASE src | tar -x -C /tmp/base        # the code before messages, to compare with
    .venv/bin/python bench/messages_bench.py --base /tmp/base/src --runs 3

Each case is a fresh ``dbaudit audit URL --format FMT --lang LANG -o DIR -q`` process with
``PYTHONPATH`` pointing at one source tree; cases alternate (base, this tree, ...) so a drift in machine
speed hits both. Wall time, child CPU time (user + sys, ``os.wait4``: what matters on a busy machine)
and peak RSS; medians are printed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]


def run(dbaudit: str, url: str, src: str, fmt: str, lang: str) -> tuple[float, float, float]:
    out = tempfile.mkdtemp()
    env = dict(os.environ, PYTHONPATH=src)
    started = time.perf_counter()
    proc = subprocess.Popen([dbaudit, "audit", url, "--format", fmt, "--lang", lang, "-o", out, "-q"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - started, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/dbaudit_bench_10000_s1_g1")
    p.add_argument("--base", required=True, help="src/ directory of the code to compare with")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--dbaudit", default=str(HERE / ".venv" / "bin" / "dbaudit"))
    args = p.parse_args()
    trees = {"base": args.base, "this": str(HERE / "src")}
    cases = [("base", "json", "en"), ("this", "json", "en"), ("base", "md", "en"), ("this", "md", "en"),
             ("this", "md", "zh")]
    results: dict[tuple[str, str, str], list[tuple[float, float, float]]] = {}
    for _ in range(args.runs):
        for tree, fmt, lang in cases:
            measured = run(args.dbaudit, args.url, trees[tree], fmt, lang)
            results.setdefault((tree, fmt, lang), []).append(measured)
            load = Path("/proc/loadavg").read_text().split()[0]
            wall, cpu, peak = measured
            print(f"{tree} {fmt} {lang}: wall {wall:.1f} s, cpu {cpu:.1f} s, peak {peak:.0f} MB (load {load})",
                  flush=True)
    print("| tree | format | lang | wall s | cpu s | peak MB |\n| --- | --- | --- | --- | --- | --- |")
    for (tree, fmt, lang), values in results.items():
        wall, cpu, peak = (statistics.median(v[i] for v in values) for i in range(3))
        print(f"| {tree} | {fmt} | {lang} | {wall:.1f} | {cpu:.1f} | {peak:.0f} |")


if __name__ == "__main__":
    main()
