"""The immutable schema model every source produces and every analysis consumes.

Frozen dataclasses with tuple collections: values compare and hash by content, so two sources that
describe the same schema produce equal models, and a rule can never mutate what another rule sees.
Lookups (``model.table("public.users")``, ``table.column("id")``) are built lazily once per object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from typing import Literal


class TableKind(StrEnum):
    """What a relation is; partitions are tables with ``partition_of`` set."""

    TABLE = "table"
    PARTITIONED_TABLE = "partitioned_table"
    PARTITION = "partition"
    VIEW = "view"
    MATERIALIZED_VIEW = "materialized_view"
    FOREIGN_TABLE = "foreign_table"


class ReferentialAction(StrEnum):
    NO_ACTION = "NO ACTION"
    RESTRICT = "RESTRICT"
    CASCADE = "CASCADE"
    SET_NULL = "SET NULL"
    SET_DEFAULT = "SET DEFAULT"


@dataclass(frozen=True, slots=True)
class Location:
    """Where a source declares an object (a model file, a migration, application code)."""

    path: str
    line: int


@dataclass(frozen=True, slots=True)
class ColumnType:
    """A column's type, both as the server prints it and decomposed.

    ``sql`` is the type as ``format_type`` prints it (``character varying(255)``, ``integer[]``);
    ``name`` is the canonical base type (``varchar``, ``int4``, ``timestamptz``, an enum's qualified
    name) so that rules compare types without parsing text.

    For arrays ``name`` is the element type and ``array_dims`` the declared dimensions. Types outside
    ``pg_catalog`` (enums, domains, extension types such as ``citext``) are named ``schema.type``.
    ``length`` is set for ``varchar``/``bpchar``/``bit``; ``precision`` for ``numeric`` and the
    time types (fractional seconds); ``scale`` for ``numeric``.
    """

    sql: str
    name: str
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    array_dims: int = 0
    is_enum: bool = False


IdentityKind = Literal["always", "by default"]


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: ColumnType
    nullable: bool = True
    default: str | None = None
    identity: IdentityKind | None = None
    generated: str | None = None
    serial_sequence: str | None = None
    collation: str | None = None
    comment: str | None = None
    position: int = 0
    location: Location | None = None
    # True when the source says the ORM keeps the value current on UPDATE (SQLAlchemy ``onupdate``).
    orm_onupdate: bool = False
    # Values the models use for this column beyond what its type says (a SQLAlchemy ``Enum`` stored as
    # text, or the application enum a model assigns to it) and where that vocabulary is declared;
    # empty when the source knows none. Drift compares them with the other side's CHECK / enum values.
    model_values: tuple[str, ...] = ()
    model_values_location: Location | None = None


@dataclass(frozen=True, slots=True)
class PrimaryKey:
    name: str
    columns: tuple[str, ...]
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class ForeignKey:
    name: str
    columns: tuple[str, ...]
    ref_schema: str
    ref_table: str
    ref_columns: tuple[str, ...]
    on_delete: ReferentialAction = ReferentialAction.NO_ACTION
    on_update: ReferentialAction = ReferentialAction.NO_ACTION
    deferrable: bool = False
    initially_deferred: bool = False
    validated: bool = True
    match_full: bool = False
    location: Location | None = None

    @property
    def ref_qualified(self) -> str:
        return f"{self.ref_schema}.{self.ref_table}"


@dataclass(frozen=True, slots=True)
class UniqueConstraint:
    name: str
    columns: tuple[str, ...]
    deferrable: bool = False
    nulls_not_distinct: bool = False
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class CheckConstraint:
    name: str
    expression: str
    columns: tuple[str, ...] = ()
    validated: bool = True
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class ExclusionConstraint:
    name: str
    definition: str
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class IndexElement:
    """One key of an index: a column or an expression, with its ordering and operator class.

    ``nulls_first`` is the order in effect, not only an explicit ``NULLS FIRST``: PostgreSQL sorts
    NULLs first for ``DESC`` keys by default, so a plain ``DESC`` key has ``descending=True,
    nulls_first=True``. ``collation`` and ``opclass`` are set only when they are not the default for
    the key (the column's collation, the type's default operator class).
    """

    column: str | None = None
    expression: str | None = None
    descending: bool = False
    nulls_first: bool = False
    collation: str | None = None
    opclass: str | None = None
    # MySQL prefix index: only the first ``length`` characters (bytes for binary types) are indexed.
    length: int | None = None

    @property
    def label(self) -> str:
        text = self.column if self.column is not None else f"({self.expression})"
        return f"{text} DESC" if self.descending else text


@dataclass(frozen=True, slots=True)
class Index:
    name: str
    elements: tuple[IndexElement, ...]
    unique: bool = False
    primary: bool = False
    method: str = "btree"
    predicate: str | None = None
    include: tuple[str, ...] = ()
    valid: bool = True
    constraint: str | None = None
    nulls_not_distinct: bool = False
    # The CREATE INDEX statement; the PostgreSQL reader rebuilds it from pg_index (equivalent to
    # pg_get_indexdef, which is too slow to call per index on large schemas).
    definition: str | None = None
    size_bytes: int | None = None
    scans: int | None = None
    # On a partition: the partitioned table's index this one is attached to (``schema.index``), so
    # that a hand-made copy can be told from the index every partition inherits.
    parent_index: str | None = None
    location: Location | None = None

    @property
    def columns(self) -> tuple[str | None, ...]:
        """Column names of the keys, ``None`` for an expression key."""
        return tuple(e.column for e in self.elements)

    @property
    def is_plain(self) -> bool:
        """Only plain columns, no expression keys."""
        return all(e.column is not None for e in self.elements)


@dataclass(frozen=True, slots=True)
class Trigger:
    name: str
    timing: Literal["BEFORE", "AFTER", "INSTEAD OF"]
    events: tuple[str, ...]
    level: Literal["ROW", "STATEMENT"]
    function: str
    function_language: str | None = None
    function_source: str | None = None
    enabled: bool = True
    definition: str | None = None
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class ColumnStats:
    """The planner's statistics of one column (``pg_stats``, as of the last ANALYZE).

    ``n_distinct`` is positive for an estimated number of distinct values, negative for a fraction
    of the rows (-1: every row distinct). ``most_common_freqs`` are the frequencies of the most
    common values, highest first; sources give them only for columns with few distinct values, and
    never the values themselves (they may be personal data).
    """

    column: str
    null_frac: float
    n_distinct: float
    most_common_freqs: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class TableStats:
    """Planner and activity statistics; every field is ``None`` (or empty) when the source has none.

    Activity counters (scans, ``n_tup_*`` writes) count since the server's statistics were last
    reset; ``columns`` holds per-column planner statistics for the analyzed columns only.
    """

    rows_estimate: int | None = None
    total_bytes: int | None = None
    table_bytes: int | None = None
    index_bytes: int | None = None
    seq_scan: int | None = None
    idx_scan: int | None = None
    n_live_tup: int | None = None
    n_dead_tup: int | None = None
    last_analyze: datetime | None = None
    last_autoanalyze: datetime | None = None
    n_tup_ins: int | None = None
    n_tup_upd: int | None = None
    n_tup_del: int | None = None
    n_tup_hot_upd: int | None = None
    columns: tuple[ColumnStats, ...] = ()

    def column(self, name: str) -> ColumnStats | None:
        """The column's planner statistics, or None when it was never analyzed."""
        return next((c for c in self.columns if c.column == name), None)

    @property
    def writes(self) -> int | None:
        """Rows inserted, updated and deleted since the statistics reset, when the source counts them."""
        counts = (self.n_tup_ins, self.n_tup_upd, self.n_tup_del)
        return None if any(c is None for c in counts) else sum(c or 0 for c in counts)


