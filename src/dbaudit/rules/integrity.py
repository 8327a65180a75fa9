"""Rules of the integrity category: relations and keys the database should enforce but does not.

The module also holds small helpers the other categories of this package share (object names,
foreign-key DDL that works on partitioned tables, name-based parent resolution).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from pglast import ast, parse_sql
from pglast.enums.parsenodes import A_Expr_Kind
from pglast.enums.primnodes import BoolExprType

from dbaudit.findings import Finding, Severity
from dbaudit.messages import join, msg
from dbaudit.model.schema import (
    Column,
    ForeignKey,
    Index,
    IndexElement,
    Location,
    ReferentialAction,
    SchemaModel,
    Table,
    TableKind,
)
from dbaudit.rules._code_facts import resolve_table
from dbaudit.rules.registry import RuleContext, rule
from dbaudit.sqltext import (
    column_list,
    ident,
    in_comment,
    literal,
    qualified,
    regclass_literal,
    script_lines,
    truncate_identifier,
)

if TYPE_CHECKING:
    from dbaudit.rules._fk_inference import Inference

PG_MANUAL = "https://www.postgresql.org/docs/current"
_INTEGER_TYPES = frozenset({"int2", "int4", "int8"})

# --------------------------------------------------------------------------------------------------
# Shared helpers


# One model is audited at a time: indexes over it (tables by name, referenced keys, relation names)
# are built once per model instead of rescanning every table per column or finding, which matters on
# 5,000-table schemas. A single entry holds the last model only.
_CACHE: list[tuple[SchemaModel, dict[str, Any]]] = []


def model_cache(model: SchemaModel) -> dict[str, Any]:
    """A scratch dict tied to this model object (replaced when another model comes)."""
    if _CACHE and _CACHE[0][0] is model:
        return _CACHE[0][1]
    _CACHE[:] = [(model, {})]
    return _CACHE[0][1]


def tables_named(model: SchemaModel, name: str) -> list[Table]:
    """Base tables with this bare name, in any schema."""
    cache = model_cache(model)
    if "by_name" not in cache:
        by_name: dict[str, list[Table]] = {}
        for t in model.base_tables:
            by_name.setdefault(t.name, []).append(t)
        cache["by_name"] = by_name
    found: list[Table] = cache["by_name"].get(name, [])
    return found


def referenced_keys(model: SchemaModel) -> set[tuple[str, frozenset[str]]]:
    """(table, referenced column set) of every foreign key: keys that must stay non-partial."""
    cache = model_cache(model)
    if "referenced" not in cache:
        cache["referenced"] = {
            (fk.ref_qualified, frozenset(fk.ref_columns)) for t in model.tables for fk in t.foreign_keys
        }
    keys: set[tuple[str, frozenset[str]]] = cache["referenced"]
    return keys


def relation_names(model: SchemaModel, schema: str) -> set[str]:
    """Names taken in a schema's relation namespace (tables, views, indexes, sequences)."""
    cache = model_cache(model)
    if "relations" not in cache:
        names: dict[str, set[str]] = {}
        for t in model.tables:
            bucket = names.setdefault(t.schema, set())
            bucket.add(t.name)
            bucket.update(i.name for i in t.indexes)
        for seq in model.sequences:
            names.setdefault(seq.schema, set()).add(seq.name)
        cache["relations"] = names
    found: set[str] = cache["relations"].get(schema, set())
    return found


def col_obj(table: Table, column: str) -> str:
    """The JSON contract's ``schema.table.column`` name."""
    return f"{table.qualified_name}.{column}"


def rel_obj(schema: str, name: str) -> str:
    """``schema.name`` for an index, constraint or sequence."""
    return f"{schema}.{name}"


def tsql(table: Table) -> str:
    """The table's quoted qualified name for generated SQL."""
    return qualified(table.schema, table.name)


def locations(*items: object) -> tuple[Location, ...]:
    """The ``location`` of each object that has one, without duplicates."""
    found = [getattr(item, "location", None) for item in items]
    return tuple(dict.fromkeys(loc for loc in found if isinstance(loc, Location)))


def generated_name(base: str, suffix: str) -> str:
    """``base_suffix`` cut to 63 bytes, keeping the suffix (so two generated names cannot collide)."""
    return truncate_identifier(base, 63 - len(suffix.encode()) - 1) + "_" + suffix


LOCK_TIMEOUT = "SET lock_timeout = '5s';"
_BRIEF_LOCK = re.compile(
    r"^(ALTER (TABLE|INDEX|SEQUENCE|VIEW|MATERIALIZED VIEW|FOREIGN TABLE|TYPE)\b|CREATE TRIGGER\b"
    r"|DROP INDEX (?!CONCURRENTLY)|CREATE (UNIQUE )?INDEX (?!CONCURRENTLY))"
)


def lock_guarded(script: str | None) -> str | None:
    """Give statements that take a brief strong lock a short ``lock_timeout``.

    A quick catalog change (ADD CONSTRAINT ... NOT VALID, RENAME, DROP COLUMN, CREATE TRIGGER) still
    queues behind a long transaction, and every write queues behind it: with a lock timeout it fails
    fast instead (retry later). ``CONCURRENTLY`` statements and ``VALIDATE CONSTRAINT`` run without
    it: their waits do not block writes, and a timeout would leave an invalid index behind.
    One statement per line, as every fix of this package is written; a newline inside a quoted name
    or a function body does not end a line (:func:`~dbaudit.sqltext.script_lines`).
    """
    if not script:
        return script
    out: list[str] = []
    guarded = False
    for line in script_lines(script):
        brief = bool(_BRIEF_LOCK.match(line)) and "VALIDATE CONSTRAINT" not in line
        if brief and not guarded:
            out.append(LOCK_TIMEOUT)
            guarded = True
        elif guarded and not brief and not line.startswith("--") and "CREATE OR REPLACE FUNCTION" not in line:
            out.append("RESET lock_timeout;")
            guarded = False
        out.append(line)
    if guarded:
        out.append("RESET lock_timeout;")
    return "\n".join(out)


def describe(column: Column) -> str:
    text = f"{column.name} {column.type.sql}"
    if not column.nullable:
        text += " NOT NULL"
    if column.default is not None:
        text += f" DEFAULT {column.default}"
    return text


def fk_covering(table: Table, column: str) -> ForeignKey | None:
    return next((fk for fk in table.foreign_keys if column in fk.columns), None)


def single_keys(table: Table) -> tuple[str, ...]:
    """Columns that alone are the primary key or a non-partial unique key of the table."""
    keys: list[str] = []
    if table.primary_key is not None and len(table.primary_key.columns) == 1:
        keys.append(table.primary_key.columns[0])
    keys.extend(u.columns[0] for u in table.uniques if len(u.columns) == 1)
    keys.extend(
        str(i.columns[0]) for i in table.indexes
        if i.unique and i.predicate is None and len(i.elements) == 1 and i.is_plain and i.valid
    )
    return tuple(dict.fromkeys(keys))


def has_unique_on(table: Table, columns: Iterable[str]) -> bool:
    """A primary key, unique constraint or valid non-partial unique index on exactly these columns."""
    wanted = set(columns)
    if table.primary_key is not None and set(table.primary_key.columns) == wanted:
        return True
    if any(set(u.columns) == wanted for u in table.uniques):
        return True
    return any(
        i.unique and i.valid and i.predicate is None and i.is_plain and set(i.columns) == wanted
        for i in table.indexes
    )


def _plurals(stem: str) -> tuple[str, ...]:
    out = [stem, stem + "s", stem + "es"]
    if stem.endswith("y"):
        out.append(stem[:-1] + "ies")
    return tuple(out)


def types_compatible(a: Column, b: Column) -> bool:
    """Same base type, or both integers (PostgreSQL accepts foreign keys across integer widths)."""
    if a.type.array_dims or b.type.array_dims:
        return False
    return a.type.name == b.type.name or {a.type.name, b.type.name} <= _INTEGER_TYPES


