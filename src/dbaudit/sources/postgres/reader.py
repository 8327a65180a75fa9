"""Build the schema model of a live PostgreSQL database from a fixed set of bulk catalog queries.

The reader runs each query in :mod:`dbaudit.sources.postgres.catalog` once, in one read-only
snapshot, whatever the number of tables (:data:`CATALOG_QUERIES` names them), and assembles the
model in Python while the server is still answering:

- the queries run on worker threads, split over two read-only connections that share one exported
  snapshot (so the server uses two cores), and the main thread builds the model from each result as
  it arrives; where a second connection or snapshot export is refused, one connection does it all;
- it never queues behind DDL and never makes DDL queue behind it: relations locked ACCESS EXCLUSIVE
  by another session that would need a lock to be read are left out and named in a note
  (``SourceInfo.skipped``/``notes``), and the queries that keep locks until their transaction ends
  (sequence positions; view definitions, a page of views at a time) run in short transactions of
  their own on the same snapshot; if a lock taken during the read still makes a query wait past
  ``lock_timeout``, the read starts again (the new lock is then known and its relation skipped);
- the build is lean because it runs over hundreds of thousands of rows on large schemas: plain
  tuples, dictionaries keyed by oid, one shared object per distinct column type, column and index
  key, and no regular expressions per row; the garbage collector is paused meanwhile.
"""

from __future__ import annotations

import contextlib
import gc
import queue
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from dbaudit import progress
from dbaudit.model.schema import (
    POSTGRES_CAPABILITIES,
    CheckConstraint,
    Column,
    ColumnStats,
    ColumnType,
    EnumType,
    ExclusionConstraint,
    Extension,
    ForeignKey,
    Function,
    Grant,
    Index,
    IndexElement,
    Partitioning,
    Policy,
    PrimaryKey,
    ReferentialAction,
    Role,
    SchemaModel,
    SchemaPrivileges,
    SessionFacts,
    SourceInfo,
    Table,
    TableKind,
    TableStats,
    Trigger,
    UniqueConstraint,
)
from dbaudit.model.schema import Sequence as SequenceModel
from dbaudit.sources.postgres import catalog

if TYPE_CHECKING:
    import psycopg

Row = tuple[Any, ...]

# Names of the catalog queries: one each per read, for any number of tables (views: one per
# VIEWS_PAGE views, see catalog.VIEWS).
CATALOG_QUERIES: tuple[str, ...] = (
    "namespaces", "session", "skipped", "relations", "types", "lookups", "sequences", "sizes", "columns",
    "column_stats", "roles", "view_sources", "indexes", "constraints", "triggers", "enums", "extensions",
    "policies", "functions", "privileges", "md5_roles", "views", "sequence_values",
)
# View definitions per statement (each in its own transaction: pg_get_viewdef keeps its locks to the end).
VIEWS_PAGE = 200
# Every statement of a read_postgres call (up to VIEWS_PAGE views): the catalog queries, plus per
# connection (two) its session settings, plus exporting the shared snapshot and importing it for the
# helper's reads and again for each of the two queries that run in transactions of their own. A role
# that may not read pg_authid (stored passwords) runs one statement fewer: md5_roles is skipped, the
# facts unknown.
STATEMENTS_PER_READ = len(CATALOG_QUERIES) + 2 + 1 + 3
# Attempts of a read that a lock taken during it made wait past lock_timeout.
READ_ATTEMPTS = 3

_KINDS = {
    "r": TableKind.TABLE, "p": TableKind.PARTITIONED_TABLE, "v": TableKind.VIEW,
    "m": TableKind.MATERIALIZED_VIEW, "f": TableKind.FOREIGN_TABLE,
}
_ACTIONS = {
    "a": ReferentialAction.NO_ACTION, "r": ReferentialAction.RESTRICT, "c": ReferentialAction.CASCADE,
    "n": ReferentialAction.SET_NULL, "d": ReferentialAction.SET_DEFAULT,
}
_STRATEGIES: dict[str, Any] = {"r": "RANGE", "l": "LIST", "h": "HASH"}
_IDENTITY: dict[str, Any] = {"a": "always", "d": "by default"}
_STATS_KINDS = frozenset("rpm")
_DEFAULT_COLLATION = 100  # pg_catalog."default"

# pg_trigger.tgtype bits (include/catalog/pg_trigger.h)
_TG_ROW, _TG_BEFORE, _TG_INSERT, _TG_DELETE, _TG_UPDATE, _TG_TRUNCATE, _TG_INSTEAD = 1, 2, 4, 8, 16, 32, 64
_PAREN_OR_QUOTE = re.compile(r"[()'\"]")
# pg_index.indoption bits
_IND_DESC, _IND_NULLS_FIRST = 1, 2


