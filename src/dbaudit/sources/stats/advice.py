"""Candidate indexes for a statement, and their verification with HypoPG hypothetical indexes.

Candidates come only for tables the statement's plan reads with a sequential scan (an index that
would replace nothing is not advice). Per table, from the statement's shape:

- a btree on the equality columns (WHERE ``=``/``IN``), then one range or ORDER BY column;
- a btree on a join column, for the nested loop that would probe it;
- a trigram GIN index for a ``LIKE``/``ILIKE`` search (never verified: HypoPG simulates btree, hash and
  BRIN indexes only).

A candidate is dropped when an existing valid btree index already leads with its columns. With the
``hypopg`` extension installed in the audited database, each btree candidate is created as a
*hypothetical* index (backend memory only: nothing is written, it works in a read-only transaction;
on a partitioned table on each partition, as ``CREATE INDEX`` on the parent would), the statement is
planned again, and the index is ``verified`` when the planner uses it and the plan is at least
:data:`MIN_REDUCTION` cheaper. ``hypopg_reset()`` removes it at once. No index is ever created.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dbaudit.model.schema import SchemaModel, Table, TableKind
from dbaudit.model.statistics import IndexAdvice, Plan
from dbaudit.sources.stats.shape import QueryShape

if TYPE_CHECKING:
    import psycopg

MIN_REDUCTION = 0.10
MAX_CANDIDATES = 3
_HYPO_MARK = ">btree_"


def candidates(shape: QueryShape, plan: Plan, model: SchemaModel) -> list[IndexAdvice]:
    """Index candidates for the tables the plan scans sequentially (at most :data:`MAX_CANDIDATES`)."""
    scanned = {_parent(model, s.relation) for s in plan.seq_scans if s.relation}
    out: list[IndexAdvice] = []
    for name in shape.tables:
        table = model.table(name)
        if table is None or name not in scanned or table.kind not in (TableKind.TABLE, TableKind.PARTITIONED_TABLE):
            continue
        roles = shape.columns_of(name)
        keys = roles["equality"][:3]
        tail = next((c for c in roles["range"] + roles["order"] if c not in keys), None)
        if keys:
            columns = (*keys, tail) if tail and len(keys) < 3 else tuple(keys)
            out.append(_btree(table, columns, "WHERE " + ", ".join(keys) + (f" then {tail}" if tail else "")))
        for column in roles["join"]:
            out.append(_btree(table, (column,), f"JOIN on {column}"))
        for column in roles["like"]:
            out.append(IndexAdvice(
                table=name, columns=(column,), because=f"LIKE/ILIKE search on {column}",
                definition=(f"CREATE INDEX CONCURRENTLY ON {_qualified(table)} USING gin "
                            f"({_ident(column)} gin_trgm_ops);  -- needs pg_trgm"),
                reason="a trigram GIN index cannot be simulated by HypoPG (btree, hash and BRIN only)",
            ))
    kept: list[IndexAdvice] = []
    for advice in out:
        if any(a.table == advice.table and a.columns == advice.columns for a in kept):
            continue
        table = model.table(advice.table)
        if table is not None and "gin" not in advice.definition and _covered(table, advice.columns):
            continue
        kept.append(advice)
    return kept[:MAX_CANDIDATES]


def _btree(table: Table, columns: tuple[str, ...], because: str) -> IndexAdvice:
    return IndexAdvice(
        table=table.qualified_name, columns=columns, because=because,
        definition=f"CREATE INDEX CONCURRENTLY ON {_qualified(table)} ({', '.join(_ident(c) for c in columns)});",
    )


def _covered(table: Table, columns: tuple[str, ...]) -> bool:
    """An existing valid, non-partial btree index leads with these columns (in any order)."""
    wanted = set(columns)
    for index in table.indexes:
        if not index.valid or index.predicate or index.method != "btree":
            continue
        lead = index.elements[: len(columns)]
        if len(lead) == len(columns) and {e.column for e in lead} == wanted:
            return True
    return False


def _parent(model: SchemaModel, relation: str) -> str:
    """A partition's partitioned parent (plans scan partitions; indexes are advised on the parent)."""
    table = model.table(relation)
    while table is not None and table.partition_of:
        parent = model.table(table.partition_of)
        if parent is None:
            break
        table = parent
    return table.qualified_name if table is not None else relation


def _ident(name: str) -> str:
    from dbaudit.sqltext import ident  # noqa: PLC0415

    return ident(name)


def _qualified(table: Table) -> str:
    from dbaudit.sqltext import qualified  # noqa: PLC0415

    return qualified(table.schema, table.name)


def verify(
    conn: psycopg.Connection[Any], advice: IndexAdvice, plan: Plan, model: SchemaModel, *, hypopg_schema: str,
    replan: Callable[[], Plan],
) -> IndexAdvice:
    """``advice`` with its HypoPG verdict: the statement re-planned with the hypothetical index."""
    import dataclasses  # noqa: PLC0415

    import psycopg  # noqa: PLC0415
    from psycopg import sql  # noqa: PLC0415

    if "gin" in advice.definition or plan.total_cost is None:
        return advice
    table = model.table(advice.table)
    if table is None:
        return advice
    targets = _leaf_tables(model, table)
    create = sql.SQL("SELECT {}.hypopg_create_index(%s)").format(sql.Identifier(hypopg_schema))
    reset = sql.SQL("SELECT {}.hypopg_reset()").format(sql.Identifier(hypopg_schema))
    try:
        for target in targets:
            statement = f"CREATE INDEX ON {_qualified(target)} ({', '.join(_ident(c) for c in advice.columns)})"
            with conn.transaction():
                conn.execute(create, (statement,))
        after = replan()
    except psycopg.Error as exc:
        return dataclasses.replace(advice, reason=f"HypoPG could not simulate it: {str(exc).splitlines()[0]}")
    finally:
        try:
            with conn.transaction():
                conn.execute(reset)
        except psycopg.Error:
            pass
    used = any(_HYPO_MARK in (index or "") for index in after.indexes_used)
    cheaper = after.total_cost is not None and after.total_cost <= plan.total_cost * (1 - MIN_REDUCTION)
    return dataclasses.replace(
        advice, check="verified" if used and cheaper else "not-used",
        cost_before=plan.total_cost, cost_after=after.total_cost,
        reason=None if used and cheaper else (
            "the planner does not use it" if not used else "the planner uses it but the plan is not cheaper"),
    )


def _leaf_tables(model: SchemaModel, table: Table) -> list[Table]:
    """The tables that would hold the index: the table, or every leaf partition of a partitioned one."""
    if table.kind != TableKind.PARTITIONED_TABLE:
        return [table]
    out: list[Table] = []
    stack = list(model.partitions_of(table.qualified_name))
    while stack:
        part = stack.pop()
        if part.kind == TableKind.PARTITIONED_TABLE:
            stack.extend(model.partitions_of(part.qualified_name))
        else:
            out.append(part)
    return sorted(out, key=lambda t: t.qualified_name)
