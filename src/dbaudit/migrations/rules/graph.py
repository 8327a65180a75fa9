"""Rules about the revision graph."""

from __future__ import annotations

from collections.abc import Iterator

from dbaudit.findings import Finding, Severity
from dbaudit.messages import msg, sql_comment
from dbaudit.migrations.rules.registry import migration_rule
from dbaudit.migrations.source import MigrationSet
from dbaudit.model.schema import Location


@migration_rule("multiple-heads", severity=Severity.P1, scope="project", fix="never")
def multiple_heads(migrations: MigrationSet) -> Iterator[Finding]:
    """The revision graph has more than one head.

    ## What it does
    Flags an Alembic project whose revisions end in two or more heads (two branches created from the
    same parent, never merged).

    ## Why is this bad?
    `alembic upgrade head` refuses to run ("Multiple head revisions are present"), so the deploy fails;
    `upgrade heads` applies the branches in an order nobody reviewed.

    ## Example
    ```text
    a1 -> b2 (head)
    a1 -> c3 (head)
    ```

    ## Use instead
    ```text
    alembic merge -m "merge heads" b2 c3
    ```
    """
    if len(migrations.heads) < 2:
        return
    by_id = {r.id: r for r in migrations.revisions}
    heads = sorted(migrations.heads)
    yield multiple_heads.finding(
        objects=heads,
        title=msg("{n_heads} migration heads: {heads}", n_heads=len(heads), heads=', '.join(heads)),
        evidence=[msg("{path}: head {h}", path=by_id[h].path, h=h) for h in heads if h in by_id],
        impact=msg("`alembic upgrade head` fails, stopping the deploy."),
        root_cause=msg("Two branches were created from the same parent revision and never merged."),
        fix_sql=sql_comment("-- alembic merge -m \"merge heads\" {heads}", heads=" ".join(heads)),
        locations=[Location(by_id[h].path, 1) for h in heads if h in by_id],
    )
