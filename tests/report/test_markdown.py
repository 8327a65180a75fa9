"""The Markdown report: the expert report's structure, in English and Chinese."""

from __future__ import annotations

import re
from dataclasses import replace

from dbaudit.findings import Finding, Note, Severity
from dbaudit.model.schema import Location
from dbaudit.report.context import HISTORY_NOTE_RULE, build_context
from dbaudit.report.markdown import cell, code, fenced, render_markdown
from dbaudit.testing import schema
from tests.report.fixtures import BASELINE, GENERATED_AT, RULES, small_context, small_findings, small_model

EN_HEADINGS = [
    "# Database audit report - 2025-12-26",
    "## I. Summary",
    "## II. Scope and method",
    "### Scope",
    "### Method",
    "### A. Schema map",
    "#### A1. Entities by domain",
    "#### A2. Entity-relationship diagram",
    "#### A3. Table detail",
    "##### `credentials`",
    "##### `instance_size_stats` (partitioned)",
    "##### `instance_tags`",
    "##### `instances`",
    "##### `tags`",
    "### B. Key read/write paths",
    "## III. Findings by severity",
    "### P0",
    "#### P0-1 (types) credentials.password stores ciphertext in varchar(255)",
    "### P1",
    "#### P1-1 (indexes) FK instance_tags.tag_id has no index with tag_id leading",
    "#### P1-2 (drift) ORM primary key (id) differs from database (id, collected_date)",
    "### P2",
    "#### P2-1 (indexes) ix_credentials_name duplicates credentials_name_key",
    "## IV. Roadmap",
    "### Gap map (standards and ADRs to write)",
    "### Minimal roadmap (at most 8 actions, P0 first)",
    "## V. Sources",
]

ZH_TOP_HEADINGS = [
    "# 数据库模型与迁移审计报告 - 2025-12-26",
    "## I. 摘要结论",
    "## II. 范围与方法",
    "### A. Schema 地图",
    "#### A1. 关键实体清单",
    "#### A2. Schema 概览(ERD)",
    "#### A3. Schema 明细(表/字段/约束/索引/触发器)",
    "### B. 关键读写路径",
    "## III. 发现清单(按 P0/P1/P2)",
    "## IV. 建议与后续行动",
    "### 缺口地图(建议补写的建模规范/ADR 标题)",
    "### 最小可执行路线图(<= 8 条, 按 P0 -> P2)",
    "## V. 证据与数据来源",
]


def headings(text: str) -> list[str]:
    """Heading lines outside fenced code blocks."""
    out, fence = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            fence = not fence
        elif not fence and line.startswith("#"):
            out.append(line)
    return out


class TestStructure:
    def test_english_headings(self) -> None:
        """The English report has exactly the expert report's sections, in order."""
        assert headings(render_markdown(small_context(), "en")) == EN_HEADINGS

    def test_chinese_headings(self) -> None:
        """The Chinese report uses the seed's own section titles; finding titles stay as produced."""
        found = headings(render_markdown(small_context(), "zh"))
        assert [h for h in found if not h.startswith(("##### ", "#### P", "### P", "### 范围", "### 方法"))] \
            == ZH_TOP_HEADINGS
        assert "#### P0-1 (types) 凭据密文长度与密钥管理存在\"数据不可用\"风险" in found

    def test_summary_lists_p0_then_p1_with_evidence(self) -> None:
        """Section I has one sentence per P0/P1 problem, P0 first, linking its finding and evidence."""
        text = render_markdown(small_context(), "en")
        summary = text.split("## I. Summary\n\n", 1)[1].split("\n\n## II.", 1)[0]
        lines = summary.splitlines()
        assert [line[:6] for line in lines] == ["- P0: ", "- P1: ", "- P1: ", "- P2: "]
        assert lines[0] == (
            "- P0: Secrets can become undecryptable: credentials.password (ciphertext outgrows varchar, or the key"
            " is generated at start-up) ([P0-1](#p0-1), `app/models/credential.py:80`)")
        assert lines[-1] == "- P2: 1 further P2 findings in III."
        assert all(len(line) <= 200 for line in lines)
        assert '<a id="p0-1"></a>' in text

    def test_summary_in_chinese(self) -> None:
        """The Chinese summary is written in Chinese, not only its heading."""
        summary = render_markdown(small_context(), "zh").split("## I. 摘要结论\n\n", 1)[1].split("\n\n## II.")[0]
        assert summary.splitlines()[0].startswith("- P0: 凭据存在不可解密风险: credentials.password")

    def test_notes_appear_in_scope(self) -> None:
        """Skipped rules are reported in section II with their rule id."""
        text = render_markdown(small_context(), "en")
        assert "  - `unused-index`: no statistics: unused-index skipped\n" in text

    def test_paths_not_available_without_code(self) -> None:
        """Section B says plainly that no code was scanned."""
        text = render_markdown(small_context(), "en")
        assert "### B. Key read/write paths\n\nNot available: no application code was scanned" in text


