# ruff: noqa: E501
"""Chinese catalogue: schema-per-tenant databases (schemas sharing one structure, audited once)."""

from __future__ import annotations

ZH: dict[str, str] = {
    # the audit's note and the findings stated for a whole cluster
    "tenant schemas: {schemas:,} schemas share {structures:,} structures; the rules ran on {audited:,} of {total:,} tables (one schema per structure) and each finding says which schemas it applies to (tenant-dedupe = false audits every schema)": "租户 schema: {schemas:,} 个 schema 共用 {structures:,} 种结构; 规则只在 {total:,} 张表中的 {audited:,} 张上运行(每种结构一个 schema), 每条问题都注明适用于哪些 schema(tenant-dedupe = false 时逐个 schema 审计)",
    "{names} and {more:,} more": "{names} 等另外 {more:,} 个",
    "{title} (in {n:,} schemas of one structure)": "{title}(同一结构的 {n:,} 个 schema 均如此)",
    "the same structure, and this finding, are in {n:,} schemas: {names}": "同样的结构和同样的问题存在于 {n:,} 个 schema 中: {names}",
    "-- The same fix applies to each of the {n} schemas listed in the evidence: run it in each, with {schema} replaced by the schema's name.": "-- 同样的修复适用于证据中列出的 {n} 个 schema: 在每个 schema 中执行一次, 把 {schema} 换成对应的 schema 名.",
    # tenant-schema-deviation
    "schema {schema} differs from the structure of {template} that {n:,} schemas share": "schema {schema} 与 {n:,} 个 schema 共用的 {template} 结构不一致",
    "{k:,} schemas ({names}) differ from the structure of {template} that {n:,} schemas share": "{k:,} 个 schema({names})与 {n:,} 个 schema 共用的 {template} 结构不一致",
    "and {n:,} more differences (report.json lists them under tenants)": "另有 {n:,} 处差异(见 report.json 的 tenants)",
    "Migrations written for the other tenants may fail here half-way through a rollout; queries tuned for the common indexes scan this tenant's tables; code that expects a column breaks for this tenant only.": "为其他租户编写的迁移在这里可能执行到一半失败; 按通用索引调优的查询会在这个租户的表上全表扫描; 依赖某一列的代码只在这个租户出错.",
    "A migration, a hotfix or a manual change reached some tenant schemas and not the others.": "某次迁移, 热修复或手工变更只作用到了部分租户 schema.",
    "-- columns and indexes only one of the two schemas has (none: the same structure)": "-- 只有其中一个 schema 才有的列和索引(结果为空: 结构相同)",
    "extra {kind} {object}{detail}: the template {template} has none": "多出{kind} {object}{detail}: 模板 {template} 中没有",
    "missing {kind} {object}{detail}: the template {template} has it": "缺少{kind} {object}{detail}: 模板 {template} 中有",
    "{kind} {object} differs: {here} here, {there} in the template {template}": "{kind} {object} 不一致: 这里为 {here}, 模板 {template} 中为 {there}",
    "column": "列",
    "trigger": "触发器",
    "type": "类型",
    # rule title
    "A tenant schema differs from the structure the other tenant schemas share.": "租户 schema 与其他租户共用的结构不一致",
}

__all__ = ["ZH"]
