"""Tenant schemas that deviate from the structure their siblings share (input ``"tenants"``: the
:class:`~dbaudit.tenants.TenantLayout` the audit found; nothing to report without one)."""

from __future__ import annotations

from collections.abc import Iterator

from dbaudit.findings import Finding, Severity
from dbaudit.messages import msg, sql_comment
from dbaudit.rules.registry import RuleContext, rule
from dbaudit.sqltext import literal
from dbaudit.tenants.detect import Deviant, TenantCluster
from dbaudit.tenants.layout import TenantLayout, names_text

# Differences spelled out as evidence lines of one finding (the JSON's "tenants" lists up to 200).
SHOWN_DIFFERENCES = 30
# Objects named by one finding besides the schema.
SHOWN_OBJECTS = 50

@rule("tenant-schema-deviation", category="drift", severity=Severity.P2)
def tenant_schema_deviation(ctx: RuleContext) -> Iterator[Finding]:
    """A tenant schema differs from the structure the other tenant schemas share.

    ## What it does
    When many schemas share one structure (schema-per-tenant: the same tables, columns, indexes,
    constraints, triggers, sequences and functions, whatever the schema is called), the audit checks
    that structure once and reports here each schema that differs from it a little: an extra or
    missing column, index, constraint or table, a column of another type. Schemas that merely share
    table names but whose tables differ are not compared. The audit's tenant detection runs by
    default (`--no-tenant-dedupe` or `tenant-dedupe = false` turns it off, and with it this rule).

    ## Why is this bad?
    Migrations are written and tested against one tenant's structure. A tenant that missed a
    migration, got a hotfix by hand or kept a retired column makes the next migration fail half-way
    through the tenants, queries tuned for an index scan that tenant's table, and code that expects
    a column breaks for that tenant only.

    ## Example
    ```sql
    -- 4,999 schemas: tasks has an index on (project_id)
    -- tenant_00042: the index is missing
    DROP INDEX tenant_00042.tasks_project_idx;
    ```

    ## Use instead
    ```sql
    -- bring the schema back to the common structure through the migration tool that manages tenants
    CREATE INDEX CONCURRENTLY tasks_project_idx ON tenant_00042.tasks (project_id);
    ```

    ## Known problems
    A deliberate per-tenant extension (a customer's own table) is reported too; suppress it with a
    `per-object-ignores` entry for that schema and this rule.
    """
    layout = ctx.inputs.get("tenants")
    if not isinstance(layout, TenantLayout):
        return
    for cluster in layout.clusters:
        for deviant in cluster.deviants:
            yield _finding(cluster, deviant)


def _finding(cluster: TenantCluster, deviant: Deviant) -> Finding:
    group = deviant.group
    schema, template = group.representative, cluster.template.representative
    shared = len(cluster.template)
    count = len(deviant.differences) + deviant.more
    if len(group) == 1:
        title = msg("schema {schema} differs from the structure of {template} that {n:,} schemas share",
                    schema=schema, n=shared, template=template)
    else:
        title = msg("{k:,} schemas ({names}) differ from the structure of {template} that {n:,} schemas share",
                    k=len(group), names=names_text(group.schemas), n=shared, template=template)
    evidence: list[str] = [d.describe(template) for d in deviant.differences[:SHOWN_DIFFERENCES]]
    left = count - min(len(deviant.differences), SHOWN_DIFFERENCES)
    if left:
        evidence.append(msg("and {n:,} more differences (report.json lists them under tenants)", n=left))
    objects = [schema, *dict.fromkeys(d.object for d in deviant.differences if d.kind != "schema")][:SHOWN_OBJECTS + 1]
    return tenant_schema_deviation.finding(
        objects=objects,
        title=title,
        evidence=evidence,
        impact=msg("Migrations written for the other tenants may fail here half-way through a rollout; queries "
                   "tuned for the common indexes scan this tenant's tables; code that expects a column breaks "
                   "for this tenant only."),
        root_cause=msg("A migration, a hotfix or a manual change reached some tenant schemas and not the others."),
        verify_sql=verify_sql(schema, template),
        data={"template": template, "schemas": list(group.schemas), "differences": count},
    )


def verify_sql(schema: str, template: str) -> str:
    """Columns and indexes one schema has and the other lacks, both ways (names without the schema)."""
    parts = []
    for here, there in ((schema, template), (template, schema)):
        a, b = literal(here), literal(there)
        parts.append(
            f"(SELECT {a} AS only_in, 'column' AS kind, table_name || '.' || column_name AS name,\n"
            f"        data_type || CASE WHEN is_nullable = 'NO' THEN ' NOT NULL' ELSE '' END AS detail\n"
            f"   FROM information_schema.columns WHERE table_schema = {a}\n"
            f" EXCEPT\n"
            f" SELECT {a}, 'column', table_name || '.' || column_name,\n"
            f"        data_type || CASE WHEN is_nullable = 'NO' THEN ' NOT NULL' ELSE '' END\n"
            f"   FROM information_schema.columns WHERE table_schema = {b})\n"
            f"UNION ALL\n"
            f"(SELECT {a}, 'index', tablename || '.' || indexname,\n"
            f"        replace(indexdef, ' ON ' || quote_ident({a}) || '.', ' ON ')\n"
            f"   FROM pg_catalog.pg_indexes WHERE schemaname = {a}\n"
            f" EXCEPT\n"
            f" SELECT {a}, 'index', tablename || '.' || indexname,\n"
            f"        replace(indexdef, ' ON ' || quote_ident({b}) || '.', ' ON ')\n"
            f"   FROM pg_catalog.pg_indexes WHERE schemaname = {b})"
        )
    comment = sql_comment("-- columns and indexes only one of the two schemas has (none: the same structure)")
    return comment + "\n" + "\nUNION ALL\n".join(parts) + "\nORDER BY 1, 2, 3;"