class TestFinding:
    def test_finding_with_sql_blocks(self) -> None:
        """A finding renders rule, objects, evidence, impact, root cause, fix and verification SQL blocks."""
        text = render_markdown(small_context(), "en")
        block = text.split("#### P1-1 ", 1)[1].split("\n<a id=", 1)[0]
        assert block == (
            "(indexes) FK instance_tags.tag_id has no index with tag_id leading\n"
            "\n"
            "- Rule: `fk-without-index` (`docs/rules/fk-without-index.md`)\n"
            "- Objects: `instance_tags.tag_id`\n"
            "- Evidence:\n"
            "  - instance_tags_pkey covers (instance_id, tag_id): tag_id is not leading\n"
            "- Impact: Deletes of tags scan instance_tags; joins from tags degrade.\n"
            "- Root cause: The association table is indexed for one direction only.\n"
            "- Fix:\n"
            "\n"
            "```sql\n"
            "CREATE INDEX CONCURRENTLY ix_instance_tags_tag_id ON public.instance_tags (tag_id);\n"
            "```\n"
            "\n"
            "- Verification:\n"
            "\n"
            "```sql\n"
            "SELECT indexrelid::regclass FROM pg_index WHERE indrelid = 'public.instance_tags'::regclass;\n"
            "```\n"
            "\n"
            "- Locations: `migrations/versions/20251219161048_baseline_production_schema.py:1452`\n"
        )

    def test_compat_table_lists_fallbacks(self) -> None:
        """Findings of rules that describe a fallback get a row with a real recommendation."""
        findings = [*small_findings(), Finding(
            rule="missing-downgrade", category="migrations", severity=Severity.P2, objects=("20251219161048",),
            title="Revision 20251219161048 cannot be rolled back", locations=(Location(BASELINE, 1046),),
        )]
        context = build_context(small_model(), findings, generated_at=GENERATED_AT, dbaudit_version="0",
                                rule_lookup=RULES)
        text = render_markdown(context, "en")
        table = text.split("#### Compatibility / fallback (P2)\n\n", 1)[1].split("\n\n", 1)[0]
        assert table.splitlines()[2].startswith(
            f"| `{BASELINE}:1046` | migration rollback | Revision 20251219161048 cannot be rolled back (see P2-")
        assert "rollback is a new forward revision" in table
        assert "| 迁移回退 |" in render_markdown(context, "zh")

    def test_per_table_detail(self) -> None:
        """A3 lists columns with type/NN/default, PK, FKs with actions, indexes and triggers."""
        text = render_markdown(small_context(), "en")
        block = text.split("##### `instances`\n\n", 1)[1].split("\n\n", 1)[0]
        assert block.splitlines() == [
            "- Columns: `id int4 PK serial`; `name varchar(255) NN`;"
            " `credential_id int4`; `is_active bool NN default true`; `updated_at timestamptz default now()`",
            "- PK: `instances_pkey(id)`",
            "- FKs: `instances_credential_id_fkey(credential_id -> credentials.id)`",
            "- Indexes: (none)",
            "- Triggers: `update_instances_updated_at (BEFORE UPDATE, public.set_updated_at)`",
        ]

    def test_erd_is_mermaid_block(self) -> None:
        """A2 holds a fenced mermaid erDiagram."""
        text = render_markdown(small_context(), "en")
        assert re.search(r"```mermaid\nerDiagram\n", text)


