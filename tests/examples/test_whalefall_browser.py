"""The HTML report and the HTML docs of the bundled example, opened in a real headless Chromium.

Checks what only a browser can: the ER diagram is laid out and drawn (one SVG box per table), the
findings filter works (P0 only), a finding leads to its table, whose detail is built on demand, and
the docs navigate from the index to a group and a table. Screenshots go to ``test-artifacts/browser/``
(git-ignored). Skips, with the reason, only where no Chromium is installed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from dbaudit.auditing import audit
from dbaudit.config import Config
from dbaudit.docs import build_docs, schema_findings, write_docs
from dbaudit.report import build_context, render
from dbaudit.report.html import render_html
from dbaudit.sources import load_source
from tests.browser.chromium import chromium, find_chromium
from tests.examples.conftest import WHALEFALL_DIR

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
FOUND = find_chromium()
pytestmark = pytest.mark.skipif(
    FOUND is None, reason="no Chromium here: install Debian's chromium and chromium-driver (.ci/run does)",
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    assert FOUND is not None
    with chromium(*FOUND) as session:
        yield session


@pytest.fixture(scope="module")
def pages(whalefall_head_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The audit report (database + code scan: two P0) and the docs of the example, as files."""
    out = tmp_path_factory.mktemp("browser")
    result = audit(whalefall_head_url, code=str(WHALEFALL_DIR), config=Config())
    context = build_context(result.model, result.findings, generated_at=datetime(2025, 12, 26, tzinfo=UTC),
                            dbaudit_version="test", notes=result.notes, sources=result.sources)
    (out / "report.html").write_text(render(context, "html"), encoding="utf-8")
    (out / "report-compact.html").write_text(render_html(context, "en", compact=True), encoding="utf-8")
    model = load_source(whalefall_head_url)
    write_docs(build_docs(model, findings=schema_findings(model)), out / "docs")
    return {"report": out / "report.html", "report-compact": out / "report-compact.html",
            "docs": out / "docs" / "index.html"}


def _wait(browser: Any, script: str, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = browser.execute_script(script)
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for: {script}")


def _diagram_done(browser: Any) -> None:
    state = _wait(browser, "var e = document.getElementById('erd'); "
                           "return e && (e.dataset.state === 'done' || e.dataset.state === 'error') && e.dataset.state")
    assert state == "done", browser.execute_script("return document.getElementById('erd').textContent")


def _shot(browser: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    browser.save_screenshot(str(path))
    assert path.stat().st_size > 10_000
    return path


def _entities(browser: Any, stubs: bool = False) -> list[str]:
    selector = "#erd g.entity.stub" if stubs else "#erd g.entity:not(.stub)"
    names: list[str] = browser.execute_script(
        f"return Array.from(document.querySelectorAll('{selector}')).map(function (g) {{ return g.dataset.table; }})")
    return names


def _severe(browser: Any) -> list[Any]:
    return [entry for entry in browser.get_log("browser") if entry.get("level") == "SEVERE"]


REPORTS = pytest.mark.parametrize("report", ["report", "report-compact"])


class TestReportInChromium:
    @REPORTS
    def test_erd_draws_every_table(self, browser: Any, pages: dict[str, Path], report: str) -> None:
        """The report's diagram has one SVG box per table and every FK as an edge, no script error
        (also in the compact form large reports take: compressed blocks, finding bodies built lazily)."""
        browser.get(pages[report].as_uri())
        browser.execute_script("document.getElementById('erd').scrollIntoView()")
        _diagram_done(browser)
        data = browser.execute_script("return window.dbauditSchema.data")
        drawn = sorted(t["id"] for t in data["tables"] if t["kind"] in ("table", "partitioned_table"))
        assert sorted(_entities(browser)) == drawn
        fks = sum(1 for t in data["tables"] for f in t.get("fk", []) if isinstance(f[2], int) and
                  data["tables"][f[2]]["id"] != t["id"])
        assert browser.execute_script("return document.querySelectorAll('#erd path.rel').length") == fks
        assert _severe(browser) == []
        _shot(browser, f"{report}-erd.png")

    @REPORTS
    def test_p0_finding_leads_to_its_table(self, browser: Any, pages: dict[str, Path], report: str) -> None:
        """Filtering to P0 leaves the P0 findings; a finding's table link opens that table's detail."""
        browser.get(pages[report].as_uri())
        _wait(browser, "return document.querySelector('article.finding .finding-tables a')")
        for box in browser.find_elements("css selector", "input[name=sev]"):
            if box.get_attribute("value") != "P0":
                box.click()
        shown = browser.execute_script(
            "return Array.from(document.querySelectorAll('article.finding')).filter(function (a) { return !a.hidden; })"
            ".map(function (a) { return a.dataset.severity; })")
        assert shown
        assert set(shown) == {"P0"}
        assert browser.find_element("id", "count").text == str(len(shown))
        link = browser.find_element("css selector", "article.finding:not([hidden]) .finding-tables a")
        table = link.get_attribute("data-table")
        link.click()
        detail = browser.find_element("id", "table-" + table)
        _wait(browser, f"return document.getElementById('table-{table}').dataset.built")
        assert detail.get_attribute("open") is not None
        assert "password" in detail.find_element("css selector", "table.grid").text
        top = browser.execute_script(f"return document.getElementById('table-{table}').getBoundingClientRect().top")
        assert -5 <= top < 200
        assert _severe(browser) == []
        _shot(browser, f"{report}-p0-table.png")


class TestDocsInChromium:
    def test_index_overview_then_group_then_table(self, browser: Any, pages: dict[str, Path]) -> None:
        """The docs index draws every table; a group draws its tables plus stubs of linked groups;
        clicking a box opens that table's detail."""
        browser.get(pages["docs"].as_uri())
        _diagram_done(browser)
        data = browser.execute_script("return window.dbauditSchema.data")
        drawn = sorted(t["id"] for t in data["tables"] if t["kind"] in ("table", "partitioned_table"))
        assert sorted(_entities(browser)) == drawn
        _shot(browser, "docs-index.png")
        group = data["groups"][0]
        browser.find_element("css selector", f"#nav a[data-slug='{group['slug']}']").click()
        _wait(browser, "return document.querySelector('main h1') && document.querySelector('#erd')")
        _diagram_done(browser)
        members = sorted(data["tables"][i]["id"] for i in group["tables"]
                         if data["tables"][i]["kind"] in ("table", "partitioned_table"))
        assert sorted(_entities(browser)) == members
        assert _entities(browser, stubs=True), "tables of other groups linked by FKs are drawn as stubs"
        _shot(browser, "docs-group.png")
        target = members[-1]
        browser.execute_script(
            f"document.querySelector('#erd g.entity[data-table=\"{target}\"]')"
            ".dispatchEvent(new MouseEvent('click', {bubbles: true}))")
        _wait(browser, f"return location.hash === '#t/{target}'")
        _wait(browser, f"var d = document.getElementById('t/{target}'); return d && d.open && d.dataset.built")
        assert _severe(browser) == []
        _shot(browser, "docs-table.png")
