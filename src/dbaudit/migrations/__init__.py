"""Migration safety review: static lint of Alembic revisions and ``.sql`` files, and lock tracing.

``lint_migrations(path)`` loads the project (Alembic: revision graph, ``op.*`` calls from the AST,
the SQL from offline mode; or ``.sql`` files in name order), replays every statement over a small
schema state, runs the rules of ``dbaudit.migrations.rules`` and, with ``trace=True``, runs the
revisions on a throw-away database recording the locks each statement holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dbaudit import progress
from dbaudit.findings import Finding, Note, sort_findings
from dbaudit.migrations.rules.registry import all_rules
from dbaudit.migrations.source import MigrationSet, load_migrations
from dbaudit.migrations.state import analyze
from dbaudit.migrations.trace import TraceEntry

__all__ = ["LintResult", "TraceEntry", "lint_loaded", "lint_migrations"]


@dataclass(frozen=True, slots=True)
class LintResult:
    findings: tuple[Finding, ...]
    traces: tuple[TraceEntry, ...]
    notes: tuple[Note, ...]
    migrations: MigrationSet | None = None


def lint_migrations(
    path: str | Path,
    *,
    trace: bool = False,
    since: str | None = None,
    scratch_url: str | None = None,
    rows: int = 1000,
    fill: Callable[[str, str], None] | None = None,
    assume_in_transaction: bool = False,
) -> LintResult:
    """Lint the migrations at ``path``; ``since`` keeps only revisions after that one.

    With ``trace``, revisions are applied on a throw-away database (``scratch_url`` or the embedded
    server) filled with ``rows`` sample rows per table before each linted revision, or by
    ``fill(url, revision_id)`` when given. ``assume_in_transaction``: plain ``.sql`` files run inside
    a transaction each (as Flyway and sqitch do), so CONCURRENTLY in them fails.
    """
    migrations = load_migrations(Path(path), assume_in_transaction=assume_in_transaction)
    return lint_loaded(migrations, trace=trace, since=since, scratch_url=scratch_url, rows=rows, fill=fill)


def lint_loaded(
    migrations: MigrationSet, *, trace: bool = False, since: str | None = None,
    scratch_url: str | None = None, rows: int = 1000, fill: Callable[[str, str], None] | None = None,
) -> LintResult:
    selected = migrations.after(since) if since else {r.id for r in migrations.revisions}
    rules = all_rules()
    findings: list[Finding] = []
    progress.step("linting the revisions", total=len(selected), unit="revisions")
    for analyzed in analyze(migrations):
        if analyzed.revision.id not in selected:
            continue
        progress.advance()
        for rule in rules.values():
            if rule.scope == "revision" and rule.check is not None:
                findings.extend(rule.check(analyzed))
    for rule in rules.values():
        if rule.scope == "project" and rule.check is not None:
            findings.extend(rule.check(migrations))
    notes = [Note(n) for n in migrations.notes]
    if migrations.lock_timeout_in_env:
        notes.append(Note("env.py sets lock_timeout: missing-lock-timeout assumes it applies to every revision",
                          rule="missing-lock-timeout"))
    traces: tuple[TraceEntry, ...] = ()
    if trace:
        from dbaudit.migrations.trace import confirm_findings, trace_migrations, uncovered  # noqa: PLC0415

        traces, trace_notes, trace_findings = trace_migrations(
            migrations, selected, scratch_url=scratch_url, rows=rows, fill=fill)
        findings = confirm_findings(findings, traces) + uncovered(trace_findings, findings)
        notes.extend(trace_notes)
    return LintResult(sort_findings(findings), traces, tuple(notes), migrations)
