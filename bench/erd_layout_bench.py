"""Which layout engine draws dbaudit's ER diagrams: Graphviz ``dot`` or ELK.js / dagre in the browser.

Each engine lays out the same synthetic groups of tables (boxes sized as the HTML draws them, one or
two FKs per table to earlier tables of the group, as ``schema_gen.py`` links them) and is measured on:

- time to lay out (ELK and dagre run in node, the V8 engine Chromium uses; ``dot`` as a process,
  start-up included, as dbaudit would call it);
- edges through boxes: edge segments that cross a table box other than their own two ends — the
  defect that makes the old grid diagram unreadable;
- bends per edge and drawing area (smaller is easier to read).

Run on purpose, never by the tests (needs ``dot`` and node with ``elkjs`` and ``@dagrejs/dagre``
installed in ``--node-modules``)::

    .venv/bin/python bench/erd_layout_bench.py --node-modules /tmp/js/node_modules --sizes 15,40,100,200
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
Box = tuple[str, float, float, float, float]
Line = tuple[str, str, list[tuple[float, float]]]


def graph(size: int, seed: int) -> dict[str, Any]:
    rng = random.Random(f"{seed}:{size}")
    nodes, edges = [], []
    for i in range(size):
        name = f"{rng.choice(('account', 'instance', 'order', 'invoice'))}_{rng.choice(('log', 'stats', 'x'))}_{i}"
        rows = rng.randint(1, 5)
        nodes.append({"id": f"n{i}", "w": max(160, min(300, 8 * len(name) + 40)), "h": 24 + 16 * rows + 8})
        if i:
            for parent in {rng.randint(0, i - 1) for _ in range(rng.choice((1, 1, 2)))}:
                edges.append((f"n{i}", f"n{parent}"))
    return {"nodes": nodes, "edges": edges}


def _crosses(p: tuple[float, float], q: tuple[float, float], box: Box) -> bool:
    """Does segment p-q pass through the inside of the box (shrunk by 2 px)?"""
    _, x, y, w, h = box
    x0, y0, x1, y1 = x + 2, y + 2, x + w - 2, y + h - 2
    t0, t1 = 0.0, 1.0
    dx, dy = q[0] - p[0], q[1] - p[1]
    for edge_p, edge_q in ((-dx, p[0] - x0), (dx, x1 - p[0]), (-dy, p[1] - y0), (dy, y1 - p[1])):
        if edge_p == 0:
            if edge_q < 0:
                return False
            continue
        r = edge_q / edge_p
        if edge_p < 0:
            t0 = max(t0, r)
        else:
            t1 = min(t1, r)
        if t0 > t1:
            return False
    return True


def _bends(points: list[tuple[float, float]]) -> int:
    """Direction changes along the polyline (collinear points, such as dot's straight cubic segments,
    do not count)."""
    count, last = 0, None
    for k in range(len(points) - 1):
        dx, dy = points[k + 1][0] - points[k][0], points[k + 1][1] - points[k][1]
        if abs(dx) < 0.5 and abs(dy) < 0.5:
            continue
        norm = (dx * dx + dy * dy) ** 0.5
        direction = (round(dx / norm, 2), round(dy / norm, 2))
        if last is not None and direction != last:
            count += 1
        last = direction
    return count


def quality(boxes: list[Box], lines: list[Line]) -> dict[str, float]:
    through = 0
    bends = 0
    for src, dst, points in lines:
        bends += _bends(points)
        hit = False
        for box in boxes:
            if box[0] in (src, dst):
                continue
            if any(_crosses(points[k], points[k + 1], box) for k in range(len(points) - 1)):
                hit = True
                break
        through += hit
    width = max(b[1] + b[3] for b in boxes) - min(b[1] for b in boxes)
    height = max(b[2] + b[4] for b in boxes) - min(b[2] for b in boxes)
    return {"edges_through_boxes": through, "edges": len(lines), "bends_per_edge": bends / max(len(lines), 1),
            "area_mpx": width * height / 1e6}


def run_dot(g: dict[str, Any]) -> tuple[float, list[Box], list[Line]]:
    lines_in = ['digraph G { graph [rankdir=LR, splines=ortho, nodesep=0.4, ranksep=0.8];',
                "node [shape=box, fixedsize=true, label=\"\"];"]
    for n in g["nodes"]:
        lines_in.append(f'{n["id"]} [width={n["w"] / 72:.3f}, height={n["h"] / 72:.3f}];')
    for i, (a, b) in enumerate(g["edges"]):
        lines_in.append(f"{a} -> {b} [id=e{i}];")
    lines_in.append("}")
    started = time.perf_counter()
    out = subprocess.run(["dot", "-Tjson"], input="\n".join(lines_in), capture_output=True, text=True, check=True)
    ms = (time.perf_counter() - started) * 1000
    data = json.loads(out.stdout)
    boxes: list[Box] = []
    names = {}
    for obj in data.get("objects", []):
        x, y = (float(v) for v in obj["pos"].split(","))
        w, h = float(obj["width"]) * 72, float(obj["height"]) * 72
        boxes.append((obj["name"], x - w / 2, y - h / 2, w, h))
        names[obj["_gvid"]] = obj["name"]
    lines: list[Line] = []
    for edge in data.get("edges", []):
        points = [tuple(p) for op in edge.get("_draw_", []) if op["op"] in ("b", "B", "L") for p in op["points"]]
        lines.append((names[edge["tail"]], names[edge["head"]], points))  # type: ignore[arg-type]
    return ms, boxes, lines


def run_js(engine: str, graphs: list[dict[str, Any]], modules: Path) -> list[tuple[float, list[Box], list[Line]]]:
    lib = {"elk": modules / "elkjs/lib/elk.bundled.js", "dagre": modules / "@dagrejs/dagre/dist/dagre.cjs"}[engine]
    out = subprocess.run(["node", str(HERE / "erd_layout_driver.js"), engine, str(lib)],
                         input=json.dumps(graphs), capture_output=True, text=True, check=True)
    return [(r["ms"], r["boxes"], r["lines"]) for r in json.loads(out.stdout)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--node-modules", type=Path, required=True)
    parser.add_argument("--sizes", default="15,40,100,200")
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print("| tables | engine | layout ms (median) | edges through boxes | bends / edge | area Mpx |")
    print("| --- | --- | --- | --- | --- | --- |")
    for size in sizes:
        graphs = [graph(size, seed) for seed in range(args.seeds)]
        results: dict[str, list[tuple[float, list[Box], list[Line]]]] = {
            "dot (splines=ortho)": [run_dot(g) for g in graphs],
            "ELK layered (orthogonal)": run_js("elk", graphs, args.node_modules),
            "dagre": run_js("dagre", graphs, args.node_modules),
        }
        for engine, runs in results.items():
            q = [quality(boxes, lines) for _ms, boxes, lines in runs]
            through = sum(x["edges_through_boxes"] for x in q)
            edges = sum(x["edges"] for x in q)
            print(f"| {size} | {engine} | {statistics.median(r[0] for r in runs):.0f} | {through} / {edges} | "
                  f"{statistics.mean(x['bends_per_edge'] for x in q):.1f} | "
                  f"{statistics.mean(x['area_mpx'] for x in q):.2f} |")


if __name__ == "__main__":
    main()
