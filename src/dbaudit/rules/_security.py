"""Facts the security rules share: who acts as a table's owner, who may write it, tenant columns.

PostgreSQL treats every role that has the privileges of a relation's owner (the owner and its
members with INHERIT) as the owner: such a role bypasses row-level security unless the table is
``FORCE ROW LEVEL SECURITY``. Superusers and ``BYPASSRLS`` roles bypass it always.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from dbaudit.messages import msg
from dbaudit.model.schema import PUBLIC_GRANTEE, WRITE_PRIVILEGES, Grant, Policy, SchemaModel, Table, TableKind

# Column names that name a tenant in multi-tenant schemas (used when no policy names one).
TENANT_NAMES = frozenset({"tenant_id", "organization_id", "org_id", "workspace_id", "company_id", "team_id"})


def acts_as_owner(model: SchemaModel, role: str, owner: str | None) -> bool:
    """``role`` has the privileges of ``owner`` (is it, or a member of it)."""
    return owner is not None and owner in model.memberships(role)


def bypasses_rls(model: SchemaModel, role: str, table: Table) -> str | None:
    """Why ``role`` reads ``table`` without its policies, or ``None`` when the policies apply."""
    found = model.role(role)
    if found is not None and found.superuser:
        return msg("{role} is a superuser", role=role)
    if found is not None and found.bypass_rls:
        return msg("{role} has BYPASSRLS", role=role)
    if not table.rls_forced and acts_as_owner(model, role, table.owner):
        return msg("{role} owns {table}", role=role, table=table.qualified_name) if role == table.owner else (
            msg("{role} is a member of {owner}, which owns {table}",
                role=role, owner=table.owner, table=table.qualified_name))
    return None


def writers(table: Table) -> list[Grant]:
    """Grants that let a role other than the owner write the table."""
    return [g for g in table.acl if WRITE_PRIVILEGES.intersection(g.privileges)]


def readers(table: Table) -> list[Grant]:
    return [g for g in table.acl if "SELECT" in g.privileges]


def login_owners(model: SchemaModel, owner: str | None) -> list[str]:
    """Roles that can log in and act as ``owner`` (the owner itself or its members), not superusers."""
    if owner is None:
        return []
    return sorted(
        r.name for r in model.roles
        if r.can_login and not r.superuser and owner in model.memberships(r.name)
    )


def rls_tables(model: SchemaModel) -> list[Table]:
    """Tables that store rows and are read through their own policies (not partitions: a partitioned
    parent's policies apply to queries through the parent)."""
    return [t for t in model.tables if t.kind in (TableKind.TABLE, TableKind.PARTITIONED_TABLE)]


@cache
def _expression_columns(expression: str) -> frozenset[str]:
    """Column names an expression refers to, read with PostgreSQL's own parser."""
    from pglast import ast, parse_sql  # noqa: PLC0415
    from pglast.visitors import Visitor  # noqa: PLC0415

    try:
        tree = parse_sql(f"SELECT {expression}")
    except Exception:  # an expression pglast cannot parse names no column we can trust
        return frozenset()
    names: set[str] = set()

    class _Columns(Visitor):
        def visit_ColumnRef(self, _ancestors: object, node: ast.ColumnRef) -> None:
            last = node.fields[-1] if node.fields else None
            if isinstance(last, ast.String) and last.sval:
                names.add(last.sval)

    _Columns()(tree)
    return frozenset(names)


def policy_columns(table: Table, policy: Policy) -> set[str]:
    """The table's own non-key columns a policy compares (``tenant_id`` in ``tenant_id = …``)."""
    keys = set(table.primary_key.columns) if table.primary_key else set()
    if len(keys) > 1:
        keys = set()  # a composite key (tenant_id, id) may hold the tenant column
    found: set[str] = set()
    for expression in (policy.using, policy.with_check):
        if expression:
            found |= {c for c in _expression_columns(expression) if table.column(c) is not None}
    return found - keys


def tenant_columns(tables: Iterable[Table]) -> set[str]:
    """The columns the policies of these tables filter on, else the usual tenant column names."""
    named = {c for t in tables for p in t.policies for c in policy_columns(t, p)}
    return named or set(TENANT_NAMES)


def grantee_text(grant: Grant) -> str:
    who = "PUBLIC" if grant.grantee == PUBLIC_GRANTEE else grant.grantee
    return f"{who}: {', '.join(grant.privileges)}"
