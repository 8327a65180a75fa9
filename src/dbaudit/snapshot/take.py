"""Taking a snapshot of a live database."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from dbaudit.live import CountProgress, CountResult, RelationRows, open_live
from dbaudit.snapshot.document import Snapshot, SnapshotSource, TableSnapshot

Step = Callable[[str], None]


def take_snapshot(
    target: str, *, exact: bool = False, jobs: int = 1, timeout_s: float = 60.0, schema: bool = True,
    schemas: Sequence[str] | None = None, step: Step | None = None, progress: CountProgress | None = None,
) -> Snapshot:
    """Row counts, sizes, Alembic versions and (unless ``schema=False``) the schema model and its
    fingerprint of the database at ``target`` (PostgreSQL, SQLite, MySQL/MariaDB URL).

    Estimates come from the catalog in one statement; ``exact`` adds a ``count(*)`` per table over
    ``jobs`` read-only connections, each limited to ``timeout_s`` seconds (a table that runs out of
    time is marked in ``count_error``, the snapshot goes on).
    """
    from importlib.metadata import version  # noqa: PLC0415

    from dbaudit.redact import redact_url  # noqa: PLC0415

    say = step or (lambda _text: None)
    started = time.perf_counter()
    taken_at = datetime.now(UTC)
    say("reading row estimates")
    with open_live(target, schemas=schemas) as db:
        relations = db.relation_rows(exact_sizes=exact)
        versions = db.alembic_versions()
        server_version = db.server_version()
        model = None
        if schema:
            say("reading the schema")
            from dbaudit.sources import load_source  # noqa: PLC0415

            model = load_source(target, schemas=schemas)
        counts: dict[str, CountResult] = {}
        count_s = None
        if exact:
            say(f"counting rows of {len(relations)} tables")
            counting = time.perf_counter()
            counts = db.count_rows(relations, jobs=jobs, timeout_s=timeout_s, progress=progress)
            count_s = time.perf_counter() - counting
        dialect = db.dialect
    fingerprint = None
    if model is not None:
        from dbaudit.model.fingerprint import schema_fingerprint  # noqa: PLC0415

        fingerprint = schema_fingerprint(model)
    name = model.source.name if model is not None else _display(target, dialect, redact_url)
    return Snapshot(
        taken_at=taken_at,
        source=SnapshotSource(kind=dialect, name=name, dialect=dialect),
        server_version=server_version,
        exact=exact,
        tables=tuple(_table(r, counts.get(r.qualified_name), exact) for r in relations),
        alembic_versions=versions,
        fingerprint=fingerprint,
        schema=model,
        dbaudit_version=version("dbaudit"),
        elapsed_s=time.perf_counter() - started,
        count_elapsed_s=count_s,
    )


def _display(target: str, dialect: str, redact: Callable[[str], str]) -> str:
    if dialect == "sqlite":
        from sqlalchemy.engine import make_url  # noqa: PLC0415

        return make_url(target).database or target
    return redact(target)


def _table(relation: RelationRows, count: CountResult | None, exact: bool) -> TableSnapshot:
    error = None
    if exact:
        error = count.error if count is not None else "not counted"
    return TableSnapshot(
        name=relation.qualified_name, kind=relation.kind, rows_estimated=relation.rows_estimated,
        rows_exact=count.rows if count is not None else None, total_bytes=relation.total_bytes,
        count_error=error,
    )


__all__ = ["take_snapshot"]
