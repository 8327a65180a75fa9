"""The database the migrations will run on (``--database``): table sizes, server version, applied
revisions and function volatility.

Sizes come from the schema model (``load_source``): a live PostgreSQL URL is read with exact sizes
(``pg_table_size``: a table never vacuumed or analysed still shows its real size), a model JSON file
(``dbaudit inspect -o``) gives the sizes it recorded. The applied Alembic revisions
(``alembic_version``) and the volatility of functions named in defaults are read from a live
database only, in a read-only session (``connect_readonly``), one round trip each.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from dbaudit.errors import SourceError
from dbaudit.model.schema import SchemaModel, Table
from dbaudit.redact import redact_url

_VOLATILITY = """
SELECT p.proname, bool_or(p.provolatile = 'v')
FROM pg_catalog.pg_proc p WHERE p.proname = ANY(%s) GROUP BY p.proname
"""


@dataclass(frozen=True)
class TableSize:
    table: str
    rows: int | None  # planner estimate; None: never analysed
    table_bytes: int | None
    total_bytes: int | None  # table and indexes
    exact: bool  # sizes read with pg_table_size (else as of the last VACUUM/ANALYZE)


@dataclass
class DatabaseFacts:
    """What ``--database`` told about the target database."""

    name: str
    server_major: int | None
    sizes: dict[str, TableSize]
    applied: tuple[str, ...] | None  # alembic_version rows (none: table absent); None: unknown (a model file)
    version_table: str | None = None
    url: str | None = field(default=None, repr=False)

    def size(self, table: str) -> TableSize | None:
        return self.sizes.get(table)

    def empty_tables(self, tables: Iterable[str]) -> set[str]:
        """Which of ``tables`` hold no row at all (live database only: one query for all of them).

        Sizes cannot tell: an empty table with a text column already has 8 kB of TOAST index.
        """
        known = sorted(t for t in set(tables) if t in self.sizes)
        if not known or self.url is None:
            return set()
        import psycopg  # noqa: PLC0415

        from dbaudit.sources.postgres.connect import connect_readonly, connection_error  # noqa: PLC0415
        from dbaudit.sqltext import literal, qualified_text  # noqa: PLC0415

        query = " UNION ALL ".join(
            f"SELECT {literal(t)}, NOT EXISTS (SELECT 1 FROM {qualified_text(t)})" for t in known)
        conn = connect_readonly(self.url)
        try:
            with conn:
                return {str(t) for t, empty in conn.execute(query) if empty}
        except psycopg.Error as exc:
            raise connection_error(self.url, exc, during="checking which tables are empty") from None

    def volatility(self, names: Iterable[str]) -> dict[str, bool]:
        """Function name -> volatile (any overload VOLATILE), for names the database knows."""
        wanted = sorted(set(names))
        if not wanted or self.url is None:
            return {}
        import psycopg  # noqa: PLC0415

        from dbaudit.sources.postgres.connect import connect_readonly, connection_error  # noqa: PLC0415

        conn = connect_readonly(self.url)
        try:
            with conn:
                return {str(name): bool(volatile) for name, volatile in conn.execute(_VOLATILITY, (wanted,))}
        except psycopg.Error as exc:
            raise connection_error(self.url, exc, during="looking up functions") from None


def read_database(spec: str) -> DatabaseFacts:
    """Facts about ``spec``: a PostgreSQL URL, or a model JSON file written by ``dbaudit inspect -o``."""
    from dbaudit.sources import load_source  # noqa: PLC0415 - heavy, only with --database

    live = "://" in spec
    model = load_source(spec, exact_sizes=live)
    if model.source.dialect != "postgresql":
        raise SourceError(f"{redact_url(spec)}: --database must be PostgreSQL (got {model.source.dialect})")
    sizes = {t.qualified_name: _size(t, exact=live) for t in model.tables if t.is_relation_with_rows}
    applied: tuple[str, ...] | None = None
    version_table = next((t.qualified_name for t in model.tables if t.name == "alembic_version"), None)
    if live:
        from dbaudit.auditing import applied_versions  # noqa: PLC0415 - the audit reads it the same way

        applied = tuple(sorted(applied_versions(spec, model) or ()))
    return DatabaseFacts(_short_name(spec, live=live), _major(model), sizes, applied, version_table,
                         spec if live else None)


def _short_name(spec: str, *, live: bool) -> str:
    """``database orders_prod`` for a URL (no host, no credentials), the file name for a model file."""
    if not live:
        return Path(spec).name
    from urllib.parse import urlsplit  # noqa: PLC0415

    path = urlsplit(spec).path.strip("/")
    return f"database {path}" if path else "the database"


def _size(table: Table, *, exact: bool) -> TableSize:
    stats = table.stats
    if stats is None:
        return TableSize(table.qualified_name, None, None, None, exact)
    return TableSize(table.qualified_name, stats.rows_estimate, stats.table_bytes, stats.total_bytes, exact)


def _major(model: SchemaModel) -> int | None:
    text = (model.source.server_version or "").strip()
    head = text.split(".")[0].split()[0] if text else ""
    return int(head) if head.isdigit() else None
