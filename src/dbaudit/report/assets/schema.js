/* dbaudit schema view: ER diagrams laid out by ELK (layered, orthogonal edges around the boxes) drawn
   as SVG with pan and zoom, and per-table detail built from the page's embedded JSON only when a
   table is opened. Used by the audit's HTML report and by `dbaudit docs` (one self-contained file,
   no network). */
(function () {
  "use strict";
  var SVGNS = "http://www.w3.org/2000/svg";
  var HEAD_H = 24, ROW_H = 16, PAD_X = 10, MAX_ROWS = 10, OVERVIEW_LINKS = 3, MIN_START_SCALE = 0.55;
  var data, stats, T, byId = {};

  /* The text of a script block; large reports store it gzip-compressed in base64 (data-encoding). */
  function blockText(id) {
    var node = document.getElementById(id);
    if (!node) { return Promise.resolve(null); }
    if (node.getAttribute("data-encoding") !== "gzip") { return Promise.resolve(node.textContent); }
    var bin = atob(node.textContent.trim()), bytes = new Uint8Array(bin.length);
    for (var k = 0; k < bin.length; k += 1) { bytes[k] = bin.charCodeAt(k); }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text();
  }

  function init(text, statsText) {
    data = JSON.parse(text);
    stats = statsText ? JSON.parse(statsText) : {};
    T = data.texts;
    data.tables.forEach(function (t, i) { t.i = i; byId[t.id] = t; t.incoming = []; });
    data.tables.forEach(function (t) {
      (t.fk || []).forEach(function (fk) {
        var parent = typeof fk[2] === "number" ? data.tables[fk[2]] : null;
        if (parent) { parent.incoming.push([t, fk]); }
      });
    });
  }

  /* ELK is kept as inert text and run only when the first diagram is drawn: opening a page never
     pays for compiling it. */
  var elkReady = null;
  function loadElk() {
    if (!elkReady) {
      elkReady = window.ELK ? Promise.resolve() : blockText("dbaudit-elk").then(function (source) {
        var script = document.createElement("script");
        script.text = source;
        document.head.appendChild(script);
      });
    }
    return elkReady;
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) { Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); }); }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVGNS, tag);
    if (attrs) { Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); }); }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function code(text) { return el("code", null, text); }
  function refName(fk) { return typeof fk[2] === "number" ? data.tables[fk[2]].name : fk[2]; }
  function anchorOf(t) { return data.anchor + t.id.replace(/\s/g, "_"); }
  function tableLink(t, label) {
    var a = el("a", { href: "#" + anchorOf(t), "data-table": t.id });
    a.appendChild(code(label || t.name));
    return a;
  }

  /* ---------------------------------------------------------------- text measurement */
  var canvas = document.createElement("canvas").getContext("2d");
  function textWidth(text, font) { canvas.font = font; return canvas.measureText(text).width; }
  var NAME_FONT = "600 13px system-ui, sans-serif", ROW_FONT = "11px ui-monospace, Menlo, Consolas, monospace";

  /* ---------------------------------------------------------------- diagram specs */
  function keyRows(t) {
    var rows = (t.cols || []).filter(function (c) { return c[5]; }).map(function (c) { return [c[5], c[0], c[1]]; });
    if (rows.length > MAX_ROWS) {
      var more = rows.length - MAX_ROWS + 1;
      rows = rows.slice(0, MAX_ROWS - 1).concat([["", "\u2026 " + more + " " + T.more, ""]]);
    }
    return rows;
  }
  function drawn(t) { return t.kind === "table" || t.kind === "partitioned_table"; }

  /* Nodes of one group, with the tables of other groups they link to as stubs (name only). */
  function groupSpec(tableIds, compact) {
    var inside = {}, nodes = [], edges = [], stubs = {};
    tableIds.forEach(function (i) { if (drawn(data.tables[i])) { inside[i] = true; } });
    Object.keys(inside).forEach(function (i) {
      var t = data.tables[i];
      nodes.push({ t: t, rows: compact ? [] : keyRows(t), stub: false });
    });
    Object.keys(inside).forEach(function (i) {
      var t = data.tables[i];
      (t.fk || []).forEach(function (fk, n) {
        if (typeof fk[2] !== "number" || fk[2] === t.i || !drawn(data.tables[fk[2]])) { return; }
        if (!inside[fk[2]]) { stubs[fk[2]] = true; }
        edges.push({ id: "e" + t.i + "_" + n, s: t.i, t: fk[2], label: fk[1].join(", ") + " \u2192 " +
          refName(fk) + "." + fk[3].join(", ") + (fk[4] !== "NO ACTION" ? " ON DELETE " + fk[4] : "") });
      });
      t.incoming.forEach(function (pair) {
        var child = pair[0];
        if (!inside[child.i] && drawn(child)) {
          stubs[child.i] = true;
          edges.push({ id: "i" + child.i + "_" + t.i + "_" + pair[1][0], s: child.i, t: t.i,
                       label: child.name + "(" + pair[1][1].join(", ") + ") \u2192 " + t.name });
        }
      });
    });
    Object.keys(stubs).forEach(function (i) { nodes.push({ t: data.tables[i], rows: [], stub: true }); });
    return { nodes: nodes, edges: edges };
  }

  /* Groups as nodes (name and table count), one edge per pair of groups linked by FKs. */
  function groupsSpec() {
    var nodes = data.groups.map(function (g, n) {
      return { t: { i: 1000000 + n, id: "group:" + g.slug, name: g.name + " (" + g.tables.length + ")", group: n,
                    slug: g.slug }, rows: [], stub: false };
    });
    var counts = {};
    data.tables.forEach(function (t) {
      (t.fk || []).forEach(function (fk) {
        if (typeof fk[2] !== "number") { return; }
        var a = t.group, b = data.tables[fk[2]].group;
        if (a < 0 || b < 0 || a === b) { return; }
        counts[a + ":" + b] = (counts[a + ":" + b] || 0) + 1;
      });
    });
    /* Each group keeps its strongest links (at most OVERVIEW_LINKS): a schema whose groups all
       reference each other would otherwise be a complete graph, unreadable and slow to lay out. */
    var pairs = Object.keys(counts).sort(function (x, y) { return counts[y] - counts[x] || (x < y ? -1 : 1); });
    var kept = {}, degree = {};
    pairs.forEach(function (k) {
      var ab = k.split(":"), a = ab[0], b = ab[1], key = a < b ? a + ":" + b : b + ":" + a;
      if (kept[key] || (degree[a] || 0) >= OVERVIEW_LINKS && (degree[b] || 0) >= OVERVIEW_LINKS) { return; }
      kept[key] = k;
      degree[a] = (degree[a] || 0) + 1; degree[b] = (degree[b] || 0) + 1;
    });
    var edges = Object.keys(kept).sort().map(function (key) {
      var ab = kept[key].split(":"), back = counts[ab[1] + ":" + ab[0]] || 0;
      return { id: "g" + ab[0] + "_" + ab[1], s: 1000000 + Number(ab[0]), t: 1000000 + Number(ab[1]),
               label: (counts[kept[key]] + back) + " FK" };
    });
    return { nodes: nodes, edges: edges };
  }

  /* ---------------------------------------------------------------- layout and drawing */
  var elk = null, diagrams = 0;
  function layout(spec) {
    return loadElk().then(function () { return layoutNow(spec); });
  }
  function layoutNow(spec) {
    if (!elk) { elk = new window.ELK(); }
    var children = spec.nodes.map(function (n) {
      var label = n.t.name + (n.stub ? "  (" + groupName(n.t) + ")" : "");
      var w = textWidth(label, NAME_FONT) + 2 * PAD_X;
      n.rows.forEach(function (r) { w = Math.max(w, textWidth(r[0] + " " + r[1] + "  " + r[2], ROW_FONT) + 2 * PAD_X); });
      n.label = label;
      n.w = Math.min(Math.max(Math.ceil(w), 90), 420);
      n.h = HEAD_H + (n.rows.length ? ROW_H * n.rows.length + 8 : 0);
      return { id: "n" + n.t.i, width: n.w, height: n.h };
    });
    var graph = {
      id: "root",
      layoutOptions: {
        "elk.algorithm": "layered", "elk.direction": "RIGHT", "elk.edgeRouting": "ORTHOGONAL",
        "elk.layered.spacing.nodeNodeBetweenLayers": "50", "elk.spacing.nodeNode": "24",
        "elk.layered.spacing.edgeNodeBetweenLayers": "16", "elk.spacing.componentComponent": "40",
        "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF", "elk.aspectRatio": "1.6"
      },
      children: children,
      edges: spec.edges.map(function (e) { return { id: e.id, sources: ["n" + e.s], targets: ["n" + e.t] }; })
    };
    return elk.layout(graph);
  }

  function groupName(t) { return t.group >= 0 ? data.groups[t.group].name : ""; }

  function draw(container, spec, result, onPick) {
    var width = Math.ceil(result.width || 10), height = Math.ceil(result.height || 10);
    var root = svg("svg", { "class": "erd", role: "img", "aria-label": T.erd, width: "100%" });
    var defs = svg("defs");
    var arrow = "dbaudit-arrow-" + (++diagrams);
    var marker = svg("marker", { id: arrow, viewBox: "0 0 10 10", refX: "10", refY: "5", markerWidth: "8",
                                  markerHeight: "8", orient: "auto-start-reverse" });
    marker.appendChild(svg("path", { d: "M 0 0 L 10 5 L 0 10 z", "class": "arrowhead" }));
    defs.appendChild(marker);
    root.appendChild(defs);
    var scene = svg("g", { "class": "scene" });
    root.appendChild(scene);
    var byNode = {};
    result.children.forEach(function (c) { byNode[c.id] = c; });
    var labels = {};
    spec.edges.forEach(function (e) { labels[e.id] = e.label; });
    (result.edges || []).forEach(function (e) {
      (e.sections || []).forEach(function (s) {
        var pts = [s.startPoint].concat(s.bendPoints || [], [s.endPoint]);
        var d = pts.map(function (p, k) { return (k ? "L" : "M") + p.x.toFixed(1) + " " + p.y.toFixed(1); }).join(" ");
        var path = svg("path", { "class": "rel", d: d, "marker-end": "url(#" + arrow + ")" });
        path.appendChild(svg("title", {}, labels[e.id] || ""));
        scene.appendChild(path);
      });
    });
    spec.nodes.forEach(function (n) {
      var c = byNode["n" + n.t.i];
      var g = svg("g", { "class": (n.stub ? "entity stub" : "entity") + (n.t.group >= 0 ? " grp" + (n.t.group % 8) : ""),
                          "data-table": n.t.id,
                          transform: "translate(" + c.x + "," + c.y + ")" });
      g.appendChild(svg("rect", { "class": "box", width: n.w, height: n.h, rx: 4 }));
      g.appendChild(svg("rect", { "class": "head", width: n.w, height: HEAD_H, rx: 4 }));
      g.appendChild(svg("text", { "class": "name", x: PAD_X, y: 16 }, n.label));
      n.rows.forEach(function (r, k) {
        var text = svg("text", { "class": "col", x: PAD_X, y: HEAD_H + 14 + k * ROW_H });
        text.appendChild(svg("tspan", { "class": "key" }, r[0] ? r[0] + " " : ""));
        text.appendChild(svg("tspan", {}, r[1] + "  "));
        text.appendChild(svg("tspan", { "class": "type" }, r[2]));
        g.appendChild(text);
      });
      g.appendChild(svg("title", {}, n.t.id + (n.t.comment ? " \u2014 " + n.t.comment : "")));
      g.addEventListener("click", function () { if (!moved && onPick) { onPick(n.t); } });
      scene.appendChild(g);
    });
    container.textContent = "";
    container.appendChild(root);
    var moved = false;
    panZoom(container, root, scene, width, height, function () { return moved; }, function (m) { moved = m; });
  }

  /* Wheel zooms around the pointer, dragging pans, the buttons zoom and fit. */
  function panZoom(container, root, scene, width, height, getMoved, setMoved) {
    var view = { x: 0, y: 0, k: 1 };
    var box = container.getBoundingClientRect();
    var vw = Math.max(box.width, 300);
    var vh = Math.min(Math.max(height * Math.min(1, vw / width) + 20, 160), window.innerHeight * 0.75);
    root.setAttribute("height", String(Math.round(vh)));
    function apply() { scene.setAttribute("transform", "translate(" + view.x + "," + view.y + ") scale(" + view.k + ")"); }
    function fit() {
      view.k = Math.min(vw / (width + 20), vh / (height + 20), 1.5);
      view.x = (vw - width * view.k) / 2; view.y = (vh - height * view.k) / 2;
      apply();
    }
    function zoomAt(factor, cx, cy) {
      var k = Math.min(Math.max(view.k * factor, 0.05), 4);
      view.x = cx - (cx - view.x) * (k / view.k); view.y = cy - (cy - view.y) * (k / view.k); view.k = k;
      apply();
    }
    root.addEventListener("wheel", function (ev) {
      ev.preventDefault();
      var r = root.getBoundingClientRect();
      zoomAt(ev.deltaY < 0 ? 1.15 : 1 / 1.15, ev.clientX - r.left, ev.clientY - r.top);
    }, { passive: false });
    var start = null;
    root.addEventListener("pointerdown", function (ev) { start = [ev.clientX, ev.clientY, view.x, view.y]; setMoved(false); });
    root.addEventListener("pointermove", function (ev) {
      if (!start) { return; }
      var dx = ev.clientX - start[0], dy = ev.clientY - start[1];
      if (Math.abs(dx) + Math.abs(dy) > 3) { setMoved(true); root.classList.add("panning"); }
      view.x = start[2] + dx; view.y = start[3] + dy; apply();
    });
    ["pointerup", "pointerleave"].forEach(function (name) {
      root.addEventListener(name, function () { start = null; root.classList.remove("panning"); });
    });
    var bar = el("div", { "class": "erd-tools" });
    [["+", function () { zoomAt(1.25, vw / 2, vh / 2); }], ["\u2212", function () { zoomAt(0.8, vw / 2, vh / 2); }],
     [T.fit, fit]].forEach(function (b) {
      var button = el("button", { type: "button" }, b[0]);
      button.addEventListener("click", b[1]);
      bar.appendChild(button);
    });
    container.insertBefore(bar, root);
    fit();
    /* A large diagram fitted whole would be unreadable: start at a readable scale, top left. */
    if (view.k < MIN_START_SCALE) { view.k = MIN_START_SCALE; view.x = 10; view.y = 10; apply(); }
  }

  /* Lay out and draw into the container; the diagram is made once, when first shown. */
  function renderDiagram(container, spec, onPick) {
    if (container.dataset.state) { return; }
    container.dataset.state = "layout";
    if (!spec.nodes.length) { container.textContent = T.erd_empty; container.dataset.state = "done"; return; }
    container.textContent = T.erd_layout;
    afterLoad().then(function () { return layout(spec); }).then(function (result) {
      draw(container, spec, result, onPick);
      container.dataset.state = "done";
      if (window.performance && performance.mark) { performance.mark("dbaudit-erd-drawn"); }
    }, function (err) {
      container.textContent = T.erd_error + " " + err;
      container.dataset.state = "error";
    });
  }
  /* Diagrams are laid out once the page has loaded: opening it never waits for a layout. */
  function afterLoad() {
    return new Promise(function (resolve) {
      function later() { setTimeout(resolve, 0); }
      if (document.readyState === "complete") { later(); } else { window.addEventListener("load", later, { once: true }); }
    });
  }
  function whenVisible(node, fn) {
    if (!("IntersectionObserver" in window)) { fn(); return; }
    var io = new IntersectionObserver(function (entries) {
      if (entries.some(function (e) { return e.isIntersecting; })) { io.disconnect(); fn(); }
    }, { rootMargin: "200px" });
    io.observe(node);
  }

  /* ---------------------------------------------------------------- table detail */
  function rowsTable(headers, rows) {
    var table = el("table", { "class": "grid" });
    var tr = el("tr");
    headers.forEach(function (h) { tr.appendChild(el("th", null, h)); });
    table.appendChild(el("thead")).appendChild(tr);
    var body = el("tbody");
    rows.forEach(function (r) {
      var row = el("tr");
      r.forEach(function (cell) {
        var td = el("td");
        if (cell instanceof Node) { td.appendChild(cell); } else if (cell !== null && cell !== undefined) { td.textContent = cell; }
        row.appendChild(td);
      });
      body.appendChild(row);
    });
    table.appendChild(body);
    return table;
  }
  function section(parent, title, content) {
    parent.appendChild(el("h4", null, title));
    parent.appendChild(content);
  }
  function list(items) {
    var ul = el("ul");
    items.forEach(function (item) { var li = el("li"); item.forEach(function (p) { li.appendChild(p instanceof Node ? p : document.createTextNode(p)); }); ul.appendChild(li); });
    return ul;
  }
  function fkTarget(fk) {
    return typeof fk[2] === "number" ? tableLink(data.tables[fk[2]]) : code(fk[2]);
  }

  function tableDetail(t) {
    var box = el("div", { "class": "table-detail" });
    var facts = [];
    if (t.comment) { box.appendChild(el("p", { "class": "comment" }, t.comment)); }
    facts.push([T.kind + ": ", T["kind_" + t.kind] || t.kind]);
    if (t.loc) { facts.push([T.declared + ": ", code(t.loc)]); }
    var st = stats[t.id];
    if (st) {
      if (st[0] !== null) { facts.push([T.rows + ": \u2248 " + st[0].toLocaleString("en-US")]); }
      if (st[1] !== null) { facts.push([T.size + ": " + st[1]]); }
    }
    if (t.part) { facts.push([T.partitioned + ": ", code(t.part[0] + " (" + t.part[1] + ")")]); }
    box.appendChild(list(facts));
    section(box, T.columns, rowsTable(
      [T.c_name, T.c_type, T.c_nullable, T.c_default, T.c_description],
      (t.cols || []).map(function (c) {
        return [code(c[0] + (c[5] ? " (" + c[5] + ")" : "")), c[1], c[2] ? T.yes : T.no, c[3] ? code(c[3]) : "", c[4] || ""];
      })));
    if (t.pk) { section(box, T.pk, list([[code(t.pk[0]), " (" + t.pk[1].join(", ") + ")"]])); }
    if (t.idx && t.idx.length) {
      section(box, T.indexes, rowsTable([T.i_name || T.c_name, T.c_columns, T.c_unique, T.c_method, T.c_predicate],
        t.idx.map(function (x) { return [code(x[0]), x[1], x[2] ? T.yes : "", x[3], x[4] ? code(x[4]) : ""]; })));
    }
    var cons = [];
    (t.uq || []).forEach(function (u) { cons.push([code(u[0]), " UNIQUE (" + u[1].join(", ") + ")"]); });
    (t.ck || []).forEach(function (c) { cons.push([code(c[0]), " CHECK ", code(c[1])]); });
    (t.ex || []).forEach(function (c) { cons.push([code(c[0]), " ", code(c[1])]); });
    if (cons.length) { section(box, T.constraints, list(cons)); }
    var rel = [];
    (t.fk || []).forEach(function (fk) {
      rel.push([T.out + " ", code(fk[1].join(", ")), " \u2192 ", fkTarget(fk), "." + fk[3].join(", "),
                " (" + T.on_delete + " " + fk[4].toLowerCase() + ")", " ", code(fk[0])]);
    });
    t.incoming.forEach(function (pair) {
      var fk = pair[1];
      rel.push([T["in"] + " ", tableLink(pair[0]), "." + fk[1].join(", ") + " \u2192 ", code(fk[3].join(", ")),
                " (" + T.on_delete + " " + fk[4].toLowerCase() + ")", " ", code(fk[0])]);
    });
    if (rel.length) { section(box, T.relations, list(rel)); }
    if (t.trg && t.trg.length) {
      section(box, T.triggers, list(t.trg.map(function (x) { return [code(x[0]), " " + x[1]]; })));
    }
    if (t.parts && t.parts.length) {
      section(box, T.partitions + " (" + t.parts.length + ")", list(t.parts.map(function (p) { return [code(p[0]), " " + p[1]]; })));
    }
    if (t.view) { var pre = el("pre"); pre.appendChild(code(t.view)); section(box, T.definition, pre); }
    if (t.findings && t.findings.length) {
      section(box, T.findings, list(t.findings.map(function (f) {
        var sev = el("span", { "class": "sev sev-" + f[1] }, f[1]);
        return f[3] ? [sev, " ", el("a", { href: "#" + f[3] }, f[0]), " " + f[2]] : [sev, " " + f[2]];
      })));
    }
    return box;
  }

  window.dbauditSchemaReady = Promise.all([blockText("dbaudit-schema"), blockText("dbaudit-stats")]).then(function (texts) {
    init(texts[0], texts[1]);
    window.dbauditSchema = {
      data: data, byId: byId, groupSpec: groupSpec, groupsSpec: groupsSpec, renderDiagram: renderDiagram,
      whenVisible: whenVisible, tableDetail: tableDetail, tableLink: tableLink, anchorOf: anchorOf, el: el, code: code,
      blockText: blockText
    };
    return window.dbauditSchema;
  });
}());
