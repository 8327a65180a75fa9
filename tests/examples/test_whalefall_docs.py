"""dbaudit docs on the bundled example: the pages show every table, column (with comment), index and
FK of the model, in Markdown and in the HTML file."""

from __future__ import annotations

import pytest

from dbaudit.docs import build_docs, schema_findings
from dbaudit.model.schema import SchemaModel
from dbaudit.sources import load_source
from tests.docs.coverage import assert_html_covers, assert_markdown_covers, grouped_once, html_payload


@pytest.fixture(scope="module")
def model(whalefall_head_url: str) -> SchemaModel:
    return load_source(whalefall_head_url)


@pytest.fixture(scope="module")
def pages(model: SchemaModel) -> dict[str, str]:
    return build_docs(model, findings=schema_findings(model))


class TestWhalefallDocs:
    def test_markdown_covers_the_model(self, pages: dict[str, str], model: SchemaModel) -> None:
        """Every table has a section with every column (and its COMMENT ON text), index and FK."""
        assert_markdown_covers(pages, model)

    def test_html_covers_the_model(self, pages: dict[str, str], model: SchemaModel) -> None:
        """The HTML file's data holds the same tables, columns, comments, indexes and FKs."""
        assert_html_covers(pages["index.html"], model)
        grouped_once(html_payload(pages["index.html"]), model)

    def test_comments_are_descriptions(self, pages: dict[str, str]) -> None:
        """COMMENT ON COLUMN text is the column's description."""
        assert "| `is_active` | bool | no | `true` | 数据库是否活跃(未删除) |" in pages["instance.md"]

    def test_findings_on_their_table(self, pages: dict[str, str]) -> None:
        """The schema rules' findings are listed under the table they concern."""
        section = pages["instance.md"].split("\n## instance_tags\n", 1)[1].split("\n## ", 1)[0]
        assert "`fk-without-index`" in section

    def test_relations_with_actions(self, pages: dict[str, str]) -> None:
        """Relations out and in carry the ON DELETE action and link to the other table's page."""
        account = pages["account.md"]
        assert "(on delete cascade) `fk_account_permission_instance_account`" in account
        assert "[instances](instance.md#instances)" in account

    def test_partition_layout(self, pages: dict[str, str]) -> None:
        """A partitioned table shows its strategy, key and partitions."""
        section = pages["instance.md"].split("\n## instance_size_stats\n", 1)[1].split("\n## ", 1)[0]
        assert "Partitioned by: `RANGE (collected_date)`" in section
        assert "**Partitions** (" in section
