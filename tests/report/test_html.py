"""The HTML report: one self-contained offline file with every finding and the ERD."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from dbaudit.report.html import render_html
from tests.docs.coverage import html_payload
from tests.report.fixtures import small_context, small_findings


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href") and value is not None:
                self.refs.append(value)
            if name == "id" and value is not None:
                self.ids.append(value)


@pytest.fixture(scope="module")
def html() -> str:
    return render_html(small_context(), "en")


class TestSelfContained:
    def test_no_external_reference(self, html: str) -> None:
        """Nothing is loaded from the network: no src attribute, only local anchors, and no URL outside
        the vendored ELK (whose URIs are XML namespace names, never fetched) but the SVG namespace."""
        own = re.sub(r'<script type="text/plain" id="dbaudit-elk">.*?</script>', "", html, flags=re.S)
        assert re.findall(r"https?://\S+", own) == ['http://www.w3.org/2000/svg";']
        parser = _Collector()
        parser.feed(html)
        assert all(ref.startswith("#") for ref in parser.refs)

    def test_one_document_with_inline_style_and_script(self, html: str) -> None:
        """CSS, the vendored ELK, the drawing script and the filter script are inline."""
        assert html.startswith("<!DOCTYPE html>")
        assert html.count("<style>") == 1
        assert html.count("<script>") == 3
        assert html.count('<script type="application/json"') == 2
        assert "<script src" not in html
        assert "<link" not in html

    def test_unique_ids(self, html: str) -> None:
        """Anchors are unique so links to findings work."""
        parser = _Collector()
        parser.feed(html)
        assert len(parser.ids) == len(set(parser.ids))


class TestContent:
    def test_every_finding_present_and_filterable(self, html: str) -> None:
        """Each finding is an article carrying its severity, category and searchable text."""
        articles = re.findall(
            r'<article class="finding" id="([^"]+)" data-severity="(P\d)" data-category="([^"]+)"', html
        )
        assert articles == [("p0-1", "P0", "types"), ("p1-1", "P1", "indexes"), ("p1-2", "P1", "drift"),
                            ("p2-1", "P2", "indexes")]
        for finding in small_findings():
            assert finding.title in html

    def test_erd_data_embedded_once(self, html: str) -> None:
        """The schema is embedded once as JSON: the five entities (the partition folded into its parent),
        their FKs with the ON DELETE action, the domains; the browser test checks the drawing."""
        data = html_payload(html)
        tables = {t["id"]: t for t in data["tables"]}
        assert sorted(tables) == ["public.credentials", "public.instance_size_stats", "public.instance_tags",
                                  "public.instances", "public.tags"]
        assert tables["public.instance_size_stats"]["parts"] == [["instance_size_stats_2025_12", ""]]
        fks = [(t, f[0], f[4]) for t, r in tables.items() for f in r.get("fk", [])]
        assert len(fks) == 4
        assert ("public.instance_tags", "instance_tags_instance_id_fkey", "CASCADE") in fks
        assert sorted(i for g in data["groups"] for i in g["tables"]) == list(range(5))
        assert tables["public.instance_tags"]["findings"][0][:2] == ["P1-1", "P1"]

    def test_escapes_hostile_text(self) -> None:
        """Finding text cannot inject markup."""
        from dataclasses import replace  # noqa: PLC0415

        from dbaudit.report.context import build_context  # noqa: PLC0415
        from tests.report.fixtures import GENERATED_AT, small_model  # noqa: PLC0415

        evil = replace(small_findings()[0], title="<script>alert(1)</script>")
        page = render_html(build_context(small_model(), [evil], generated_at=GENERATED_AT,
                                         dbaudit_version="0"), "en")
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page

    def test_chinese(self) -> None:
        """--lang zh translates the fixed text."""
        page = render_html(small_context(), "zh")
        assert '<html lang="zh">' in page
        assert "III. 发现清单(按 P0/P1/P2)" in page


class TestCompact:
    def test_compact_report_keeps_every_finding(self) -> None:
        """The compact form (large reports) keeps each article's id, severity and category for the
        filter, and moves header, searchable text and body into one gzip block, losslessly."""
        import base64  # noqa: PLC0415
        import gzip  # noqa: PLC0415
        import json  # noqa: PLC0415

        from dbaudit.report.html import render_html as render  # noqa: PLC0415

        context = small_context()
        plain, compact = render(context, "en", compact=False), render(context, "en", compact=True)
        lazy = re.findall(r'<article class="finding" id="([^"]+)" data-severity="(P\d)" data-category="[^"]+"'
                          r'\s*data-lazy="(\d+)"></article>', compact)
        assert [(a, s) for a, s, _ in lazy] == re.findall(
            r'<article class="finding" id="([^"]+)" data-severity="(P\d)"', plain)
        blob = compact.split('id="dbaudit-findings" data-encoding="gzip">', 1)[1].split("</script>", 1)[0]
        items = json.loads(gzip.decompress(base64.b64decode(blob)))
        assert len(items) == len(lazy)
        for (anchor, _severity, _index), (text, head, body) in zip(lazy, items, strict=True):
            article = plain.split(f'<article class="finding" id="{anchor}"', 1)[1].split("</article>", 1)[0]
            assert head + body in article
            assert anchor.upper() in head
            assert text
        schema = compact.split('id="dbaudit-schema" data-encoding="gzip">', 1)[1].split("</script>", 1)[0]
        assert json.loads(gzip.decompress(base64.b64decode(schema))) == html_payload(plain)
