/* The audit report's schema map: the ER diagram of the chosen domain, the table list whose details
   are built when opened, links between findings and tables. */
window.dbauditSchemaReady.then(function (S) {
  "use strict";
  var data = S.data;
  var byAnchor = {};
  data.tables.forEach(function (t) { byAnchor[S.anchorOf(t)] = t; });

  /* ---- diagram */
  var erd = document.getElementById("erd"), pick = document.getElementById("erd-group");
  function spec() {
    var v = pick.value;
    var ids = v === "all" ? data.tables.map(function (t) { return t.i; }) : data.groups[Number(v)].tables;
    return S.groupSpec(ids, false);
  }
  function show() { delete erd.dataset.state; S.renderDiagram(erd, spec(), function (t) { location.hash = S.anchorOf(t); }); }
  pick.addEventListener("change", show);
  S.whenVisible(erd, show);

  /* ---- table list, bodies built on first open */
  var listNode = document.getElementById("table-list"), count = document.getElementById("table-count");
  var items = [];
  data.tables.forEach(function (t) {
    var d = S.el("details", { "class": "table", id: S.anchorOf(t), "data-name": t.id.toLowerCase() });
    var summary = S.el("summary");
    summary.appendChild(S.code(t.name));
    if (t.kind !== "table") { summary.appendChild(document.createTextNode(" (" + (data.texts["kind_" + t.kind] || t.kind) + ")")); }
    if (t.comment) { summary.appendChild(S.el("span", { "class": "meta" }, " \u2014 " + t.comment)); }
    (t.findings || []).slice(0, 6).forEach(function (f) {
      summary.appendChild(document.createTextNode(" "));
      summary.appendChild(S.el("span", { "class": "sev sev-" + f[1] }, f[0]));
    });
    d.appendChild(summary);
    d.addEventListener("toggle", function () {
      if (d.open && !d.dataset.built) { d.appendChild(S.tableDetail(t)); d.dataset.built = "1"; }
    });
    listNode.appendChild(d);
    items.push(d);
  });
  var filter = document.getElementById("table-filter");
  filter.addEventListener("input", function () {
    var q = filter.value.trim().toLowerCase(), shown = 0;
    items.forEach(function (d) { d.hidden = q && d.dataset.name.indexOf(q) === -1; if (!d.hidden) { shown += 1; } });
    count.textContent = String(shown);
  });

  function follow() {
    var id = decodeURIComponent(location.hash.slice(1));
    var t = byAnchor[id];
    if (!t) { return; }
    var d = document.getElementById(id);
    d.hidden = false;
    d.open = true;
    if (!d.dataset.built) { d.appendChild(S.tableDetail(t)); d.dataset.built = "1"; }
    d.scrollIntoView({ block: "start" });
  }
  window.addEventListener("hashchange", follow);

  /* ---- each finding links to the tables it concerns */
  var tablesOf = {};
  data.tables.forEach(function (t) {
    (t.findings || []).forEach(function (f) { (tablesOf[f[3]] = tablesOf[f[3]] || []).push(t); });
  });
  function linkTables(a) {
    var tables = tablesOf[a.id], h4 = a.querySelector("h4");
    if (!tables || !h4 || a.querySelector(".finding-tables")) { return; }
    var p = S.el("p", { "class": "finding-tables" }, data.texts.tables_label + ": ");
    tables.forEach(function (t, k) { if (k) { p.appendChild(document.createTextNode(", ")); } p.appendChild(S.tableLink(t)); });
    h4.insertAdjacentElement("afterend", p);
  }

  /* ---- large reports: each finding's body is kept compressed and built when it comes into view */
  function lazyFindings(items) {
    var lazy = document.querySelectorAll("article.finding[data-lazy]");
    var io = "IntersectionObserver" in window ? new IntersectionObserver(function (entries) {
      entries.forEach(function (e) { if (e.isIntersecting) { build(e.target); } });
    }, { rootMargin: "800px" }) : null;
    function build(a) {
      var item = items[Number(a.dataset.lazy)];
      if (!item || a.dataset.built) { return; }
      a.insertAdjacentHTML("beforeend", item[2]);
      a.dataset.built = "1";
      if (io) { io.unobserve(a); }
      linkTables(a);
    }
    Array.prototype.forEach.call(lazy, function (a) {
      var item = items[Number(a.dataset.lazy)];
      a.dataset.text = item[0];
      a.innerHTML = item[1];
      linkTables(a);
      if (io) { io.observe(a); } else { build(a); }
    });
    var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target && target.dataset.lazy) { build(target); target.scrollIntoView(); }
    window.addEventListener("hashchange", function () {
      var a = document.getElementById(decodeURIComponent(location.hash.slice(1)));
      if (a && a.dataset.lazy) { build(a); a.scrollIntoView(); }
    });
  }
  S.blockText("dbaudit-findings").then(function (text) {
    if (text) { lazyFindings(JSON.parse(text)); }
    Array.prototype.forEach.call(document.querySelectorAll("article.finding:not([data-lazy])"), linkTables);
    follow();
    if (window.performance && performance.mark) { performance.mark("dbaudit-ready"); }
  });
});
