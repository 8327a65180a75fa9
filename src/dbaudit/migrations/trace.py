"""Lock tracing: run every revision on a throw-away database and record what each statement locks.

Revisions are applied in order on a scratch database (``dbaudit.scratch``). Before each traced
revision the tables that exist and are still empty get sample rows (generic values per column type,
or a user ``fill(url, revision)`` hook), so rewrites and scans have something to do. Each statement
then runs in its own transaction; before COMMIT the same connection reads ``pg_locks`` for its own
backend and ``pg_class.relfilenode`` (a new relfilenode = the table was rewritten). Statements that
cannot run in a transaction (CONCURRENTLY) run in autocommit and report the documented lock instead.
"""

from __future__ import annotations

import dataclasses
import graphlib
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import psycopg

from dbaudit import progress
from dbaudit.errors import ScratchError
from dbaudit.findings import Finding, Note, Severity
from dbaudit.messages import msg
from dbaudit.migrations.parse.statements import Statement
from dbaudit.migrations.source import MigrationSet, Revision
from dbaudit.migrations.sqlfacts import BLOCKS, LOCK_MODES, needs_autocommit, statement_lock, target_table
from dbaudit.model.schema import Location
from dbaudit.redact import redact_text
from dbaudit.scratch import scratch_server
from dbaudit.sqltext import ident, literal, qualified

_RELATIONS = """
SELECT c.oid, n.nspname || '.' || c.relname, c.relfilenode, c.relkind
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'm', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
"""
_OWN_LOCKS = """
SELECT relation, mode FROM pg_locks
WHERE pid = pg_backend_pid() AND locktype = 'relation' AND granted
"""
_COLUMNS = """
SELECT c.oid, n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), t.typtype,
       t.typcategory, t.typname, a.attnotnull, a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '',
       a.atttypmod, a.atttypid,
       (SELECT pg_get_constraintdef(k.oid) FROM pg_constraint k
         WHERE k.conrelid = c.oid AND k.contype = 'c' AND k.conkey = ARRAY[a.attnum] LIMIT 1)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_type t ON t.oid = a.atttypid
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
ORDER BY c.oid, a.attnum
"""
# CHECK (status IN ('a', 'b')) as pg_get_constraintdef prints it: the first allowed value is used.
_CHECK_VALUE = re.compile(r"= ANY \(+ARRAY\[\s*\(*'((?:[^']|'')*)'")
# Direct partitions of a partitioned table with their bound, and the parent's single key column.
_PARTITIONS = """
SELECT n.nspname, c.relname, pg_get_expr(c.relpartbound, c.oid), a.attname
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_partitioned_table p ON p.partrelid = i.inhparent
JOIN pg_attribute a ON a.attrelid = i.inhparent AND a.attnum = p.partattrs[0]
WHERE i.inhparent = %s AND c.relkind = 'r' AND p.partnatts = 1
ORDER BY c.relname
"""
# The first value a partition accepts: FROM ('2025-06-01') / IN ('a', ...) as pg_get_expr prints them.
_BOUND_VALUE = re.compile(r"(?:FROM|IN) \(('(?:[^']|'')*'|-?[\d.]+)")
_FOREIGN_KEYS = "SELECT conrelid, confrelid FROM pg_constraint WHERE contype = 'f' AND conrelid <> confrelid"


@dataclass(frozen=True, slots=True)
class LockHeld:
    table: str
    mode: str
    preexisting: bool  # the table existed before the revision started


@dataclass(frozen=True, slots=True)
class TraceEntry:
    """What one statement did on the scratch database."""

    revision: str
    path: str
    line: int
    statement: str
    locks: tuple[LockHeld, ...]
    rewritten: tuple[str, ...]
    duration_ms: float
    observed: bool = True  # False: run outside a transaction; the lock is the documented one
    error: str | None = None
    scanned: tuple[str, ...] = ()  # tables whose heap the statement read (measured by trace_script only)

    @property
    def strongest(self) -> str | None:
        modes = [lock.mode for lock in self.locks if lock.preexisting]
        return max(modes, key=LOCK_MODES.index) if modes else None

    @property
    def blocks(self) -> str:
        mode = self.strongest
        return BLOCKS.get(mode, mode) if mode else msg("nothing (no lock on an existing table)")

    def to_json(self) -> dict[str, Any]:
        return {
            "revision": self.revision, "path": self.path, "line": self.line, "statement": self.statement,
            "locks": [{"table": lk.table, "mode": lk.mode, "preexisting": lk.preexisting} for lk in self.locks],
            "rewritten": list(self.rewritten), "duration_ms": round(self.duration_ms, 3),
            "observed": self.observed, "blocks": self.blocks, "error": self.error, "scanned": list(self.scanned),
        }


