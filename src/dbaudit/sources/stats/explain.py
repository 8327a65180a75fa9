"""Plans of normalised statements: generic plans (nothing executed) and, on request, EXPLAIN ANALYZE.

A normalised statement has parameters (``$1``) instead of constants, so it cannot simply be run. Its
*generic* plan — the plan PostgreSQL uses for any parameter values — is what is shown:

- PostgreSQL 16+: ``EXPLAIN (GENERIC_PLAN)``;
- PostgreSQL 14-15: ``PREPARE`` the statement (the server infers the parameter types), then
  ``EXPLAIN EXECUTE`` it with ``plan_cache_mode = force_generic_plan`` and NULL arguments, which the
  generic plan does not look at.

Nothing is executed: ``EXPLAIN`` without ``ANALYZE`` only plans, also for INSERT/UPDATE/DELETE, and
the session is read-only. ``EXPLAIN ANALYZE`` runs only when asked (``--explain-analyze``), only for
``SELECT`` statements without parameters (the values of the others are unknown), in a read-only
transaction under a statement timeout. Each statement runs in its own savepoint: a statement that
cannot be planned costs a note, not the whole read.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dbaudit.model.statistics import Plan, PlanScan

if TYPE_CHECKING:
    import psycopg

_SCAN_NODES = frozenset({
    "Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Heap Scan", "Bitmap Index Scan", "Tid Scan",
})
MAX_PLAN_TEXT = 4000


def generic_plan(conn: psycopg.Connection[Any], query: str, *, name: str, resolve: Callable[[str], str],
                 large: Callable[[str], bool]) -> Plan:
    """The generic plan of ``query`` (no execution), or a Plan carrying the error."""
    import psycopg  # noqa: PLC0415

    try:
        with conn.transaction():
            if conn.info.server_version >= 160000:
                document = conn.execute(b"EXPLAIN (GENERIC_PLAN, FORMAT JSON) " + query.encode()).fetchone()
            else:
                document = _prepared_generic(conn, query, name)
    except psycopg.Error as exc:
        return Plan(source="none", error=_first_line(exc))
    finally:
        _deallocate(conn, name)
    return summarize(document[0] if document else None, "generic", resolve, large)


def _prepared_generic(conn: psycopg.Connection[Any], query: str, name: str) -> Any:
    from psycopg import sql  # noqa: PLC0415

    conn.execute("SET LOCAL plan_cache_mode = force_generic_plan")
    conn.execute(sql.SQL("PREPARE {} AS ").format(sql.Identifier(name)).as_bytes(conn) + query.encode())
    row = conn.execute("SELECT cardinality(parameter_types) FROM pg_catalog.pg_prepared_statements WHERE name = %s",
                       (name,)).fetchone()
    count = int(row[0]) if row and row[0] else 0
    arguments = sql.SQL("({})").format(sql.SQL(", ").join([sql.NULL] * count)) if count else sql.SQL("")
    explain = sql.SQL("EXPLAIN (FORMAT JSON) EXECUTE {}{}").format(sql.Identifier(name), arguments)
    return conn.execute(explain).fetchone()


def _deallocate(conn: psycopg.Connection[Any], name: str) -> None:
    """Prepared statements outlive a rolled-back savepoint: drop ours (no error if absent)."""
    import psycopg  # noqa: PLC0415

    try:
        with conn.transaction():
            found = conn.execute("SELECT 1 FROM pg_catalog.pg_prepared_statements WHERE name = %s", (name,)).fetchone()
            if found:
                from psycopg import sql  # noqa: PLC0415

                conn.execute(sql.SQL("DEALLOCATE {}").format(sql.Identifier(name)))
    except psycopg.Error:
        pass


def analyzed_plan(conn: psycopg.Connection[Any], query: str, *, timeout_ms: int, resolve: Callable[[str], str],
                  large: Callable[[str], bool]) -> Plan:
    """EXPLAIN (ANALYZE, BUFFERS) of a parameterless SELECT, read-only, under ``timeout_ms``."""
    import psycopg  # noqa: PLC0415

    try:
        with conn.transaction():
            conn.execute(f"SET LOCAL statement_timeout = {int(timeout_ms)}")
            document = conn.execute(b"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + query.encode()).fetchone()
    except psycopg.Error as exc:
        return Plan(source="none", error=_first_line(exc))
    return summarize(document[0] if document else None, "analyze", resolve, large)


def summarize(document: Any, source: str, resolve: Callable[[str], str], large: Callable[[str], bool]) -> Plan:
    """The scans, cost and (for ANALYZE) time of an ``EXPLAIN (FORMAT JSON)`` document."""
    if isinstance(document, str):
        document = json.loads(document)
    if not document:
        return Plan(source="none", error="no plan")
    top = document[0]
    root = top["Plan"]
    scans: list[PlanScan] = []
    stack = [root]
    while stack:
        node = stack.pop()
        stack.extend(reversed(node.get("Plans", [])))
        kind = node.get("Node Type", "")
        if kind not in _SCAN_NODES:
            continue
        relation = node.get("Relation Name")
        qualified = resolve(relation) if relation else ""
        scans.append(PlanScan(
            node=kind, relation=qualified, index=node.get("Index Name"), rows=float(node.get("Plan Rows", 0)),
            filter=node.get("Filter") or node.get("Index Cond") or node.get("Recheck Cond"),
            large=bool(qualified) and large(qualified),
        ))
    return Plan(
        source="analyze" if source == "analyze" else "generic",
        total_cost=float(root.get("Total Cost", 0.0)), scans=tuple(scans),
        actual_ms=float(top["Execution Time"]) if "Execution Time" in top else None,
        text=plan_text(root)[:MAX_PLAN_TEXT],
    )


def plan_text(root: dict[str, Any]) -> str:
    """A compact text rendering of the plan tree (node, relation, index, estimated rows, cost)."""
    lines: list[str] = []

    def walk(node: dict[str, Any], depth: int) -> None:
        parts = [node.get("Node Type", "?")]
        if node.get("Relation Name"):
            parts.append(f"on {node['Relation Name']}")
        if node.get("Index Name"):
            parts.append(f"using {node['Index Name']}")
        detail = f"(cost={node.get('Total Cost', 0):.2f} rows={node.get('Plan Rows', 0):.0f})"
        if "Actual Total Time" in node:
            detail += f" (actual {node['Actual Total Time']:.3f} ms rows={node.get('Actual Rows', 0):.0f})"
        lines.append("  " * depth + ("-> " if depth else "") + " ".join(parts) + "  " + detail)
        condition = node.get("Filter") or node.get("Index Cond") or node.get("Hash Cond")
        if condition:
            lines.append("  " * (depth + 1) + f"   {condition}")
        for child in node.get("Plans", []):
            walk(child, depth + 1)

    walk(root, 0)
    return "\n".join(lines)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
