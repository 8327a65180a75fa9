"""Migration safety review: static lint of Alembic revisions and ``.sql`` files, and lock tracing.

``lint_migrations(paths)`` loads each project (Alembic: revision graph, ``op.*`` calls from the AST,
the SQL from offline mode; or ``.sql`` files in name order), replays every statement over a small
schema state, runs the rules of ``dbaudit.migrations.rules``, applies the inline suppressions and,
with ``database``, lints only the revisions not yet applied there and grades each hazard by the
size of the real table. With ``trace=True`` it also runs the revisions on a throw-away database
recording the locks each statement holds.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dbaudit import progress
from dbaudit.errors import UsageError
from dbaudit.findings import Finding, Note, sort_findings
from dbaudit.messages import msg
from dbaudit.migrations.rules.registry import all_rules
from dbaudit.migrations.source import MigrationSet, load_migrations
from dbaudit.migrations.state import AnalyzedRevision, LintContext, analyze
from dbaudit.migrations.suppress import Suppressed, apply_suppressions, read_suppressions

if TYPE_CHECKING:
    from dbaudit.migrations.database import DatabaseFacts
    from dbaudit.migrations.trace import TraceEntry

__all__ = ["LintResult", "TraceEntry", "lint_loaded", "lint_migrations"]


def __getattr__(name: str) -> object:
    """``TraceEntry`` on first use: tracing (and its PostgreSQL driver) is not loaded for a static lint."""
    if name == "TraceEntry":
        from dbaudit.migrations.trace import TraceEntry  # noqa: PLC0415

        return TraceEntry
    raise AttributeError(name)


@dataclass(frozen=True, slots=True)
class LintResult:
    findings: tuple[Finding, ...]
    traces: tuple[TraceEntry, ...]
    notes: tuple[Note, ...]
    migrations: MigrationSet | None = None
    suppressed: tuple[Suppressed, ...] = ()
    projects: tuple[MigrationSet, ...] = ()
    linted: int = 0  # revisions linted (after --since / pending)


def lint_migrations(
    path: str | Path | Sequence[str | Path],
    *,
    trace: bool = False,
    since: str | None = None,
    scratch_url: str | None = None,
    rows: int = 1000,
    fill: Callable[[str, str], None] | None = None,
    assume_in_transaction: bool = False,
    target_version: int | None = None,
    database: str | None = None,
) -> LintResult:
    """Lint the migrations at ``path`` (one path or several); ``since`` keeps only revisions after it.

    With ``trace``, revisions are applied on a throw-away database (``scratch_url`` or the embedded
    server) filled with ``rows`` sample rows per table before each linted revision, or by
    ``fill(url, revision_id)`` when given. ``assume_in_transaction``: plain ``.sql`` files run inside
    a transaction each (as Flyway and sqitch do), so CONCURRENTLY in them fails. ``target_version``:
    the PostgreSQL major version the migrations will run on (default: the database's, else 13+).
    ``database``: a PostgreSQL URL or a model JSON file of the target database.
    """
    paths = [Path(path)] if isinstance(path, str | Path) else [Path(p) for p in path]
    if not paths:
        raise UsageError("no migration path given")
    db = None
    if database is not None:
        from dbaudit.migrations.database import read_database  # noqa: PLC0415 - only with --database

        db = read_database(database)
    projects = [load_migrations(p, assume_in_transaction=assume_in_transaction) for p in paths]
    if since is not None and len(projects) > 1 and not any(_knows(m, since) for m in projects):
        raise UsageError(f"unknown revision {since!r} in {', '.join(str(p) for p in paths)}")
    results = [
        lint_loaded(m, trace=trace, since=since if len(projects) == 1 or _knows(m, since) else None,
                    scratch_url=scratch_url, rows=rows, fill=fill, target_version=target_version, database=db)
        for m in projects
    ]
    return results[0] if len(results) == 1 else _merge(results)


def _knows(migrations: MigrationSet, rev_id: str | None) -> bool:
    if rev_id is None:
        return False
    try:
        migrations.revision(rev_id)
    except UsageError:
        return False
    return True


def lint_loaded(
    migrations: MigrationSet, *, trace: bool = False, since: str | None = None,
    scratch_url: str | None = None, rows: int = 1000, fill: Callable[[str, str], None] | None = None,
    target_version: int | None = None, database: DatabaseFacts | None = None,
) -> LintResult:
    selected = migrations.after(since) if since else {r.id for r in migrations.revisions}
    notes = [Note(n) for n in migrations.notes]
    if database is not None:
        selected, pending_note = _pending(migrations, selected, database)
        if pending_note:
            notes.append(Note(pending_note))
    context = LintContext(
        target_version=target_version or (database.server_major if database else None),
        lock_timeout_in_env=migrations.lock_timeout_in_env,
        statement_timeout_in_env=migrations.statement_timeout_in_env,
        together=frozenset(selected),
        volatility=database.volatility(_default_functions(migrations, selected)) if database else {},
    )
    rules = all_rules()
    findings: list[Finding] = []
    created: dict[str, str] = {}
    progress.step("linting the revisions", total=len(selected), unit="revisions")
    for analyzed in analyze(migrations, context):
        if analyzed.revision.id not in selected:
            continue
        progress.advance()
        created.update(_created_tables(analyzed))
        for rule in rules.values():
            if rule.scope == "revision" and rule.check is not None:
                findings.extend(rule.check(analyzed))
    for rule in rules.values():
        if rule.scope == "project" and rule.check is not None:
            findings.extend(rule.check(migrations))
    notes.extend(_context_notes(migrations, context, trace=trace))
    traces: tuple[TraceEntry, ...] = ()
    if trace:
        from dbaudit.migrations.trace import (  # noqa: PLC0415
            confirm_findings,
            refute_assumed_rewrites,
            trace_migrations,
            uncovered,
        )

        traces, trace_notes, trace_findings = trace_migrations(
            migrations, selected, scratch_url=scratch_url, rows=rows, fill=fill)
        findings, refuted = refute_assumed_rewrites(findings, traces)
        trace_notes.extend(refuted)
        findings = confirm_findings(findings, traces) + uncovered(trace_findings, findings)
        notes.extend(trace_notes)
    if database is not None:
        from dbaudit.migrations.grading import grade  # noqa: PLC0415

        findings = grade(findings, database, created)
    kept, suppressed, unused = apply_suppressions(findings, read_suppressions(migrations, selected, rules))
    notes.extend(unused)
    if suppressed:
        listed = "; ".join(f"{s.by.path}:{s.by.line} {s.finding.rule} ({s.by.reason})" for s in suppressed[:5])
        notes.append(Note(msg("{n_suppressed} finding(s) suppressed inline: {listed}{more}",
                              n_suppressed=len(suppressed), listed=listed,
                              more="; ..." if len(suppressed) > 5 else "")))
    return LintResult(sort_findings(kept), traces, tuple(notes), migrations, tuple(suppressed), (migrations,),
                      len(selected))


def _pending(migrations: MigrationSet, selected: set[str], db: DatabaseFacts) -> tuple[set[str], str | None]:
    """Keep only the revisions not yet applied on the database (Alembic's ``alembic_version``)."""
    if migrations.kind != "alembic":
        return selected, None
    if db.applied is None:
        return selected, msg("{db}: a model file does not record alembic_version: every revision is linted",
                             db=db.name)
    if not db.applied:
        return selected, msg("{db} has no alembic_version rows: no revision applied, all are linted", db=db.name)
    unknown = [v for v in db.applied if not _knows(migrations, v)]
    if unknown:
        return selected, (msg("{db} is at revision {unknown}, which these migrations do not know: every revision "
                              "is linted",
                              db=db.name, unknown=', '.join(unknown)))
    from dbaudit.migrations.history import applied_revisions  # noqa: PLC0415

    applied = applied_revisions(migrations, [migrations.revision(v).id for v in db.applied])
    pending = selected - applied
    return pending, (msg("{db} is at {applied} ({version_table}): {n_applied} revision(s) already applied are not "
                         "linted; {n_pending} pending revision(s) linted",
                         db=db.name, applied=', '.join(db.applied), version_table=db.version_table,
                         n_applied=len(applied), n_pending=len(pending)))


def _default_functions(migrations: MigrationSet, selected: set[str]) -> set[str]:
    """Functions named in the defaults of columns added by the selected revisions (for --database)."""
    from pglast import ast  # noqa: PLC0415
    from pglast.enums import AlterTableType  # noqa: PLC0415

    from dbaudit.migrations.sqlfacts import default_expr, functions_in  # noqa: PLC0415

    names: set[str] = set()
    for rev in migrations.revisions:
        if rev.id not in selected:
            continue
        for st in rev.statements:
            if isinstance(st.node, ast.AlterTableStmt):
                for cmd in st.node.cmds or ():
                    if cmd.subtype == AlterTableType.AT_AddColumn:
                        names.update(functions_in(default_expr(cmd.def_)))
    return names


def _created_tables(analyzed: AnalyzedRevision) -> dict[str, str]:
    from pglast import ast  # noqa: PLC0415

    from dbaudit.migrations.sqlfacts import rel_name  # noqa: PLC0415

    return {rel_name(f.statement.node.relation): analyzed.revision.id for f in analyzed.facts
            if isinstance(f.statement.node, ast.CreateStmt)}


def _context_notes(migrations: MigrationSet, context: LintContext, *, trace: bool) -> list[Note]:
    notes = []
    if migrations.lock_timeout_in_env:
        notes.append(Note(msg("env.py sets lock_timeout: missing-lock-timeout assumes it applies to every revision"),
                          rule="missing-lock-timeout"))
    if migrations.kind == "alembic" and _validates(migrations, context.together):
        if migrations.transaction_per_migration:
            notes.append(Note(msg("env.py sets transaction_per_migration=True: each revision commits on its own"),
                              rule="validate-in-same-transaction"))
        else:
            notes.append(Note(msg("env.py leaves transaction_per_migration off: Alembic runs all pending revisions "
                                  "in one transaction (a NOT VALID constraint validated by a later pending "
                                  "revision protects nothing)"), rule="validate-in-same-transaction"))
    for rev in migrations.revisions:
        if rev.partial and rev.id in context.together:
            notes.append(Note(msg("{path} ({id}): partial: {partial}", path=rev.path, id=rev.id, partial=rev.partial)))
    if trace:
        notes.append(Note(msg("trace: each statement runs in its own transaction on the scratch database, so locks "
                              "are per statement; locks held across statements of one transaction are reported "
                              "statically")))
    return notes


def _validates(migrations: MigrationSet, selected: frozenset[str]) -> bool:
    """A linted revision validates a constraint: whether revisions share a transaction matters."""
    from pglast import ast  # noqa: PLC0415
    from pglast.enums import AlterTableType  # noqa: PLC0415

    return any(isinstance(st.node, ast.AlterTableStmt)
               and any(c.subtype == AlterTableType.AT_ValidateConstraint for c in st.node.cmds or ())
               for rev in migrations.revisions if rev.id in selected for st in rev.statements)


def _merge(results: list[LintResult]) -> LintResult:
    """Several projects in one report: locations relative to the projects' common parent."""
    roots = [r.migrations.root for r in results if r.migrations is not None]
    common = Path(os.path.commonpath([str(p) for p in roots])) if roots else Path()
    findings: list[Finding] = []
    notes: list[Note] = []
    traces: list[TraceEntry] = []
    suppressed: list[Suppressed] = []
    for result in results:
        assert result.migrations is not None
        prefix = result.migrations.root.relative_to(common).as_posix() if result.migrations.root != common else ""
        findings.extend(_prefixed(f, prefix) for f in result.findings)
        traces.extend(dataclasses.replace(t, path=_join(prefix, t.path)) for t in result.traces)
        notes.extend(dataclasses.replace(n, message=msg("{prefix}: {message}", prefix=prefix or ".", message=n.message))
                     for n in result.notes)
        suppressed.extend(result.suppressed)
    projects = tuple(r.migrations for r in results if r.migrations is not None)
    return LintResult(sort_findings(findings), tuple(traces), tuple(notes), projects[0], tuple(suppressed),
                      projects, sum(r.linted for r in results))


def _join(prefix: str, path: str) -> str:
    return f"{prefix}/{path}" if prefix else path


def _prefixed(f: Finding, prefix: str) -> Finding:
    if not prefix:
        return f
    paths = {loc.path for loc in f.locations}
    evidence = tuple(next((_join(prefix, e) for p in paths if e.startswith(f"{p}:")), e) for e in f.evidence)
    return dataclasses.replace(f, locations=tuple(dataclasses.replace(loc, path=_join(prefix, loc.path))
                                                  for loc in f.locations), evidence=evidence)
