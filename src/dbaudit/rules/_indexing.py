"""Exact index facts the index and partitioning rules share: coverage, equivalence, prefixes, DDL.

Nothing here looks at names: two indexes are compared by method, key elements (column or
expression, direction, NULLS order, collation, operator class), predicate, INCLUDE list and
uniqueness. Invalid indexes never count as coverage.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass, replace

from dbaudit.findings import Finding
from dbaudit.messages import msg, sql_comment
from dbaudit.model.schema import Index, IndexElement, SchemaModel, Table, TableKind
from dbaudit.rules.registry import RuleContext
from dbaudit.sqltext import ident, qualified, qualified_text, strip_outer_parens

NAME_LIMIT = 63


def normalize_predicate(predicate: str | None) -> str | None:
    """A predicate with insignificant whitespace removed, so two sources' spellings compare equal."""
    if predicate is None:
        return None
    text = " ".join(predicate.split())
    # pg_get_expr wraps the whole predicate in parentheses; a hand-built model may not.
    return strip_outer_parens(text) or None


def same_elements(a: Sequence[IndexElement], b: Sequence[IndexElement]) -> bool:
    # IndexElement is a value: column/expression, direction, NULLS order, collation, opclass.
    return tuple(a) == tuple(b)


def is_prefix(short: Sequence[IndexElement], long: Sequence[IndexElement]) -> bool:
    """True when ``short`` equals the first ``len(short)`` elements of ``long``."""
    return len(short) <= len(long) and same_elements(short, long[: len(short)])


@functools.lru_cache(maxsize=4096)
def flipped(element: IndexElement) -> IndexElement:
    """The key as a backward scan reads it: direction and NULLS order both reversed (sources share
    equal elements, so the few distinct ones are flipped once)."""
    return replace(element, descending=not element.descending, nulls_first=not element.nulls_first)


def same_keys(a: Sequence[IndexElement], b: Sequence[IndexElement], method: str = "btree") -> bool:
    """Equal keys, or for a btree keys that one index reads backwards as the other.

    A btree is scanned in either direction, so ``(a)`` (ASC NULLS LAST) and ``(a DESC)`` (DESC
    NULLS FIRST) serve the same queries, and so do ``(a, b)`` and ``(a DESC, b DESC)``. Mixed
    directions are not equivalent: ``(a, b DESC)`` cannot give ``ORDER BY a, b``, and
    ``(a DESC NULLS LAST)`` read backwards is ``a ASC NULLS FIRST``, not ``(a)``.
    """
    if len(a) != len(b):
        return False
    if tuple(a) == tuple(b):
        return True
    if method != "btree" or a[0].descending == b[0].descending:
        return False  # a backward reading flips the first key's direction too
    return all(flipped(x) == y for x, y in zip(a, b, strict=True))


def leading_keys(short: Sequence[IndexElement], long: Sequence[IndexElement], method: str = "btree") -> bool:
    """``short`` is the leading part of ``long`` read in one direction (see :func:`same_keys`)."""
    return len(short) <= len(long) and same_keys(short, long[: len(short)], method)


def same_scope(a: Index, b: Index) -> bool:
    """Same access method and same predicate: the two indexes can serve the same queries."""
    return a.method == b.method and normalize_predicate(a.predicate) == normalize_predicate(b.predicate)


def identical(a: Index, b: Index) -> bool:
    """Two indexes that are the same physical structure with the same semantics."""
    return (
        same_scope(a, b)
        and same_elements(a.elements, b.elements)
        and tuple(a.include) == tuple(b.include)
        and a.unique == b.unique
        and (a.nulls_not_distinct == b.nulls_not_distinct or not a.unique)
    )


def equivalent(a: Index, b: Index) -> bool:
    """Two indexes that serve the same queries: same scope, same keys in either scan direction and
    the same INCLUDE columns (in any order). Uniqueness is not compared: see :func:`enforces_at_least`."""
    return (
        a.method == b.method and same_keys(a.elements, b.elements, a.method)
        and set(a.include) == set(b.include) and same_scope(a, b)
    )


def backs_constraint(index: Index) -> bool:
    return index.primary or index.constraint is not None