def read_postgres(
    url: str, *, schemas: Sequence[str] | None = None, name: str | None = None, exact_sizes: bool = False,
) -> SchemaModel:
    """The model of every user schema (or only ``schemas``) of the database at ``url``.

    ``name`` names the source in the model; by default the URL without its password. Sizes come from
    ``pg_class.relpages`` (as of the last VACUUM/ANALYZE) unless ``exact_sizes`` asks to open every
    relation for its exact size, which costs about 2 s per 5,000 tables.
    """
    import psycopg  # noqa: PLC0415 - imported lazily for start-up time

    from dbaudit.redact import redact_url  # noqa: PLC0415
    from dbaudit.sources.postgres.connect import connect_readonly, connection_error  # noqa: PLC0415

    conn = connect_readonly(url)
    try:
        return read_connection(conn, schemas=schemas, name=name or redact_url(url), exact_sizes=exact_sizes,
                               helper=lambda: connect_readonly(url))
    except psycopg.Error as exc:
        raise connection_error(url, exc, during="reading the catalog") from None
    finally:
        conn.close()


def read_connection(
    conn: psycopg.Connection[Any], *, schemas: Sequence[str] | None = None, name: str = "postgresql",
    exact_sizes: bool = False, helper: Callable[[], psycopg.Connection[Any]] | None = None,
) -> SchemaModel:
    """The model read through an open connection (which :func:`read_postgres` makes read-only).

    With ``helper`` (a factory of a second read-only connection to the same database), the queries
    are split over both connections, which share one snapshot (``pg_export_snapshot``), so the server
    works on two cores. Without it, or if the second connection cannot be had (connection limits,
    poolers), everything runs on ``conn``. A read that waited past ``lock_timeout`` for a lock taken
    while it ran starts again (up to :data:`READ_ATTEMPTS` times), skipping the newly locked relation.
    """
    import psycopg  # noqa: PLC0415

    for attempt in range(1, READ_ATTEMPTS + 1):
        try:
            return _read_once(conn, schemas=schemas, name=name, exact_sizes=exact_sizes, helper=helper)
        except psycopg.errors.LockNotAvailable:
            conn.rollback()
            if attempt == READ_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _read_once(
    conn: psycopg.Connection[Any], *, schemas: Sequence[str] | None, name: str, exact_sizes: bool,
    helper: Callable[[], psycopg.Connection[Any]] | None,
) -> SchemaModel:
    version_num = conn.info.server_version
    # First statement of the read transaction, so that a server that refuses (a standby, a pooler)
    # costs only a rollback of an empty transaction.
    snapshot = _export_snapshot(conn) if helper is not None else None
    namespaces = conn.execute(catalog.NAMESPACES, {"schemas": list(schemas) if schemas else None}).fetchall()
    session = conn.execute(catalog.SESSION).fetchone()
    ns_names = {row[0]: row[1] for row in namespaces}
    skipped = conn.execute(catalog.SKIPPED, {"ns": list(ns_names)}).fetchall()
    params = {"ns": list(ns_names), "skip": [row[0] for row in skipped]}
    # Lane 1: plain catalog reads. Lane 2: the queries that deparse expressions (and so build a
    # relcache entry per table), about half the server's work. Then, after lane 2, the queries whose
    # locks last until the end of their transaction, each in transactions of its own.
    lane1 = {
        "relations": catalog.RELATIONS, "types": catalog.TYPES, "lookups": catalog.LOOKUPS,
        "sequences": catalog.SEQUENCES, "sizes": catalog.SIZES_EXACT if exact_sizes else catalog.SIZES,
        "columns": catalog.COLUMNS, "roles": catalog.ROLES, "view_sources": catalog.VIEW_SOURCES,
        "column_stats": catalog.column_stats_query(conn.info.parameter_status("is_superuser") == "on"),
    }
    passwords_visible = bool(session and session[3])
    if passwords_visible:
        lane1["md5_roles"] = catalog.MD5_ROLES
    lane2 = {
        "indexes": catalog.indexes_query(version_num), "constraints": catalog.constraints_query(version_num),
        "triggers": catalog.TRIGGERS, "enums": catalog.ENUMS, "extensions": catalog.EXTENSIONS,
        "policies": catalog.POLICIES, "functions": catalog.FUNCTIONS, "privileges": catalog.PRIVILEGES,
    }
    paged = {"views": catalog.VIEWS, "sequence_values": catalog.SEQUENCE_VALUES}
    gc_was_enabled = gc.isenabled()
    gc.disable()  # hundreds of thousands of acyclic objects: collections would only cost time
    results = _Prefetch(conn, _Plan(lane1, lane2, paged, params), helper=helper if snapshot else None,
                        snapshot=snapshot)
    try:
        rows = {key: results.get(key) for key in ("relations", "types", "lookups", "sequences", "sizes")}
        builder = _Builder(ns_names, rows["lookups"], rows["types"], rows["sizes"])
        builder.add_relations(rows["relations"])
        builder.add_columns(results.get("columns"), rows["sequences"])
        builder.add_indexes(results.get("indexes"))
        builder.add_constraints(results.get("constraints"))
        builder.add_triggers(results.get("triggers"))
        builder.add_column_stats(results.get("column_stats"))
        builder.add_view_sources(results.get("view_sources"))
        builder.add_policies(results.get("policies"))
        security = _Security(
            session=session, roles=results.get("roles"), functions=results.get("functions"),
            privileges=results.get("privileges"),
            md5_roles=results.get("md5_roles") if passwords_visible else None,
        )
        enums, extensions = results.get("enums"), results.get("extensions")
        builder.add_views(results.get("views"))
        last_values: dict[int, int | None] = dict(results.get("sequence_values"))
        results.close()
        conn.rollback()  # read-only: nothing to keep; ends the snapshot promptly
        return _model(conn, name, namespaces, builder, sequences=rows["sequences"], enums=enums,
                      extensions=extensions, last_values=last_values, security=security, skipped=skipped)
    finally:
        results.close()
        if gc_was_enabled:
            gc.enable()