@dataclass(frozen=True, slots=True)
class Partitioning:
    """How a partitioned table splits its rows: ``strategy`` RANGE/LIST/HASH over ``key``."""

    strategy: Literal["RANGE", "LIST", "HASH"]
    key: str
    columns: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Grant:
    """Privileges one role (``PUBLIC`` for everyone) holds on an object, beyond its owner's own.

    ``privileges`` are PostgreSQL's names (``SELECT``, ``INSERT``, ``UPDATE``, ``DELETE``,
    ``TRUNCATE``, ``REFERENCES``, ``TRIGGER``, ``USAGE``, ``CREATE``, ``EXECUTE``), sorted.
    """

    grantee: str
    privileges: tuple[str, ...]
    grantable: bool = False


PUBLIC_GRANTEE = "PUBLIC"
WRITE_PRIVILEGES = frozenset({"INSERT", "UPDATE", "DELETE", "TRUNCATE"})


@dataclass(frozen=True, slots=True)
class Policy:
    """A row-level security policy: ``command`` is ``ALL``, ``SELECT``, ``INSERT``, ``UPDATE`` or
    ``DELETE``; ``roles`` are role names (``PUBLIC`` for everyone); ``using`` and ``with_check`` are
    the expressions as the server prints them."""

    name: str
    command: str = "ALL"
    permissive: bool = True
    roles: tuple[str, ...] = (PUBLIC_GRANTEE,)
    using: str | None = None
    with_check: str | None = None


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    kind: TableKind = TableKind.TABLE
    columns: tuple[Column, ...] = ()
    primary_key: PrimaryKey | None = None
    foreign_keys: tuple[ForeignKey, ...] = ()
    uniques: tuple[UniqueConstraint, ...] = ()
    checks: tuple[CheckConstraint, ...] = ()
    exclusions: tuple[ExclusionConstraint, ...] = ()
    indexes: tuple[Index, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    comment: str | None = None
    partitioning: Partitioning | None = None
    partition_of: str | None = None
    partition_bound: str | None = None
    view_definition: str | None = None
    stats: TableStats | None = None
    location: Location | None = None
    # Security facts (capability ``security``): row-level security and its policies, a view's
    # ``security_invoker`` option and the relations it reads. Privileges (capability ``privileges``,
    # live databases only): the owning role and the grants to other roles.
    rls_enabled: bool = False
    rls_forced: bool = False
    policies: tuple[Policy, ...] = ()
    security_invoker: bool = False
    view_sources: tuple[str, ...] = ()
    owner: str | None = None
    acl: tuple[Grant, ...] = ()

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"

    @cached_property
    def _columns_by_name(self) -> dict[str, Column]:
        return {c.name: c for c in self.columns}

    def column(self, name: str) -> Column | None:
        return self._columns_by_name.get(name)

    @property
    def is_relation_with_rows(self) -> bool:
        """Tables that store rows (views do not)."""
        return self.kind in (TableKind.TABLE, TableKind.PARTITIONED_TABLE, TableKind.PARTITION)


@dataclass(frozen=True, slots=True)
class Sequence:
    schema: str
    name: str
    data_type: str = "bigint"
    start: int = 1
    increment: int = 1
    min_value: int | None = None
    max_value: int | None = None
    cycle: bool = False
    last_value: int | None = None
    owned_by_table: str | None = None
    owned_by_column: str | None = None
    owner: str | None = None
    acl: tuple[Grant, ...] = ()

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True, slots=True)
class Function:
    """A function or procedure of an audited schema (capability ``security``).

    ``arguments`` is the identity argument list (``integer, text``) that names it in DDL;
    ``config`` the settings it fixes (``search_path=pg_catalog, public``); ``acl`` who may execute
    it besides its owner (``PUBLIC`` unless revoked: PostgreSQL's default for functions).
    """

    schema: str
    name: str
    arguments: str = ""
    kind: Literal["function", "procedure"] = "function"
    language: str | None = None
    security_definer: bool = False
    config: tuple[str, ...] = ()
    owner: str | None = None
    acl: tuple[Grant, ...] = ()

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def signature(self) -> str:
        return f"{self.schema}.{self.name}({self.arguments})"

    def setting(self, name: str) -> str | None:
        """The value the function fixes for ``name`` (``search_path``), or ``None``."""
        for item in self.config:
            key, _, value = item.partition("=")
            if key == name:
                return value
        return None