def enforces_at_least(keep: Index, other: Index) -> bool:
    """Whether ``keep`` enforces every rule ``other`` enforces on equivalent keys (so ``other`` can go):
    a unique index is replaced only by a unique one, NULLS NOT DISTINCT only by NULLS NOT DISTINCT
    or a primary key (whose columns cannot be NULL)."""
    if not other.unique:
        return True
    return keep.unique and (keep.primary or keep.nulls_not_distinct or not other.nulls_not_distinct)


def effective_indexes(table: Table) -> tuple[Index, ...]:
    """The table's indexes plus the ones its PK/unique constraints imply when the source omits them.

    A live catalog lists constraint indexes; an ORM-built model may not. Synthesised indexes are
    plain ascending btrees, which is exactly what ``PRIMARY KEY``/``UNIQUE`` create.
    """
    present = {ix.constraint for ix in table.indexes if ix.constraint} | {ix.name for ix in table.indexes}
    extra: list[Index] = []
    pk = table.primary_key
    if pk is not None and pk.name not in present and not any(ix.primary for ix in table.indexes):
        extra.append(_constraint_index(pk.name, pk.columns, primary=True))
    for uq in table.uniques:
        if uq.name not in present:
            extra.append(_constraint_index(uq.name, uq.columns, primary=False))
    return (*table.indexes, *extra)


def _constraint_index(name: str, columns: tuple[str, ...], *, primary: bool) -> Index:
    return Index(
        name=name,
        elements=tuple(IndexElement(column=c) for c in columns),
        unique=True,
        primary=primary,
        constraint=name,
    )


def not_null_columns(predicate: str | None) -> frozenset[str] | None:
    """The columns of a predicate made only of ``col IS NOT NULL`` terms joined by AND, else None.

    Read with PostgreSQL's own parser (pglast), so quoting and parentheses are understood.
    """
    if not predicate:
        return None
    return _not_null_columns(predicate)


@functools.lru_cache(maxsize=4096)
def _not_null_columns(predicate: str) -> frozenset[str] | None:
    from pglast import ast, parse_sql  # noqa: PLC0415 - parsed only for partial indexes
    from pglast.enums import BoolExprType, NullTestType  # noqa: PLC0415

    try:
        where = parse_sql(f"SELECT 1 WHERE {predicate}")[0].stmt.whereClause  # type: ignore[union-attr]
    except Exception:  # a predicate we cannot parse is simply not a NOT NULL predicate
        return None
    is_and = isinstance(where, ast.BoolExpr) and where.boolop == BoolExprType.AND_EXPR
    terms = tuple(where.args or ()) if is_and else (where,)
    columns: set[str] = set()
    for term in terms:
        if not (isinstance(term, ast.NullTest) and term.nulltesttype == NullTestType.IS_NOT_NULL):
            return None
        ref = term.arg
        fields = ref.fields if isinstance(ref, ast.ColumnRef) else None
        if not fields or len(fields) != 1 or not isinstance(fields[0], ast.String):
            return None
        columns.add(str(fields[0].sval))
    return frozenset(columns)


def covers_columns(index: Index, columns: Iterable[str]) -> bool:
    """A valid btree whose first ``n`` keys are exactly the columns' set (any order), full or partial
    on ``col IS NOT NULL`` of those columns only.

    Such a partial index serves the referential checks of a foreign key: they look rows up by
    ``col = $1``, which implies ``col IS NOT NULL`` (rows with a NULL never reference anything).
    """
    return skip_reason(index, columns) is None


def skip_reason(index: Index, columns: Iterable[str]) -> str | None:
    """Why ``index`` does not cover ``columns`` (None when it does): invalid, partial on another
    predicate, not a btree, an expression key, or other leading keys."""
    wanted = set(columns)
    n = len(wanted)
    lead = index.elements[:n]
    if len(lead) < n:
        return msg("has fewer keys than the foreign key has columns")
    if any(e.column is None for e in lead):
        return msg("a leading key is an expression, which a lookup by the column value cannot use")
    if {e.column for e in lead} != wanted:
        return msg("its leading keys are other columns")
    if not index.valid:
        return msg("it is invalid (pg_index.indisvalid = false): the planner never uses it")
    if index.method != "btree":
        return msg("it is a {method} index; a btree serves the referential checks and ordered joins",
                   method=index.method)
    if index.predicate is not None:
        allowed = not_null_columns(index.predicate)
        if allowed is None or not allowed <= wanted:
            return (msg("it is partial (WHERE {normalize_predicate}): the lookups of the referential check by the "
                        "key value do not imply that predicate",
                        normalize_predicate=normalize_predicate(index.predicate)))
    return None