def _skip_notes(skipped: list[Row]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The qualified names of the skipped relations, and one note per session whose locks made them
    skipped (a LOCK TABLE on a partitioned table locks every partition: one note, not one each)."""
    names: list[str] = []
    by_session: dict[tuple[int, bool], tuple[dict[str, None], dict[str, None]]] = {}
    for _oid, schema, relname, cause_schema, cause_name, pid, granted in skipped:
        qualified = f"{schema}.{relname}"
        names.append(qualified)
        locked, also = by_session.setdefault((pid, granted), ({}, {}))
        locked[f"{cause_schema}.{cause_name}"] = None
        also[qualified] = None
    notes = []
    for (pid, granted), (locked, also) in by_session.items():
        how = "holds" if granted else "is waiting for"
        others = [name for name in also if name not in locked]
        more = (f"; also skipped, as they read it or share its partition tree: {_first_names(others)}"
                if others else "")
        notes.append(f"{_first_names(list(locked))} skipped: another session (pid {pid}) {how} an ACCESS "
                     f"EXCLUSIVE lock (DDL in progress?) and reading the definition would wait for it{more}; "
                     "audit again when the DDL has finished")
    return tuple(sorted(names)), tuple(notes)


def _first_names(names: list[str], limit: int = 10) -> str:
    shown = ", ".join(sorted(names)[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _export_snapshot(conn: psycopg.Connection[Any]) -> str | None:
    """The snapshot id for a helper connection, or None where the server cannot export one."""
    import psycopg  # noqa: PLC0415

    try:
        exported = conn.execute(catalog.EXPORT_SNAPSHOT).fetchone()
    except psycopg.Error:
        conn.rollback()  # nothing was read yet; the next statement starts a fresh transaction
        return None
    return str(exported[0]) if exported else None


class _Plan:
    """What a read runs: the two lanes of single queries, the paged queries, and their parameters."""

    def __init__(self, lane1: dict[str, str], lane2: dict[str, str], paged: dict[str, str],
                 params: dict[str, Any]) -> None:
        self.lane1 = lane1
        self.lane2 = lane2
        self.paged = paged
        self.params = params


class _Prefetch:
    """Runs the queries on worker threads while the caller builds the model from earlier results.

    The server computes the next query while Python turns the rows of the previous one into model
    objects (the driver waits for the network without holding the GIL). Lane 2 runs on a second
    connection that imports lane 1's snapshot when a helper factory is given, else after lane 1 on
    the same connection. The paged queries run last on lane 2's connection, each page in its own
    transaction (importing the snapshot again when there is one).
    """

    def __init__(
        self, conn: psycopg.Connection[Any], plan: _Plan, *,
        helper: Callable[[], psycopg.Connection[Any]] | None, snapshot: str | None,
    ) -> None:
        self._queue: queue.Queue[tuple[str, list[Row] | BaseException]] = queue.Queue()
        self._ready: dict[str, list[Row]] = {}
        self._stop = threading.Event()
        self._helper_done = threading.Event()
        self._helper_failed = helper is None
        self._conns: list[psycopg.Connection[Any]] = [conn]
        self._threads = [threading.Thread(target=self._lane1, args=(conn, plan), daemon=True,
                                          name="dbaudit-catalog-1")]
        if helper is not None:
            self._threads.append(threading.Thread(target=self._lane2, args=(helper, snapshot, plan),
                                                  daemon=True, name="dbaudit-catalog-2"))
        else:
            self._helper_done.set()
        for thread in self._threads:
            thread.start()

    def _run(self, conn: psycopg.Connection[Any], plan: dict[str, str], params: dict[str, Any]) -> None:
        cur = conn.cursor()
        for key, query in plan.items():
            if self._stop.is_set():
                return
            self._queue.put((key, cur.execute(query, params).fetchall()))

    def _run_paged(self, conn: psycopg.Connection[Any], plan: _Plan, snapshot: str | None) -> None:
        """Each query in transactions of its own, a page of VIEWS_PAGE rows (ordered by oid) at a time
        when it is paged: the locks its functions keep end with each statement, not with the read."""
        from psycopg import sql  # noqa: PLC0415

        for key, query in plan.paged.items():
            rows: list[Row] = []
            after = 0
            while not self._stop.is_set():
                try:
                    if snapshot is not None:
                        conn.execute(sql.SQL(catalog.IMPORT_SNAPSHOT).format(sql.Literal(snapshot)))
                    page = conn.execute(query, {**plan.params, "after": after, "page": VIEWS_PAGE}).fetchall()
                finally:
                    conn.rollback()
                rows.extend(page)
                if "%(page)s" not in query or len(page) < VIEWS_PAGE:
                    break
                after = page[-1][0]
            self._queue.put((key, rows))

    def _lane1(self, conn: psycopg.Connection[Any], plan: _Plan) -> None:
        try:
            self._run(conn, plan.lane1, plan.params)
            self._helper_done.wait()
            if self._helper_failed:
                self._run(conn, plan.lane2, plan.params)
                conn.rollback()  # no helper: the paged queries get fresh snapshots of their own
                self._run_paged(conn, plan, None)
        except BaseException as exc:  # handed to the caller's thread and raised there
            self._queue.put(("", exc))

    def _lane2(self, helper: Callable[[], psycopg.Connection[Any]], snapshot: str, plan: _Plan) -> None:
        from psycopg import sql  # noqa: PLC0415

        conn = None
        try:
            conn = helper()
            conn.execute(sql.SQL(catalog.IMPORT_SNAPSHOT).format(sql.Literal(snapshot)))
        except Exception:  # no second connection: lane 1 runs these queries itself
            if conn is not None:
                conn.close()
            self._helper_failed = True
            self._helper_done.set()
            return
        self._conns.append(conn)
        self._helper_done.set()
        try:
            self._run(conn, plan.lane2, plan.params)
            conn.rollback()
            self._run_paged(conn, plan, snapshot)
        except BaseException as exc:  # handed to the caller's thread and raised there
            self._queue.put(("", exc))
        finally:
            with contextlib.suppress(Exception):
                conn.rollback()

    def get(self, key: str) -> list[Row]:
        while key not in self._ready:
            got, rows = self._queue.get()
            if isinstance(rows, BaseException):
                raise rows
            self._ready[got] = rows
        return self._ready.pop(key)

    def close(self) -> None:
        """Wait for the workers; when stopping early (error, interrupt) cancel their queries first."""
        self._stop.set()
        if any(thread.is_alive() for thread in self._threads):
            for conn in self._conns:
                with contextlib.suppress(Exception):
                    conn.cancel_safe(timeout=5)
        for thread in self._threads:
            thread.join()
        for conn in self._conns[1:]:
            conn.close()
        del self._conns[1:]


def _model(
    conn: psycopg.Connection[Any], name: str, namespaces: list[Row], builder: _Builder, *,
    sequences: list[Row], enums: list[Row], extensions: list[Row], last_values: dict[int, int | None],
    security: _Security, skipped: list[Row],
) -> SchemaModel:
    ns_names = builder.ns_names
    grants = security.grants()
    builder.grants = grants
    capabilities = tuple(c for c in POSTGRES_CAPABILITIES
                         if c != "role_passwords" or security.md5_roles is not None)
    skipped_names, notes = _skip_notes(skipped)
    return SchemaModel(
        source=SourceInfo(
            kind="postgresql", name=name, dialect="postgresql",
            server_version=conn.info.parameter_status("server_version"),
            capabilities=capabilities, skipped=skipped_names, notes=notes,
            statistics_since=namespaces[0][3] if namespaces else None,
            read_at=namespaces[0][4] if namespaces else None,
        ),
        schemas=tuple(sorted(ns_names.values())),
        tables=builder.tables(),
        sequences=builder.sequences(sequences, last_values),
        functions=security.functions(ns_names, grants),
        schema_privileges=tuple(sorted(
            (SchemaPrivileges(name=row[1], owner=row[5], acl=grants.get(("n", row[0]), ()))
             for row in namespaces), key=lambda p: p.name,
        )),
        roles=security.roles(),
        session=security.session_facts(),
        enums=tuple(sorted(
            (EnumType(ns_names[nsoid], typname, tuple(labels)) for nsoid, typname, labels in enums),
            key=lambda e: (e.schema, e.name),
        )),
        extensions=tuple(sorted((Extension(*row) for row in extensions), key=lambda e: e.name)),
        schema_comments=tuple(sorted((row[1], row[2]) for row in namespaces if row[2])),
    )


_POLICY_COMMANDS = {"r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE", "*": "ALL"}
_TRUE_OPTIONS = frozenset({"true", "on", "yes", "1", "t", "y"})


def _option_true(options: Sequence[str] | None, name: str) -> bool:
    """Whether ``reloptions`` (``{security_invoker=true}``) sets ``name`` to a true value."""
    for item in options or ():
        key, _, value = item.partition("=")
        if key == name:
            return value.lower() in _TRUE_OPTIONS
    return False


class _Security:
    """Roles, grants, functions and the reading session, assembled from their catalog rows."""

    def __init__(self, *, session: Row | None, roles: list[Row], functions: list[Row], privileges: list[Row],
                 md5_roles: list[Row] | None) -> None:
        self.session = session
        self.role_rows = roles
        self.function_rows = functions
        self.privilege_rows = privileges
        self.md5_roles = tuple(row[0] for row in md5_roles) if md5_roles is not None else None

    def grants(self) -> dict[tuple[str, int], tuple[Grant, ...]]:
        """(kind, oid) -> grants to roles other than the owner, by grantee name."""
        out: dict[tuple[str, int], list[Grant]] = {}
        for kind, oid, grantee, privileges, grantable in self.privilege_rows:
            out.setdefault((kind, oid), []).append(Grant(grantee, tuple(sorted(privileges)), bool(grantable)))
        return {key: tuple(sorted(value, key=lambda g: g.grantee)) for key, value in out.items()}

    def functions(
        self, ns_names: dict[int, str], grants: dict[tuple[str, int], tuple[Grant, ...]],
    ) -> tuple[Function, ...]:
        out = [
            Function(
                schema=ns_names[nsoid], name=name, arguments=arguments or "",
                kind="procedure" if kind == "p" else "function", language=language, security_definer=definer,
                config=tuple(config or ()), owner=owner, acl=grants.get(("f", oid), ()),
            )
            for oid, nsoid, name, arguments, kind, language, definer, config, owner in self.function_rows
        ]
        out.sort(key=lambda f: (f.schema, f.name, f.arguments))
        return tuple(out)

    def roles(self) -> tuple[Role, ...]:
        return tuple(sorted(
            (Role(name, bool(superuser), bool(bypass), bool(login), tuple(member_of or ()))
             for name, superuser, bypass, login, member_of in self.role_rows),
            key=lambda r: r.name,
        ))

    def session_facts(self) -> SessionFacts | None:
        if self.session is None:
            return None
        role, superuser, encryption, _visible = self.session
        return SessionFacts(role=role, superuser=bool(superuser), password_encryption=encryption,
                            md5_roles=self.md5_roles)


def _strip_parens(text: str) -> str:
    """``(a > 0)`` -> ``a > 0``, only when the outer parentheses enclose the whole text."""
    if not (text.startswith("(") and text.endswith(")")):
        return text
    inner = text[1:-1]
    if "(" not in inner and ")" not in inner:
        return inner
    depth = 0
    quote = ""
    last = len(text) - 1
    for match in _PAREN_OR_QUOTE.finditer(text):  # scans in C; only parentheses and quotes matter
        char = match.group()
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        else:
            depth -= 1
            if depth == 0 and match.start() != last:
                return text
    return inner


def _type_modifiers(base: str, typmod: int) -> tuple[int | None, int | None, int | None]:
    """(length, precision, scale) decoded from a typmod, as format_type reads it."""
    if typmod < 0:
        return None, None, None
    if base in ("varchar", "bpchar"):
        return typmod - 4, None, None
    if base in ("bit", "varbit"):
        return typmod, None, None
    if base == "numeric":
        packed = typmod - 4
        return None, (packed >> 16) & 0xFFFF, ((packed & 0x7FF) ^ 1024) - 1024
    if base in ("timestamp", "timestamptz", "time", "timetz"):
        return None, typmod, None
    if base == "interval":
        precision = typmod & 0xFFFF
        return None, (None if precision == 0xFFFF else precision), None
    return None, None, None


class _Rel:
    """What is known about one relation while the model is assembled."""

    __slots__ = (
        "attnames", "checks", "collations", "column_stats", "columns", "exclusions", "fks", "index_bytes",
        "index_scans", "indexes", "kind", "name", "pk", "policies", "row", "schema", "triggers", "uniques",
        "view_sources", "viewdef",
    )

    def __init__(self, schema: str, name: str, kind: str, row: Row) -> None:
        self.schema = schema
        self.name = name
        self.kind = kind
        self.row = row
        self.columns: list[Column] = []
        self.attnames: dict[int, str] = {}
        self.collations: dict[int, int] = {}
        self.pk: PrimaryKey | None = None
        self.fks: list[ForeignKey] = []
        self.uniques: list[UniqueConstraint] = []
        self.checks: list[CheckConstraint] = []
        self.exclusions: list[ExclusionConstraint] = []
        self.indexes: list[Index] = []
        self.triggers: list[Trigger] = []
        self.index_bytes: int | None = None
        self.index_scans: int | None = None
        self.column_stats: list[ColumnStats] = []
        self.policies: list[Policy] = []
        self.view_sources: list[str] = []
        self.viewdef: str | None = None


class _Builder:
    def __init__(self, ns_names: dict[int, str], lookups: list[Row], types: list[Row], sizes: list[Row]) -> None:
        self.ns_names = ns_names
        self.rels: dict[int, _Rel] = {}
        self.opclasses: dict[int, str] = {}
        self.collations: dict[int, str] = {}
        for kind, oid, nspname, objname in lookups:
            label = objname if nspname == "pg_catalog" else f"{nspname}.{objname}"
            (self.opclasses if kind == "opclass" else self.collations)[oid] = label
        self.types = {row[0]: row for row in types}
        self.type_collation = {row[0]: row[4] for row in types}
        self.column_types: dict[tuple[int, int, int, str], ColumnType] = {}
        # oid -> (table size or an index's main fork, all forks of an index)
        self.sizes: dict[int, tuple[int | None, int | None]] = {
            oid: (main, forks) for oid, _kind, main, forks in sizes
        }
        self.grants: dict[tuple[str, int], tuple[Grant, ...]] = {}

    # -- relations and columns -------------------------------------------------------------

    def add_relations(self, rows: Iterable[Row]) -> None:
        ns_names = self.ns_names
        for row in rows:
            self.rels[row[0]] = _Rel(ns_names[row[1]], row[2], row[3], row)

    def add_views(self, rows: Iterable[Row]) -> None:
        for oid, definition in rows:
            rel = self.rels.get(oid)
            if rel is not None:
                rel.viewdef = definition

    def column_type(self, sql: str, typid: int, typmod: int, ndims: int) -> ColumnType:
        key = (typid, typmod, ndims, sql)
        found = self.column_types.get(key)
        if found is not None:
            return found
        info = self.types.get(typid)
        if info is None:  # cannot happen for a consistent snapshot; keep the printed type
            found = ColumnType(sql=sql, name=sql)
        else:
            _oid, nsp, typname, typtype, _coll, is_array, ensp, ename, etype = info
            if is_array:
                nsp, typname, typtype = ensp, ename, etype
            base = typname if nsp == "pg_catalog" else f"{nsp}.{typname}"
            length, precision, scale = _type_modifiers(typname if nsp == "pg_catalog" else "", typmod)
            found = ColumnType(
                sql=sql, name=base, length=length, precision=precision, scale=scale,
                array_dims=max(ndims, 1) if is_array else 0, is_enum=typtype == "e",
            )
        self.column_types[key] = found
        return found

    def add_columns(self, rows: Iterable[Row], sequences: Iterable[Row]) -> None:
        serials = {
            (row[9], row[10]): f"{self.ns_names.get(row[1], '?')}.{row[2]}" for row in sequences if row[9]
        }
        rels = self.rels
        collations = self.collations
        column_type = self.column_type
        type_collation = self.type_collation
        interned: dict[tuple[Any, ...], Column] = {}  # equal columns (id, created_at…) share one object
        for (relid, attnum, attname, sql, typid, typmod, ndims, notnull, identity, generated, default,
             collation, comment) in rows:
            rel = rels.get(relid)
            if rel is None:
                continue
            rel.attnames[attnum] = attname
            rel.collations[attnum] = collation or type_collation.get(typid, 0)
            ctype = column_type(sql, typid, typmod, ndims)
            serial = serials.get((relid, attnum))
            key = (attname, id(ctype), notnull, identity, generated, default, collation, comment, attnum, serial)
            column = interned.get(key)
            if column is None:
                column = interned[key] = Column(
                    name=attname, type=ctype, nullable=not notnull,
                    default=None if generated else default, identity=_IDENTITY.get(identity),
                    generated=default if generated else None, serial_sequence=serial,
                    collation=collations.get(collation) if collation else None, comment=comment,
                    position=attnum,
                )
            rel.columns.append(column)

    # -- constraints, indexes, triggers --------------------------------------------------

    def add_constraints(self, rows: Iterable[Row]) -> None:
        rels = self.rels
        for (relid, conname, contype, conkey, rschema, rtable, refcols, upd, dele, match, deferrable,
             deferred, validated, expr, nnd) in rows:
            rel = rels.get(relid)
            if rel is None:
                continue
            names = rel.attnames
            cols = tuple(names.get(n, str(n)) for n in conkey) if conkey else ()
            if contype == "p":
                rel.pk = PrimaryKey(conname, cols)
            elif contype == "f":
                rel.fks.append(ForeignKey(
                    name=conname, columns=cols, ref_schema=rschema, ref_table=rtable,
                    ref_columns=tuple(refcols), on_delete=_ACTIONS[dele], on_update=_ACTIONS[upd],
                    deferrable=deferrable, initially_deferred=deferred, validated=validated,
                    match_full=match == "f",
                ))
            elif contype == "u":
                rel.uniques.append(UniqueConstraint(conname, cols, deferrable=deferrable, nulls_not_distinct=nnd))
            elif contype == "c":
                rel.checks.append(CheckConstraint(conname, _strip_parens(expr), cols, validated=validated))
            else:
                rel.exclusions.append(ExclusionConstraint(conname, expr))

    def add_indexes(self, rows: Iterable[Row]) -> None:
        from dbaudit.sqltext import ident as quote  # noqa: PLC0415

        quoted: dict[str, str] = {}

        def ident(name: str) -> str:
            text = quoted.get(name)
            if text is None:
                text = quoted[name] = quote(name)
            return text

        elements_seen: dict[tuple[Any, ...], IndexElement] = {}
        rels = self.rels
        sizes = self.sizes
        opclasses = self.opclasses
        collation_names = self.collations
        for (relid, name, unique, primary, method, nkey, indkey, indoption, indcoll, indclass, exprs, pred,
             valid, conname, nnd, scans, indexrelid, parent_index) in rows:
            rel = rels.get(relid)
            if rel is None:
                continue
            names = rel.attnames
            expr_iter = iter(exprs or ())
            elements = []
            for k in range(nkey):
                attnum = indkey[k]
                coll = indcoll[k]
                if attnum:
                    column, expression = names.get(attnum, str(attnum)), None
                    own_collation = rel.collations.get(attnum, 0)
                else:
                    column, expression = None, _strip_parens(next(expr_iter, "?"))
                    own_collation = _DEFAULT_COLLATION
                key = (column, expression, indoption[k], coll if coll != own_collation else 0, indclass[k])
                element = elements_seen.get(key)
                if element is None:
                    option = indoption[k]
                    element = elements_seen[key] = IndexElement(
                        column=column, expression=expression,
                        descending=bool(option & _IND_DESC), nulls_first=bool(option & _IND_NULLS_FIRST),
                        collation=collation_names.get(coll) if coll and coll != own_collation else None,
                        opclass=opclasses.get(indclass[k]),
                    )
                elements.append(element)
            include = tuple(names.get(n, str(n)) for n in indkey[nkey:])
            predicate = _strip_parens(pred) if pred else None
            main, forks = sizes.get(indexrelid, (None, None))
            if forks is not None:
                rel.index_bytes = (rel.index_bytes or 0) + forks
            if scans is not None:
                rel.index_scans = (rel.index_scans or 0) + scans
            definition = (
                f"CREATE {'UNIQUE ' if unique else ''}INDEX {ident(name)} ON "
                f"{'ONLY ' if rel.kind == 'p' else ''}{ident(rel.schema)}.{ident(rel.name)} USING {method} "
                f"({', '.join(_element_sql(e, ident) for e in elements)})"
                + (f" INCLUDE ({', '.join(ident(c) for c in include)})" if include else "")
                + (" NULLS NOT DISTINCT" if nnd else "")
                + (f" WHERE ({predicate})" if predicate else "")
            )
            rel.indexes.append(Index(
                name=name, elements=tuple(elements), unique=unique, primary=primary, method=method,
                predicate=predicate, include=include, valid=valid, constraint=conname,
                nulls_not_distinct=nnd, definition=definition, size_bytes=main, scans=scans,
                parent_index=parent_index,
            ))

    def add_triggers(self, rows: Iterable[Row]) -> None:
        rels = self.rels
        for relid, name, tgtype, enabled, fn_schema, fn_name, language, source, definition in rows:
            rel = rels.get(relid)
            if rel is None:
                continue
            events = tuple(event for bit, event in (
                (_TG_INSERT, "INSERT"), (_TG_DELETE, "DELETE"), (_TG_UPDATE, "UPDATE"), (_TG_TRUNCATE, "TRUNCATE"),
            ) if tgtype & bit)
            timing: Any = "INSTEAD OF" if tgtype & _TG_INSTEAD else "BEFORE" if tgtype & _TG_BEFORE else "AFTER"
            rel.triggers.append(Trigger(
                name=name, timing=timing, events=events, level="ROW" if tgtype & _TG_ROW else "STATEMENT",
                function=f"{fn_schema}.{fn_name}", function_language=language, function_source=source,
                enabled=enabled != "D", definition=definition,
            ))

    def add_column_stats(self, rows: Iterable[Row]) -> None:
        rels = self.rels
        for relid, column, null_frac, n_distinct, freqs in rows:
            rel = rels.get(relid)
            if rel is not None:
                rel.column_stats.append(ColumnStats(
                    column=column, null_frac=null_frac, n_distinct=n_distinct,
                    most_common_freqs=tuple(freqs) if freqs else (),
                ))

    def add_view_sources(self, rows: Iterable[Row]) -> None:
        rels = self.rels
        for view, schema, name in rows:
            rel = rels.get(view)
            if rel is not None:
                rel.view_sources.append(f"{schema}.{name}")

    def add_policies(self, rows: Iterable[Row]) -> None:
        rels = self.rels
        for relid, name, command, permissive, roles, using, with_check in rows:
            rel = rels.get(relid)
            if rel is not None:
                rel.policies.append(Policy(
                    name=name, command=_POLICY_COMMANDS.get(command, str(command)), permissive=permissive,
                    roles=tuple(roles), using=_strip_parens(using) if using else None,
                    with_check=_strip_parens(with_check) if with_check else None,
                ))

    # -- assembly --------------------------------------------------------------------------

    def tables(self) -> tuple[Table, ...]:
        progress.step("reading the tables", total=len(self.rels), unit="tables")
        out = []
        for rel in self.rels.values():
            out.append(self._table(rel))
            progress.advance()
        out.sort(key=lambda t: (t.schema, t.name))
        return tuple(out)

    def _table(self, rel: _Rel) -> Table:
        (oid, _ns, _name, relkind, is_partition, comment, _viewdef, bound, parent_schema, parent_name,
         strategy, keydef, partattrs) = rel.row[:13]
        owner, rls_enabled, rls_forced, options = rel.row[23:27]
        viewdef = rel.viewdef
        partitioning = None
        if strategy is not None:
            key = keydef.split(" ", 1)[1] if keydef else ""
            names = rel.attnames
            partitioning = Partitioning(
                strategy=_STRATEGIES[strategy], key=_strip_parens(key),
                columns=tuple(names.get(n, str(n)) for n in partattrs or () if n),
            )
        kind = TableKind.PARTITION if relkind == "r" and is_partition else _KINDS[relkind]
        by_name = _by_name
        return Table(
            schema=rel.schema, name=rel.name, kind=kind, columns=tuple(rel.columns), primary_key=rel.pk,
            foreign_keys=tuple(sorted(rel.fks, key=by_name)),
            uniques=tuple(sorted(rel.uniques, key=by_name)),
            checks=tuple(sorted(rel.checks, key=by_name)),
            exclusions=tuple(sorted(rel.exclusions, key=by_name)),
            indexes=tuple(sorted(rel.indexes, key=by_name)),
            triggers=tuple(sorted(rel.triggers, key=by_name)),
            comment=comment, partitioning=partitioning,
            partition_of=f"{parent_schema}.{parent_name}" if is_partition and parent_name else None,
            partition_bound=bound,
            view_definition=viewdef.strip() if viewdef is not None else None,
            stats=self._stats(rel) if relkind in _STATS_KINDS else None,
            rls_enabled=rls_enabled, rls_forced=rls_forced,
            policies=tuple(sorted(rel.policies, key=by_name)),
            security_invoker=_option_true(options, "security_invoker"),
            view_sources=tuple(sorted(rel.view_sources)),
            owner=owner, acl=self.grants.get(("r", oid), ()),
        )

    def _stats(self, rel: _Rel) -> TableStats:
        (reltuples, seq_scan, live, dead, last_analyze, last_autoanalyze, inserted, updated, deleted,
         hot_updated) = rel.row[13:23]
        table_bytes = self.sizes.get(rel.row[0], (None, None))[0]
        index_bytes = rel.index_bytes
        if index_bytes is None and table_bytes is not None and not rel.indexes:
            index_bytes = 0
        return TableStats(
            rows_estimate=None if reltuples is None or reltuples < 0 else int(reltuples),
            total_bytes=None if table_bytes is None or index_bytes is None else table_bytes + index_bytes,
            table_bytes=table_bytes, index_bytes=index_bytes,
            seq_scan=seq_scan, idx_scan=rel.index_scans, n_live_tup=live, n_dead_tup=dead,
            last_analyze=last_analyze, last_autoanalyze=last_autoanalyze,
            n_tup_ins=inserted, n_tup_upd=updated, n_tup_del=deleted, n_tup_hot_upd=hot_updated,
            columns=tuple(sorted(rel.column_stats, key=lambda c: c.column)),
        )

    def sequences(self, rows: Iterable[Row], last_values: dict[int, int | None]) -> tuple[SequenceModel, ...]:
        out = []
        for (oid, nsoid, name, data_type, start, increment, min_value, max_value, cycle, _owner, _attnum,
             owner_schema, owner_table, owner_column, role) in rows:
            out.append(SequenceModel(
                schema=self.ns_names[nsoid], name=name, data_type=data_type, start=start, increment=increment,
                min_value=min_value, max_value=max_value, cycle=cycle,
                last_value=last_values.get(oid),
                owned_by_table=f"{owner_schema}.{owner_table}" if owner_table else None,
                owned_by_column=owner_column, owner=role, acl=self.grants.get(("r", oid), ()),
            ))
        out.sort(key=lambda s: (s.schema, s.name))
        return tuple(out)


def _by_name(obj: Any) -> str:
    return str(obj.name)


def _element_sql(element: IndexElement, ident: Any) -> str:
    text = ident(element.column) if element.column is not None else f"({element.expression})"
    if element.collation:
        text += " COLLATE " + ".".join(ident(part) for part in element.collation.split(".", 1))
    if element.opclass:
        text += " " + ".".join(ident(part) for part in element.opclass.split(".", 1))
    if element.descending:
        text += " DESC"
        if not element.nulls_first:
            text += " NULLS LAST"
    elif element.nulls_first:
        text += " NULLS FIRST"
    return text