Relations = dict[int, tuple[str, int, str]]


def trace_migrations(
    migrations: MigrationSet, selected: set[str], *, scratch_url: str | None = None, rows: int = 1000,
    fill: Callable[[str, str], None] | None = None,
) -> tuple[tuple[TraceEntry, ...], list[Note], list[Finding]]:
    """Apply every revision on a scratch database, tracing the ``selected`` ones."""
    entries: list[TraceEntry] = []
    notes: list[Note] = []
    server = scratch_server(scratch_url)
    with server.database() as url:
        try:
            conn = psycopg.connect(url, autocommit=True, application_name="dbaudit-trace")
        except psycopg.Error as exc:
            raise ScratchError(f"scratch database: {exc}") from None
        with conn:
            progress.step("tracing the revisions", total=len(selected), unit="revisions")
            for rev in migrations.revisions:
                traced = rev.id in selected
                if traced:
                    progress.advance()
                    if fill is not None:
                        fill(url, rev.id)
                    elif rows > 0:
                        notes.extend(n for n in fill_sample_rows(conn, rows) if n not in notes)
                start = _relations(conn)
                for st in rev.statements:
                    entry = _run(conn, rev, st, start)
                    if entry.error and not any(n.message.startswith(f"{rev.path}:{st.line}") for n in notes):
                        notes.append(Note(msg("{path}:{line}: statement failed on the scratch database: {error}",
                                              path=rev.path, line=st.line, error=entry.error)))
                    if traced:
                        entries.append(entry)
    findings = [f for e in entries if (f := access_exclusive_finding(e, rows)) is not None]
    return tuple(entries), notes, findings


def _relations(conn: psycopg.Connection[Any]) -> Relations:
    return {int(oid): (name, int(node), kind) for oid, name, node, kind in conn.execute(_RELATIONS)}