def covering_index(table: Table, columns: Iterable[str]) -> Index | None:
    cols = tuple(columns)
    return next((ix for ix in effective_indexes(table) if covers_columns(ix, cols)), None)


def audited_tables(model: SchemaModel) -> tuple[Table, ...]:
    """Plain and partitioned tables: partitions are judged through their parent."""
    return tuple(t for t in model.tables if t.kind in (TableKind.TABLE, TableKind.PARTITIONED_TABLE))


def is_partitioned(table: Table) -> bool:
    return table.kind == TableKind.PARTITIONED_TABLE


# --- generated names and DDL -------------------------------------------------------------------


def index_name(table: str, columns: Sequence[str], suffix: str = "idx") -> str:
    """``<table>_<cols>_idx`` like PostgreSQL's own choice, cut to 63 bytes with a hash when long."""
    return bounded_name("_".join((table, *columns, suffix)))


def bounded_name(name: str) -> str:
    """Names over 63 bytes keep a readable start and a hash of the whole, so cuts never collide."""
    if len(name.encode()) <= NAME_LIMIT:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    head = name.encode()[: NAME_LIMIT - 9].decode(errors="ignore")
    return f"{head}_{digest}"


def unique_name(name: str, taken: Container[str]) -> str:
    if name not in taken:
        return name
    for i in range(2, 1000):
        candidate = bounded_name(f"{name}{i}") if len(name.encode()) < NAME_LIMIT - 2 else ""
        if not candidate:
            candidate = bounded_name(f"{name}_{i}_")
        if candidate not in taken:
            return candidate
    raise ValueError(f"no free name for {name!r}")  # pragma: no cover - 1000 collisions


class NameSet:
    """Relation names already used in a schema plus the ones a fix plan is about to create."""

    def __init__(self, existing: frozenset[str]) -> None:
        self._existing = existing
        self._new: set[str] = set()

    def __contains__(self, name: object) -> bool:
        return name in self._existing or name in self._new

    def add(self, name: str) -> None:
        self._new.add(name)


# One model is audited at a time; its per-schema relation names are computed once, not per finding
# (a 5,000-table schema with thousands of findings would otherwise rescan every table each time).
_NAMES_CACHE: dict[int, tuple[SchemaModel, dict[str, frozenset[str]]]] = {}


def _relation_names(model: SchemaModel) -> dict[str, frozenset[str]]:
    cached = _NAMES_CACHE.get(id(model))
    if cached is not None and cached[0] is model:
        return cached[1]
    names: dict[str, set[str]] = {}
    for t in model.tables:
        bucket = names.setdefault(t.schema, set())
        bucket.add(t.name)
        bucket.update(ix.name for ix in t.indexes)
    for seq in model.sequences:
        names.setdefault(seq.schema, set()).add(seq.name)
    frozen = {k: frozenset(v) for k, v in names.items()}
    _NAMES_CACHE.clear()
    _NAMES_CACHE[id(model)] = (model, frozen)
    return frozen


def index_names_in(model: SchemaModel, schema: str) -> NameSet:
    """Relation names of a schema (indexes share the namespace with tables and sequences)."""
    return NameSet(_relation_names(model).get(schema, frozenset()))


def element_sql(e: IndexElement) -> str:
    text = ident(e.column) if e.column is not None else f"({e.expression})"
    if e.collation:
        text += f" COLLATE {_dotted(e.collation)}"
    if e.opclass:
        text += f" {_dotted(e.opclass)}"
    if e.descending:
        text += " DESC"
        if not e.nulls_first:
            text += " NULLS LAST"
    elif e.nulls_first:
        text += " NULLS FIRST"
    return text


def _dotted(name: str) -> str:
    """A catalog label as the PostgreSQL source spells it: ``schema.name`` or a bare name."""
    return ".".join(ident(part) for part in name.split(".", 1))