def parent_by_name(model: SchemaModel, table: Table, column: Column) -> tuple[Table, Column] | None:
    """The table a ``<stem>_id`` column names, and its single-column key of a compatible type.

    ``instance_id`` -> ``instances.id`` (or a table ``instance``); a parent whose single-column
    primary/unique key is the column's own name also counts (``session_id`` -> ``x.session_id``).
    Tables of the same schema win; a name that matches several schemas is ambiguous (None).
    """
    if not column.name.endswith("_id") or len(column.name) <= 3:
        return None
    candidates = [
        t for name in _plurals(column.name[:-3]) for t in tables_named(model, name)
        if t.qualified_name != table.qualified_name
    ]
    same_schema = [t for t in candidates if t.schema == table.schema]
    pool = same_schema or candidates
    if len(pool) != 1:
        return None
    parent = pool[0]
    for key in single_keys(parent):
        key_col = parent.column(key)
        if key_col is not None and key in ("id", column.name) and types_compatible(column, key_col):
            return parent, key_col
    return None


def fk_statements(
    model: SchemaModel,
    table: Table,
    name: str,
    *,
    columns: tuple[str, ...],
    ref: Table,
    ref_columns: tuple[str, ...],
    on_delete: ReferentialAction = ReferentialAction.NO_ACTION,
) -> list[str]:
    """Add a foreign key without a long lock: ``NOT VALID`` then ``VALIDATE CONSTRAINT``.

    PostgreSQL (up to 17) refuses ``NOT VALID`` foreign keys on a partitioned table, so for one the
    key is first added NOT VALID + validated on every leaf partition; adding it to the parent then
    attaches those validated constraints instead of scanning again.
    """
    action = "" if on_delete is ReferentialAction.NO_ACTION else f" ON DELETE {on_delete.value}"
    body = (
        f"FOREIGN KEY ({column_list(columns)}) REFERENCES {tsql(ref)} ({column_list(ref_columns)}){action}"
    )
    if table.kind is not TableKind.PARTITIONED_TABLE and table.partitioning is None:
        return [
            f"ALTER TABLE {tsql(table)} ADD CONSTRAINT {ident(name)} {body} NOT VALID;",
            f"ALTER TABLE {tsql(table)} VALIDATE CONSTRAINT {ident(name)};",
        ]
    out: list[str] = []
    for part in model.partitions_of(table.qualified_name):
        suffix = name[len(table.name):] if name.startswith(table.name) else "_" + name
        out += fk_statements(model, part, generated_name(part.name, suffix.lstrip("_")), columns=columns,
                             ref=ref, ref_columns=ref_columns, on_delete=on_delete)
    out.append(f"ALTER TABLE {tsql(table)} ADD CONSTRAINT {ident(name)} {body};")
    return out


def supporting_index(model: SchemaModel, table: Table, columns: tuple[str, ...]) -> list[str]:
    """Statements building an index on a new foreign key's columns when none covers them (a key
    without one is what ``fk-without-index`` reports), without blocking writes; else nothing."""
    from dbaudit.rules._indexing import (  # noqa: PLC0415 - the index helpers import this module's users
        LOCK_TIMEOUT as SET_TIMEOUT,
    )
    from dbaudit.rules._indexing import RESET_LOCK_TIMEOUT, covering_index, create_index_plan  # noqa: PLC0415

    if covering_index(table, columns) is not None:
        return []
    plan = create_index_plan(model, table, [IndexElement(column=c) for c in columns])
    lines = [line for line in script_lines(plan) if line.strip() not in (SET_TIMEOUT, RESET_LOCK_TIMEOUT)]
    return [f"-- no index covers {in_comment(', '.join(columns))}: build one first", *lines]


def orphan_query(table: Table, columns: tuple[str, ...], ref: Table, ref_columns: tuple[str, ...]) -> str:
    """Count child rows whose key matches no parent row (MATCH SIMPLE: rows with a NULL are fine)."""
    join = " AND ".join(f"p.{ident(r)} = c.{ident(c)}" for c, r in zip(columns, ref_columns, strict=True))
    not_null = " AND ".join(f"c.{ident(c)} IS NOT NULL" for c in columns)
    return (
        f"SELECT count(*) AS orphan_rows FROM {tsql(table)} AS c LEFT JOIN {tsql(ref)} AS p ON {join} "
        f"WHERE {not_null} AND p.{ident(ref_columns[0])} IS NULL;"
    )


def models_table(ctx: RuleContext, table: Table) -> Table | None:
    """The ORM models' version of a table, when a ``models`` input was given."""
    models = ctx.inputs.get("models")
    return models.table(table.qualified_name) if isinstance(models, SchemaModel) else None


# --------------------------------------------------------------------------------------------------
# fk-missing


@rule("fk-missing", category="integrity", severity=Severity.P1, fix="always")
def fk_missing(ctx: RuleContext) -> Iterator[Finding]:
    """A `*_id` column names another table's key, but no foreign key enforces the relation.

    ## What it does
    Finds columns named `<table>_id` (or `<singular>_id`) whose name points at another table that has a
    single-column primary or unique key of a compatible type (the same type, or both integers), while
    no foreign key on the column exists in the database.

    ## Why is this bad?
    Without the constraint nothing stops rows that reference parents which never existed or were
    deleted. Orphans make joins silently drop rows, aggregates drift, and they are expensive to find
    once they exist. An ORM that declares the relation hides the gap until data goes wrong.

    ## Example
    ```sql
    CREATE TABLE instances (id integer PRIMARY KEY);
    CREATE TABLE database_size_aggregations (id bigint PRIMARY KEY, instance_id integer NOT NULL);
    ```

    ## Use instead
    ```sql
    ALTER TABLE database_size_aggregations
      ADD CONSTRAINT database_size_aggregations_instance_id_fkey
      FOREIGN KEY (instance_id) REFERENCES instances (id) NOT VALID;
    ALTER TABLE database_size_aggregations
      VALIDATE CONSTRAINT database_size_aggregations_instance_id_fkey;
    ```
    `NOT VALID` takes only a brief lock; `VALIDATE` scans with a lock that lets writes continue. On a
    partitioned table the key is added NOT VALID and validated per partition first.

    Append-only history, audit and event logs (`*_log`, `*_history`, `*_versions`, `*_events`, a
    comment saying so, or a table trigger functions write into) keep ids without foreign keys on
    purpose, so that history outlives the rows it describes: they get a note, never a finding or a
    blocking foreign key. A key declared on every partition but not on the partitioned table is a P2
    finding (new partitions get none).

    ## Known problems
    The match is by name: a column such as `external_id` that names a table by coincidence is
    reported. Silence it with a per-object ignore and a reason.

    ## References
    - https://www.postgresql.org/docs/current/ddl-constraints.html#DDL-CONSTRAINTS-FK
    - https://www.postgresql.org/docs/current/sql-altertable.html
    """
    # Issue 11 item 13: names that do not name the table, inferred with evidence only.
    from dbaudit.rules._fk_inference import infer_parent  # noqa: PLC0415 - it imports this module

    model = ctx.model
    ignored = set(ctx.option("fk-missing", "ignore-columns", []) or [])
    history: list[str] = []
    for table in model.base_tables:
        for column in table.columns:
            if column.name in ignored or fk_covering(table, column.name) is not None:
                continue
            match = parent_by_name(model, table, column)
            inference = None
            if match is None:
                inference = infer_parent(ctx, table, column)
                if inference is None:
                    continue
                match = (inference.parent, inference.key)
            parent, key = match
            if history_reason(model, table) is not None:
                history.append(col_obj(table, column.name))
                continue
            partitions = model.partitions_of(table.qualified_name)
            covered = [p for p in partitions if _partition_fk(p, column.name, parent)]
            if partitions and len(covered) == len(partitions):
                yield _per_partition_finding(table, column, parent, partitions)
                continue
            finding = _fk_missing_finding(ctx, table, column, parent, key, inference=inference)
            if covered:
                lacking = [p.qualified_name for p in partitions if p not in covered]
                finding = replace(finding, evidence=(
                    *finding.evidence,
                    msg("{n_covered} of {n_partitions} partitions declare the foreign key themselves; missing on: "
                        "{lacking}",
                        n_covered=len(covered), n_partitions=len(partitions), lacking=', '.join(lacking))))
            yield finding
    if history:
        shown = join("", [", ".join(history[:5]), msg(" and {n} more", n=len(history) - 5) if len(history) > 5 else ""])
        ctx.note("fk-missing", msg("fk-missing: {n_history} id column(s) of append-only history/log tables have no "
                                   "foreign key, presumably by design so that history outlives the rows it "
                                   "describes ({shown}); not reported",
                                   n_history=len(history), shown=shown))


