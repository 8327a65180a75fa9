"""Size and open time of the HTML report and the HTML docs, measured in headless Chromium.

For each size it writes ``dbaudit audit URL --format html`` and ``dbaudit docs URL --format html``
for the benchmark database of ``schema_gen.py`` (see ``inspect_bench.py --generate-only``), then opens
each file ``--runs`` times in a fresh tab of Debian's Chromium (Selenium, system chromedriver, the
flags of the browser test) and reads the browser's own timings: ``domContentLoaded`` and ``load``
(navigation start to the end of the load event: HTML parsed, scripts run, first DOM built) and, for
pages that draw a diagram on open, when the first diagram was drawn (a ``performance.mark`` set by
``schema.js``); "ready" is when the page's script has built what it shows on open (table list,
finding headers), a ``performance.mark`` too (pages without it report nan). ``--baseline-src DIR``
also measures the report of another source tree (e.g. ``/work/main/src``) in the same run.

    .venv/bin/python bench/html_open_bench.py --sizes 500,2000 --runs 5 --baseline-src /work/main/src
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.chromium import chromium, find_chromium  # noqa: E402

from bench.inspect_bench import database_name, with_database  # noqa: E402

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def generate(kind: str, url: str, out: Path, src: str | None = None) -> tuple[Path, float]:
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src
    args = {"report": ["audit", url, "--format", "html", "-o", str(out), "-q"],
            "docs": ["docs", url, "--format", "html", "-o", str(out)]}[kind]
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "from dbaudit.cli.main import main; main()", *args],
                   env=env, check=False, capture_output=True, timeout=600)
    seconds = time.perf_counter() - started
    return out / ("report.html" if kind == "report" else "index.html"), seconds


def open_times(browser: Any, path: Path, runs: int) -> dict[str, float]:
    samples: dict[str, list[float]] = {"dom": [], "load": [], "ready": [], "erd": []}
    for _ in range(runs):
        browser.get("about:blank")
        browser.get(path.as_uri())
        timing = browser.execute_script(
            "var n = performance.getEntriesByType('navigation')[0];"
            "return [n.domContentLoadedEventEnd, n.loadEventEnd];")
        samples["dom"].append(timing[0])
        samples["load"].append(timing[1])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            mark = browser.execute_script(
                "var m = performance.getEntriesByName('dbaudit-erd-drawn'); return m.length ? m[0].startTime : null;")
            has_erd = browser.execute_script("return !!document.getElementById('erd') && "
                                             "!!(window.dbauditSchema)")
            if mark is not None or not has_erd or browser.execute_script(
                    "var e = document.getElementById('erd'); return !e.dataset.state;"):
                break
            time.sleep(0.05)
        if mark is not None:
            samples["erd"].append(mark)
        ready = None
        marks = browser.execute_script("return !!window.dbauditSchemaReady")
        while marks and ready is None and time.monotonic() < deadline:
            ready = browser.execute_script(
                "var m = performance.getEntriesByName('dbaudit-ready'); return m.length ? m[0].startTime : null;")
            time.sleep(0.02) if ready is None else None
        samples["ready"].append(ready if ready is not None else float("nan"))
    return {k: statistics.median(v) for k, v in samples.items() if v}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="500,2000")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline-src", help="source tree of another dbaudit to measure its report too")
    args = parser.parse_args()
    found = find_chromium()
    if found is None:
        raise SystemExit("no chromium/chromedriver: apt-get install chromium chromium-driver")
    print("| tables | page | generate s | size MB | DOMContentLoaded ms | load ms | ready ms "
          "| first diagram drawn ms |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    with chromium(*found) as browser, tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            url = with_database(ADMIN, database_name(size, args.seed))
            cases = [("report", None), ("docs", None)]
            if args.baseline_src:
                cases.append(("report", args.baseline_src))
            for kind, src in cases:
                out = Path(tmp) / f"{size}-{kind}-{'base' if src else 'new'}"
                path, seconds = generate(kind, url, out, src)
                times = open_times(browser, path, args.runs)
                label = f"{kind} ({'baseline ' + src if src else 'this tree'})"
                erd = f"{times['erd']:.0f}" if "erd" in times else "on demand"
                print(f"| {size:,} | {label} | {seconds:.1f} | {path.stat().st_size / 1e6:.2f} | {times['dom']:.0f} | "
                      f"{times['load']:.0f} | {times['ready']:.0f} | {erd} |", flush=True)


if __name__ == "__main__":
    main()