def create_index_sql(
    schema: str,
    table: str,
    name: str,
    elements: Sequence[IndexElement],
    *,
    unique: bool = False,
    method: str = "btree",
    predicate: str | None = None,
    include: Sequence[str] = (),
    concurrently: bool = True,
    only: bool = False,
) -> str:
    parts = ["CREATE", "UNIQUE INDEX" if unique else "INDEX"]
    if concurrently:
        parts.append("CONCURRENTLY")
    parts += [ident(name), "ON", "ONLY" if only else "", qualified(schema, table)]
    text = " ".join(p for p in parts if p)
    if method != "btree":
        text += f" USING {ident(method)}"
    text += " (" + ", ".join(element_sql(e) for e in elements) + ")"
    if include:
        text += " INCLUDE (" + ", ".join(ident(c) for c in include) + ")"
    if predicate:
        text += f" WHERE {normalize_predicate(predicate)}"
    return text


def recreate_index_sql(table: Table, index: Index, *, concurrently: bool = True) -> str:
    """The index's own definition, rebuilt with CONCURRENTLY when the catalog text is available."""
    if index.definition and concurrently:
        return _CREATE_PREFIX.sub(r"CREATE \1INDEX CONCURRENTLY ", index.definition, count=1)
    if index.definition:
        return index.definition
    return create_index_sql(
        table.schema,
        table.name,
        index.name,
        index.elements,
        unique=index.unique,
        method=index.method,
        predicate=index.predicate,
        include=index.include,
        concurrently=concurrently,
    )


_CREATE_PREFIX = re.compile(r"^CREATE (UNIQUE )?INDEX ", re.I)


def drop_index_sql(table: Table, index: Index) -> str:
    """``DROP INDEX CONCURRENTLY``; on a partitioned parent it cannot be concurrent, and says so."""
    target = qualified(table.schema, index.name)
    if is_partitioned(table):
        return render(
            [
                sql_comment("-- DROP INDEX on a partitioned table cannot be CONCURRENTLY: it takes an ACCESS\n"
                            "-- EXCLUSIVE lock on the parent and every partition briefly; run it off-peak and retry\n"
                            "-- if the lock timeout expires."),
                Locking(f"DROP INDEX {target};"),
            ]
        )
    return f"DROP INDEX CONCURRENTLY {target};"


def create_index_plan(
    model: SchemaModel,
    table: Table,
    elements: Sequence[IndexElement],
    *,
    name: str | None = None,
    unique: bool = False,
    method: str = "btree",
    label: Sequence[str] | None = None,
    suffix: str = "idx",
) -> str:
    """Statements that add an index without blocking writes, partition by partition when needed.

    A plain table gets ``CREATE INDEX CONCURRENTLY``. A partitioned table gets
    ``CREATE INDEX … ON ONLY parent`` (invalid, catalog-only), then per partition
    ``CREATE INDEX CONCURRENTLY`` and ``ALTER INDEX … ATTACH PARTITION``; the parent index turns
    valid once every partition's index is attached.
    """
    taken = index_names_in(model, table.schema)
    spec = _IndexSpec(tuple(elements), unique, method, tuple(label or [e.column or "expr" for e in elements]), suffix)
    parent_name = name or unique_name(index_name(table.name, spec.label, suffix), taken)
    taken.add(parent_name)
    if not is_partitioned(table):
        return spec.create(table.schema, table.name, parent_name, concurrently=True)
    lines = [
        sql_comment("-- Partitioned table: CREATE INDEX CONCURRENTLY is not supported on the parent, so\n"
                    "-- create the parent index ON ONLY (catalog only), build each partition's index\n"
                    "-- concurrently, then attach it; the parent index becomes valid when all are attached."),
    ]
    lines += _partitioned_index_lines(model, table, parent_name=parent_name, spec=spec, taken=taken)
    return render(lines)


@dataclass(frozen=True)
class _IndexSpec:
    elements: tuple[IndexElement, ...]
    unique: bool
    method: str
    label: tuple[str, ...]
    suffix: str

    def create(self, schema: str, table: str, name: str, *, concurrently: bool, only: bool = False) -> str:
        return (
            create_index_sql(
                schema,
                table,
                name,
                self.elements,
                unique=self.unique,
                method=self.method,
                concurrently=concurrently,
                only=only,
            )
            + ";"
        )


