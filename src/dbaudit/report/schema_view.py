"""The schema as the HTML pages carry it: one JSON document embedded once, drawn in the browser.

The audit's HTML report and ``dbaudit docs`` share it. The page holds every table's facts as compact
JSON (one table per line, so a diff of two versions is readable) and ``assets/schema.js`` builds a
table's detail only when it is opened and lays out an ER diagram (ELK, vendored in ``assets/``) only
when it is shown. A 2,000-table page therefore opens as fast as a small one: the browser parses
text, it does not build hundreds of thousands of DOM nodes up front.

Statistics (estimated rows, size) change between runs; they go to a separate JSON block on lines of
their own, so ``dbaudit docs --check`` can leave them out of the comparison.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from dbaudit.model.schema import Column, SchemaModel, Table, TableKind
from dbaudit.report.context import location_text, type_text
from dbaudit.report.writing import size_text

SCHEMA_SCRIPT_ID = "dbaudit-schema"
STATS_SCRIPT_ID = "dbaudit-stats"
STATS_MARKER = "dbaudit:stats"
# A finding shown on its table: number, severity, title, anchor of the finding in the page.
FindingRef = tuple[str, str, str, str]


@dataclass(frozen=True, slots=True)
class ViewGroup:
    """A group of tables drawn together: its name, a slug for links and file names, qualified names."""

    name: str
    slug: str
    tables: tuple[str, ...]


def shown_tables(model: SchemaModel) -> tuple[Table, ...]:
    """Tables with a page of their own: everything but partitions (folded into their parent)."""
    return tuple(t for t in model.tables if t.kind is not TableKind.PARTITION)


def schema_payload(
    model: SchemaModel,
    groups: Sequence[ViewGroup],
    *,
    texts: Mapping[str, str],
    anchor: str,
    findings: Mapping[str, Sequence[FindingRef]] | None = None,
    locations: Mapping[str, str] | None = None,
    multi_schema: bool = False,
    lazy: bool = False,
) -> dict[str, Any]:
    """Everything the page's script needs: tables (in page order), groups, texts; ``lazy`` gives the
    tables as an iterator building each record when :func:`payload_chunks` writes it.

    ``anchor`` prefixes a table's id in links (``#table-public.users``); ``findings`` and
    ``locations`` are keyed by qualified table name.
    """
    tables = shown_tables(model)
    index = {t.qualified_name: n for n, t in enumerate(tables)}
    group_of = {name: n for n, g in enumerate(groups) for name in g.tables}
    records = (
        _record(t, model, index, group=group_of.get(t.qualified_name, -1), multi=multi_schema,
                findings=(findings or {}).get(t.qualified_name, ()), location=(locations or {}).get(t.qualified_name))
        for t in tables
    )
    return {
        "anchor": anchor,
        "texts": dict(texts),
        "groups": [{"name": g.name, "slug": g.slug, "tables": [index[n] for n in g.tables if n in index]}
                   for g in groups],
        "tables": records if lazy else list(records),
    }


def _record(
    table: Table, model: SchemaModel, index: Mapping[str, int], *, group: int, multi: bool,
    findings: Sequence[FindingRef], location: str | None,
) -> dict[str, Any]:
    pk = set(table.primary_key.columns) if table.primary_key else set()
    fk_cols = {c for fk in table.foreign_keys for c in fk.columns}
    out: dict[str, Any] = {
        "id": table.qualified_name,
        "name": table.qualified_name if multi else table.name,
        "kind": table.kind.value,
        "group": group,
        "cols": [_column(c, pk, fk_cols) for c in table.columns],
    }
    if table.comment:
        out["comment"] = table.comment
    loc = location or (location_text(table.location) if table.location else None)
    if loc:
        out["loc"] = loc
    if table.primary_key:
        out["pk"] = [table.primary_key.name, list(table.primary_key.columns)]
    if table.indexes:
        out["idx"] = [[i.name, index_columns(i), int(i.unique or i.primary), i.method, i.predicate or ""]
                      for i in table.indexes]
    if table.uniques:
        out["uq"] = [[u.name, list(u.columns)] for u in table.uniques]
    if table.checks:
        out["ck"] = [[c.name, c.expression + ("" if c.validated else " NOT VALID")] for c in table.checks]
    if table.exclusions:
        out["ex"] = [[e.name, e.definition] for e in table.exclusions]
    if table.foreign_keys:
        out["fk"] = [[fk.name, list(fk.columns), index.get(fk.ref_qualified, fk.ref_qualified), list(fk.ref_columns),
                      fk.on_delete.value, fk.on_update.value] for fk in table.foreign_keys]
    if table.triggers:
        out["trg"] = [[t.name, trigger_text(t)] for t in table.triggers]
    if table.partitioning:
        out["part"] = [table.partitioning.strategy, table.partitioning.key]
        out["parts"] = [[p.name, p.partition_bound or ""] for p in model.partitions_of(table.qualified_name)]
    if table.view_definition:
        out["view"] = table.view_definition.strip()
    if findings:
        out["findings"] = [list(f) for f in findings]
    return out


def _column(column: Column, pk: set[str], fk_cols: set[str]) -> list[Any]:
    keys = "/".join(k for k, on in (("PK", column.name in pk), ("FK", column.name in fk_cols)) if on)
    return [column.name, type_text(column), int(column.nullable), default_text(column) or "", column.comment or "",
            keys]


def default_text(column: Column) -> str | None:
    """The default as a reader wants it: identity, generated expression, serial or the expression."""
    if column.identity:
        return f"identity ({column.identity})"
    if column.generated:
        return f"generated: {column.generated}"
    if column.serial_sequence:
        return f"serial ({column.serial_sequence})"
    return column.default


def index_columns(index: Any) -> str:
    text = ", ".join(e.label for e in index.elements)
    return text + (f" INCLUDE ({', '.join(index.include)})" if index.include else "")


def trigger_text(trigger: Any) -> str:
    text = f"{trigger.timing} {' OR '.join(trigger.events)} FOR EACH {trigger.level} → {trigger.function}"
    return text + ("" if trigger.enabled else " (disabled)")


def stats_payload(model: SchemaModel) -> dict[str, list[Any]]:
    """Estimated rows and total size per table, for tables the source has statistics for."""
    out: dict[str, list[Any]] = {}
    for table in shown_tables(model):
        stats = table.stats
        if stats is None or (stats.rows_estimate is None and stats.total_bytes is None):
            continue
        rows = sum((p.stats.rows_estimate or 0) for p in model.partitions_of(table.qualified_name) if p.stats) \
            if table.partitioning else stats.rows_estimate
        size = sum((p.stats.total_bytes or 0) for p in model.partitions_of(table.qualified_name) if p.stats) \
            if table.partitioning else stats.total_bytes
        out[table.qualified_name] = [rows, size_text(size) if size is not None else None]
    return out


def payload_json(payload: Mapping[str, Any]) -> str:
    """The payload as JSON safe inside ``<script>``, one table per line (readable diffs)."""
    return "".join(payload_chunks(payload))


def payload_chunks(payload: Mapping[str, Any]) -> Iterator[str]:
    """:func:`payload_json` in pieces, a table at a time (tables may be an iterator: never all held)."""
    head = {k: v for k, v in payload.items() if k != "tables"}
    yield _dump(head)[:-1] + ',"tables":[\n'
    for n, table in enumerate(payload["tables"]):
        yield _dump(table) if n == 0 else ",\n" + _dump(table)
    yield "\n]}"


def stats_json(stats: Mapping[str, Any]) -> str:
    """Statistics as JSON, each line tagged so that ``docs --check`` can mask it."""
    return "\n".join(
        f"{'{' if n == 0 else ','}{_dump(k)}:{_dump(v)}" for n, (k, v) in enumerate(sorted(stats.items()))
    ) + ("\n}" if stats else "{}")


_SCRIPT_CLOSE = re.compile(r"</", re.I)


def _dump(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
    return _SCRIPT_CLOSE.sub(r"<\\/", text).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


@cache
def asset(name: str) -> str:
    """A file of ``report/assets`` (the vendored ELK, the drawing script, its style)."""
    return files("dbaudit.report").joinpath("assets", name).read_text(encoding="utf-8")


VIEW_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "erd": "entity-relationship diagram", "fit": "fit", "more": "more", "erd_empty": "No table to draw.",
        "erd_layout": "Laying out the diagram…", "erd_error": "The diagram could not be laid out:",
        "kind": "Kind", "kind_table": "table", "kind_partitioned_table": "partitioned table",
        "kind_view": "view", "kind_materialized_view": "materialized view", "kind_foreign_table": "foreign table",
        "declared": "Declared at", "rows": "Rows (estimate)", "size": "Size", "partitioned": "Partitioned by",
        "columns": "Columns", "c_name": "Name", "c_type": "Type", "c_nullable": "Nullable",
        "c_default": "Default", "c_description": "Description", "pk": "Primary key", "indexes": "Indexes",
        "c_columns": "Columns", "c_unique": "Unique", "c_method": "Method", "c_predicate": "Partial (WHERE)",
        "constraints": "Constraints", "relations": "Relations", "out": "→", "in": "←",
        "on_delete": "on delete", "triggers": "Triggers", "partitions": "Partitions",
        "definition": "Definition", "findings": "Findings", "yes": "yes", "no": "no",
        "noscript": "The diagrams and table details need JavaScript; the Mermaid source below has the same "
                    "relations.",
        "erd_view": "Diagram of", "erd_all": "all tables",
        "erd_hint": "Drag to pan, wheel or +/− to zoom, click a table for its detail; dashed boxes are "
                    "tables of other groups.",
        "table_filter": "Filter tables by name", "tables_word": "tables", "tables_label": "Tables",
    },
    "zh": {
        "erd": "实体关系图", "fit": "适应窗口", "more": "更多", "erd_empty": "没有可绘制的表。",
        "erd_layout": "正在布局…", "erd_error": "无法布局该图:",
        "kind": "类型", "kind_table": "表", "kind_partitioned_table": "分区表", "kind_view": "视图",
        "kind_materialized_view": "物化视图", "kind_foreign_table": "外部表",
        "declared": "定义位置", "rows": "行数(估计)", "size": "大小", "partitioned": "分区方式",
        "columns": "字段", "c_name": "名称", "c_type": "类型", "c_nullable": "可空", "c_default": "默认值",
        "c_description": "说明", "pk": "主键", "indexes": "索引", "c_columns": "字段", "c_unique": "唯一",
        "c_method": "方法", "c_predicate": "部分索引条件", "constraints": "约束", "relations": "关联",
        "out": "→", "in": "←", "on_delete": "删除时", "triggers": "触发器", "partitions": "分区",
        "definition": "定义", "findings": "发现", "yes": "是", "no": "否",
        "noscript": "关系图与表详情需要 JavaScript;下面的 Mermaid 源码包含相同的关联。",
        "erd_view": "关系图范围", "erd_all": "全部表",
        "erd_hint": "拖动平移,滚轮或 +/− 缩放,点击表查看详情;虚线框是其他分组的表。",
        "table_filter": "按名称筛选表", "tables_word": "张表", "tables_label": "相关表",
    },
}


def view_texts(lang: str) -> dict[str, str]:
    return VIEW_TEXTS.get(lang, VIEW_TEXTS["en"])


__all__ = [
    "SCHEMA_SCRIPT_ID",
    "STATS_MARKER",
    "STATS_SCRIPT_ID",
    "FindingRef",
    "ViewGroup",
    "asset",
    "default_text",
    "index_columns",
    "payload_chunks",
    "payload_json",
    "schema_payload",
    "shown_tables",
    "stats_json",
    "stats_payload",
    "trigger_text",
    "view_texts",
]
