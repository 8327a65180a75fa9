"""Issue 14: ``dbaudit docs`` of every real schema of the corpus shows every table, column (with its
comment), index and FK of the model, in the Markdown pages and in the HTML file."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from dbaudit.docs import build_docs, schema_findings
from dbaudit.model.schema import SchemaModel
from tests.corpus.corpus import entries
from tests.docs.coverage import assert_html_covers, assert_markdown_covers


@pytest.mark.parametrize("name", sorted(e.name for e in entries()))
def test_docs_cover_the_model(name: str, corpus_model: Callable[[str], SchemaModel]) -> None:
    """Markdown pages and the HTML file show every table, column, comment, index and FK."""
    model = corpus_model(name)
    pages = build_docs(model, findings=schema_findings(model))
    assert_markdown_covers(pages, model)
    assert_html_covers(pages["index.html"], model)