def _partitioned_index_lines(
    model: SchemaModel, table: Table, *, parent_name: str, spec: _IndexSpec, taken: NameSet
) -> list[str]:
    lines: list[str] = [Locking(spec.create(table.schema, table.name, parent_name, concurrently=False, only=True))]
    for part in model.partitions_of(table.qualified_name):
        part_taken = taken if part.schema == table.schema else index_names_in(model, part.schema)
        child_name = unique_name(index_name(part.name, spec.label, spec.suffix), part_taken)
        part_taken.add(child_name)
        if is_partitioned(part):
            lines += _partitioned_index_lines(model, part, parent_name=child_name, spec=spec, taken=part_taken)
        else:
            lines.append(spec.create(part.schema, part.name, child_name, concurrently=True))
        lines.append(attach_sql(table.schema, parent_name, part.schema, child_name))
    return lines


def attach_sql(schema: str, parent_index: str, child_schema: str, child_index: str) -> Locking:
    return Locking(
        f"ALTER INDEX {qualified(schema, parent_index)} ATTACH PARTITION {qualified(child_schema, child_index)};"
    )


# --- lock timeouts ------------------------------------------------------------------------------

LOCK_TIMEOUT = "SET lock_timeout = '5s';"
RESET_LOCK_TIMEOUT = "RESET lock_timeout;"


class Locking(str):
    """A statement that takes a strong lock (briefly, or for a rewrite).

    While it waits for its lock every later write on the table queues behind it, so it runs with
    a short ``lock_timeout`` and fails fast instead (retry later). ``CONCURRENTLY`` statements and
    ``VALIDATE CONSTRAINT`` are plain strings: their waits do not block writes, and a timeout on a
    concurrent build would leave an invalid index behind.
    """

    __slots__ = ()


def render(items: Iterable[str]) -> str:
    """Join fix statements and comments; wrap each run of :class:`Locking` statements in
    ``SET lock_timeout`` / ``RESET lock_timeout``."""
    out: list[str] = []
    guarded = False
    for item in items:
        locking = isinstance(item, Locking)
        if locking and not guarded:
            out.append(LOCK_TIMEOUT)
            guarded = True
        elif guarded and not locking and not item.startswith("--"):
            out.append(RESET_LOCK_TIMEOUT)
            guarded = False
        out.append(item)
    if guarded:
        out.append(RESET_LOCK_TIMEOUT)
    return "\n".join(out)


def sql_for_postgres(check: Callable[[RuleContext], Iterable[Finding]]) -> Callable[[RuleContext], Iterable[Finding]]:
    """For rules that judge any dialect: on a non-PostgreSQL model keep the finding but drop the fix
    and verification SQL, which are PostgreSQL syntax (CONCURRENTLY, pg_catalog)."""

    @functools.wraps(check)
    def wrapper(ctx: RuleContext) -> Iterable[Finding]:
        findings = check(ctx)
        if ctx.model.source.dialect == "postgresql":
            return findings
        return (replace(f, fix_sql=None, verify_sql=None) for f in findings)

    return wrapper


def regclass(table: Table) -> str:
    """``'schema.table'::regclass`` for any identifier."""
    text = qualified(table.schema, table.name)
    return "'" + text.replace("'", "''") + "'::regclass"


def index_regclass(schema: str, name: str) -> str:
    text = qualified(schema, name)
    return "'" + text.replace("'", "''") + "'::regclass"


__all__ = [
    "audited_tables",
    "backs_constraint",
    "covering_index",
    "covers_columns",
    "create_index_plan",
    "create_index_sql",
    "drop_index_sql",
    "effective_indexes",
    "enforces_at_least",
    "equivalent",
    "flipped",
    "identical",
    "index_name",
    "is_prefix",
    "leading_keys",
    "normalize_predicate",
    "not_null_columns",
    "qualified_text",
    "recreate_index_sql",
    "same_elements",
    "same_keys",
    "same_scope",
    "skip_reason",
]