class TestEscaping:
    def test_inline_code_with_backticks(self) -> None:
        """Names containing backticks stay inside one inline code span."""
        assert code("a`b") == "`` a`b ``"
        assert code("plain") == "`plain`"

    def test_cell_escapes_pipes_and_newlines(self) -> None:
        """A table cell never breaks its row."""
        assert cell("a|b\nc") == "a\\|b c"

    def test_fence_longer_than_content(self) -> None:
        """SQL containing a fence gets a longer fence."""
        assert fenced("select '```'") == "````sql\nselect '```'\n````"


class TestCondensedSchemaMap:
    def test_sequence_named_only_when_not_the_default(self) -> None:
        """A serial column names its sequence only when PostgreSQL would have named it otherwise."""
        model = small_model()
        tables = tuple(
            replace(t, columns=tuple(replace(c, serial_sequence="public.legacy_seq") if c.name == "id" else c
                                     for c in t.columns)) if t.name == "tags" else t
            for t in model.tables)
        context = build_context(replace(model, tables=tables), small_findings(), generated_at=GENERATED_AT,
                                dbaudit_version="0", rule_lookup=RULES)
        text = render_markdown(context, "en")
        assert "- Columns: `id int4 PK serial (public.legacy_seq)`; " in text.split("##### `tags`", 1)[1]
        assert "- Columns: `id int4 PK serial`; " in text.split("##### `instances`", 1)[1]

    def test_many_partitions_first_and_last(self) -> None:
        """A table with many partitions lists the first two and the last, with the count between."""
        builder = schema().table("s", cols={"id": "bigint not null", "d": "date not null"}, pk=("id", "d"),
                                 partition_by=("RANGE", "d"))
        for month in range(1, 13):
            builder = builder.table(f"s_2025_{month:02d}", cols={"id": "bigint not null"}, partition_of="s")
        context = build_context(builder.build(), [], generated_at=GENERATED_AT, dbaudit_version="0")
        line = next(x for x in render_markdown(context, "en").splitlines() if x.startswith("- Partitions"))
        assert line.startswith("- Partitions (12): `s_2025_01")
        assert "`, `s_2025_02" in line
        assert ", … 9 more …, `s_2025_12" in line
        assert "s_2025_03" not in line
        assert "… 另有 9 个 …" in render_markdown(context, "zh")

    def test_migration_history_said_once(self) -> None:
        """The applied-history summary opens section III and is not repeated among II's notes."""
        note = Note("3 applied revision(s) had 10 hazard(s) when they ran", rule=HISTORY_NOTE_RULE)
        context = build_context(small_model(), small_findings(), generated_at=GENERATED_AT, dbaudit_version="0",
                                notes=[note, Note("unused-index skipped: no statistics")], rule_lookup=RULES)
        text = render_markdown(context, "en")
        assert text.count("3 applied revision(s) had 10 hazard(s)") == 1
        assert "> Migration history: 3 applied revision(s)" in text.split("## III.", 1)[1]
        assert "  - skipped (no statistics): unused-index\n" in text

    def test_sources_cite_files_by_folder_and_count_objects(self) -> None:
        """Section V names each cited folder once, and counts the objects the findings already name."""
        text = render_markdown(small_context(), "en").split("## V. Sources", 1)[1]
        assert "- Files cited (3):\n  - `app/models/`: credential.py, instance_size_stat.py\n" in text
        assert "  - `migrations/versions/`: 20251219161048_baseline_production_schema.py\n" in text
        assert "- Objects cited: 4, each in its finding in III and in the JSON report\n" in text
        assert "public.ix_credentials_name" not in text


class TestTableFindings:
    def test_table_detail_links_its_findings(self) -> None:
        """A3 lists the findings on a table, its columns and its indexes."""
        text = render_markdown(small_context(), "en")
        block = text.split("##### `credentials`\n\n", 1)[1].split("\n\n", 1)[0]
        assert block.splitlines()[-1] == "- Findings: P0-1, P2-1"
