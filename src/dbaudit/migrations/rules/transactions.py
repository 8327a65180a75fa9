"""Rules about what runs in one transaction, and the session settings around long operations."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast
from pglast.enums import AlterTableType

from dbaudit.findings import Finding, Severity
from dbaudit.messages import msg, sql_comment
from dbaudit.migrations.rules._common import KIND_TITLE, location, statement_evidence, table_sql
from dbaudit.migrations.rules.registry import migration_rule
from dbaudit.migrations.sqlfacts import is_concurrent
from dbaudit.migrations.state import AnalyzedRevision, NotValidAdded, StatementFacts
from dbaudit.sqltext import ident, literal


@migration_rule("validate-in-same-transaction", severity=Severity.P1)
def validate_in_same_transaction(rev: AnalyzedRevision) -> Iterator[Finding]:
    """A constraint added NOT VALID is validated in the same transaction, which protects nothing.

    ## What it does
    Flags `ALTER TABLE ... VALIDATE CONSTRAINT c` when `c` was added `NOT VALID` in the same
    transaction: in the same revision, or in an earlier revision that runs in the same `upgrade` when
    Alembic's `env.py` leaves `transaction_per_migration` off (its default: all pending revisions
    then share one transaction). Plain `.sql` files are taken to run each on its own unless
    `--assume-in-transaction`.

    ## Why is this bad?
    `NOT VALID` exists so that the strong lock of `ADD CONSTRAINT` is held only for an instant and the
    scan happens later under SHARE UPDATE EXCLUSIVE. In one transaction the ADD's lock (SHARE ROW
    EXCLUSIVE for a foreign key, ACCESS EXCLUSIVE for a CHECK) is still held when VALIDATE scans the
    whole table, exactly as if `NOT VALID` had not been written.

    ## Example
    ```python
    def upgrade():
        op.execute("ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) "
                   "REFERENCES customers (id) NOT VALID")
        op.execute("ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk")
    ```

    ## Use instead
    ```python
    def upgrade():
        op.execute("ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) "
                   "REFERENCES customers (id) NOT VALID")
        with op.get_context().autocommit_block():  # commits the ADD first
            op.execute("ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk")
    ```
    """
    for fact in rev.facts:
        tx = fact.statement.tx
        if tx is None or fact.table_new:
            continue
        for added in fact.validates:
            if added.tx != tx:
                continue
            same = added.revision == rev.revision.id
            if not same and added.revision not in rev.context.together:
                continue  # already applied earlier: committed long ago
            yield _same_tx_finding(rev, fact, added, same=same)


def _same_tx_finding(rev: AnalyzedRevision, fact: StatementFacts, added: NotValidAdded, *, same: bool) -> Finding:
    where = (msg("added NOT VALID at line {line} of the same revision, in the same transaction", line=added.line)
             if same else
             msg("added NOT VALID in revision {revision} (line {line}); env.py does not set "
                 "transaction_per_migration=True, so Alembic runs both pending revisions in one transaction",
                 revision=added.revision, line=added.line))
    lock = "ShareRowExclusiveLock" if added.kind == "foreign key" else "AccessExclusiveLock"
    t = table_sql(added.table)
    fix = (f"with op.get_context().autocommit_block():  # commits the ADD ... NOT VALID first\n"
           f"    op.execute({literal(f'ALTER TABLE {t} VALIDATE CONSTRAINT {ident(added.name)}')})"
           if rev.revision.kind == "alembic" else
           "COMMIT;  " + sql_comment("-- end the transaction of the ADD ... NOT VALID\n")
           + f"ALTER TABLE {t} VALIDATE CONSTRAINT {ident(added.name)};")
    return validate_in_same_transaction.finding(
        objects=[added.table, f"{added.table.partition('.')[0]}.{added.name}"],
        title=msg("{capitalize} {added} is validated in the transaction that added it NOT VALID",
                  capitalize=KIND_TITLE.get(added.kind, added.kind.capitalize()), added=added.name),
        evidence=[statement_evidence(rev.revision, fact), where,
                  msg("the ADD's {lock} on {table} is held through the validating scan", lock=lock, table=added.table)],
        impact=msg("The table is blocked for the whole scan, as if NOT VALID had not been used."),
        root_cause=msg("NOT VALID and VALIDATE must be committed separately for NOT VALID to help."),
        fix_sql=fix,
        locations=[location(rev.revision, fact)],
    )


@migration_rule("enum-value-in-transaction", severity=Severity.P1)
def enum_value_in_transaction(rev: AnalyzedRevision) -> Iterator[Finding]:
    """ALTER TYPE ... ADD VALUE inside a transaction on PostgreSQL 11 and older, or its new value used
    in the same transaction.

    ## What it does
    Flags `ALTER TYPE ... ADD VALUE` (Alembic: an enum change rendered inside the revision's
    transaction) when `--target-version` is 11 or older and a transaction is open, and, on any
    version, a statement that uses the new value before the transaction that added it commits.

    ## Why is this bad?
    PostgreSQL 11 and older refuse `ADD VALUE` inside a transaction block ("cannot run inside a
    transaction block"). From 12 on it runs, but the new value cannot be used until the transaction
    commits ("unsafe use of new value"): a data migration or a DEFAULT in the same transaction
    fails. Either way the deploy stops at this revision.

    ## Example
    ```sql
    BEGIN;
    ALTER TYPE order_status ADD VALUE 'refunded';
    UPDATE orders SET status = 'refunded' WHERE refunded_at IS NOT NULL;
    COMMIT;
    ```

    ## Use instead
    ```python
    def upgrade():
        with op.get_context().autocommit_block():
            op.execute("ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded'")
        op.execute("UPDATE orders SET status = 'refunded' WHERE refunded_at IS NOT NULL")
    ```
    """
    for fact in rev.facts:
        node = fact.statement.node
        if isinstance(node, ast.AlterEnumStmt) and node.newVal is not None and fact.statement.in_transaction \
                and rev.context.version < 12:
            yield _enum_finding(rev, fact, node.newVal,
                                msg("ADD VALUE cannot run inside a transaction block before PostgreSQL 12 "
                                    "({version_text})",
                                    version_text=rev.context.version_text))
        for value in fact.new_enum_values_used:
            yield _enum_finding(rev, fact, value, msg("enum value {value!r} is used in the transaction that added "
                                                      "it: \"unsafe use of new value\" until it commits",
                                                      value=value))


def _enum_finding(rev: AnalyzedRevision, fact: StatementFacts, value: str, why: str) -> Finding:
    return enum_value_in_transaction.finding(
        objects=[fact.table or rev.revision.id, value],
        title=msg("Enum value {value!r} added inside a transaction fails", value=value),
        evidence=[statement_evidence(rev.revision, fact), why],
        impact=msg("PostgreSQL rejects the statement: the migration fails and the deploy stops at this revision."),
        root_cause=msg("ALTER TYPE ... ADD VALUE must commit before the value is usable (and, before 12, outside "
                       "any transaction)."),
        fix_sql=(sql_comment("-- Alembic: with op.get_context().autocommit_block():\n")
                 + f"ALTER TYPE <enum> ADD VALUE IF NOT EXISTS {literal(value)};\n"
                 + sql_comment("-- then, in a later transaction, the statements that use it")),
        locations=[location(rev.revision, fact)],
    )


def long_running(fact: StatementFacts) -> str | None:
    """The online operation whose duration grows with an existing table (None: not one).

    Only the non-blocking forms: their blocking counterparts (CREATE INDEX, a validated ADD
    CONSTRAINT, a rewrite) are findings of their own, whose fixes are these forms.
    """
    if fact.table_new or not any(lk.existing for lk in fact.locks):
        return None
    node = fact.statement.node
    if isinstance(node, ast.IndexStmt) and node.concurrent:
        return "CREATE INDEX CONCURRENTLY"
    if isinstance(node, ast.ReindexStmt) and is_concurrent(node):
        return "REINDEX CONCURRENTLY"
    if isinstance(node, ast.RefreshMatViewStmt) and node.concurrent:
        return "REFRESH MATERIALIZED VIEW CONCURRENTLY"
    if isinstance(node, ast.AlterTableStmt) and any(
            cmd.subtype == AlterTableType.AT_ValidateConstraint for cmd in node.cmds or ()):
        return "VALIDATE CONSTRAINT"
    return None


@migration_rule("missing-statement-timeout", severity=Severity.P2)
def missing_statement_timeout(rev: AnalyzedRevision) -> Iterator[Finding]:
    """A long-running operation on an existing table runs without an explicit statement_timeout.

    ## What it does
    Flags the first online operation of a revision whose duration grows with an existing table
    (`CREATE INDEX CONCURRENTLY`, `VALIDATE CONSTRAINT`, `REINDEX ... CONCURRENTLY`, `REFRESH
    MATERIALIZED VIEW CONCURRENTLY`) when no `statement_timeout` was set before it in the revision or
    in env.py. Their blocking forms are reported by their own rules.

    ## Why is this bad?
    The statement then runs under whatever the migration role inherits: the application's short
    limit kills a `CREATE INDEX CONCURRENTLY` half-way and leaves an INVALID index behind (which
    still slows every write), a `VALIDATE` half-way leaves the constraint unvalidated; with no limit
    at all a stuck build holds its lock and a snapshot for hours. How long it may run should be a
    decision written in the migration.

    ## Example
    ```sql
    CREATE INDEX CONCURRENTLY ix_orders_note ON orders (note);
    ```

    ## Use instead
    ```sql
    SET statement_timeout = '30min';  -- what this table needs; 0 only on purpose
    CREATE INDEX CONCURRENTLY ix_orders_note ON orders (note);
    ```
    """
    if rev.context.statement_timeout_in_env:
        return
    for fact in rev.facts:
        what = long_running(fact)
        if what is None or fact.statement_timeout:
            continue
        tables = list(dict.fromkeys(lk.table for lk in fact.locks if lk.existing))
        prefix = ("op.execute(\"SET statement_timeout = '30min'\")  # sized for this table\n"
                  if rev.revision.kind == "alembic" else "")
        yield missing_statement_timeout.finding(
            objects=tables,
            title=msg("{what} on {tables} runs without a statement_timeout set by the migration",
                      what=what, tables=', '.join(tables)),
            evidence=[statement_evidence(rev.revision, fact),
                      msg("{what} takes time proportional to the table; no SET statement_timeout before it",
                          what=what)],
            impact=msg("Killed half-way by an inherited short limit (an INVALID index left behind), or unbounded."),
            root_cause=msg("The migration does not decide how long its long-running statement may run."),
            fix_sql=prefix + "SET statement_timeout = '30min';  " + sql_comment("-- sized for this table"),
            locations=[location(rev.revision, fact)],
        )
        return