@dataclass(frozen=True, slots=True)
class SchemaPrivileges:
    """A schema's owner and the grants (``USAGE``, ``CREATE``) other roles hold on it."""

    name: str
    owner: str | None = None
    acl: tuple[Grant, ...] = ()


@dataclass(frozen=True, slots=True)
class Role:
    """A role that matters to the audited database: a superuser, an owner or grantee of its
    objects, a policy's role, the audited role, or a member of one of those. ``member_of`` lists the
    roles it is a direct member of."""

    name: str
    superuser: bool = False
    bypass_rls: bool = False
    can_login: bool = False
    member_of: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SessionFacts:
    """Who read the database and what the server says about passwords.

    ``md5_roles`` lists roles whose stored password is an MD5 hash, ``None`` when the reader may not
    see stored passwords (``pg_authid`` is readable by superusers only): unknown, not "none".
    """

    role: str
    superuser: bool = False
    password_encryption: str | None = None
    md5_roles: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class EnumType:
    schema: str
    name: str
    values: tuple[str, ...]

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True, slots=True)
class Extension:
    name: str
    version: str
    schema: str


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """Which source produced the model and which kinds of facts it could know.

    ``capabilities`` names the facts the source knows (``triggers``, ``sequences``, ``statistics``,
    ``partitions``, ``enums``); a rule that needs a missing capability is skipped with a note
    instead of reporting on facts that were never read. ``skipped`` names objects the source could
    not read, and ``notes`` says why.
    """

    kind: str
    name: str
    dialect: str = "postgresql"
    server_version: str | None = None
    capabilities: tuple[str, ...] = ()
    # Since when the activity statistics (idx_scan, seq_scan) have been counting: the later of the
    # last stats reset and the server start; and the server's clock when the model was read.
    statistics_since: datetime | None = None
    read_at: datetime | None = None
    # Objects the source could not read (qualified names; e.g. locked by another session's DDL), left
    # out of the model: their absence is not a fact, so drift does not report them missing.
    skipped: tuple[str, ...] = ()
    # What the user should know about this read (why objects were skipped), one line each.
    notes: tuple[str, ...] = ()

    @property
    def statistics_age_days(self) -> float | None:
        """How many days the activity statistics cover, or None when unknown."""
        if self.statistics_since is None or self.read_at is None:
            return None
        return (self.read_at - self.statistics_since).total_seconds() / 86400


