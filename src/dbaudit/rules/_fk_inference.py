"""Missing foreign keys whose column name does not name the referenced table (fk-missing, issue 11 #13).

``fk-missing`` first matches ``<table>_id`` columns by name. When that fails, a relation is inferred
only with evidence, strongest first, and the evidence is stated in the finding:

1. the ORM models declare a foreign key on the column (same severity as a name match);
2. the name reads as a reference (``*_id``, ``*_by``) and other tables' columns of the same name are
   foreign keys to one table, at least two of them, and more of them have the key than lack it
   (``creator_id`` -> ``users``);
3. the name ends in another table's ``<singular>_id`` after a role prefix (``replaced_by_product_id``
   -> ``products``), that table is referenced by some foreign key of the schema (a table nothing
   references, such as an event-ingestion table, is kept key-less on purpose), and the prefix does
   not mark an outside system (``external_``, ``stripe_``...).

Inferred relations (2 and 3) are reported at P2: they are a strong hint, not a certainty. Append-only
log and history tables keep ids without keys on purpose: fk-missing turns every relation it finds
there, inferred or named, into one note (``integrity.history_reason``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from dbaudit.findings import Severity
from dbaudit.messages import msg
from dbaudit.model.schema import Column, ForeignKey, SchemaModel, Table
from dbaudit.rules import integrity
from dbaudit.rules.registry import RuleContext

# A prefix word that says the id belongs to another system, not to a table of this database.
EXTERNAL_MARKERS = frozenset({
    "external", "remote", "foreign", "legacy", "old", "upstream", "provider", "vendor", "partner", "third",
    "stripe", "paypal", "braintree", "github", "gitlab", "google", "facebook", "twitter", "slack", "jira",
    "salesforce", "hubspot", "zendesk", "shopify", "apple", "microsoft", "azure", "aws", "import", "imported",
})
# Names that read as a reference by convention (``creator_id``, ``created_by``); a bare noun such as
# MusicBrainz's ``collection`` is often a deliberately weak reference and is left to the models.
_REFERENCE_NAME = re.compile(r"(_id|_by)$")
MIN_SIBLINGS = 2


@dataclass(frozen=True)
class Inference:
    """The table and key a column refers to, why we believe it, and the finding's severity."""

    parent: Table
    key: Column
    evidence: tuple[str, ...]
    severity: Severity | None = None  # None: the rule's default


def infer_parent(ctx: RuleContext, table: Table, column: Column) -> Inference | None:
    """The referenced table of a column the name match missed, with evidence, or None."""
    if column.type.array_dims:
        return None
    from_models = _from_models(ctx, table, column) if ctx.inputs.get("models") is not None else None
    if from_models is not None:
        return from_models
    if not _REFERENCE_NAME.search(column.name):
        return None
    return _from_siblings(ctx.model, table, column) or _from_suffix(ctx.model, table, column)


def _key_of(parent: Table, name: str, column: Column) -> Column | None:
    key = parent.column(name)
    if key is None or name not in integrity.single_keys(parent) or not integrity.types_compatible(column, key):
        return None
    return key


def _from_models(ctx: RuleContext, table: Table, column: Column) -> Inference | None:
    orm = integrity.models_table(ctx, table)
    fk = integrity.fk_covering(orm, column.name) if orm is not None else None
    if fk is None or len(fk.columns) != 1:
        return None
    parent = ctx.model.table(fk.ref_qualified)
    key = _key_of(parent, fk.ref_columns[0], column) if parent is not None else None
    if parent is None or key is None:
        return None
    where = f" ({fk.location.path}:{fk.location.line})" if fk.location else ""
    return Inference(parent, key, (
        msg("the ORM models declare {value} {column} -> {ref_qualified}({key}){where}",
            value=fk.name or msg("a foreign key"), column=column.name, ref_qualified=fk.ref_qualified, key=key.name,
            where=where),
    ))


def _fks_by_column(model: SchemaModel) -> dict[str, list[tuple[Table, ForeignKey]]]:
    cache = integrity.model_cache(model)
    if "fks_by_column" not in cache:
        found: dict[str, list[tuple[Table, ForeignKey]]] = {}
        for t in model.base_tables:
            for fk in t.foreign_keys:
                if len(fk.columns) == 1:
                    found.setdefault(fk.columns[0], []).append((t, fk))
        cache["fks_by_column"] = found
    out: dict[str, list[tuple[Table, ForeignKey]]] = cache["fks_by_column"]
    return out


def _columns_named(model: SchemaModel) -> dict[str, int]:
    cache: dict[str, Any] = integrity.model_cache(model)
    if "column_counts" not in cache:
        counts: dict[str, int] = {}
        for t in model.base_tables:
            for c in t.columns:
                counts[c.name] = counts.get(c.name, 0) + 1
        cache["column_counts"] = counts
    found: dict[str, int] = cache["column_counts"]
    return found


def _from_siblings(model: SchemaModel, table: Table, column: Column) -> Inference | None:
    if not _REFERENCE_NAME.search(column.name):
        return None
    siblings = [(t, fk) for t, fk in _fks_by_column(model).get(column.name, []) if t is not table]
    parents = {(fk.ref_qualified, fk.ref_columns[0]) for _, fk in siblings}
    without = _columns_named(model).get(column.name, 0) - len(siblings)  # this column included
    if len(siblings) < MIN_SIBLINGS or len(parents) != 1 or len(siblings) <= without:
        return None
    ref_name, key_name = next(iter(parents))
    parent = model.table(ref_name)
    key = _key_of(parent, key_name, column) if parent is not None and parent is not table else None
    if parent is None or key is None:
        return None
    shown = ", ".join(f"{t.qualified_name}.{column.name}" for t, _ in siblings[:5])
    more = msg(" and {n} more", n=len(siblings) - 5) if len(siblings) > 5 else ""
    return Inference(parent, key, (
        msg("{column} does not name a table; inferred from the schema: {n_siblings} other table(s)' {column} "
            "reference {parent}({key}): {shown}{more}",
            column=column.name, n_siblings=len(siblings), parent=parent.qualified_name, key=key.name, shown=shown,
            more=more),
        msg("{without} table(s) (this one included) have a {column} without a foreign key",
            without=without, column=column.name),
    ), Severity.P2)


def _referenced(model: SchemaModel, parent: Table) -> bool:
    return any(ref == parent.qualified_name for ref, _ in integrity.referenced_keys(model))


def _from_suffix(model: SchemaModel, table: Table, column: Column) -> Inference | None:
    name = column.name
    if not name.endswith("_id"):
        return None
    words = name[:-3].split("_")
    for i in range(1, len(words)):
        prefix, stem = words[:i], "_".join(words[i:])
        if EXTERNAL_MARKERS & set(prefix) or not stem:
            return None
        candidates = [t for n in integrity._plurals(stem) for t in integrity.tables_named(model, n)
                      if t.qualified_name != table.qualified_name]
        pool = [t for t in candidates if t.schema == table.schema] or candidates
        if len(pool) != 1:
            continue
        key = _key_of(pool[0], "id", column)
        if key is None or not _referenced(model, pool[0]):
            continue
        return Inference(pool[0], key, (
            msg("{name} does not name a table; inferred from the name: it ends in {stem}_id after the role prefix "
                "{prefix}_, and {pool}.id ({key_type}) is its key",
                name=name, stem=stem, prefix='_'.join(prefix), pool=pool[0].qualified_name, key_type=key.type.sql),
        ), Severity.P2)
    return None
