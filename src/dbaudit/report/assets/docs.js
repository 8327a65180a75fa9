/* `dbaudit docs` as one HTML file: the index (groups, overview diagram), one view per group (diagram
   with the neighbours of other groups as stubs, its tables), reached by the address's hash
   (#g/<group>, #t/<schema.table>); a table's detail is built when it is opened. */
window.dbauditSchemaReady.then(function (S) {
  "use strict";
  var data = S.data, T = data.texts, el = S.el;
  var main = document.getElementById("main");
  var OPEN_LIMIT = 20, OVERVIEW_LIMIT = 200;
  var bySlug = {}, byAnchor = {};
  data.groups.forEach(function (g, n) { g.n = n; bySlug[g.slug] = g; });
  data.tables.forEach(function (t) { byAnchor[S.anchorOf(t)] = t; });

  function go(hash) { if (location.hash !== hash) { location.hash = hash; } else { route(); } }
  function pickTable(t) { go("#" + S.anchorOf(t)); }

  function index() {
    main.textContent = "";
    main.appendChild(el("h1", null, T.title));
    main.appendChild(el("p", { "class": "meta" }, T.summary_text));
    var table = el("table", { "class": "grid groups" });
    var head = el("tr");
    [T.group, T.tables, T.members].forEach(function (h) { head.appendChild(el("th", null, h)); });
    table.appendChild(el("thead")).appendChild(head);
    var body = el("tbody");
    data.groups.forEach(function (g) {
      var tr = el("tr");
      var td = el("td");
      td.appendChild(el("a", { href: "#g/" + g.slug }, g.name));
      tr.appendChild(td);
      tr.appendChild(el("td", { "class": "num" }, g.tables.length));
      var names = g.tables.slice(0, 8).map(function (i) { return data.tables[i].name; }).join(", ");
      tr.appendChild(el("td", null, names + (g.tables.length > 8 ? ", \u2026" : "")));
      body.appendChild(tr);
    });
    table.appendChild(body);
    main.appendChild(table);
    main.appendChild(el("h2", null, T.overview));
    var drawnCount = data.tables.filter(function (t) { return t.kind === "table" || t.kind === "partitioned_table"; }).length;
    var box = el("div", { "class": "erd-view", id: "erd" });
    if (drawnCount > OVERVIEW_LIMIT) {
      main.appendChild(el("p", { "class": "meta" }, T.overview_groups.replace("{tables}", String(data.tables.length))));
      main.appendChild(box);
      S.renderDiagram(box, S.groupsSpec(), function (t) { go("#g/" + t.slug); });
    } else {
      main.appendChild(box);
      S.renderDiagram(box, S.groupSpec(data.tables.map(function (t) { return t.i; }), true), pickTable);
    }
  }

  function group(g, focus) {
    main.textContent = "";
    var nav = el("p", { "class": "crumbs" });
    nav.appendChild(el("a", { href: "#" }, T.index));
    nav.appendChild(document.createTextNode(" / " + g.name + " \u00b7 " + g.tables.length + " " + T.contents.toLowerCase()));
    main.appendChild(nav);
    main.appendChild(el("h1", null, g.name));
    main.appendChild(el("h2", null, T.diagram));
    main.appendChild(el("p", { "class": "meta" }, T.erd_hint));
    var box = el("div", { "class": "erd-view", id: "erd" });
    main.appendChild(box);
    S.renderDiagram(box, S.groupSpec(g.tables, false), pickTable);
    main.appendChild(el("h2", null, T.contents));
    var open = g.tables.length <= OPEN_LIMIT;
    var target = null;
    g.tables.forEach(function (i) {
      var t = data.tables[i];
      var d = el("details", { "class": "table", id: S.anchorOf(t) });
      var summary = el("summary");
      summary.appendChild(S.code(t.name));
      if (t.kind !== "table") { summary.appendChild(document.createTextNode(" (" + (T["kind_" + t.kind] || t.kind) + ")")); }
      if (t.comment) { summary.appendChild(el("span", { "class": "meta" }, " \u2014 " + t.comment)); }
      (t.findings || []).slice(0, 6).forEach(function (f) {
        summary.appendChild(document.createTextNode(" "));
        summary.appendChild(el("span", { "class": "sev sev-" + f[1] }, f[1]));
      });
      d.appendChild(summary);
      function build() { if (!d.dataset.built) { d.appendChild(S.tableDetail(t)); d.dataset.built = "1"; } }
      d.addEventListener("toggle", function () { if (d.open) { build(); } });
      if (open || (focus && focus === t)) { d.open = true; build(); }
      if (focus === t) { target = d; }
      main.appendChild(d);
    });
    if (target) { target.scrollIntoView({ block: "start" }); } else { window.scrollTo(0, 0); }
  }

  function route() {
    var hash = decodeURIComponent(location.hash.slice(1));
    var current = document.querySelector("#nav a.current");
    if (current) { current.classList.remove("current"); }
    if (hash.indexOf("g/") === 0 && bySlug[hash.slice(2)]) {
      var g = bySlug[hash.slice(2)];
      mark(g); group(g, null);
    } else if (byAnchor[hash] && byAnchor[hash].group >= 0) {
      var t = byAnchor[hash];
      mark(data.groups[t.group]); group(data.groups[t.group], t);
    } else {
      index();
    }
  }
  function mark(g) {
    var a = document.querySelector('#nav a[data-slug="' + g.slug + '"]');
    if (a) { a.classList.add("current"); }
  }

  /* the side list: groups, and a filter that lists matching tables */
  var filter = document.getElementById("filter"), hits = document.getElementById("hits");
  filter.addEventListener("input", function () {
    var q = filter.value.trim().toLowerCase();
    hits.textContent = "";
    if (!q) { return; }
    data.tables.filter(function (t) { return t.id.toLowerCase().indexOf(q) !== -1; }).slice(0, 50).forEach(function (t) {
      var li = el("li");
      li.appendChild(el("a", { href: "#" + S.anchorOf(t) }, t.name));
      hits.appendChild(li);
    });
  });
  window.addEventListener("hashchange", route);
  route();
  if (window.performance && performance.mark) { performance.mark("dbaudit-ready"); }
});
