"""dbaudit docs: writes the pages, --check passes on current docs and fails with a diff on stale ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner, Result

from dbaudit.cli.main import cli
from dbaudit.config import config_from_mapping
from dbaudit.docs import build_docs, check_docs
from dbaudit.docs.groups import group_tables
from dbaudit.errors import UsageError
from dbaudit.testing import schema

Conn = psycopg.Connection[tuple[Any, ...]]

SHOP = """
CREATE SCHEMA shop;
CREATE TABLE shop.customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                             email text NOT NULL UNIQUE);
COMMENT ON TABLE shop.customers IS 'People who order | pay';
COMMENT ON COLUMN shop.customers.email IS 'Login <e-mail>, unique';
CREATE TABLE shop.orders (id bigint, customer_id bigint REFERENCES shop.customers ON DELETE CASCADE,
                          placed_at date NOT NULL DEFAULT current_date, PRIMARY KEY (id, placed_at))
    PARTITION BY RANGE (placed_at);
CREATE TABLE shop.orders_2025 PARTITION OF shop.orders FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE INDEX orders_open ON shop.orders (customer_id) WHERE placed_at > '2025-06-01';
CREATE TABLE billing.invoices (id int PRIMARY KEY, order_id bigint, note text);
"""


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["docs", *args], catch_exceptions=False)


@pytest.fixture
def shop_url(pg_exec: Conn, pg_url: str) -> str:
    pg_exec.execute("CREATE SCHEMA billing")
    pg_exec.execute(SHOP)
    return pg_url


class TestDocsCommand:
    def test_write_then_check(self, shop_url: str, pg_exec: Conn, tmp_path: Path) -> None:
        """Written docs check clean; an added column makes --check exit 1 with a diff naming it."""
        out = tmp_path / "docs"
        assert run(shop_url, "-o", str(out)).exit_code == 0
        assert sorted(p.name for p in out.iterdir()) == ["README.md", "billing.md", "index.html", "shop.md"]
        clean = run(shop_url, "--check", str(out))
        assert clean.exit_code == 0, clean.output
        pg_exec.execute("ALTER TABLE shop.customers ADD COLUMN nickname varchar(40)")
        stale = run(shop_url, "--check", str(out))
        assert stale.exit_code == 1
        assert "+| `nickname` | varchar(40) | yes |  |  |" in stale.stdout
        assert "out of date: 2 changed" in stale.stderr

    def test_statistics_do_not_count(self, shop_url: str, tmp_path: Path) -> None:
        """Estimated rows and sizes change by themselves: --check leaves them out."""
        out = tmp_path / "docs"
        assert run(shop_url, "-o", str(out)).exit_code == 0
        page = out / "shop.md"
        text = page.read_text()
        assert "<!-- dbaudit:stats -->" in text
        page.write_text(text.replace("Size: ", "Size: 99 ", 1))
        assert run(shop_url, "--check", str(out)).exit_code == 0

    def test_removed_table_is_stale(self, shop_url: str, pg_exec: Conn, tmp_path: Path) -> None:
        """A page of a group that no longer exists is reported."""
        out = tmp_path / "docs"
        assert run(shop_url, "-o", str(out), "--format", "md").exit_code == 0
        pg_exec.execute("DROP TABLE billing.invoices")
        result = run(shop_url, "--check", str(out), "--format", "md")
        assert result.exit_code == 1
        assert "billing.md (no longer generated)" in result.stdout

    def test_usage_errors(self, tmp_path: Path) -> None:
        """Neither or both of -o/--check, or a missing directory, is one line and exit 2."""
        assert run("x.sql").exit_code == 2
        assert run("x.sql", "-o", "a", "--check", "b").exit_code == 2
        missing = run("model.json", "--check", str(tmp_path / "nope"))
        assert missing.exit_code == 2

    def test_content(self, shop_url: str, tmp_path: Path) -> None:
        """Comments escaped, partial index predicate, partition layout, relation in with its action."""
        out = tmp_path / "docs"
        assert run(shop_url, "-o", str(out), "--no-stats").exit_code == 0
        shop = (out / "shop.md").read_text()
        assert "> People who order &#124; pay" in shop or "> People who order | pay" in shop
        assert "| `email` | text | no |  | Login &lt;e-mail&gt;, unique |" in shop
        assert "| `orders_open` | `customer_id` |  | btree | `placed_at > '2025-06-01'::date` |" in shop
        assert "Partitioned by: `RANGE (placed_at)`" in shop
        assert "- `orders_2025` FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')" in shop
        relation = "- ← [shop.orders](#shoporders).`customer_id` → `id` (on delete cascade) `orders_customer_id_fkey`"
        assert relation in shop
        assert "dbaudit:stats" not in shop
        readme = (out / "README.md").read_text()
        assert "| [shop](shop.md) | 2 |" in readme
        assert "```mermaid\nerDiagram" in readme

    def test_chinese(self, shop_url: str, tmp_path: Path) -> None:
        """--lang zh translates the fixed text."""
        out = tmp_path / "docs"
        assert run(shop_url, "-o", str(out), "--lang", "zh").exit_code == 0
        assert "# 数据库结构参考" in (out / "README.md").read_text()
        assert "**字段**" in (out / "shop.md").read_text()


def _model() -> Any:
    return (
        schema()
        .table("account_users", cols={"id": "int"}, pk="id")
        .table("account_roles", cols={"id": "int", "user_id": "int"}, pk="id")
        .fk("account_roles", "user_id", "account_users")
        .table("invoice_lines", cols={"id": "int"}, pk="id")
        .table("invoices", cols={"id": "int"}, pk="id")
        .build()
    )


class TestGrouping:
    def test_prefix(self) -> None:
        """One schema: tables grouped by leading word, every table once, stable order."""
        groups = group_tables(_model(), "prefix")
        assert [(g.name, g.tables) for g in groups] == [
            ("account", ("public.account_roles", "public.account_users")),
            ("invoice", ("public.invoice_lines", "public.invoices")),
        ]

    def test_config_domains(self) -> None:
        """[tool.dbaudit.docs] domains: globs in file order, the rest in "other"."""
        config = config_from_mapping({"docs": {"domains": {"Billing": ["invoice*"], "Users": ["public.account_u*"]}}},
                                     Path("pyproject.toml"))
        pages = build_docs(_model(), formats=("md",), domains=config.docs.domains, stats=False)
        assert sorted(pages) == ["README.md", "billing.md", "other.md", "users.md"]
        assert "## account_roles" in pages["other.md"]

    def test_config_errors(self) -> None:
        """Unknown keys and bad values in [tool.dbaudit.docs] are errors naming the key."""
        with pytest.raises(UsageError, match="unknown key 'grop-by'"):
            config_from_mapping({"docs": {"grop-by": "schema"}}, Path("pyproject.toml"))
        with pytest.raises(UsageError, match="group-by must be"):
            config_from_mapping({"docs": {"group-by": "size"}}, Path("pyproject.toml"))
        with pytest.raises(UsageError, match="needs domains"):
            build_docs(_model(), group_by="config")

    def test_deterministic(self, tmp_path: Path) -> None:
        """The same model gives the same bytes, and check_docs finds no difference."""
        first = build_docs(_model())
        assert first == build_docs(_model())
        for name, text in first.items():
            (tmp_path / name).write_text(text)
        assert check_docs(first, tmp_path).up_to_date


HOSTILE = '''
CREATE SCHEMA "Odd ""Schema""";
CREATE TABLE public."we""ird </script> 表" ("id|x" int PRIMARY KEY, "back`tick" text, "select" text);
COMMENT ON TABLE public."we""ird </script> 表" IS 'A <b>bold</b> | pipe
second line';
COMMENT ON COLUMN public."we""ird </script> 表"."back`tick" IS 'has `code` and | pipe <script>alert(1)</script>';
CREATE TABLE "Odd ""Schema""".child ("parent id" int REFERENCES public."we""ird </script> 表" ON DELETE SET NULL,
                                     "Ünïcödé" text);
