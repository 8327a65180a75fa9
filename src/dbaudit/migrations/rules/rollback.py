"""Rules about rolling back: every revision needs a way down."""

from __future__ import annotations

from collections.abc import Iterator

from dbaudit.findings import Finding, Severity
from dbaudit.messages import msg
from dbaudit.migrations.rules.registry import migration_rule
from dbaudit.migrations.state import AnalyzedRevision
from dbaudit.model.schema import Location


@migration_rule("missing-downgrade", severity=Severity.P2, fix="never")
def missing_downgrade(rev: AnalyzedRevision) -> Iterator[Finding]:
    """A revision has no downgrade (or one that does nothing).

    ## What it does
    Flags an Alembic revision whose `downgrade()` is missing or only contains `pass`, `...` or a
    docstring, and a `NAME.up.sql` migration without its `NAME.down.sql`. A `downgrade()` that only
    raises (`raise NotImplementedError("...")`) is an irreversible revision declared so on purpose:
    it is reported as such, with the author's reason, not as an empty downgrade, so that the runbook
    says how to roll back (a new forward migration).

    ## Why is this bad?
    When a release goes wrong the schema cannot be taken back with the tool; rollback becomes a
    hand-written, untested script written during the incident.

    ## Example
    ```python
    def downgrade():
        pass
    ```

    ## Use instead
    ```python
    def downgrade():
        op.drop_index("ix_orders_customer", table_name="orders")
    ```
    """
    r = rev.revision
    if r.has_downgrade is None or r.has_downgrade:
        return
    line = r.downgrade_line or 1
    if r.irreversible:
        yield missing_downgrade.finding(
            objects=[r.id],
            title=msg("Revision {id} is irreversible on purpose (its downgrade() raises)", id=r.id),
            evidence=[msg("{path}:{line} ({id}): downgrade() raises {irreversible}",
                          path=r.path, line=line, id=r.id, irreversible=r.irreversible)],
            impact=msg("Rolling back past this revision needs a new forward migration, written and tested ahead."),
            root_cause=msg("The author declared the change irreversible; the runbook must say how to undo it."),
            locations=[Location(r.path, line)],
        )
        return
    what = msg("an empty downgrade()") if r.downgrade_line else msg("no downgrade()")
    if r.kind == "sql":
        what = msg("no {id}.down.sql next to it", id=r.id)
    yield missing_downgrade.finding(
        objects=[r.id],
        title=msg("Revision {id} cannot be rolled back", id=r.id),
        evidence=[msg("{path}:{line} ({id}) has {what}", path=r.path, line=line, id=r.id, what=what)],
        impact=msg("A failed release cannot be undone with the migration tool; rollback is improvised."),
        root_cause=msg("The revision was written without its inverse."),
        locations=[Location(r.path, line)],
    )
