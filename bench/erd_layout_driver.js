// Lays out the graphs given on stdin (JSON list) with ELK or dagre, in node (the V8 engine Chromium runs),
// and prints per graph the layout time and the geometry: boxes and edge polylines.
// Usage: node erd_layout_driver.js elk|dagre PATH_TO_ENGINE_JS < graphs.json
"use strict";
const engine = process.argv[2];
const lib = require(process.argv[3]);
const graphs = JSON.parse(require("fs").readFileSync(0, "utf8"));

async function elk(g) {
  const ELK = lib;
  const elk = new ELK();
  const graph = {
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered", "elk.direction": "RIGHT", "elk.edgeRouting": "ORTHOGONAL",
      "elk.layered.spacing.nodeNodeBetweenLayers": "60", "elk.spacing.nodeNode": "30",
      "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF",
    },
    children: g.nodes.map((n) => ({ id: n.id, width: n.w, height: n.h })),
    edges: g.edges.map((e, i) => ({ id: "e" + i, sources: [e[0]], targets: [e[1]] })),
  };
  const t0 = performance.now();
  const out = await elk.layout(graph);
  const ms = performance.now() - t0;
  const boxes = out.children.map((c) => [c.id, c.x, c.y, c.width, c.height]);
  const lines = out.edges.map((e) => {
    const s = e.sections[0];
    return [e.sources[0], e.targets[0], [s.startPoint, ...(s.bendPoints || []), s.endPoint].map((p) => [p.x, p.y])];
  });
  return { ms, boxes, lines };
}

function dagre(g) {
  const d = lib;
  const t0 = performance.now();
  const G = new d.graphlib.Graph({ multigraph: true });
  G.setGraph({ rankdir: "LR", nodesep: 30, ranksep: 60 });
  G.setDefaultEdgeLabel(() => ({}));
  g.nodes.forEach((n) => G.setNode(n.id, { width: n.w, height: n.h }));
  g.edges.forEach((e, i) => G.setEdge(e[0], e[1], {}, "e" + i));
  d.layout(G);
  const ms = performance.now() - t0;
  const boxes = G.nodes().map((id) => { const n = G.node(id); return [id, n.x - n.width / 2, n.y - n.height / 2, n.width, n.height]; });
  const lines = G.edges().map((e) => [e.v, e.w, G.edge(e).points.map((p) => [p.x, p.y])]);
  return { ms, boxes, lines };
}

(async () => {
  const results = [];
  for (const g of graphs) {
    results.push(engine === "elk" ? await elk(g) : dagre(g));
  }
  process.stdout.write(JSON.stringify(results));
})();