POSTGRES_CAPABILITIES: tuple[str, ...] = (
    "triggers",
    "sequences",
    "statistics",
    "partitions",
    "enums",
    "extensions",
    "comments",
    "index_details",
    "security",
    "privileges",
    "role_passwords",
)
# Facts that describe the live server and its roles rather than the schema's DDL: a ``.sql`` file or
# the migrations' head loaded on a throw-away server does not have them.
LIVE_ONLY_CAPABILITIES: tuple[str, ...] = ("privileges", "role_passwords")


@dataclass(frozen=True)
class SchemaModel:
    source: SourceInfo
    schemas: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    sequences: tuple[Sequence, ...] = ()
    enums: tuple[EnumType, ...] = ()
    extensions: tuple[Extension, ...] = ()
    schema_comments: tuple[tuple[str, str], ...] = field(default=())
    functions: tuple[Function, ...] = ()
    schema_privileges: tuple[SchemaPrivileges, ...] = ()
    roles: tuple[Role, ...] = ()
    session: SessionFacts | None = None

    @cached_property
    def _tables_by_name(self) -> dict[str, Table]:
        return {t.qualified_name: t for t in self.tables}

    @cached_property
    def _sequences_by_name(self) -> dict[str, Sequence]:
        return {s.qualified_name: s for s in self.sequences}

    @cached_property
    def _partitions_by_parent(self) -> dict[str, tuple[Table, ...]]:
        out: dict[str, list[Table]] = {}
        for t in self.tables:
            if t.partition_of is not None:
                out.setdefault(t.partition_of, []).append(t)
        return {k: tuple(v) for k, v in out.items()}

    def table(self, qualified_name: str) -> Table | None:
        return self._tables_by_name.get(qualified_name)

    @cached_property
    def table_names(self) -> frozenset[str]:
        """The tables' names without their schemas (computed once: rules ask per column)."""
        return frozenset(t.name for t in self.tables)

    def sequence(self, qualified_name: str) -> Sequence | None:
        return self._sequences_by_name.get(qualified_name)

    def partitions_of(self, qualified_name: str) -> tuple[Table, ...]:
        return self._partitions_by_parent.get(qualified_name, ())

    @cached_property
    def _roles_by_name(self) -> dict[str, Role]:
        return {r.name: r for r in self.roles}

    def role(self, name: str) -> Role | None:
        return self._roles_by_name.get(name)

    def memberships(self, name: str) -> frozenset[str]:
        """``name`` and every role it is a member of, directly or through other roles."""
        seen = {name}
        todo = [name]
        while todo:
            found = self._roles_by_name.get(todo.pop())
            for parent in found.member_of if found is not None else ():
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return frozenset(seen)

    def has(self, capability: str) -> bool:
        return capability in self.source.capabilities

    @property
    def base_tables(self) -> tuple[Table, ...]:
        """Tables that own their rows' definition: plain and partitioned tables, not partitions."""
        return tuple(
            t for t in self.tables if t.kind in (TableKind.TABLE, TableKind.PARTITIONED_TABLE)
        )


def without_live_facts(model: SchemaModel) -> SchemaModel:
    """The model without owners, grants, roles and the reading session (a ``.sql`` file or the
    migrations' head read from a throw-away server: those facts describe that server, not the
    project), and without the capabilities that announce them."""
    from dataclasses import replace  # noqa: PLC0415

    return replace(
        model,
        source=replace(model.source, capabilities=tuple(
            c for c in model.source.capabilities if c not in LIVE_ONLY_CAPABILITIES)),
        tables=tuple(replace(t, owner=None, acl=()) if t.owner or t.acl else t for t in model.tables),
        sequences=tuple(replace(s, owner=None, acl=()) if s.owner or s.acl else s for s in model.sequences),
        functions=tuple(replace(f, owner=None, acl=()) for f in model.functions),
        schema_privileges=(), roles=(), session=None,
    )
