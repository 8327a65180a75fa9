"""Rules about locks: indexes, constraints and keys added in ways that block reads or writes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast
from pglast.enums import AlterTableType, ConstrType

from dbaudit.findings import Finding, Severity
from dbaudit.messages import msg, sql_comment
from dbaudit.migrations.rules._common import (
    KIND_TITLE,
    autocommit_note,
    deparse,
    derived_name,
    edited,
    location,
    lock_timeout_prefix,
    regclass,
    statement_evidence,
    table_sql,
)
from dbaudit.migrations.rules.registry import migration_rule
from dbaudit.migrations.sqlfacts import BLOCKS, LOCK_MODES, WRITE_BLOCKING, needs_autocommit
from dbaudit.migrations.state import AnalyzedRevision, LockOn, StatementFacts
from dbaudit.sqltext import column_list, ident, in_comment, literal


def existing(fact: StatementFacts) -> bool:
    """The statement works on a table that was not created in the same revision."""
    return fact.table is not None and not fact.table_new


def added_constraints(fact: StatementFacts, contype: ConstrType) -> Iterator[Any]:
    """Constraints of ``contype`` the statement adds to its table: ``ADD CONSTRAINT``, and (for
    UNIQUE and PRIMARY KEY) those written on an added column, ``ADD COLUMN c int UNIQUE``, whose
    ``keys`` are then empty (see :func:`constraint_keys`)."""
    node = fact.statement.node
    if isinstance(node, ast.AlterTableStmt):
        for cmd in node.cmds or ():
            if cmd.subtype == AlterTableType.AT_AddConstraint and cmd.def_.contype == contype:
                yield cmd.def_
            elif cmd.subtype == AlterTableType.AT_AddColumn and contype in _INLINE:
                yield from (c for c in cmd.def_.constraints or () if c.contype == contype)


_INLINE = (ConstrType.CONSTR_UNIQUE, ConstrType.CONSTR_PRIMARY)


def constraint_keys(fact: StatementFacts, con: Any) -> tuple[str, ...]:
    """The key columns of a constraint; for one written on an added column, that column."""
    if con.keys:
        return tuple(k.sval for k in con.keys)
    node = fact.statement.node
    for cmd in node.cmds or ():
        if cmd.subtype == AlterTableType.AT_AddColumn and any(c is con for c in cmd.def_.constraints or ()):
            return (cmd.def_.colname,)
    return ()


def inline(con: Any, fact: StatementFacts) -> bool:
    """The constraint is written on an ``ADD COLUMN`` (not as ``ADD CONSTRAINT``)."""
    return not con.keys and bool(constraint_keys(fact, con))


@migration_rule("non-concurrent-index", severity=Severity.P1)
def non_concurrent_index(rev: AnalyzedRevision) -> Iterator[Finding]:
    """CREATE INDEX without CONCURRENTLY on an existing table.

    ## What it does
    Flags `CREATE INDEX` (Alembic `op.create_index` without `postgresql_concurrently=True`) on a table
    that the same revision did not create.

    ## Why is this bad?
    A plain `CREATE INDEX` holds a SHARE lock for the whole index build: every INSERT, UPDATE and
    DELETE on the table waits, for minutes on a large table.

    ## Example
    ```sql
    CREATE INDEX ix_orders_customer ON orders (customer_id);
    ```

    ## Use instead
    ```sql
    -- Alembic: with op.get_context().autocommit_block():
    CREATE INDEX CONCURRENTLY ix_orders_customer ON orders (customer_id);
    ```
    On a partitioned table (where CONCURRENTLY is not supported) create the index `ON ONLY` the parent,
    build each partition's index concurrently and `ALTER INDEX ... ATTACH PARTITION` it.
    """
    for fact in rev.facts:
        node = fact.statement.node
        if not isinstance(node, ast.IndexStmt) or node.concurrent or not existing(fact):
            continue
        assert fact.table is not None
        info = fact.table_info
        partitioned = info is not None and info.partitioned
        name = node.idxname or derived_name(fact.table.rpartition(".")[2], "idx")
        schema = fact.table.partition(".")[0]
        yield non_concurrent_index.finding(
            objects=[fact.table, f"{schema}.{name}"],
            title=msg("Index {name} is built without CONCURRENTLY on {table}", name=name, table=fact.table),
            evidence=[statement_evidence(rev.revision, fact),
                      msg("ShareLock held for the whole build{value}",
                          value=msg(" on the parent and every partition") if partitioned else "")],
            impact=msg("Writes to the table (INSERT/UPDATE/DELETE) wait until the index is built."),
            root_cause=msg("The index is created inside the migration's transaction without CONCURRENTLY."),
            fix_sql=_concurrent_index_fix(rev, fact, node, partitioned=partitioned),
            verify_sql=("SELECT indexrelid::regclass, indisvalid FROM pg_index WHERE indexrelid = "
                        f"{literal(f'{ident(schema)}.{ident(name)}')}::regclass;"),
            locations=[location(rev.revision, fact)],
        )


def _concurrent_index_fix(rev: AnalyzedRevision, fact: StatementFacts, node: Any, *, partitioned: bool) -> str:
    if not partitioned:
        with edited((node, "concurrent", True)):
            return autocommit_note(rev.revision) + deparse(node) + ";"
    assert fact.table is not None
    assert fact.table_info is not None
    # ON ONLY parent: an invalid index, no partition is touched
    with edited((node.relation, "inh", False), (node, "concurrent", False)):
        parent = deparse(node)
    name = node.idxname or "parent_idx"
    lines = [parent + ";"]
    columns = ", ".join(deparse(e) for e in node.indexParams)
    unique = "UNIQUE " if node.unique else ""
    partitions = fact.table_info.partitions or ("schema.partition_name",)
    lines.append(autocommit_note(rev.revision).rstrip())
    for part in partitions:
        part_index = derived_name(part.rpartition(".")[2], name)
        lines.append(f"CREATE {unique}INDEX CONCURRENTLY {ident(part_index)} ON {table_sql(part)} ({columns});")
        lines.append(f"ALTER INDEX {ident(fact.table.partition('.')[0])}.{ident(name)} "
                     f"ATTACH PARTITION {ident(part.partition('.')[0])}.{ident(part_index)};")
    return "\n".join(lines)


@migration_rule("concurrent-in-transaction", severity=Severity.P1)
def concurrent_in_transaction(rev: AnalyzedRevision) -> Iterator[Finding]:
    """A CONCURRENTLY statement runs inside a transaction block and will fail.

    ## What it does
    Flags `CREATE INDEX CONCURRENTLY`, `DROP INDEX CONCURRENTLY`, `REINDEX ... CONCURRENTLY`,
    `DETACH PARTITION ... CONCURRENTLY` and `VACUUM` emitted while a transaction is open (Alembic wraps every
    revision in one unless the statement sits in `op.get_context().autocommit_block()`).

    ## Why is this bad?
    PostgreSQL refuses these statements inside a transaction block ("cannot run inside a transaction
    block"): the deploy fails at this revision.

    ## Example
    ```python
    def upgrade():
        op.create_index("ix_orders_customer", "orders", ["customer_id"], postgresql_concurrently=True)
    ```

    ## Use instead
    ```python
    def upgrade():
        with op.get_context().autocommit_block():
            op.create_index("ix_orders_customer", "orders", ["customer_id"], postgresql_concurrently=True)
    ```
    """
    for fact in rev.facts:
        why = needs_autocommit(fact.statement.node)
        if not fact.statement.in_transaction or why is None:
            continue
        objects = [fact.table] if fact.table else [rev.revision.id]
        yield concurrent_in_transaction.finding(
            objects=objects,
            title=msg("{why} statement inside a transaction block", why=why),
            evidence=[statement_evidence(rev.revision, fact)],
            impact=msg("PostgreSQL rejects it: the migration fails and the deploy stops at this revision."),
            root_cause=msg("The migration runner opened a transaction around the revision."),
            fix_sql=autocommit_note(rev.revision) + fact.statement.sql.rstrip(";") + ";",
            locations=[location(rev.revision, fact)],
        )


@migration_rule("concurrent-index-on-partitioned-table", severity=Severity.P1)
def concurrent_index_on_partitioned_table(rev: AnalyzedRevision) -> Iterator[Finding]:
    """CREATE INDEX CONCURRENTLY on a partitioned table, which PostgreSQL rejects.

    ## What it does
    Flags `CREATE INDEX CONCURRENTLY` whose table is partitioned (declared `PARTITION BY` in the
    migrations).

    ## Why is this bad?
    PostgreSQL (up to 17) refuses it ("cannot create index on partitioned table ... concurrently"): the
    migration fails at deploy time even though the intent, not blocking writes, was right.

    ## Example
    ```sql
    CREATE INDEX CONCURRENTLY ix_events_created ON events (created_at);
    ```

    ## Use instead
    ```sql
    CREATE INDEX ix_events_created ON ONLY events (created_at);            -- invalid, instant
    CREATE INDEX CONCURRENTLY ix_events_2025_created ON events_2025 (created_at);
    ALTER INDEX ix_events_created ATTACH PARTITION ix_events_2025_created;  -- per partition
    ```
    """
    for fact in rev.facts:
        node = fact.statement.node
        info = fact.table_info
        if not isinstance(node, ast.IndexStmt) or not node.concurrent or info is None or not info.partitioned:
            continue
        assert fact.table is not None
        name = node.idxname or derived_name(fact.table.rpartition(".")[2], "idx")
        yield concurrent_index_on_partitioned_table.finding(
            objects=[fact.table, f"{fact.table.partition('.')[0]}.{name}"],
            title=msg("CREATE INDEX CONCURRENTLY on partitioned table {table} fails", table=fact.table),
            evidence=[statement_evidence(rev.revision, fact),
                      msg("{table} is partitioned ({n_partitions} known partition(s))",
                          table=fact.table, n_partitions=len(info.partitions))],
            impact=msg("PostgreSQL rejects the statement: the migration fails and the deploy stops here."),
            root_cause=msg("CONCURRENTLY is not supported on a partitioned table's parent."),
            fix_sql=_concurrent_index_fix(rev, fact, node, partitioned=True),
            locations=[location(rev.revision, fact)],
        )


@migration_rule("fk-without-not-valid", severity=Severity.P1)
def fk_without_not_valid(rev: AnalyzedRevision) -> Iterator[Finding]:
    """A foreign key is added to an existing table and validated in the same step.

    ## What it does
    Flags `ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY` (Alembic `op.create_foreign_key`) without
    `NOT VALID` on a table the same revision did not create.

    ## Why is this bad?
    Adding a validated foreign key scans the whole table while holding SHARE ROW EXCLUSIVE locks on
    both the table and the referenced table: writes to both wait for the scan.

    ## Example
    ```sql
    ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);
    ```

    ## Use instead
    ```sql
    ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id)
        REFERENCES customers (id) NOT VALID;
    ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;  -- later, SHARE UPDATE EXCLUSIVE only
    ```
    """
    for fact in rev.facts:
        if not existing(fact):
            continue
        for con in added_constraints(fact, ConstrType.CONSTR_FOREIGN):
            if con.skip_validation:
                continue
            yield _not_valid_finding(
                fk_without_not_valid, rev, fact, con, kind="foreign key",
                impact=msg("Writes to the table and to the referenced table wait for a full scan."))


@migration_rule("check-without-not-valid", severity=Severity.P1)
def check_without_not_valid(rev: AnalyzedRevision) -> Iterator[Finding]:
    """A CHECK constraint is added to an existing table and validated in the same step.

    ## What it does
    Flags `ALTER TABLE ... ADD CONSTRAINT ... CHECK (...)` (Alembic `op.create_check_constraint`)
    without `NOT VALID` on a table the same revision did not create.

    ## Why is this bad?
    The constraint is checked against every row while ACCESS EXCLUSIVE is held: reads and writes
    wait for the full scan.

    ## Example
    ```sql
    ALTER TABLE orders ADD CONSTRAINT orders_amount_positive CHECK (amount > 0);
    ```

    ## Use instead
    ```sql
    ALTER TABLE orders ADD CONSTRAINT orders_amount_positive CHECK (amount > 0) NOT VALID;
    ALTER TABLE orders VALIDATE CONSTRAINT orders_amount_positive;
    ```
    """
    for fact in rev.facts:
        if not existing(fact):
            continue
        for con in added_constraints(fact, ConstrType.CONSTR_CHECK):
            if con.skip_validation:
                continue
            yield _not_valid_finding(
                check_without_not_valid, rev, fact, con, kind="check constraint",
                impact=msg("Reads and writes on the table wait for a full scan."))


def _not_valid_finding(rule: Any, rev: AnalyzedRevision, fact: StatementFacts, con: Any, *, kind: str,
                       impact: str) -> Finding:
    assert fact.table is not None
    table = fact.table.rpartition(".")[2]
    cols = "_".join(a.sval for a in (con.fk_attrs or ()))
    suffix = f"{cols}_fkey" if con.contype == ConstrType.CONSTR_FOREIGN else "check"
    name = con.conname or derived_name(table, suffix)
    node = fact.statement.node
    changes = [change for cmd in node.cmds
               if cmd.subtype == AlterTableType.AT_AddConstraint and cmd.def_.contype == con.contype
               for change in ((cmd.def_, "skip_validation", True), (cmd.def_, "initially_valid", False),
                              (cmd.def_, "conname", cmd.def_.conname or name))]
    with edited(*changes):
        not_valid = deparse(node)
    fix = (lock_timeout_prefix(rev.revision) + not_valid + ";\n"
           + sql_comment("-- in a later transaction (SHARE UPDATE EXCLUSIVE: reads and writes go on)\n")
           + f"ALTER TABLE {table_sql(fact.table)} VALIDATE CONSTRAINT {ident(name)};")
    return rule.finding(  # type: ignore[no-any-return]
        objects=[fact.table, f"{fact.table.partition('.')[0]}.{name}"],
        title=msg("{capitalize} {name} on {table} is validated while it is added",
                  capitalize=KIND_TITLE.get(kind, kind.capitalize()), name=name, table=fact.table),
        evidence=[statement_evidence(rev.revision, fact)],
        impact=impact,
        root_cause=msg("The constraint is added without NOT VALID, so PostgreSQL checks every row under the lock."),
        fix_sql=fix,
        verify_sql=(f"SELECT conname, convalidated FROM pg_constraint WHERE conrelid = {regclass(fact.table)}"
                    f" AND conname = {literal(name)};"),
        locations=[location(rev.revision, fact)],
    )


@migration_rule("unique-constraint-without-index", severity=Severity.P1)
def unique_constraint_without_index(rev: AnalyzedRevision) -> Iterator[Finding]:
    """A UNIQUE constraint is added to an existing table without a concurrently built index.

    ## What it does
    Flags `ALTER TABLE ... ADD CONSTRAINT ... UNIQUE (...)` (Alembic `op.create_unique_constraint`) on
    a table the same revision did not create, unless it is `UNIQUE USING INDEX`, and a `UNIQUE`
    written on an added column (`ADD COLUMN code text UNIQUE`, `sa.Column(..., unique=True)`).

    ## Why is this bad?
    PostgreSQL builds the unique index inside the ALTER TABLE while holding ACCESS EXCLUSIVE: reads and
    writes wait for the whole build.

    ## Example
    ```sql
    ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);
    ```

    ## Use instead
    ```sql
    CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);
    ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;
    ```
    """
    for fact in rev.facts:
        if not existing(fact):
            continue
        for con in added_constraints(fact, ConstrType.CONSTR_UNIQUE):
            if con.indexname:
                continue
            assert fact.table is not None
            keys = constraint_keys(fact, con)
            name = con.conname or derived_name(f"{fact.table.rpartition('.')[2]}_{'_'.join(keys)}", "key")
            schema = fact.table.partition(".")[0]
            column_first = (f"ALTER TABLE {table_sql(fact.table)} ADD COLUMN {ident(keys[0])} "
                            f"{_column_type(fact, keys[0])};  " + sql_comment("-- without UNIQUE\n")
                            if inline(con, fact) else "")
            fix = (column_first + autocommit_note(rev.revision)
                   + f"CREATE UNIQUE INDEX CONCURRENTLY {ident(name)} ON {table_sql(fact.table)} "
                   f"({column_list(keys)});\n" + lock_timeout_prefix(rev.revision)
                   + f"ALTER TABLE {table_sql(fact.table)} ADD CONSTRAINT {ident(name)} UNIQUE USING INDEX "
                   f"{ident(name)};")
            yield unique_constraint_without_index.finding(
                objects=[fact.table, *(f"{fact.table}.{k}" for k in keys)],
                title=msg("Unique constraint {name} on {table} builds its index under ACCESS EXCLUSIVE",
                          name=name, table=fact.table),
                evidence=[statement_evidence(rev.revision, fact),
                          *([msg("UNIQUE is written on the added column: the index is built inside the ALTER TABLE")]
                            if inline(con, fact) else [])],
                impact=msg("Reads and writes on the table wait while the unique index is built."),
                root_cause=msg("ADD CONSTRAINT ... UNIQUE builds a new index inside the locking ALTER TABLE."),
                fix_sql=fix,
                verify_sql=(f"SELECT conname, conindid::regclass FROM pg_constraint WHERE conrelid = "
                            f"{regclass(fact.table)} AND contype = 'u' AND conname = "
                            f"{literal(name)}; -- index of {in_comment(ident(schema))}"),
                locations=[location(rev.revision, fact)],
            )


@migration_rule("primary-key-on-existing-table", severity=Severity.P1)
def primary_key_on_existing_table(rev: AnalyzedRevision) -> Iterator[Finding]:
    """A primary key is added to an existing (possibly large or partitioned) table in one step.

    ## What it does
    Flags `ALTER TABLE ... ADD PRIMARY KEY (...)` (Alembic `op.create_primary_key`) on a table the
    same revision did not create, unless it is `PRIMARY KEY USING INDEX`, and a `PRIMARY KEY`
    written on an added column (`ADD COLUMN id bigint PRIMARY KEY`).

    ## Why is this bad?
    The statement holds ACCESS EXCLUSIVE while it checks the key columns for NULLs (a full scan when
    they are nullable) and builds the unique index. On a partitioned table it takes that lock on the
    parent and on every partition, so the whole table is unreadable and unwritable meanwhile.

    ## Example
    ```sql
    ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY (id, created_at);
    ```

    ## Use instead
    ```sql
    CREATE UNIQUE INDEX CONCURRENTLY events_pkey ON events (id, created_at);
    ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY USING INDEX events_pkey;
    -- partitioned: do both steps on each partition, then ADD PRIMARY KEY on the parent,
    -- which attaches the partitions' keys instead of building new indexes.
    ```
    """
    for fact in rev.facts:
        if not existing(fact):
            continue
        for con in added_constraints(fact, ConstrType.CONSTR_PRIMARY):
            if con.indexname:
                continue
            yield _pk_finding(rev, fact, con)


def _pk_finding(rev: AnalyzedRevision, fact: StatementFacts, con: Any) -> Finding:
    assert fact.table is not None
    info = fact.table_info
    keys = constraint_keys(fact, con)
    bare = fact.table.rpartition(".")[2]
    name = con.conname or derived_name(bare, "pkey")
    partitions = info.partitions if info is not None and info.partitioned else ()
    partitioned = info is not None and info.partitioned
    evidence = [statement_evidence(rev.revision, fact)]
    if partitioned:
        shown = ", ".join(partitions[:3]) + (", ..." if len(partitions) > 3 else "")
        evidence.append(msg("{table} is partitioned: ACCESS EXCLUSIVE on the parent, and each of its "
                            "{n_partitions} known partition(s) is locked (SHARE: writes wait) while its index is "
                            "built{value}",
                            table=fact.table, n_partitions=len(partitions), value=f" ({shown})" if partitions else ""))
    nullable = [k for k in keys if info is None or k not in info.not_null]
    if inline(con, fact):
        evidence.append(msg("PRIMARY KEY is written on the added column: the index is built inside the ALTER TABLE"))
    if nullable:
        evidence.append(msg("key column(s) not known to be NOT NULL, so SET NOT NULL scans under the lock: "
                            "{nullable}",
                            nullable=", ".join(nullable)))
    return primary_key_on_existing_table.finding(
        objects=[fact.table, *(f"{fact.table}.{k}" for k in keys)],
        title=msg("Primary key {name} added to existing {value}table {table}",
                  name=name, value='partitioned ' if partitioned else '', table=fact.table),
        evidence=evidence,
        impact=(msg("Reads and writes on the table{value} wait while the key columns are scanned and the unique "
                    "index is built.",
                    value=msg(" and all its partitions") if partitioned else "")),
        root_cause=msg("ADD PRIMARY KEY builds the index and checks NOT NULL inside one ACCESS EXCLUSIVE lock."),
        fix_sql=_pk_fix(rev, fact.table, name, keys, nullable=nullable,
                        partitions=partitions if partitioned else None),
        verify_sql=(f"SELECT conname, conrelid::regclass FROM pg_constraint WHERE contype = 'p' AND conrelid = "
                    f"{regclass(fact.table)};"),
        locations=[location(rev.revision, fact)],
    )


def _pk_fix(rev: AnalyzedRevision, table: str, name: str, keys: tuple[str, ...], *, nullable: list[str],
            partitions: tuple[str, ...] | None) -> str:
    lines = [autocommit_note(rev.revision).rstrip(), "SET lock_timeout = '5s';"]
    targets = (partitions or ("schema.partition_name",)) if partitions is not None else (table,)
    cols = column_list(keys)
    for target in targets:
        lines.extend(_not_null_steps(target, nullable))
        index = derived_name(target.rpartition(".")[2], "pkey") if partitions is not None else name
        lines.append(f"CREATE UNIQUE INDEX CONCURRENTLY {ident(index)} ON {table_sql(target)} ({cols});")
        lines.append(f"ALTER TABLE {table_sql(target)} ADD CONSTRAINT {ident(index)} "
                     f"PRIMARY KEY USING INDEX {ident(index)};")
    if partitions is not None:
        lines.append(sql_comment("-- the parent: attaches the partitions' primary keys, builds nothing"))
        lines.append(f"ALTER TABLE {table_sql(table)} ADD CONSTRAINT {ident(name)} PRIMARY KEY ({cols});")
    return "\n".join(lines)


def _column_type(fact: StatementFacts, column: str) -> str:
    node = fact.statement.node
    for cmd in node.cmds or ():
        if cmd.subtype == AlterTableType.AT_AddColumn and cmd.def_.colname == column:
            return deparse(cmd.def_.typeName)
    return f"<type of {ident(column)}>"


def _not_null_steps(table: str, columns: list[str]) -> list[str]:
    steps: list[str] = []
    for col in columns:
        check = derived_name(f"{table.rpartition('.')[2]}_{col}", "not_null")
        steps += [
            f"ALTER TABLE {table_sql(table)} ADD CONSTRAINT {ident(check)} CHECK ({ident(col)} IS NOT NULL) NOT VALID;",
            f"ALTER TABLE {table_sql(table)} VALIDATE CONSTRAINT {ident(check)};",
            f"ALTER TABLE {table_sql(table)} ALTER COLUMN {ident(col)} SET NOT NULL;",
            f"ALTER TABLE {table_sql(table)} DROP CONSTRAINT {ident(check)};",
        ]
    return steps


def blocking(fact: StatementFacts, *, roles: tuple[str, ...] = ("target", "parent", "index")) -> list[LockOn]:
    """Locks of the statement on existing tables that block writes (SHARE) or more."""
    return [lk for lk in fact.locks if lk.existing and lk.role in roles
            and LOCK_MODES.index(lk.mode) >= WRITE_BLOCKING]


@migration_rule("missing-lock-timeout", severity=Severity.P1)
def missing_lock_timeout(rev: AnalyzedRevision) -> Iterator[Finding]:
    """A revision takes locks that block reads or writes without setting lock_timeout first.

    ## What it does
    Flags the first statement of a revision that asks for a SHARE lock or stronger on an existing
    table while no `lock_timeout` is in force (set in the revision, or anywhere in env.py): ALTER
    TABLE, CREATE INDEX, DROP TABLE/INDEX/TRIGGER, RENAME, TRUNCATE, LOCK TABLE, VACUUM FULL,
    CLUSTER, REINDEX, CREATE TRIGGER, REFRESH MATERIALIZED VIEW, CREATE OR REPLACE VIEW, and the
    parent of a new partition. The lock a new foreign key takes on the table it references is
    reported by `fk-locks-referenced-table`.

    ## Why is this bad?
    A DDL statement waiting for its lock (behind one long-running query) queues every later query on
    that table behind it: the table is effectively down until the DDL gets its lock and finishes.
    With `lock_timeout` the migration fails fast and can be retried instead.

    ## Example
    ```sql
    ALTER TABLE orders ADD COLUMN note text;
    ```

    ## Use instead
    ```sql
    SET lock_timeout = '5s';
    ALTER TABLE orders ADD COLUMN note text;
    ```
    """
    if rev.lock_timeout_in_env:
        return
    for fact in rev.facts:
        locks = blocking(fact)
        if fact.lock_timeout or not locks:
            continue
        strongest = max(locks, key=lambda lk: LOCK_MODES.index(lk.mode))
        others = [f"{lk.mode} on {lk.table}" for lk in locks if lk is not strongest]
        yield missing_lock_timeout.finding(
            objects=[strongest.table],
            title=msg("Revision {id} asks for {mode} on {table} without a lock_timeout",
                      id=rev.revision.id, mode=strongest.mode, table=strongest.table),
            evidence=[statement_evidence(rev.revision, fact), msg("{mode} blocks {blocks}",
                                                                  mode=strongest.mode, blocks=BLOCKS[strongest.mode]),
                      *([msg("also: {others}", others=', '.join(others))] if others else [])],
            impact=msg("While the statement waits for its lock, every later query on the table queues behind it."),
            root_cause=msg("No SET lock_timeout before the first locking statement of the revision."),
            fix_sql=lock_timeout_prefix(rev.revision).rstrip(),
            locations=[location(rev.revision, fact)],
        )
        return


@migration_rule("fk-locks-referenced-table", severity=Severity.P1)
def fk_locks_referenced_table(rev: AnalyzedRevision) -> Iterator[Finding]:
    """A new foreign key locks the existing table it references, without a lock_timeout.

    ## What it does
    Flags a foreign key added to a table (in `CREATE TABLE ... REFERENCES`, `ADD COLUMN ...
    REFERENCES` or `ADD CONSTRAINT ... FOREIGN KEY`, Alembic `sa.ForeignKey` / `op.create_foreign_key`)
    that references an existing table while no `lock_timeout` is in force. `NOT VALID` does not
    help here: the lock is taken to install the constraint's triggers on the referenced table.

    ## Why is this bad?
    Adding the key takes SHARE ROW EXCLUSIVE on the **referenced** table, often the busiest one
    (`users`, `accounts`): its INSERT, UPDATE and DELETE wait, and while the statement waits behind
    a long transaction every later write to that table queues behind it, even though the migration
    "only creates a new table".

    ## Example
    ```sql
    CREATE TABLE invoices (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id));
    ```

    ## Use instead
    ```sql
    SET lock_timeout = '5s';
    CREATE TABLE invoices (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id));
    ```
    """
    if rev.lock_timeout_in_env:
        return
    for fact in rev.facts:
        refs = [lk for lk in fact.locks if lk.role == "referenced" and lk.existing and lk.table != fact.table]
        if fact.lock_timeout or not refs:
            continue
        names = [lk.table for lk in refs]
        yield fk_locks_referenced_table.finding(
            objects=names,
            title=msg("Foreign key takes ShareRowExclusiveLock on referenced table {names} without a lock_timeout",
                      names=', '.join(names)),
            evidence=[statement_evidence(rev.revision, fact),
                      msg("ShareRowExclusiveLock blocks {blocks}", blocks=BLOCKS['ShareRowExclusiveLock'])],
            impact=msg("Writes to the referenced table wait for the statement, and queue behind it while it waits."),
            root_cause=msg("A foreign key installs triggers on the referenced table, under a lock that blocks "
                           "writes."),
            fix_sql=lock_timeout_prefix(rev.revision).rstrip(),
            locations=[location(rev.revision, fact)],
        )


@migration_rule("access-exclusive-lock", severity=Severity.P1, scope="trace", fix="sometimes")
def access_exclusive_lock(_: object) -> Iterator[Finding]:
    """A traced statement held ACCESS EXCLUSIVE on an existing table.

    ## What it does
    Reported by lock tracing (`--trace`): the statement was run on a throw-away database holding
    sample rows and `pg_locks` showed an AccessExclusiveLock on a table that existed before the
    revision. The finding says whether the table was rewritten (its relfilenode changed) and how long
    the statement ran. P1 when the table was rewritten, P2 otherwise (a short metadata-only lock).

    ## Why is this bad?
    ACCESS EXCLUSIVE blocks every query on the table, plain SELECTs included, for as long as the
    statement runs; a rewrite makes that proportional to the table size.

    ## Example
    ```sql
    ALTER TABLE orders ALTER COLUMN id TYPE bigint;  -- AccessExclusiveLock, table rewritten
    ```

    ## Use instead
    ```sql
    -- expand/contract: new column, backfill in batches, swap in a short lock with lock_timeout
    ALTER TABLE orders ADD COLUMN id_new bigint;
    ```
    """
    return iter(())