def _run(conn: psycopg.Connection[Any], rev: Revision, st: Statement, start: Relations, *,
         measure_scans: bool = False) -> TraceEntry:
    before = _relations(conn)
    sql = st.sql.rstrip().rstrip(";")
    error: str | None = None
    held: list[tuple[int, str]] = []
    after: Relations = before
    started = time.perf_counter()
    duration = 0.0
    scanned: tuple[str, ...] = ()
    try:
        if needs_autocommit(st.node):
            conn.execute(sql.encode())
            duration = time.perf_counter() - started
            after = _relations(conn)
        else:
            with conn.transaction():
                blocks = _blocks_read(conn) if measure_scans else {}
                started = time.perf_counter()
                conn.execute(sql.encode())
                duration = time.perf_counter() - started
                held = [(int(oid), str(mode)) for oid, mode in conn.execute(_OWN_LOCKS) if oid is not None]
                after = _relations(conn)
                if measure_scans:
                    grown = _blocks_read(conn)
                    scanned = tuple(sorted(after[oid][0] for oid, n in grown.items()
                                           if n > blocks.get(oid, 0) and oid in after))
    except psycopg.Error as exc:
        error = redact_text(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
    locks = _locks(held, before, after, start) if not needs_autocommit(st.node) else _documented_lock(st, start)
    rewritten = tuple(sorted(
        before[oid][0] for oid in before
        if oid in after and before[oid][2] != "p" and after[oid][1] != before[oid][1]
    ))
    return TraceEntry(rev.id, rev.path, st.line, " ".join(sql.split()), locks, rewritten, duration * 1000,
                      observed=not needs_autocommit(st.node), error=error, scanned=scanned)


# Heap blocks each table has read in this backend, not yet flushed to the shared statistics: the
# difference across one statement (in its own transaction) is what that statement read.
_BLOCKS_READ = """
SELECT c.oid, pg_catalog.pg_stat_get_xact_blocks_fetched(c.oid)
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg_toast%'
"""


def _blocks_read(conn: psycopg.Connection[Any]) -> dict[int, int]:
    return {int(oid): int(n) for oid, n in conn.execute(_BLOCKS_READ)}


def trace_script(url: str, statements: Iterable[str], *, label: str = "script") -> tuple[TraceEntry, ...]:
    """Run ``statements`` in order on an existing database and trace each one.

    Each statement runs in its own transaction (``CONCURRENTLY`` ones outside any), as ``psql`` runs a
    script. Besides the locks held on tables that existed before the script and the tables
    rewritten, each entry lists the tables whose heap the statement read (``scanned``): a statement
    holding ACCESS EXCLUSIVE on a table with rows should neither rewrite nor scan it.
    """
    import pglast  # noqa: PLC0415

    rev = Revision(label, label, (), (), "sql")
    entries: list[TraceEntry] = []
    try:
        conn = psycopg.connect(url, autocommit=True, application_name="dbaudit-trace")
    except psycopg.Error as exc:
        raise ScratchError(f"trace: {redact_text(str(exc).strip())}") from None
    with conn:
        start = _relations(conn)
        for n, sql in enumerate(statements, 1):
            node = pglast.parse_sql(sql)[0].stmt
            entries.append(_run(conn, rev, Statement(sql, node, n), start, measure_scans=True))
    return tuple(entries)


def _locks(held: list[tuple[int, str]], before: Relations, after: Relations, start: Relations) -> tuple[LockHeld, ...]:
    strongest: dict[str, tuple[str, bool]] = {}
    for oid, mode in held:
        rel = before.get(oid) or after.get(oid)
        if rel is None:
            continue
        name = rel[0]
        current = strongest.get(name)
        if current is None or LOCK_MODES.index(mode) > LOCK_MODES.index(current[0]):
            strongest[name] = (mode, oid in start)
    return tuple(LockHeld(name, mode, pre) for name, (mode, pre) in sorted(strongest.items()))


def _documented_lock(st: Statement, start: Relations) -> tuple[LockHeld, ...]:
    table, mode = target_table(st.node), statement_lock(st.node)
    if table is None or mode is None:
        return ()
    names = {rel[0] for rel in start.values()}
    return (LockHeld(table, mode, table in names),)


def access_exclusive_finding(entry: TraceEntry, rows: int) -> Finding | None:
    from dbaudit.migrations.rules.locks import access_exclusive_lock  # noqa: PLC0415

    tables = sorted(lk.table for lk in entry.locks if lk.preexisting and lk.mode == "AccessExclusiveLock")
    if not tables or entry.error:
        return None
    rewritten = [t for t in entry.rewritten if t in tables] or list(entry.rewritten)
    return access_exclusive_lock.finding(
        objects=tables,
        title=msg("AccessExclusiveLock on {tables}{more}{rewrite}",
                  tables=tables[0], more=msg(" and {n} more", n=len(tables) - 1) if len(tables) > 1 else "",
                  rewrite=msg(" with a table rewrite") if rewritten else ""),
        evidence=[
            msg("{path}:{line} ({revision}): {statement}",
                path=entry.path, line=entry.line, revision=entry.revision, statement=entry.statement[:300]),
            msg("traced: {describe_locks}; rewrite: {rewrite_text}; {duration_ms:.1f} ms with up to {rows} sample "
                "rows per table",
                describe_locks=describe_locks(entry.locks), rewrite_text=_rewrite_text(tuple(rewritten)),
                duration_ms=entry.duration_ms, rows=rows),
            msg("blocks: {blocks}", blocks=BLOCKS['AccessExclusiveLock']),
        ],
        impact=(msg("Every query on the table, reads included, waits for the statement, which rewrites the table: "
                    "time grows with its size.") if rewritten
                else msg("Every query on the table, reads included, waits for the statement.")),
        root_cause=msg("The statement needs ACCESS EXCLUSIVE on an existing table."),
        severity=Severity.P1 if rewritten else Severity.P2,
        locations=[Location(entry.path, entry.line)],
        data={"rewritten": rewritten, "duration_ms": round(entry.duration_ms, 3)},
    )


def refute_assumed_rewrites(findings: Iterable[Finding], entries: tuple[TraceEntry, ...],
                            ) -> tuple[list[Finding], list[Note]]:
    """``add-column-rewrite`` findings that only *assumed* a function volatile, and that the trace saw
    run without rewriting the table (the function is not volatile on the traced database): dropped,
    with a note."""
    kept: list[Finding] = []
    notes: list[Note] = []
    for f in findings:
        if f.rule == "add-column-rewrite" and any("assumed volatile" in e for e in f.evidence):
            table, _, column = f.objects[0].rpartition(".")
            seen = [e for loc in f.locations for e in entries
                    if (e.path, e.line) == (loc.path, loc.line) and "ADD COLUMN" in e.statement.upper()
                    and column in e.statement]
            if seen and all(e.observed and e.error is None and table not in e.rewritten for e in seen):
                notes.append(Note(msg("{path}:{line}: trace: adding {objects} did not rewrite the table (the "
                                      "default's function is not volatile on the traced database): "
                                      "add-column-rewrite withdrawn",
                                      path=f.locations[0].path, line=f.locations[0].line, objects=f.objects[0]),
                                  rule="add-column-rewrite"))
                continue
        kept.append(f)
    return kept, notes


def confirm_findings(findings: Iterable[Finding], entries: tuple[TraceEntry, ...]) -> list[Finding]:
    """Static findings get the trace's evidence for the statement at their location."""
    by_location: dict[tuple[str, int], list[TraceEntry]] = {}
    for e in entries:
        by_location.setdefault((e.path, e.line), []).append(e)
    out: list[Finding] = []
    for f in findings:
        matches = [e for loc in f.locations for e in by_location.get((loc.path, loc.line), [])]
        tables = {".".join(o.split(".")[:2]) for o in f.objects}
        related = [e for e in matches if tables & {lk.table for lk in e.locks}] or matches
        extra = [_trace_line(e) for e in related[:3]]
        out.append(dataclasses.replace(f, evidence=f.evidence + tuple(extra)) if extra else f)
    return out


def uncovered(trace_findings: Iterable[Finding], static: Iterable[Finding]) -> list[Finding]:
    """Trace findings on statements no static finding reports already (those carry the trace as evidence)."""
    covered = {(loc.path, loc.line, ".".join(obj.split(".")[:2]))
               for f in static for loc in f.locations for obj in f.objects}
    return [f for f in trace_findings
            if not any((loc.path, loc.line, obj) in covered for loc in f.locations for obj in f.objects)]


def _trace_line(e: TraceEntry) -> str:
    if e.error:
        return msg("trace: statement failed on the scratch database: {error}", error=e.error)
    locks = describe_locks(e.locks) or msg("no lock on existing tables")
    rewrite = _rewrite_text(e.rewritten)
    return msg("trace: {locks}; rewrite: {rewrite}; {duration_ms:.1f} ms{value}",
               locks=locks, rewrite=rewrite, duration_ms=e.duration_ms,
               value="" if e.observed else msg(" (documented lock)"))


def _rewrite_text(rewritten: tuple[str, ...]) -> str:
    if not rewritten:
        return "no"
    more = ", ..." if len(rewritten) > 3 else ""
    return f"yes ({len(rewritten)} table(s): {', '.join(rewritten[:3])}{more})"


def describe_locks(locks: Iterable[LockHeld], *, limit: int = 3) -> str:
    """``AccessExclusiveLock on a; ShareLock on 19 tables (b, c, d, ...)``, strongest mode first."""
    by_mode: dict[str, list[str]] = {}
    for lk in locks:
        if lk.preexisting:
            by_mode.setdefault(lk.mode, []).append(lk.table)
    parts = []
    for mode in sorted(by_mode, key=LOCK_MODES.index, reverse=True):
        tables = by_mode[mode]
        shown = ", ".join(tables[:limit]) + (", ..." if len(tables) > limit else "")
        parts.append(f"{mode} on {shown}" if len(tables) == 1 else f"{mode} on {len(tables)} tables ({shown})")
    return "; ".join(parts)


def fill_sample_rows(conn: psycopg.Connection[Any], rows: int) -> list[Note]:
    """Insert ``rows`` generic rows into every empty table, parents before children."""
    columns: dict[int, list[tuple[Any, ...]]] = {}
    for row in conn.execute(_COLUMNS):
        columns.setdefault(int(row[0]), []).append(row)
    deps: dict[int, set[int]] = {oid: set() for oid in columns}
    for child, parent in conn.execute(_FOREIGN_KEYS):
        if child in deps and parent in deps:
            deps[child].add(parent)
    try:
        order = list(graphlib.TopologicalSorter(deps).static_order())
    except graphlib.CycleError:
        order = sorted(columns)
    notes: list[Note] = []
    for oid in order:
        cols = columns[oid]
        table = qualified(cols[0][1], cols[0][2])
        empty = conn.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {table})").fetchone()
        if not empty or not empty[0]:
            continue
        for target, per_table, key in _fill_targets(conn, oid, table, rows):
            error = _insert(conn, target, cols, per_table, required_only=False, fixed=key)
            if error is not None:
                error = _insert(conn, target, cols, per_table, required_only=True, fixed=key)
            if error is not None:
                notes.append(Note(msg("trace: could not fill {target} with sample rows: {error}",
                                      target=target, error=error)))
    return notes


