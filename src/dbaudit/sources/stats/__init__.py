"""The statistics source: what the running database says, read-only.

``read_statistics(url, model)`` reads, over one read-only connection with the usual timeouts:

- ``pg_stat_statements`` (when installed and preloaded): the top N statements of this database by
  total time and by calls, each with its shape (pglast), its generic plan (``EXPLAIN``, nothing
  executed; ``EXPLAIN ANALYZE`` only with ``explain_analyze=True``), candidate indexes verified with
  HypoPG hypothetical indexes when the extension is installed, and the code paths it matches;
- ``pg_stat_user_tables`` / ``pg_stat_user_indexes``: reads against writes per table, scans per index;
- transaction-ID age per database and for the oldest tables;
- table and btree-index bloat estimates;
- the growth of narrow sequences from their tables' rows.

The result is a :class:`~dbaudit.model.statistics.RuntimeStatistics`; what could not be read is
said in its ``notes``. Nothing is ever created or written: the session is read-only, hypothetical
indexes live in the session's memory and are reset at once.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from dbaudit.messages import msg
from dbaudit.model.code_facts import CodeFacts
from dbaudit.model.schema import SchemaModel
from dbaudit.model.statistics import (
    BloatEstimate,
    IndexActivity,
    Plan,
    RuntimeStatistics,
    StatementStats,
    TableActivity,
    XidAge,
)
from dbaudit.sources.stats import bloat, catalog
from dbaudit.sources.stats.advice import candidates, verify
from dbaudit.sources.stats.explain import analyzed_plan, generic_plan
from dbaudit.sources.stats.growth import read_growth
from dbaudit.sources.stats.match import code_matches
from dbaudit.sources.stats.shape import QueryShape, parse_shape

if TYPE_CHECKING:
    import psycopg

DEFAULT_TOP = 10
LARGE_ROWS = 10_000
XID_TABLES = 20
_DML = frozenset({"select", "insert", "update", "delete", "merge"})


@dataclasses.dataclass(frozen=True)
class StatsOptions:
    """``top``: statements per ranking; ``explain_analyze``: run EXPLAIN ANALYZE on parameterless
    SELECTs; ``large_rows``: a sequential scan of a table this large is flagged; ``require``: read
    the other facts even without pg_stat_statements (``--stats``)."""

    top: int = DEFAULT_TOP
    explain_analyze: bool = False
    analyze_timeout_ms: int = 10_000
    large_rows: int = LARGE_ROWS
    require: bool = False


def statements_available(url: str) -> bool:
    """Whether pg_stat_statements can be read in this database (installed and preloaded)."""
    from psycopg import sql  # noqa: PLC0415

    from dbaudit.sources.postgres.connect import connect_readonly  # noqa: PLC0415

    with connect_readonly(url) as conn:
        row = conn.execute(catalog.AVAILABILITY).fetchone()
        if not (row and row[0]):
            return False
        try:
            conn.execute(sql.SQL(catalog.PROBE).format(schema=sql.Identifier(row[0])))
        except Exception:
            return False
        finally:
            conn.rollback()
    return True


def read_statistics(
    url: str, model: SchemaModel, *, code: CodeFacts | None = None, options: StatsOptions | None = None,
) -> RuntimeStatistics | None:
    """The runtime statistics of the database at ``url``; ``None`` when ``pg_stat_statements`` is not
    available and ``options.require`` is false (statistics are then "not read", not "empty")."""
    import psycopg  # noqa: PLC0415

    from dbaudit.sources.postgres.connect import connect_readonly, connection_error  # noqa: PLC0415

    opts = options or StatsOptions()
    conn = connect_readonly(url)
    try:
        return _Reader(conn, model, code, opts).read()
    except psycopg.Error as exc:
        raise connection_error(url, exc, during="reading statistics") from None
    finally:
        conn.close()


class _Reader:
    def __init__(self, conn: psycopg.Connection[Any], model: SchemaModel, code: CodeFacts | None,
                 options: StatsOptions) -> None:
        self.conn = conn
        self.model = model
        self.code = code
        self.options = options
        self.notes: list[str] = []
        self.probe_error = ""
        self.schemas = list(model.schemas)
        by_name: dict[str, list[str]] = {}
        for table in model.tables:
            by_name.setdefault(table.name, []).append(table.qualified_name)
        self.by_name = by_name

    def read(self) -> RuntimeStatistics | None:
        conn = self.conn
        # Application statements name tables unqualified: plan them with the default search_path.
        conn.execute("RESET search_path")
        conn.commit()
        row = conn.execute(catalog.AVAILABILITY).fetchone()
        conn.rollback()
        assert row is not None
        pgss_schema, hypopg_schema, all_stats, today, db_reset = row
        available = bool(pgss_schema) and self._probe(pgss_schema)
        if not available and not self.options.require:
            return None
        statements: tuple[StatementStats, ...] = ()
        since = db_reset
        if available:
            since = self._since(pgss_schema) or db_reset
            statements = self._statements(pgss_schema, hypopg_schema, all_stats=bool(all_stats))
        else:
            self.notes.append(
                msg("pg_stat_statements is not installed in this database (CREATE EXTENSION pg_stat_statements): "
                    "no statement statistics") if not pgss_schema else
                msg("pg_stat_statements is installed but cannot be read ({error}): no statement statistics",
                    error=self.probe_error))
        if available and not hypopg_schema:
            self.notes.append(msg("HypoPG is not installed in this database: candidate indexes are unverified "
                                  "(CREATE EXTENSION hypopg, or verify them on a copy of the schema with its "
                                  "statistics)"))
        growth, growth_notes = read_growth(conn, self.model)
        self.notes += growth_notes
        return RuntimeStatistics(
            collected_at=datetime.now(UTC), stats_since=since, statements_available=available,
            hypopg=bool(hypopg_schema), statements=statements, tables=self._tables(), indexes=self._indexes(),
            sequences=tuple(growth), xid=self._xid(), bloat=self._bloat(), notes=tuple(self.notes), today=today,
        )

    # -- helpers ---------------------------------------------------------------------------------

    def _rows(self, what: str, query: Any, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """Rows of one query in its own savepoint; a failure becomes a note."""
        import psycopg  # noqa: PLC0415

        try:
            with self.conn.transaction():
                return self.conn.execute(query, params).fetchall()
        except psycopg.Error as exc:
            self.notes.append(msg("{what} not read: {error}", what=what, error=str(exc).strip().splitlines()[0]))
            return []

    def resolve(self, relation: str) -> str:
        names = self.by_name.get(relation, [])
        if f"public.{relation}" in names:
            return f"public.{relation}"
        return names[0] if len(names) == 1 else relation

    def large(self, relation: str) -> bool:
        """At least ``large_rows`` rows: a partition counts its whole partitioned table."""
        table = self.model.table(relation)
        while table is not None and table.partition_of:
            parent = self.model.table(table.partition_of)
            if parent is None:
                break
            table = parent
        return table is not None and self._rows_of(table.qualified_name) >= self.options.large_rows

    def _rows_of(self, name: str) -> int:
        cache: dict[str, int] = self.__dict__.setdefault("_row_counts", {})
        if name not in cache:
            table = self.model.table(name)
            stats = table.stats if table is not None else None
            own = stats.rows_estimate or 0 if stats is not None else 0
            cache[name] = own + sum(self._rows_of(p.qualified_name) for p in self.model.partitions_of(name))
        return cache[name]

    # -- statements ------------------------------------------------------------------------------

    def _probe(self, schema: str) -> bool:
        """Whether the pg_stat_statements view answers (its library must be preloaded)."""
        import psycopg  # noqa: PLC0415
        from psycopg import sql  # noqa: PLC0415

        try:
            with self.conn.transaction():
                self.conn.execute(sql.SQL(catalog.PROBE).format(schema=sql.Identifier(schema)))
        except psycopg.Error as exc:
            self.probe_error = str(exc).strip().splitlines()[0]
            return False
        return True

    def _since(self, schema: str) -> datetime | None:
        from psycopg import sql  # noqa: PLC0415

        with contextlib.suppress(Exception):
            rows = self._rows("pg_stat_statements_info",
                              sql.SQL(catalog.STATEMENTS_SINCE).format(schema=sql.Identifier(schema)))
            if rows and isinstance(rows[0][0], datetime):
                return rows[0][0]
        return None

    def _statements(self, schema: str, hypopg: str | None, *, all_stats: bool) -> tuple[StatementStats, ...]:
        from psycopg import sql  # noqa: PLC0415

        top = self.options.top
        query = sql.SQL(catalog.STATEMENTS).format(schema=sql.Identifier(schema))
        rows = _merge_in_lists(self._rows("pg_stat_statements", query, {"fetch": top * 5}))
        kept: list[tuple[tuple[Any, ...], QueryShape]] = []
        hidden = 0
        if not all_stats:
            found = self._rows("hidden statements", sql.SQL(catalog.HIDDEN).format(schema=sql.Identifier(schema)))
            hidden = int(found[0][0]) if found else 0
        for row in rows:
            text = row[1] or ""
            if text.startswith("<insufficient privilege>"):
                continue
            shape = parse_shape(text, self.model)
            if shape is None or shape.kind not in _DML or not shape.tables:
                continue
            kept.append((row, shape))
        if hidden:
            self.notes.append(msg("{hidden} statements of other roles are hidden from this role "
                                  "(grant pg_read_all_stats to see them)", hidden=hidden))
        by_time = {row[0]: i for i, (row, _) in enumerate(sorted(kept, key=lambda k: -k[0][3])[:top], 1)}
        by_calls = {row[0]: i for i, (row, _) in enumerate(sorted(kept, key=lambda k: -k[0][2])[:top], 1)}
        out = []
        for n, (row, shape) in enumerate(r for r in kept if r[0][0] in by_time or r[0][0] in by_calls):
            out.append(self._statement(n, row, shape, rank_time=by_time.get(row[0]), rank_calls=by_calls.get(row[0]),
                                       hypopg=hypopg))
        return tuple(out)

    def _statement(self, n: int, row: tuple[Any, ...], shape: QueryShape, *, rank_time: int | None,
                   rank_calls: int | None, hypopg: str | None) -> StatementStats:
        queryid, text, calls, total_ms, rows, hit, read = row[:7]
        plan = self._plan(text, f"dbaudit_q{n}", shape)
        advice = candidates(shape, plan, self.model) if plan.total_cost is not None else []
        if hypopg and plan.source == "generic":
            advice = [verify(self.conn, a, plan, self.model, hypopg_schema=hypopg,
                             replan=lambda: generic_plan(self.conn, text, name=f"dbaudit_h{n}", resolve=self.resolve,
                                                  large=self.large)) for a in advice]
        patterns, locations = code_matches(shape, self.code, self.model)
        return StatementStats(
            queryid=int(queryid), query=" ".join(text.split()), calls=int(calls), total_ms=float(total_ms),
            mean_ms=float(total_ms) / max(int(calls), 1), rows=int(rows), kind=shape.kind,
            tables=tuple(shape.tables), shared_hit=int(hit or 0), shared_read=int(read or 0),
            rank_time=rank_time, rank_calls=rank_calls, plan=plan, advice=tuple(advice),
            patterns=tuple(patterns), code_paths=tuple(locations),
        )

    def _plan(self, text: str, name: str, shape: QueryShape) -> Plan:
        if self.options.explain_analyze and shape.kind == "select" and "$1" not in text:
            return analyzed_plan(self.conn, text, timeout_ms=self.options.analyze_timeout_ms,
                                 resolve=self.resolve, large=self.large)
        plan = generic_plan(self.conn, text, name=name, resolve=self.resolve, large=self.large)
        if self.options.explain_analyze and plan.error is None:
            reason = "not a SELECT" if shape.kind != "select" else "its parameter values are unknown"
            plan = dataclasses.replace(plan, text=f"(generic plan: {reason}, not analyzed)\n{plan.text}")
        return plan

    # -- activity, XID, bloat --------------------------------------------------------------------

    def _tables(self) -> tuple[TableActivity, ...]:
        rows = self._rows("pg_stat_user_tables", catalog.TABLE_ACTIVITY, {"schemas": self.schemas})
        return tuple(sorted((TableActivity(f"{r[0]}.{r[1]}", *(int(v or 0) for v in r[2:])) for r in rows),
                            key=lambda t: t.table))

    def _indexes(self) -> tuple[IndexActivity, ...]:
        rows = self._rows("pg_stat_user_indexes", catalog.INDEX_ACTIVITY, {"schemas": self.schemas})
        return tuple(sorted((IndexActivity(f"{r[0]}.{r[1]}", f"{r[0]}.{r[2]}", int(r[3]), int(r[4])) for r in rows),
                            key=lambda i: i.index))

    def _xid(self) -> tuple[XidAge, ...]:
        rows = self._rows("transaction-ID ages", catalog.XID_AGES, {"schemas": self.schemas, "limit": XID_TABLES})
        return tuple(XidAge(scope, name, int(age), int(mxid) if mxid is not None else None)
                     for scope, name, age, mxid in rows)

    def _bloat(self) -> tuple[BloatEstimate, ...]:
        params = {"schemas": self.schemas}
        out = [BloatEstimate("table", f"{s}.{t}", f"{s}.{t}", int(size), int(extra))
               for s, t, size, extra, is_na in self._rows("table bloat estimates", bloat.TABLE_BLOAT, params)
               if not is_na and size]
        out += [BloatEstimate("index", f"{s}.{i}", f"{s}.{t}", int(size), int(extra))
                for s, t, i, size, extra, is_na in self._rows("index bloat estimates", bloat.INDEX_BLOAT, params)
                if not is_na and size]
        return tuple(sorted(out, key=lambda b: (b.kind, b.name)))


_PARAM = r"\$\d+(?:::[A-Za-z_ ]+)?"
_IN_LIST = re.compile(rf"\(\s*{_PARAM}(?:\s*,\s*{_PARAM})*\s*\)")


def _merge_in_lists(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """One row per statement whatever the length of its ``IN ($1, $2, …)`` lists: before PostgreSQL 18
    each length is a statement of its own in pg_stat_statements. Counters are summed; the text and id
    of the costliest variant are kept."""
    merged: dict[str, list[Any]] = {}
    for row in sorted(rows, key=lambda r: -float(r[3] or 0)):
        key = _IN_LIST.sub("(…)", row[1] or "")
        found = merged.get(key)
        if found is None:
            merged[key] = list(row)
        else:
            for i in (2, 3, 4, 5, 6):
                found[i] = (found[i] or 0) + (row[i] or 0)
    return [tuple(r) for r in merged.values()]


__all__ = ["DEFAULT_TOP", "StatsOptions", "read_statistics", "statements_available"]
