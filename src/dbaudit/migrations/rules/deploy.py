"""Rules about rolling deploys: the previous release keeps running while the migration applies."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast
from pglast.enums import AlterTableType, ObjectType

from dbaudit.findings import Finding, Severity
from dbaudit.messages import msg, sql_comment
from dbaudit.migrations.rules._common import location, lock_timeout_prefix, statement_evidence, table_sql
from dbaudit.migrations.rules.locks import existing
from dbaudit.migrations.rules.registry import migration_rule
from dbaudit.migrations.sqlfacts import names_to_qualified
from dbaudit.migrations.state import AnalyzedRevision, StatementFacts
from dbaudit.sqltext import ident


@migration_rule("destructive-change", severity=Severity.P0, fix="sometimes")
def destructive_change(rev: AnalyzedRevision) -> Iterator[Finding]:
    """A column or table the running release may still use is dropped or renamed.

    ## What it does
    Flags `DROP TABLE`, `DROP COLUMN`, `RENAME TO` and `RENAME COLUMN` (Alembic `op.drop_table`,
    `op.drop_column`, `op.rename_table`, `op.alter_column(new_column_name=...)`) on tables the same
    revision did not create.

    ## Why is this bad?
    During a rolling deploy the previous release keeps running against the migrated schema: its
    queries on the dropped or renamed object fail until every instance is replaced. A drop also
    destroys the data, so rolling back the code does not bring it back.

    ## Example
    ```sql
    ALTER TABLE users DROP COLUMN legacy_id;
    ```

    ## Use instead
    ```sql
    -- release N: stop reading and writing legacy_id (remove it from the models), deploy everywhere
    -- release N+1:
    SET lock_timeout = '5s';
    ALTER TABLE users DROP COLUMN legacy_id;
    ```
    """
    for fact in rev.facts:
        yield from _drops(rev, fact)


def _drops(rev: AnalyzedRevision, fact: StatementFacts) -> Iterator[Finding]:
    node = fact.statement.node
    if isinstance(node, ast.DropStmt) and node.removeType == ObjectType.OBJECT_TABLE:
        for names in node.objects or ():
            table = names_to_qualified(names)
            if table == fact.table and fact.table_new:
                continue  # created earlier in the same revision: nobody uses it yet
            yield _finding(rev, fact, table, f"Table {table} is dropped",
                           impact=msg("Queries of the running release on the table fail; its rows are gone."),
                           fix=_contract_fix(rev, f"DROP TABLE {table_sql(table)};"))
        return
    if not existing(fact):
        return
    assert fact.table is not None
    t = table_sql(fact.table)
    if isinstance(node, ast.AlterTableStmt):
        for cmd in node.cmds or ():
            if cmd.subtype == AlterTableType.AT_DropColumn:
                yield _finding(rev, fact, f"{fact.table}.{cmd.name}", f"Column {fact.table}.{cmd.name} is dropped",
                               impact=msg("Queries of the running release that name the column fail; its data is "
                                          "gone."),
                               fix=_contract_fix(rev, f"ALTER TABLE {t} DROP COLUMN {ident(cmd.name)};"))
    elif isinstance(node, ast.RenameStmt) and node.renameType == ObjectType.OBJECT_COLUMN:
        old, new = str(node.subname), str(node.newname)
        known = fact.table_info.column_type(old) if fact.table_info else None
        type_text = str(known) if known else f"<type of {ident(old)}>"
        yield _finding(rev, fact, f"{fact.table}.{old}",
                       msg("Column {table}.{old} is renamed to {new}", table=fact.table, old=old, new=new),
                       impact=msg("Queries of the running release that name the old column fail until it is "
                                  "replaced."),
                       fix="\n".join([
                           f"ALTER TABLE {t} ADD COLUMN {ident(new)} {type_text};",
                           sql_comment("-- release N: write both columns, backfill in batches, read the new one"),
                           sql_comment("-- release N+1: ALTER TABLE {table} DROP COLUMN {column};", table=t,
                                       column=ident(old))]))
    elif isinstance(node, ast.RenameStmt) and node.renameType == ObjectType.OBJECT_TABLE:
        schema = fact.table.partition(".")[0]
        new_table = str(node.newname)
        new_name = f"{schema}.{new_table}"
        yield _finding(rev, fact, fact.table, msg("Table {table} is renamed to {new_table}",
                                                  table=fact.table, new_table=new_table),
                       impact=msg("Queries of the running release on the old name fail until it is replaced."),
                       fix="\n".join([lock_timeout_prefix(rev.revision).rstrip(),
                                  f"ALTER TABLE {t} RENAME TO {ident(new_table)};",
                                  sql_comment("-- keep the old name working for the running release (simple views "
                                              "are updatable):"),
                                  f"CREATE VIEW {t} AS SELECT * FROM {table_sql(new_name)};",
                                  sql_comment("-- next release: DROP VIEW {view};", view=t)]))


def _finding(rev: AnalyzedRevision, fact: StatementFacts, obj: str, title: str, *, impact: str,
             fix: str) -> Finding:
    return destructive_change.finding(
        objects=[obj],
        title=title,
        evidence=[statement_evidence(rev.revision, fact)],
        impact=impact,
        root_cause=msg("Schema change and code change ship in one step instead of expand/contract."),
        fix_sql=fix,
        locations=[location(rev.revision, fact)],
    )


def _contract_fix(rev: AnalyzedRevision, statement: str) -> str:
    return (sql_comment("-- release N: stop using it in the code (models, queries), deploy everywhere\n"
                        "-- release N+1: this migration, with a lock_timeout\n")
            + lock_timeout_prefix(rev.revision) + statement)