CREATE INDEX "idx ""q""" ON "Odd ""Schema""".child ("parent id") WHERE "Ünïcödé" <> '|';
COMMENT ON COLUMN "Odd ""Schema""".child."Ünïcödé" IS '多行
注释 | 管道';
CREATE TABLE public.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa (id int PRIMARY KEY);
'''


class TestHostileIdentifiers:
    def test_every_name_and_comment_survives(self, pg_exec: Conn, pg_url: str) -> None:
        """Quotes, spaces, pipes, backticks, Unicode, reserved words, markup and 63-byte names: every
        table, column, comment, index and FK is in the pages, no markup leaks, the JSON stays inside
        its script block."""
        from dbaudit.sources import load_source  # noqa: PLC0415
        from tests.docs.coverage import assert_html_covers, assert_markdown_covers  # noqa: PLC0415

        pg_exec.execute(HOSTILE)
        model = load_source(pg_url)
        pages = build_docs(model)
        assert_markdown_covers(pages, model)
        assert_html_covers(pages["index.html"], model)
        markdown = "".join(v for k, v in pages.items() if k.endswith(".md"))
        assert "<script>" not in markdown
        assert "| `` back`tick `` | text | yes |  | has `code` and \\| pipe &lt;script&gt;alert(1)&lt;/script&gt; |" \
            in pages["public.md"]
        block = pages["index.html"].split('id="dbaudit-schema">', 1)[1].split("</script>", 1)[0]
        assert "</" not in block