def _fill_targets(conn: psycopg.Connection[Any], oid: int, table: str, rows: int,
                  ) -> list[tuple[str, int, dict[str, str]]]:
    """Where to insert: each range/list partition directly, its key set to the first value it accepts
    (so rows land whatever today's date), or the table itself."""
    parts = conn.execute(_PARTITIONS, (oid,)).fetchall()
    targets: list[tuple[str, int, dict[str, str]]] = []
    for schema, name, bound, key_column in parts:
        value = _BOUND_VALUE.search(bound or "")
        if value is not None:
            targets.append((qualified(schema, name), max(1, rows // len(parts)), {key_column: value.group(1)}))
    return targets or [(table, rows, {})]


def _insert(conn: psycopg.Connection[Any], table: str, cols: list[tuple[Any, ...]], rows: int, *,
            required_only: bool, fixed: dict[str, str]) -> str | None:
    names: list[str] = []
    values: list[str] = []
    for _, _, _, name, fmt, typtype, category, typname, notnull, has_default, typmod, typid, check in cols:
        if (has_default and name not in fixed) or (required_only and not notnull and name not in fixed):
            continue
        allowed = _CHECK_VALUE.search(check or "")
        expr: str | None
        if name in fixed:  # a partition key: a literal as pg_get_expr printed it
            expr = f"{fixed[name]}::{fmt}"
        elif allowed:
            expr = f"{literal(allowed.group(1).replace(chr(39) * 2, chr(39)))}::{fmt}"
        else:
            expr = sample_value(fmt, typtype, category, typname, typmod=typmod, typid=typid)
        if expr is None:
            if notnull:
                return msg("no sample value for type {fmt}", fmt=fmt)
            continue
        names.append(ident(name))
        values.append(expr)
    statement = (f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(values)} "
                 f"FROM generate_series(1, {int(rows)}) AS g") if names else (
                 f"INSERT INTO {table} SELECT FROM generate_series(1, {int(rows)}) AS g")
    try:
        conn.execute(statement)
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return None


_SIMPLE_VALUES = {
    "int2": "(g % 30000)::int2", "int4": "g", "int8": "g", "bool": "(g % 2 = 0)", "uuid": "gen_random_uuid()",
    "json": "'{}'::json", "jsonb": "'{}'::jsonb", "bytea": "'\\x00'::bytea", "interval": "make_interval(secs => g)",
    "date": "(current_date - (g % 28))", "text": "('v' || g)", "inet": "'10.0.0.1'::inet",
    "cidr": "'10.0.0.0/8'::cidr",
}


def sample_value(fmt: str, typtype: str, category: str, typname: str, *, typmod: int, typid: int) -> str | None:
    """A SQL expression of ``g`` (the row number) giving a plausible value of the column's type."""
    cast = f"::{fmt}"
    if typtype == "e":
        return f"(SELECT enumlabel FROM pg_enum WHERE enumtypid = {int(typid)} ORDER BY enumsortorder LIMIT 1){cast}"
    if typname in _SIMPLE_VALUES:
        return _SIMPLE_VALUES[typname]
    if category == "A":
        return f"'{{}}'{cast}"
    if category == "N":
        return f"(g % 100){cast}"
    if category == "S":
        return f"left('v' || g, {typmod - 4}){cast}" if typmod > 4 else f"('v' || g){cast}"
    if category == "D":
        return f"(now() - g * interval '1 second'){cast}"
    return None