_HISTORY_SUFFIXES = ("_log", "_logs", "_history", "_histories", "_versions", "_events", "_audit",
                     "_audits", "_audit_log", "_changes", "logentry", "logentries", "_log_entries", "_journal")
_HISTORY_COMMENT = re.compile(r"append[- ]only|audit|history|immutable|log of", re.I)


def history_reason(model: SchemaModel, table: Table) -> str | None:
    """Why a table looks like an append-only history/audit/event log that keeps ids on purpose, or
    None: its name (``*_log``, ``*_history``, ``*_versions``, ``*_events``), its comment, or a
    trigger function that writes into it."""
    if table.name.endswith(_HISTORY_SUFFIXES) or f"_{table.name}" in _HISTORY_SUFFIXES:
        return msg("its name ({table}) marks a history/log table", table=table.name)
    if table.comment and _HISTORY_COMMENT.search(table.comment):
        return msg("its comment says so: {comment!r}", comment=table.comment)
    if table.qualified_name in _trigger_targets(model):
        return msg("a trigger function writes into it")
    return None


def _trigger_targets(model: SchemaModel) -> frozenset[str]:
    """Tables that trigger functions INSERT INTO (audit trails written by the database itself)."""
    cache = model_cache(model)
    if "trigger_targets" not in cache:
        sources = {t.function_source for table in model.tables for t in table.triggers if t.function_source}
        targets: set[str] = set()
        for source in sources:
            for name in re.findall(r"insert\s+into\s+([\w.\"]+)", source or "", re.I):
                bare = name.replace('"', "")
                targets.update(t.qualified_name for t in model.base_tables
                               if bare in (t.name, t.qualified_name))
        cache["trigger_targets"] = frozenset(targets)
    found: frozenset[str] = cache["trigger_targets"]
    return found


def _partition_fk(partition: Table, column: str, parent: Table) -> bool:
    return any(column in fk.columns and fk.ref_qualified == parent.qualified_name for fk in partition.foreign_keys)


def _per_partition_finding(table: Table, column: Column, parent: Table, partitions: tuple[Table, ...]) -> Finding:
    return fk_missing.finding(
        objects=[col_obj(table, column.name)],
        title=msg("{column}: the foreign key to {parent} is declared on each partition, not on the partitioned "
                  "table",
                  column=col_obj(table, column.name), parent=parent.qualified_name),
        evidence=[
            msg("every partition of {table} ({n_partitions}) has a foreign key on {column} -> {parent}",
                table=table.qualified_name, n_partitions=len(partitions), column=column.name,
                parent=parent.qualified_name),
            msg("{table} itself declares none: a partition created later gets no foreign key",
                table=table.qualified_name),
        ],
        impact=msg("Rows of future partitions can reference rows that do not exist."),
        root_cause=msg("The foreign keys were created per partition (as before PostgreSQL 11) and never moved to "
                       "the partitioned table."),
        verify_sql=orphan_query(table, (column.name,), parent, (parent_key(parent, column),)),
        locations=locations(column, table),
        severity=Severity.P2,
        data=fk_data(table, (column.name,), parent, (parent_key(parent, column),)),
    )


def fk_data(table: Table, columns: tuple[str, ...], ref: Table, ref_columns: tuple[str, ...]) -> dict[str, Any]:
    """A relation as machine-readable finding data (``check-data`` counts orphans from it)."""
    return {"table": table.qualified_name, "columns": columns, "ref_table": ref.qualified_name,
            "ref_columns": ref_columns}


def parent_key(parent: Table, column: Column) -> str:
    keys = single_keys(parent)
    return "id" if "id" in keys else (column.name if column.name in keys else keys[0])


def _fk_missing_finding(
    ctx: RuleContext, table: Table, column: Column, parent: Table, key: Column, *, inference: Inference | None = None
) -> Finding:
    name = generated_name(table.name, f"{column.name}_fkey")
    named = "" if inference is not None else msg(" and its name points at {parent}", parent=parent.qualified_name)
    evidence = [
        msg("{column} is {column_type}{value}{named}",
            column=col_obj(table, column.name), column_type=column.type.sql,
            value=' NOT NULL' if not column.nullable else '', named=named),
        *(inference.evidence if inference is not None else ()),
        msg("{key} ({key_type}) is the single-column key of {parent}",
            key=col_obj(parent, key.name), key_type=key.type.sql, parent=parent.qualified_name),
        msg("no foreign key of {table} covers {column}", table=table.qualified_name, column=column.name),
    ]
    locs = list(locations(column, table))
    orm = models_table(ctx, table)
    orm_fk = fk_covering(orm, column.name) if orm is not None else None
    if orm_fk is not None and inference is None:
        where = f" ({orm_fk.location.path}:{orm_fk.location.line})" if orm_fk.location else ""
        evidence.append(msg("the ORM models declare {value} on {column}{where}",
                            value=orm_fk.name or msg("a foreign key"), column=column.name, where=where))
        locs.extend(locations(orm_fk))
    if table.kind is TableKind.PARTITIONED_TABLE:
        evidence.append(msg("{table} is partitioned: the fix validates partition by partition",
                            table=table.qualified_name))
    fix = supporting_index(ctx.model, table, (column.name,)) + fk_statements(
        ctx.model, table, name, columns=(column.name,), ref=parent, ref_columns=(key.name,))
    return fk_missing.finding(
        objects=[col_obj(table, column.name)],
        title=msg("{column} references {parent} without a foreign key",
                  column=col_obj(table, column.name), parent=parent.qualified_name),
        evidence=evidence,
        impact=(
            msg("Rows of {table} can point at {parent} rows that do not exist; joins silently drop them and "
                "reports built on them are wrong.",
                table=table.qualified_name, parent=parent.qualified_name)
        ),
        root_cause=msg("The relation exists only in the column name (and maybe the ORM), never in the database."),
        fix_sql=lock_guarded("\n".join(fix)),
        verify_sql=orphan_query(table, (column.name,), parent, (key.name,)),
        locations=tuple(dict.fromkeys(locs)),
        data={"references": col_obj(parent, key.name), "constraint": name,
              **fk_data(table, (column.name,), parent, (key.name,))},
        severity=inference.severity if inference is not None else None,
    )


# --------------------------------------------------------------------------------------------------
# redundant-column-without-consistency


def _redundant_pairs(
    model: SchemaModel, table: Table, fk: ForeignKey, parent: Table, fk_by_column: dict[str, ForeignKey]
) -> Iterator[tuple[str, str]]:
    """(child column, parent column) pairs that hold the same fact reachable through ``fk``.

    Candidates: a key column (FK or ``*_id``) of the same name and type in the parent that references
    the same table on both sides, or two columns named after the same grandparent they both reference.
    A candidate is a shared fact only where the data model says so (:func:`_shared_fact`): a tenant
    column, or a column that is part of the parent's own key (the child can only copy it).
    """
    key = fk.columns[0]
    for column in table.columns:
        if column.name == key:
            continue
        child_fk = fk_by_column.get(column.name)
        same = parent.column(column.name)
        if same is not None and same.name not in fk.ref_columns and same.type.name == column.type.name:
            target = _referenced_table(model, table, column, child_fk)
            if target is not None and target == _referenced_table(model, parent, same,
                                                                 fk_covering(parent, same.name)):
                if _shared_fact(model, parent, same.name):
                    yield column.name, same.name
                continue
        # Different names, both referencing the same grandparent key, and both named after it
        # (instances_id / instance_id). Role names (author_id, assignee_id -> users) are different
        # facts that merely point at the same table, so they are not paired.
        if child_fk is None or len(child_fk.columns) != 1 or not _named_after(column.name, child_fk):
            continue
        for parent_fk in parent.foreign_keys:
            if (
                len(parent_fk.columns) == 1 and parent_fk.ref_qualified == child_fk.ref_qualified
                and parent_fk.ref_columns == child_fk.ref_columns
                and parent_fk.columns[0] not in fk.ref_columns
                and _named_after(parent_fk.columns[0], parent_fk)
                and _shared_fact(model, parent, parent_fk.columns[0])
            ):
                yield column.name, parent_fk.columns[0]
                break


