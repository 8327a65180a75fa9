"""Migration history in an audit: hazards of revisions the audited database already ran.

A lock, a rewrite or a drop that would break the running release matters *before* a revision runs.
Once the audited database ran it (its ``alembic_version`` is at or past it) the hazard is history:
the audit summarises such findings in one informational note instead of reporting them at full
severity. Which rules describe applying a revision is declared in :mod:`dbaudit.rules.families`
(``applies_once``); the others (``missing-downgrade``: an applied revision can still be rolled back)
stay. Revisions not yet applied, and revisions after ``--since``, are always linted in full.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from dbaudit.findings import Finding, Note
from dbaudit.messages import msg
from dbaudit.migrations.source import MigrationSet
from dbaudit.rules.families import profile

HISTORY_NOTE_RULE = "migration-history"


def applied_revisions(migrations: MigrationSet, versions: Iterable[str]) -> set[str]:
    """Every revision at or below the database's version(s): the versions and all their ancestors."""
    by_id = {rev.id: rev for rev in migrations.revisions}
    seen: set[str] = set()
    todo = [v for v in versions if v in by_id]  # a version the project does not know marks nothing
    while todo:
        current = todo.pop()
        if current in seen or current not in by_id:
            continue
        seen.add(current)
        todo.extend(by_id[current].down_revisions)
    return seen


def split_history(
    findings: Iterable[Finding], migrations: MigrationSet, *, applied: set[str] | None, since: str | None,
    where: str,
) -> tuple[list[Finding], list[Note]]:
    """Findings to report at full severity, and the note summarising the applied history.

    ``applied`` is ``None`` when the database's version is unknown: then every revision counts as
    pending, unless ``since`` names the range to lint in full.
    """
    all_ids = {rev.id for rev in migrations.revisions}
    if applied is None and since is None:
        return list(findings), []
    full = all_ids - applied if applied is not None else set()
    if since is not None:
        full |= migrations.after(since)
    revision_of = {rev.path: rev.id for rev in migrations.revisions}
    kept: list[Finding] = []
    history: list[tuple[str, Finding]] = []
    for f in findings:
        rev = next((revision_of[loc.path] for loc in f.locations if loc.path in revision_of), None)
        if rev is not None and rev not in full and profile(f.rule).applies_once:
            history.append((rev, f))
        else:
            kept.append(f)
    if not history:
        return kept, []
    revisions = len({rev for rev, _ in history})
    rules = ", ".join(f"{rule} {n}" for rule, n in sorted(Counter(f.rule for _, f in history).items()))
    scope = msg("applied") if since is None else msg("applied (before --since)")
    message = (msg("{revisions} {scope} revision(s) had {n_history} hazard(s) when they ran ({rules}); run "
                   "`dbaudit lint-migrations {where}` for details",
                   revisions=revisions, scope=scope, n_history=len(history), rules=rules, where=where))
    return kept, [Note(message, rule=HISTORY_NOTE_RULE)]


__all__ = ["HISTORY_NOTE_RULE", "applied_revisions", "split_history"]
