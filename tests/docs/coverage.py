"""Does a set of generated docs pages show everything the model holds? Used on the bundled example
and on every real schema of the corpus: every table, column (with its comment), index and FK, in the
Markdown pages and in the HTML file's embedded data."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping

from dbaudit.docs.markdown import _code, _inline
from dbaudit.model.schema import SchemaModel, Table
from dbaudit.report.erd import is_multi_schema
from dbaudit.report.schema_view import SCHEMA_SCRIPT_ID, shown_tables

_PAYLOAD = re.compile(rf'<script type="application/json" id="{SCHEMA_SCRIPT_ID}">(.*?)</script>', re.S)


def markdown_sections(pages: Mapping[str, str], model: SchemaModel) -> dict[str, str]:
    """Each table's section (from its ``## name`` heading to the next) in the group pages."""
    multi = is_multi_schema(model)
    labels = {(t.qualified_name if multi else t.name): t.qualified_name for t in shown_tables(model)}
    out: dict[str, str] = {}
    for name, text in pages.items():
        if not name.endswith(".md") or name == "README.md":
            continue
        for part in text.split("\n## ")[1:]:
            heading, _, body = part.partition("\n")
            heading = html.unescape(heading)
            if heading in labels:
                assert labels[heading] not in out, f"{heading} has two sections"
                out[labels[heading]] = body
    return out


def assert_markdown_covers(pages: Mapping[str, str], model: SchemaModel) -> None:
    sections = markdown_sections(pages, model)
    assert set(sections) == {t.qualified_name for t in shown_tables(model)}
    for table in shown_tables(model):
        body = sections[table.qualified_name]
        for col in table.columns:
            rows = [line for line in body.splitlines() if line.startswith(f"| {_code(col.name)} |")]
            assert len(rows) == 1, f"{table.qualified_name}.{col.name} has {len(rows)} rows"
            if col.comment:
                assert _inline(col.comment).replace("|", "\\|") in rows[0], f"comment of {col.name}"
        for index in table.indexes:
            assert f"| {_code(index.name)} |" in body, f"index {index.name}"
        for fk in table.foreign_keys:
            assert _code(fk.name) in body, f"FK {fk.name} on {table.qualified_name}"
            if fk.ref_qualified in sections:
                assert _code(fk.name) in sections[fk.ref_qualified], f"FK {fk.name} on the referenced table"
        if table.comment:
            assert _inline(table.comment.strip().splitlines()[0]) in body


def html_payload(html: str) -> dict[str, object]:
    match = _PAYLOAD.search(html)
    assert match is not None
    data: dict[str, object] = json.loads(match.group(1))
    return data


def assert_html_covers(html: str, model: SchemaModel) -> None:
    data = html_payload(html)
    tables = {t["id"]: t for t in data["tables"]}  # type: ignore[attr-defined]
    assert set(tables) == {t.qualified_name for t in shown_tables(model)}
    for table in shown_tables(model):
        record = tables[table.qualified_name]
        assert [(c[0], c[4]) for c in record["cols"]] == [(c.name, c.comment or "") for c in table.columns]
        assert [i[0] for i in record.get("idx", [])] == [i.name for i in table.indexes]
        assert [f[0] for f in record.get("fk", [])] == [f.name for f in table.foreign_keys]
        assert record.get("comment") == table.comment


def grouped_once(data: Mapping[str, object], model: SchemaModel) -> None:
    """Every table is in exactly one group of the HTML."""
    seen = [i for g in data["groups"] for i in g["tables"]]  # type: ignore[attr-defined]
    assert sorted(seen) == list(range(len(shown_tables(model))))


def table_of(model: SchemaModel, name: str) -> Table:
    table = model.table(name)
    assert table is not None
    return table