def _referenced_table(model: SchemaModel, table: Table, column: Column, fk: ForeignKey | None) -> str | None:
    """The table a key column points at: its foreign key, else the table its name names."""
    if fk is not None and len(fk.columns) == 1:
        return fk.ref_qualified
    match = parent_by_name(model, table, column)
    return match[0].qualified_name if match is not None else None


# Column names that make a row belong to a tenant: when a child and its parent both carry one, the
# child's value can only be the parent's.
TENANT_COLUMNS = frozenset({
    "tenant_id", "organization_id", "organisation_id", "org_id", "account_id", "workspace_id",
    "company_id", "team_id", "customer_account_id",
})
# A pattern over this many pairs is reported once for the whole schema, at P2.
SCHEMA_WIDE_PAIRS = 5


def tenant_columns(model: SchemaModel) -> frozenset[str]:
    """Tenant/owner columns of the schema: a tenant name carried by 3+ tables, or any ``*_id`` column
    carried by at least a third of the tables (and 8 or more): the data model's grouping key."""
    cache = model_cache(model)
    if "tenants" not in cache:
        counts: dict[str, int] = {}
        tables = model.base_tables
        for t in tables:
            for c in t.columns:
                if c.name.endswith("_id"):
                    counts[c.name] = counts.get(c.name, 0) + 1
        ubiquitous = max(8, len(tables) // 3)
        cache["tenants"] = frozenset(
            name for name, n in counts.items()
            if (name in TENANT_COLUMNS and n >= 3) or n >= ubiquitous
        )
    found: frozenset[str] = cache["tenants"]
    return found


def _shared_fact(model: SchemaModel, parent: Table, column: str) -> bool:
    """Whether the parent's ``column`` is a fact every child row must share with its parent row: a
    tenant column, or a NOT NULL part of the parent's primary or unique key (the parent row is
    identified within that value, so a child of it can only hold the same value). A person named
    on both rows (user_id, creator_id), a per-table counter or an external id is not such a fact."""
    if column in tenant_columns(model):
        return True
    col = parent.column(column)
    if col is None or col.nullable:
        return False
    keys = [parent.primary_key.columns] if parent.primary_key is not None else []
    keys += [u.columns for u in parent.uniques]
    keys += [tuple(str(c) for c in i.columns) for i in parent.indexes if i.unique and i.valid and i.is_plain]
    return any(column in k for k in keys)


def _named_after(column: str, fk: ForeignKey) -> bool:
    """Whether ``<stem>_id`` names the table the foreign key references (``instance_id`` -> instances)."""
    return column.endswith("_id") and fk.ref_table in _plurals(column[:-3])


def _enforced(table: Table, fk: ForeignKey, column: str, parent_column: str) -> bool:
    """A composite FK over both columns to the parent, or a row trigger that mentions the column."""
    for other in table.foreign_keys:
        if other.ref_qualified == fk.ref_qualified and {fk.columns[0], column} <= set(other.columns):
            pairs = dict(zip(other.columns, other.ref_columns, strict=False))
            if pairs.get(column) == parent_column and pairs.get(fk.columns[0]) == fk.ref_columns[0]:
                return True
    for trigger in table.triggers:
        if trigger.level != "ROW" or not {"INSERT", "UPDATE"} & set(trigger.events):
            continue
        source = trigger.function_source
        if source is None or re.search(rf"\b{re.escape(column)}\b", source):
            return True
    return False


@rule("redundant-column-without-consistency", category="integrity", severity=Severity.P1, fix="sometimes")
def redundant_column_without_consistency(ctx: RuleContext) -> Iterator[Finding]:
    """A table keeps two paths to the same parent, and nothing keeps them consistent.

    ## What it does
    Finds a table with a foreign key `A -> P` and a second column `B` holding a fact of `P` reachable
    through `A` (the same name and type as a key column of `P` referencing the same table, or both
    named after the grandparent they reference), with no composite foreign key
    `(A, B) -> P (id, col)` and no row trigger on the table that maintains `B`.

    Same name is not same fact: `user_id`, `creator_id` or `author_id` on a comment and on its topic
    name different people, and counters (`sequential_id`) or `external_id` are per table. A pair is
    reported only where the data model says the value is shared: `B` is the schema's tenant/owner
    column (`organization_id`, `tenant_id`…, or a `*_id` column a third of the tables carry), or
    `B` is part of the parent's primary or unique key (the parent row exists within that value, so
    its children can only copy it). A tenant column copied unenforced into 5 or more tables is one
    P2 finding that lists every table: it is the schema's design, to review once.

    ## Why is this bad?
    Denormalised copies drift: a bug or a race writes an `instance_id` that disagrees with the
    `instance_account_id` row. Queries that join one way or the other then return different answers,
    and the inconsistency is hard to notice and harder to repair.

    ## Example
    ```sql
    CREATE TABLE instance_accounts (id integer PRIMARY KEY,
                                    instance_id integer NOT NULL REFERENCES instances (id));
    CREATE TABLE account_permission (
        id integer PRIMARY KEY,
        instance_id integer NOT NULL REFERENCES instances (id),
        instance_account_id integer NOT NULL REFERENCES instance_accounts (id));
    ```

    ## Use instead
    ```sql
    CREATE UNIQUE INDEX CONCURRENTLY instance_accounts_id_instance_id_key
        ON instance_accounts (id, instance_id);
    ALTER TABLE instance_accounts ADD CONSTRAINT instance_accounts_id_instance_id_key
        UNIQUE USING INDEX instance_accounts_id_instance_id_key;
    ALTER TABLE account_permission ADD CONSTRAINT account_permission_instance_account_id_instance_id_fkey
        FOREIGN KEY (instance_account_id, instance_id)
        REFERENCES instance_accounts (id, instance_id) NOT VALID;
    ALTER TABLE account_permission
        VALIDATE CONSTRAINT account_permission_instance_account_id_instance_id_fkey;
    ```
    Or drop the redundant column and read it through the join.

    ## Known problems
    A trigger whose source is unknown, or that mentions the column, is taken as enforcement without
    reading its logic. No fix is generated when the parent is partitioned (a unique key there must
    include the partition key).

    ## References
    - https://www.postgresql.org/docs/current/ddl-constraints.html#DDL-CONSTRAINTS-FK
    - https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-ADD-TABLE-CONSTRAINT-USING-INDEX
    """
    model = ctx.model
    tenants = tenant_columns(model)
    by_tenant: dict[str, list[_Pair]] = {}
    for pair in _unenforced_pairs(model):
        if pair.column in tenants:
            by_tenant.setdefault(pair.column, []).append(pair)
        else:
            yield _redundant_finding(ctx, pair.table, pair.fk, pair.parent, (pair.column, pair.parent_column))
    for column, pairs in sorted(by_tenant.items()):
        if len(pairs) >= SCHEMA_WIDE_PAIRS:
            yield _tenant_pattern_finding(column, pairs)
            continue
        for pair in pairs:
            yield _redundant_finding(ctx, pair.table, pair.fk, pair.parent, (pair.column, pair.parent_column))


@dataclass(frozen=True)
class _Pair:
    table: Table
    fk: ForeignKey
    parent: Table
    column: str
    parent_column: str


def _unenforced_pairs(model: SchemaModel) -> Iterator[_Pair]:
    """Every (child column, parent column) shared fact that no composite FK or trigger keeps equal,
    once per child column."""
    for table in model.base_tables:
        if len(table.foreign_keys) == 0:
            continue
        fk_by_column = {c: f for f in reversed(table.foreign_keys) for c in f.columns}
        seen: set[str] = set()
        for fk in table.foreign_keys:
            parent = model.table(fk.ref_qualified)
            if len(fk.columns) != 1 or parent is None or parent.qualified_name == table.qualified_name:
                continue
            for column, parent_column in _redundant_pairs(model, table, fk, parent, fk_by_column):
                if column in seen or _enforced(table, fk, column, parent_column):
                    continue
                seen.add(column)
                yield _Pair(table, fk, parent, column, parent_column)


MAX_PATTERN_EVIDENCE = 10


def _tenant_pattern_finding(column: str, pairs: list[_Pair]) -> Finding:
    """One finding for a tenant column that many child tables copy from their parent unenforced."""
    shown = [
        f"{col_obj(p.table, p.column)} = {col_obj(p.parent, p.parent_column)} through {p.fk.columns[0]}"
        for p in pairs[:MAX_PATTERN_EVIDENCE]
    ]
    more = [f"... and {len(pairs) - MAX_PATTERN_EVIDENCE} more"] if len(pairs) > MAX_PATTERN_EVIDENCE else []
    first = pairs[0]
    return redundant_column_without_consistency.finding(
        objects=[col_obj(p.table, p.column) for p in pairs],
        title=msg("{n_pairs} tables copy the tenant column {column} from their parent without a composite foreign "
                  "key",
                  n_pairs=len(pairs), column=column),
        evidence=[
            msg("{column} is the schema's tenant/owner column: child and parent rows both carry it", column=column),
            msg("{n_pairs} child tables reference a parent that carries {column}, and no composite foreign key "
                "(parent key, {column}) or trigger keeps the two values equal:",
                n_pairs=len(pairs), column=column),
            *shown, *more,
        ],
        impact=msg("A bug can attach a row of one {column} to a parent of another: rows leak across tenants in "
                   "queries that filter one table by the tenant and join the other.",
                   column=column),
        root_cause=msg("The tenant column {column} is copied into child tables for filtering and indexing, without "
                       "a constraint tying the copy to the parent's value.",
                       column=column),
        verify_sql=(
            f"SELECT count(*) AS mismatched_rows FROM {tsql(first.table)} AS c JOIN {tsql(first.parent)} AS p "
            f"ON p.{ident(first.fk.ref_columns[0])} = c.{ident(first.fk.columns[0])} "
            f"WHERE p.{ident(first.parent_column)} <> c.{ident(first.column)};"
        ),
        severity=Severity.P2,
        data={"pairs": len(pairs)},
    )


def _redundant_finding(
    ctx: RuleContext, table: Table, fk: ForeignKey, parent: Table, pair: tuple[str, str]
) -> Finding:
    column, parent_column = pair
    key, ref_key = fk.columns[0], fk.ref_columns[0]
    statements: list[str] = []
    if parent.kind is not TableKind.PARTITIONED_TABLE:
        statements += supporting_index(ctx.model, table, (key, column))
        if not has_unique_on(parent, (ref_key, parent_column)):
            uq = generated_name(parent.name, f"{ref_key}_{parent_column}_key")
            statements += [
                f"CREATE UNIQUE INDEX CONCURRENTLY {ident(uq)} ON {tsql(parent)} "
                f"({column_list((ref_key, parent_column))});",
                f"ALTER TABLE {tsql(parent)} ADD CONSTRAINT {ident(uq)} UNIQUE USING INDEX {ident(uq)};",
            ]
        on_delete = ReferentialAction.CASCADE if fk.on_delete is ReferentialAction.CASCADE else (
            ReferentialAction.NO_ACTION)
        statements += fk_statements(ctx.model, table, generated_name(table.name, f"{key}_{column}_fkey"),
                                    columns=(key, column), ref=parent, ref_columns=(ref_key, parent_column),
                                    on_delete=on_delete)
    triggers = msg("triggers unknown for this source") if not ctx.model.has("triggers") else (
        msg("no row trigger on {table} maintains {column}", table=table.qualified_name, column=column))
    return redundant_column_without_consistency.finding(
        objects=[col_obj(table, column)],
        title=msg("{column} duplicates {parent_column} reachable through {key}, unenforced",
                  column=col_obj(table, column), parent_column=col_obj(parent, parent_column), key=key),
        evidence=[
            msg("{fk}: {table} ({key}) -> {parent} ({ref_key})",
                fk=fk.name, table=table.qualified_name, key=key, parent=parent.qualified_name, ref_key=ref_key),
            msg("{column} holds the same fact as {parent_column}",
                column=col_obj(table, column), parent_column=col_obj(parent, parent_column)),
            msg("no composite foreign key ({key}, {column}) -> {parent} ({ref_key}, {parent_column})",
                key=key, column=column, parent=parent.qualified_name, ref_key=ref_key, parent_column=parent_column),
            triggers,
        ],
        impact=(
            msg("A row can say {column} = X while its {key} row says {parent_column} = Y; queries joining through "
                "one path or the other disagree and the bad rows are hard to find.",
                column=column, key=key, parent_column=parent_column)
        ),
        root_cause=msg("{column} was copied into {table} for query convenience without a constraint that keeps the "
                       "copy equal to its source.",
                       column=column, table=table.qualified_name),
        fix_sql=lock_guarded("\n".join(statements)) or None,
        verify_sql=(
            f"SELECT count(*) AS mismatched_rows FROM {tsql(table)} AS c JOIN {tsql(parent)} AS p "
            f"ON p.{ident(ref_key)} = c.{ident(key)} WHERE p.{ident(parent_column)} <> c.{ident(column)};"
        ),
        locations=locations(table.column(column), fk, table),
        data={"table": table.qualified_name, "key": key, "column": column, "ref_table": parent.qualified_name,
              "ref_key": ref_key, "parent_column": parent_column},
    )


# --------------------------------------------------------------------------------------------------
# table-without-primary-key


@rule("table-without-primary-key", category="integrity", severity=Severity.P1, fix="sometimes")
def table_without_primary_key(ctx: RuleContext) -> Iterator[Finding]:
    """A table (or partitioned parent) has no primary key.

    ## What it does
    Reports plain tables and partitioned parents without a primary key. Partitions are judged through
    their parent. When a valid unique index over NOT NULL columns already exists, the fix promotes it.

    ## Why is this bad?
    Rows cannot be addressed reliably: ORMs need an identity, logical replication cannot replicate
    UPDATE and DELETE without a replica identity, and duplicates creep in unnoticed.

    ## Example
    ```sql
    CREATE TABLE events (event_id bigint NOT NULL, payload jsonb);
    CREATE UNIQUE INDEX events_event_id_key ON events (event_id);
    ```

    ## Use instead
    ```sql
    ALTER TABLE events ADD CONSTRAINT events_event_id_key PRIMARY KEY USING INDEX events_event_id_key;
    ```
    Without such an index, build one with `CREATE UNIQUE INDEX CONCURRENTLY` first.

    ## References
    - https://www.postgresql.org/docs/current/ddl-constraints.html#DDL-CONSTRAINTS-PRIMARY-KEYS
    - https://www.postgresql.org/docs/current/logical-replication-publication.html
    """
    for table in ctx.model.base_tables:
        if table.primary_key is not None:
            continue
        candidate = _promotable_index(table)
        fix = None
        evidence = [msg("{table} ({kind}) has no PRIMARY KEY constraint",
                        table=table.qualified_name, kind=table.kind.value)]
        if candidate is not None:
            evidence.append(msg("the unique index {candidate} over NOT NULL columns can become the key",
                                candidate=candidate.name))
            fix = (f"ALTER TABLE {tsql(table)} ADD CONSTRAINT {ident(candidate.name)} "
                   f"PRIMARY KEY USING INDEX {ident(candidate.name)};")
        yield table_without_primary_key.finding(
            objects=[table.qualified_name],
            title=msg("{table} has no primary key", table=table.qualified_name),
            evidence=evidence,
            impact=msg("Rows cannot be identified reliably: ORM identity, logical replication of UPDATE/DELETE and "
                       "de-duplication all depend on a key."),
            root_cause=msg("The table was created without a key (or the key was dropped)."),
            fix_sql=lock_guarded(fix),
            verify_sql=(
                "SELECT conname FROM pg_catalog.pg_constraint "
                f"WHERE conrelid = {regclass_literal(table.schema, table.name)}::regclass AND contype = 'p';"
            ),
            locations=locations(table),
        )


def _promotable_index(table: Table) -> Index | None:
    if table.kind is not TableKind.TABLE:
        return None  # USING INDEX is not supported on partitioned tables
    for index in table.indexes:
        if (
            index.unique and index.valid and index.predicate is None and index.is_plain
            and index.method == "btree" and index.constraint is None and not index.include
            and not any(e.descending or e.nulls_first or e.opclass or e.collation for e in index.elements)
            and all((c := table.column(str(name))) is not None and not c.nullable for name in index.columns)
        ):
            return index
    return None


# --------------------------------------------------------------------------------------------------
# unique-on-nullable-column


def _unique_keys(table: Table) -> Iterator[tuple[str, tuple[str, ...], Index | None, bool]]:
    """(name, columns, backing index, is_constraint) of each unique constraint and unique index."""
    by_name = {i.name: i for i in table.indexes}
    seen: set[str] = set()
    for uq in table.uniques:
        seen.add(uq.name)
        index = by_name.get(uq.name)
        if (index is None or not index.nulls_not_distinct) and not uq.nulls_not_distinct:
            yield uq.name, uq.columns, index, True
    for index in table.indexes:
        if (
            index.unique and not index.primary and index.name not in seen and index.constraint is None
            and not index.nulls_not_distinct
        ):
            yield index.name, tuple(c for c in index.columns if c is not None), index, False


def _server_major(model: SchemaModel) -> int | None:
    version = model.source.server_version
    match = re.match(r"(\d+)", version or "")
    return int(match.group(1)) if match else None


@rule("unique-on-nullable-column", category="integrity", severity=Severity.P2, fix="sometimes")
def unique_on_nullable_column(ctx: RuleContext) -> Iterator[Finding]:
    """A unique constraint or index covers a nullable column, so duplicate rows with NULL are allowed.

    ## What it does
    Reports unique constraints and unique indexes without `NULLS NOT DISTINCT` where a nullable
    reference column (`site_id`, `tenant_id`: a scope) sits beside NOT NULL columns, so rows of the
    NULL ("global") scope can repeat. The evidence shows the index predicate, and the generated fix
    keeps it.

    Intended uses of NULL are left alone: either/or partial keys (`WHERE a_id IS NOT NULL` beside
    `WHERE b_id IS NOT NULL`: any predicate naming the nullable column), keys that contain the
    primary key or another enforced key (`UNIQUE (id, tenant_id)`, the target of a composite foreign
    key), keys whose columns are all nullable, keys with a nullable value column (drafts share a
    NULL number on purpose), one end of a polymorphic reference (`payable_id` beside
    `payable_type`), and either/or scopes: another unique key of the table scoped by a different
    nullable reference (an entitlement belongs to a plan or to a subscription).

    ## Why is this bad?
    By default NULLs are distinct from each other, so `UNIQUE (tenant_id, email)` accepts any number
    of rows `(NULL, 'a@b')`. The key that looks enforced is not, exactly for incomplete rows.

    ## Example
    ```sql
    CREATE TABLE users (id bigint PRIMARY KEY, tenant_id bigint REFERENCES tenants, email text NOT NULL,
                        CONSTRAINT users_tenant_email_key UNIQUE (tenant_id, email));
    ```

    ## Use instead
    ```sql
    -- PostgreSQL 15+: the NULL tenant counts as one value
    CREATE UNIQUE INDEX CONCURRENTLY users_tenant_email_key_nnd ON users (tenant_id, email) NULLS NOT DISTINCT;
    ALTER TABLE users DROP CONSTRAINT users_tenant_email_key,
        ADD CONSTRAINT users_tenant_email_key UNIQUE USING INDEX users_tenant_email_key_nnd;
    ```
    Or make the column NOT NULL (`CHECK (tenant_id IS NOT NULL) NOT VALID`, `VALIDATE`, `SET NOT NULL`).

    ## Known problems
    No fix is generated before PostgreSQL 15, for partitioned tables, expression keys, or constraints
    that foreign keys reference.

    ## References
    - https://www.postgresql.org/docs/current/ddl-constraints.html#DDL-CONSTRAINTS-UNIQUE-CONSTRAINTS
    - https://www.postgresql.org/docs/current/sql-createindex.html
    """
    model = ctx.model
    for table in model.base_tables:
        for name, columns, index, is_constraint in _unique_keys(table):
            predicate = index.predicate if index is not None else None
            nullable = _unintended_nulls(model, table, columns, predicate)
            if not nullable:
                continue
            yield unique_on_nullable_column.finding(
                objects=[rel_obj(table.schema, name), *(col_obj(table, c) for c in nullable)],
                title=msg("unique key {name} allows duplicate rows where {nullable} IS NULL",
                          name=rel_obj(table.schema, name), nullable=', '.join(nullable)),
                evidence=[
                    msg("{value} {name} on {table} ({columns})",
                        value=msg("constraint") if is_constraint else msg("unique index"), name=name,
                        table=table.qualified_name, columns=', '.join(columns)),
                    *(msg("{c} is nullable and references another row (a scope): a NULL scope does not take part "
                          "in the uniqueness",
                          c=col_obj(table, c)) for c in nullable),
                    *([msg("index predicate: WHERE {predicate}", predicate=predicate)] if predicate else []),
                    msg("NULLS NOT DISTINCT is not set"),
                ],
                impact=msg("Any number of rows with NULL in a key column pass the unique check."),
                root_cause=msg("SQL treats NULLs as distinct; the key columns were left nullable."),
                fix_sql=lock_guarded(_nnd_fix(model, table, name, columns=columns, index=index,
                                                      is_constraint=is_constraint)),
                verify_sql=_nnd_verify(table, columns, nullable),
                locations=locations(index, table),
            )


def _unintended_nulls(
    model: SchemaModel, table: Table, columns: tuple[str, ...], predicate: str | None
) -> list[str]:
    """The nullable key columns whose NULLs let duplicates through where the design hardly wants it.

    Intended patterns are left out: a partial index whose predicate names the nullable column
    (either/or keys such as ``WHERE a_id IS NOT NULL`` beside ``WHERE b_id IS NOT NULL``), a key that
    contains the primary key or another enforced key (``UNIQUE (id, tenant_id)``, the target of a
    composite foreign key), a key whose columns are all nullable, and a nullable value column (a
    draft's number, an optional nickname: rows without one share NULL on purpose). What stays is a
    nullable reference (``site_id``, ``tenant_id``) beside NOT NULL columns: ``(NULL, 'a@b')`` rows
    for a "global" scope can repeat without limit.
    """
    cols = [table.column(c) for c in columns]
    nullable = [c.name for c in cols if c is not None and c.nullable]
    nullable = [c for c in nullable if not (predicate and _mentions_column(predicate, c))]
    if not nullable or len(nullable) == len(columns) or _contains_key(table, columns):
        return []
    scopes = [c for c in nullable if fk_covering(table, c) is not None or _names_a_table(model, table, c)]
    if len(scopes) < len(nullable):
        return []  # a nullable value column in the key: rows without it (drafts) are distinct by design
    return [c for c in scopes if not _polymorphic(table, c) and not _either_or(table, columns, c)]


def _names_a_table(model: SchemaModel, table: Table, column: str) -> bool:
    """``site_id`` names the table ``sites`` (a reference without a foreign key); ``sequential_id``
    or ``external_id`` name none (a counter, an outside identifier: values)."""
    col = table.column(column)
    return col is not None and column.endswith("_id") and (
        parent_by_name(model, table, col) is not None or bool(tables_named(model, column[:-3] + "s")))


def _polymorphic(table: Table, column: str) -> bool:
    """``payable_id`` beside ``payable_type``: one end of a polymorphic reference."""
    return column.endswith("_id") and table.column(column[:-3] + "_type") is not None


def _either_or(table: Table, columns: tuple[str, ...], column: str) -> bool:
    """Another unique key of the table is scoped by a different nullable reference: rows carry one
    scope or the other (a plan's or a subscription's entitlement), each key guarding its own rows."""
    for _name, other, _index, _is_constraint in _unique_keys(table):
        if set(other) == set(columns) or column in other:
            continue
        if any((c := table.column(o)) is not None and c.nullable and o.endswith("_id") and o not in columns
               for o in other):
            return True
    return False


def _mentions_column(text: str, column: str) -> bool:
    return re.search(rf"(?<![\w\"]){re.escape(ident(column))}(?![\w\"])", text) is not None


def _contains_key(table: Table, columns: tuple[str, ...]) -> bool:
    """The columns include the primary key or another full unique key over NOT NULL columns."""
    present = set(columns)
    keys = [table.primary_key.columns] if table.primary_key is not None else []
    keys += [u.columns for u in table.uniques if set(u.columns) != present]
    keys += [tuple(str(c) for c in i.columns) for i in table.indexes
             if i.unique and i.valid and i.is_plain and i.predicate is None and set(i.columns) != present]
    return any(
        set(key) <= present for key in keys
        if key and all((c := table.column(k)) is not None and not c.nullable for k in key)
    )


def _referenced(model: SchemaModel, table: Table, columns: tuple[str, ...]) -> bool:
    return (table.qualified_name, frozenset(columns)) in referenced_keys(model)


def _nnd_fix(
    model: SchemaModel, table: Table, name: str, *, columns: tuple[str, ...], index: Index | None,
    is_constraint: bool,
) -> str | None:
    major = _server_major(model)
    if (
        (major is not None and major < 15) or index is None or table.kind is not TableKind.TABLE
        or not index.is_plain or index.method != "btree" or _referenced(model, table, columns)
        or any(e.opclass or e.collation for e in index.elements)
    ):
        return None
    tmp = generated_name(name, "nnd")
    keys = ", ".join(ident(str(e.column)) + (" DESC" if e.descending else "") for e in index.elements)
    include = f" INCLUDE ({column_list(index.include)})" if index.include else ""
    where = f" WHERE {index.predicate}" if index.predicate else ""
    create = (f"CREATE UNIQUE INDEX CONCURRENTLY {ident(tmp)} ON {tsql(table)} ({keys}){include} "
              f"NULLS NOT DISTINCT{where};")
    if is_constraint:
        return "\n".join([
            create,
            f"ALTER TABLE {tsql(table)} DROP CONSTRAINT {ident(name)}, "
            f"ADD CONSTRAINT {ident(name)} UNIQUE USING INDEX {ident(tmp)};",
        ])
    return "\n".join([
        create,
        f"DROP INDEX CONCURRENTLY {qualified(table.schema, name)};",
        f"ALTER INDEX {qualified(table.schema, tmp)} RENAME TO {ident(name)};",
    ])


def _nnd_verify(table: Table, columns: tuple[str, ...], nullable: list[str]) -> str:
    nulls = " OR ".join(f"{ident(c)} IS NULL" for c in nullable)
    return (f"SELECT {column_list(columns)}, count(*) AS duplicate_rows FROM {tsql(table)} WHERE {nulls} "
            f"GROUP BY {column_list(columns)} HAVING count(*) > 1;")


# --------------------------------------------------------------------------------------------------
# fk-not-validated


@rule("fk-not-validated", category="integrity", severity=Severity.P2, fix="always")
def fk_not_validated(ctx: RuleContext) -> Iterator[Finding]:
    """A foreign key or check constraint was added NOT VALID and never validated.

    ## What it does
    Reports foreign keys and CHECK constraints whose `convalidated` is false.

    ## Why is this bad?
    `NOT VALID` is the first half of a safe migration: new rows are checked, existing rows are not.
    Left unvalidated, old rows may violate the constraint, the planner cannot rely on it, and the next
    person reading the schema assumes a guarantee that does not hold.

    ## Example
    ```sql
    ALTER TABLE orders ADD CONSTRAINT orders_customer_id_fkey
        FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;
    ```

    ## Use instead
    ```sql
    ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_id_fkey;
    ```
    `VALIDATE CONSTRAINT` takes a SHARE UPDATE EXCLUSIVE lock: reads and writes continue.

    ## References
    - https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-VALIDATE-CONSTRAINT
    """
    model = ctx.model
    for table in model.base_tables:
        for fk in table.foreign_keys:
            if fk.validated:
                continue
            parent = model.table(fk.ref_qualified)
            verify = (orphan_query(table, fk.columns, parent, fk.ref_columns) if parent is not None
                      else _convalidated(table, fk.name))
            data = {"constraint": fk.name, **fk_data(table, fk.columns, parent, fk.ref_columns)} if parent else None
            yield _not_valid_finding(table, fk.name, f"foreign key {fk.columns} -> {fk.ref_qualified}",
                                     verify, fk, data=data)
        for check in table.checks:
            if not check.validated:
                yield _not_valid_finding(table, check.name, f"check {check.expression}",
                                         _convalidated(table, check.name), check)


def _convalidated(table: Table, name: str) -> str:
    return ("SELECT conname, convalidated FROM pg_catalog.pg_constraint "
            f"WHERE conrelid = {regclass_literal(table.schema, table.name)}::regclass "
            f"AND conname = {literal(name)};")


def _not_valid_finding(
    table: Table, name: str, what: str, verify: str, item: Any, *, data: dict[str, Any] | None = None
) -> Finding:
    return fk_not_validated.finding(
        objects=[rel_obj(table.schema, name)],
        title=msg("constraint {name} on {table} is NOT VALID",
                  name=rel_obj(table.schema, name), table=table.qualified_name),
        evidence=[f"{name} on {table.qualified_name}: {what}".replace("('", "(").replace("',)", ")"),
                  msg("pg_constraint.convalidated = false")],
        impact=msg("Existing rows were never checked against the constraint; they may violate it."),
        root_cause=msg("The constraint was added NOT VALID (the safe first step) and VALIDATE never followed."),
        fix_sql=f"ALTER TABLE {tsql(table)} VALIDATE CONSTRAINT {ident(name)};",
        verify_sql=verify,
        locations=locations(item, table),
        data=data,
    )


# --------------------------------------------------------------------------------------------------
# check-values-drift


def allowed_values(expression: str) -> dict[str, tuple[str, ...]]:
    """Columns restricted to a list of string constants by a CHECK expression.

    Understands ``col IN ('a', 'b')``, ``col = ANY (ARRAY['a', 'b'])`` (also with the casts
    PostgreSQL prints back, ``(col)::text = ANY ((ARRAY['a'::character varying])::text[])``) and
    ``col = 'a'``; anything else yields nothing. A leading ``CHECK`` and a trailing ``NOT VALID`` are
    ignored.
    """
    text = re.sub(r"^\s*CHECK\s*", "", expression.strip(), flags=re.I)
    text = re.sub(r"\s+NOT\s+VALID\s*$", "", text, flags=re.I)
    try:
        statements = parse_sql(f"SELECT {text}")
    except Exception:  # a CHECK we cannot parse simply yields no values
        return {}
    target = statements[0].stmt.targetList[0].val  # type: ignore[union-attr]
    out: dict[str, tuple[str, ...]] = {}
    _collect(target, out)
    return out


def _strip_cast(node: Any) -> Any:
    while isinstance(node, ast.TypeCast):
        node = node.arg
    return node


def _constants(node: Any) -> tuple[str, ...] | None:
    node = _strip_cast(node)
    items = node.elements if isinstance(node, ast.A_ArrayExpr) else node
    if not isinstance(items, tuple | list):
        items = (items,)
    values: list[str] = []
    for raw in items:
        item = _strip_cast(raw)
        if not isinstance(item, ast.A_Const) or not isinstance(item.val, ast.String):
            return None
        values.append(str(item.val.sval))
    return tuple(values)


def _collect(node: Any, out: dict[str, tuple[str, ...]]) -> None:
    if isinstance(node, ast.BoolExpr) and node.boolop == BoolExprType.AND_EXPR:
        for arg in node.args or ():
            _collect(arg, out)
        return
    if not isinstance(node, ast.A_Expr) or [n.sval for n in node.name or ()] != ["="]:
        return
    column = _strip_cast(node.lexpr)
    fields = column.fields if isinstance(column, ast.ColumnRef) else None
    if not fields or not isinstance(fields[-1], ast.String):
        return
    if node.kind not in (A_Expr_Kind.AEXPR_IN, A_Expr_Kind.AEXPR_OP_ANY, A_Expr_Kind.AEXPR_OP):
        return
    values = _constants(node.rexpr)
    if values is not None:
        out[str(fields[-1].sval)] = values


def column_domains(model: SchemaModel, table: Table) -> dict[str, tuple[tuple[str, ...], str, str]]:
    """column -> (allowed values, 'check'|'enum', constraint or type name) for one table."""
    out: dict[str, tuple[tuple[str, ...], str, str]] = {}
    for check in table.checks:
        restricted = allowed_values(check.expression)
        # a CHECK over several columns cannot be rewritten for one of them
        kind = msg("check") if len(restricted) == 1 else msg("multi-column check")
        for name, values in restricted.items():
            if table.column(name) is not None:
                out[name] = (values, kind, check.name)
    enums = {e.qualified_name: e for e in model.enums}
    for column in table.columns:
        enum = enums.get(column.type.name) if column.type.is_enum else None
        if enum is not None and column.type.array_dims == 0:
            out[column.name] = (enum.values, msg("enum"), enum.qualified_name)
    return out


def _code_values(ctx: RuleContext) -> dict[str, tuple[tuple[str, ...], tuple[Location, ...]]]:
    """``schema.table.column`` -> (values, locations) from the code input.

    Accepts the code scan's :class:`~dbaudit.rules._code_facts.CodeFacts` (``column_values``) or a
    plain mapping ``{"schema.table.column": {"a", "b"}}``.
    """
    code = ctx.inputs.get("code")
    if isinstance(code, Mapping):
        return {str(k): (tuple(sorted(str(v) for v in values)), ()) for k, values in code.items()}
    out: dict[str, tuple[tuple[str, ...], tuple[Location, ...]]] = {}
    for item in getattr(code, "column_values", ()) or ():
        table = resolve_table(ctx.model, item.table)
        if table is None:
            continue
        key = col_obj(table, item.column)
        values, locs = out.get(key, ((), ()))
        out[key] = (tuple(sorted({*values, *item.values})), (*locs, *locations(item)))
    return out


@rule("check-values-drift", category="integrity", severity=Severity.P1, fix="sometimes",
      requires=("models|code",))
def check_values_drift(ctx: RuleContext) -> Iterator[Finding]:
    """The values a CHECK or enum allows differ from the values the ORM models or the code use.

    ## What it does
    Compares each column restricted by a CHECK list (`IN (...)`, `= ANY (ARRAY[...])`) or an enum
    type with the same column in the ORM models (their CHECKs and enums) and with the values the
    application code writes or compares (code scan). Values the application uses but the database
    rejects are P1; values the database allows but the application never uses are P2.

    ## Why is this bad?
    A value missing from the database fails at INSERT time, in production, on the path that first
    uses it. A value the application does not know about is a state the UI cannot display or filter.

    ## Example
    ```sql
    CREATE TABLE sync_sessions (status varchar(20) NOT NULL,
        CONSTRAINT sync_sessions_status_check CHECK (status IN ('running', 'completed', 'failed')));
    -- the application also writes 'pending' and 'paused'
    ```

    ## Use instead
    ```sql
    ALTER TABLE sync_sessions ADD CONSTRAINT sync_sessions_status_check_new
        CHECK (status IN ('completed', 'failed', 'paused', 'pending', 'running')) NOT VALID;
    ALTER TABLE sync_sessions VALIDATE CONSTRAINT sync_sessions_status_check_new;
    ALTER TABLE sync_sessions DROP CONSTRAINT sync_sessions_status_check;
    ALTER TABLE sync_sessions RENAME CONSTRAINT sync_sessions_status_check_new TO sync_sessions_status_check;
    ```
    For an enum: `ALTER TYPE log_level ADD VALUE IF NOT EXISTS 'TRACE';`

    ## Known problems
    Needs the `models` or `code` input; skipped otherwise. Only lists of string constants are read.

    ## References
    - https://www.postgresql.org/docs/current/ddl-constraints.html#DDL-CONSTRAINTS-CHECK-CONSTRAINTS
    - https://www.postgresql.org/docs/current/sql-altertype.html
    """
    model = ctx.model
    models = ctx.inputs.get("models")
    code = _code_values(ctx)
    for table in model.base_tables:
        domains = column_domains(model, table)
        orm = models.table(table.qualified_name) if isinstance(models, SchemaModel) else None
        orm_domains = column_domains(models, orm) if isinstance(models, SchemaModel) and orm else {}
        for column, (values, kind, owner) in sorted(domains.items()):
            used: dict[str, set[str]] = {}
            if column in orm_domains:
                for value in orm_domains[column][0]:
                    used.setdefault(value, set()).add("ORM models")
            # The values of the application enum a model ties to the column (``Column.model_values``).
            orm_column = orm.column(column) if orm is not None else None
            for value in orm_column.model_values if orm_column is not None else ():
                used.setdefault(value, set()).add("ORM models")
            code_values, code_locations = code.get(col_obj(table, column), ((), ()))
            if orm_column is not None and orm_column.model_values_location is not None:
                code_locations = (*code_locations, orm_column.model_values_location)
            for value in code_values:
                used.setdefault(value, set()).add("code")
            if used:
                for finding in _drift_findings(table, column, (values, kind, owner), used):
                    yield replace(finding, locations=(*finding.locations, *code_locations))


def _drift_findings(
    table: Table, column: str, domain: tuple[tuple[str, ...], str, str], used: dict[str, set[str]]
) -> Iterator[Finding]:
    values, kind, owner = domain
    rejected = sorted(v for v in used if v not in values)
    unused = sorted(v for v in values if v not in used)
    obj = col_obj(table, column)
    db_text = msg("the database {kind} {owner} allows {values}", kind=kind, owner=owner, values=', '.join(values))
    if rejected:
        yield check_values_drift.finding(
            objects=[obj],
            title=msg("{obj}: the database rejects values the application uses: {rejected}",
                      obj=obj, rejected=', '.join(rejected)),
            evidence=[db_text, *(msg("{v!r} is used by the {users}", v=v, users=" and ".join(sorted(used[v])))
                                 for v in rejected)],
            impact=msg("Writes of these values fail with a check or enum violation at run time."),
            root_cause=msg("The allowed values were changed on one side (models or code) and not the other."),
            fix_sql=lock_guarded(_widen_fix(table, column, (values, kind, owner), rejected)),
            verify_sql=_values_query(table, column),
            locations=locations(table.column(column), table),
        )
    if unused and not rejected:
        yield check_values_drift.finding(
            objects=[obj],
            title=msg("{obj}: the database allows values the application never uses: {unused}",
                      obj=obj, unused=', '.join(unused)),
            evidence=[db_text, msg("the application uses {sorted}", sorted=', '.join(sorted(used)))],
            impact=msg("Rows may hold states the application cannot display or filter."),
            root_cause=msg("Values were removed from the models or code but not from the database."),
            verify_sql=_values_query(table, column),
            locations=locations(table.column(column), table),
            severity=Severity.P2,
        )


def _values_query(table: Table, column: str) -> str:
    return (f"SELECT {ident(column)}, count(*) AS row_count FROM {tsql(table)} "
            f"GROUP BY {ident(column)} ORDER BY 2 DESC;")


def _widen_fix(
    table: Table, column: str, domain: tuple[tuple[str, ...], str, str], add: list[str]
) -> str | None:
    values, kind, owner = domain
    if kind == "enum":
        schema, _, name = owner.partition(".")
        return "\n".join(f"ALTER TYPE {qualified(schema, name)} ADD VALUE IF NOT EXISTS {literal(v)};"
                         for v in add)
    if kind != "check":
        return None
    new = generated_name(owner, "new")
    allowed = ", ".join(literal(v) for v in sorted({*values, *add}))
    return "\n".join([
        f"ALTER TABLE {tsql(table)} ADD CONSTRAINT {ident(new)} CHECK ({ident(column)} IN ({allowed})) "
        "NOT VALID;",
        f"ALTER TABLE {tsql(table)} VALIDATE CONSTRAINT {ident(new)};",
        f"ALTER TABLE {tsql(table)} DROP CONSTRAINT {ident(owner)};",
        f"ALTER TABLE {tsql(table)} RENAME CONSTRAINT {ident(new)} TO {ident(owner)};",
    ])
