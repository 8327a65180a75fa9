"""Rules about maintenance and housekeeping statements that lock existing tables: DROP INDEX,
REINDEX, VACUUM FULL, CLUSTER, TRUNCATE, LOCK TABLE, DETACH PARTITION and DROP TRIGGER."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast
from pglast.enums import AlterTableType, DropBehavior, ObjectType, ReindexObjectType

from dbaudit.findings import Finding, Severity
from dbaudit.messages import msg, sql_comment
from dbaudit.migrations.rules._common import (
    autocommit_note,
    deparse,
    edited,
    location,
    lock_timeout_prefix,
    statement_evidence,
    table_sql,
)
from dbaudit.migrations.rules.registry import migration_rule
from dbaudit.migrations.sqlfacts import BLOCKS, LOCK_MODES, WRITE_BLOCKING, is_concurrent, rel_name, vacuum_full
from dbaudit.migrations.state import AnalyzedRevision, LockOn, StatementFacts
from dbaudit.sqltext import ident


def _existing_locks(fact: StatementFacts) -> list[LockOn]:
    return [lk for lk in fact.locks if lk.existing and lk.role in ("target", "index")]


def _names(locks: list[LockOn]) -> list[str]:
    return list(dict.fromkeys(lk.table for lk in locks))


@migration_rule("drop-index-non-concurrent", severity=Severity.P1)
def drop_index_non_concurrent(rev: AnalyzedRevision) -> Iterator[Finding]:
    """DROP INDEX without CONCURRENTLY on an existing table.

    ## What it does
    Flags `DROP INDEX` (Alembic `op.drop_index` without `postgresql_concurrently=True`) of an index
    whose table the same revision did not create. An index the migrations never created is taken to
    be on an existing table.

    ## Why is this bad?
    A plain `DROP INDEX` takes ACCESS EXCLUSIVE on the index's **table**: every read and write of the
    table waits, and while the drop itself waits behind a long query, everything queues behind it.

    ## Example
    ```sql
    DROP INDEX ix_orders_status;
    ```

    ## Use instead
    ```sql
    -- outside a transaction block (Alembic: autocommit_block)
    DROP INDEX CONCURRENTLY ix_orders_status;
    ```
    """
    for fact in rev.facts:
        node = fact.statement.node
        if not isinstance(node, ast.DropStmt) or node.removeType != ObjectType.OBJECT_INDEX or node.concurrent:
            continue
        locks = _existing_locks(fact)
        if not locks:
            continue
        with edited((node, "concurrent", True)):
            concurrently = deparse(node)
        index_names = [".".join(n.sval for n in names) for names in node.objects or ()]
        yield drop_index_non_concurrent.finding(
            objects=[*_names(locks), *index_names],
            title=msg("Index {index_names} is dropped without CONCURRENTLY", index_names=', '.join(index_names)),
            evidence=[statement_evidence(rev.revision, fact),
                      msg("AccessExclusiveLock on {names}{unknown}", names=", ".join(_names(locks)),
                          unknown=msg(" (the index's table is not known to these migrations)")
                          if any(lk.role == "index" for lk in locks) else "")],
            impact=msg("Reads and writes on the table wait while the index is dropped (and while the drop waits)."),
            root_cause=msg("DROP INDEX without CONCURRENTLY locks the whole table."),
            fix_sql=autocommit_note(rev.revision) + concurrently + ";",
            locations=[location(rev.revision, fact)],
        )


@migration_rule("reindex-non-concurrent", severity=Severity.P1)
def reindex_non_concurrent(rev: AnalyzedRevision) -> Iterator[Finding]:
    """REINDEX without CONCURRENTLY on an existing table or index.

    ## What it does
    Flags `REINDEX INDEX/TABLE/SCHEMA/DATABASE` without `CONCURRENTLY`, including
    `REINDEX (CONCURRENTLY false)`, unless it works on a table created in the same revision.

    ## Why is this bad?
    A plain REINDEX holds a SHARE lock on the table (writes wait) and ACCESS EXCLUSIVE on each index
    it rebuilds (reads that would use the index wait) for the whole rebuild, which grows with the
    table. PostgreSQL 12+ can rebuild concurrently.

    ## Example
    ```sql
    REINDEX INDEX ix_orders_status;
    ```

    ## Use instead
    ```sql
    -- PostgreSQL 12+, outside a transaction block
    REINDEX INDEX CONCURRENTLY ix_orders_status;
    -- older servers: CREATE INDEX CONCURRENTLY a copy, DROP INDEX CONCURRENTLY the old one, rename
    ```
    """
    for fact in rev.facts:
        node = fact.statement.node
        if not isinstance(node, ast.ReindexStmt) or is_concurrent(node):
            continue
        locks = _existing_locks(fact)
        whole = node.kind not in (ReindexObjectType.REINDEX_OBJECT_INDEX, ReindexObjectType.REINDEX_OBJECT_TABLE)
        if not locks and not whole:
            continue
        what = node.name if whole else ", ".join(_names(locks))
        if rev.context.version >= 12:  # the form PostgreSQL 12 and 13 accept too (not "REINDEX (CONCURRENTLY)")
            target = table_sql(rel_name(node.relation)) if node.relation is not None else ident(str(node.name))
            kind: Any = node.kind
            fix = f"{autocommit_note(rev.revision)}REINDEX {_REINDEX_KIND[kind]} CONCURRENTLY {target};"
        else:
            fix = (sql_comment("-- PostgreSQL 11 and older have no REINDEX CONCURRENTLY: build a copy and swap\n")
                   + "CREATE INDEX CONCURRENTLY <name>_new ON <table> (<same definition>);\n"
                   "DROP INDEX CONCURRENTLY <name>;\nALTER INDEX <name>_new RENAME TO <name>;")
        yield reindex_non_concurrent.finding(
            objects=[str(what)],
            title=msg("REINDEX of {what} without CONCURRENTLY", what=what),
            evidence=[statement_evidence(rev.revision, fact),
                      msg("ShareLock on the table (writes wait) and AccessExclusiveLock on each index "
                          "rebuilt{flag}",
                          flag=" (CONCURRENTLY false)" if any(p.defname == "concurrently" for p in node.params or ())
                          else "")],
            impact=msg("Writes to the table, and reads that use the rebuilt indexes, wait for the whole rebuild."),
            root_cause=msg("REINDEX without CONCURRENTLY rebuilds under blocking locks."),
            fix_sql=fix,
            locations=[location(rev.revision, fact)],
        )


_REINDEX_KIND = {ReindexObjectType.REINDEX_OBJECT_INDEX: "INDEX", ReindexObjectType.REINDEX_OBJECT_TABLE: "TABLE",
                 ReindexObjectType.REINDEX_OBJECT_SCHEMA: "SCHEMA", ReindexObjectType.REINDEX_OBJECT_SYSTEM: "SYSTEM",
                 ReindexObjectType.REINDEX_OBJECT_DATABASE: "DATABASE"}


@migration_rule("vacuum-full-or-cluster", severity=Severity.P1, fix="never")
def vacuum_full_or_cluster(rev: AnalyzedRevision) -> Iterator[Finding]:
    """VACUUM FULL or CLUSTER rewrites an existing table under ACCESS EXCLUSIVE.

    ## What it does
    Flags `VACUUM FULL` (also `VACUUM (FULL)`) and `CLUSTER` in a migration, unless they work on a
    table the same revision created.

    ## Why is this bad?
    Both copy the whole table and rebuild every index while holding ACCESS EXCLUSIVE: reads and writes
    wait for the time of a full rewrite, and the table needs twice its disk space meanwhile.

    ## Example
    ```sql
    VACUUM FULL orders;
    ```

    ## Use instead
    ```sql
    VACUUM (ANALYZE) orders;  -- reclaims dead rows for reuse, no blocking lock
    -- to shrink or reorder a large table online: pg_repack or pg_squeeze, outside the migration
    ```
    """
    for fact in rev.facts:
        node = fact.statement.node
        if not (vacuum_full(node) or isinstance(node, ast.ClusterStmt)):
            continue
        locks = _existing_locks(fact)
        whole = not fact.locks  # VACUUM FULL / CLUSTER without a table: every table of the database
        if not locks and not whole:
            continue
        what = "VACUUM FULL" if vacuum_full(node) else "CLUSTER"
        names = _names(locks) or [msg("every table of the database")]
        yield vacuum_full_or_cluster.finding(
            objects=names,
            title=msg("{what} rewrites {names} under ACCESS EXCLUSIVE", what=what, names=', '.join(names)),
            evidence=[statement_evidence(rev.revision, fact),
                      msg("AccessExclusiveLock blocks {blocks}", blocks=BLOCKS['AccessExclusiveLock'])],
            impact=msg("Reads and writes wait while the table and its indexes are copied; disk use doubles "
                       "meanwhile."),
            root_cause=msg("{what} is an offline maintenance operation run inside a deploy.", what=what),
            locations=[location(rev.revision, fact)],
        )


@migration_rule("truncate-table", severity=Severity.P1, fix="never")
def truncate_table(rev: AnalyzedRevision) -> Iterator[Finding]:
    """TRUNCATE of an existing table (P0 with CASCADE).

    ## What it does
    Flags `TRUNCATE` of tables the same revision did not create. With `CASCADE` every table that
    references them through a foreign key is emptied as well, which the statement does not name: P0.

    ## Why is this bad?
    TRUNCATE takes ACCESS EXCLUSIVE (reads and writes wait) and deletes every row without a way back
    once committed; the running release may still be writing to the table. `CASCADE` silently
    extends the data loss to referencing tables.

    ## Example
    ```sql
    TRUNCATE orders CASCADE;
    ```

    ## Use instead
    ```sql
    -- delete what must go, in batches, naming each table on purpose:
    DELETE FROM order_cache WHERE ctid IN (SELECT ctid FROM order_cache LIMIT 10000);
    ```
    """
    for fact in rev.facts:
        node = fact.statement.node
        if not isinstance(node, ast.TruncateStmt):
            continue
        locks = _existing_locks(fact)
        if not locks:
            continue
        cascade = node.behavior == DropBehavior.DROP_CASCADE
        names = _names(locks)
        yield truncate_table.finding(
            objects=names,
            title=msg("TRUNCATE {cascade}empties {names}{referencing}",
                      cascade="CASCADE " if cascade else "", names=", ".join(names),
                      referencing=msg(" and every table referencing it") if cascade else ""),
            evidence=[statement_evidence(rev.revision, fact),
                      *([msg("CASCADE also truncates every table with a foreign key to these tables")]
                        if cascade else [])],
            impact=msg("All rows are deleted under ACCESS EXCLUSIVE; the running release loses its data."),
            root_cause=msg("A data-destroying statement in a schema migration."),
            severity=Severity.P0 if cascade else None,
            locations=[location(rev.revision, fact)],
        )


@migration_rule("lock-table", severity=Severity.P1, fix="never")
def lock_table(rev: AnalyzedRevision) -> Iterator[Finding]:
    """An explicit LOCK TABLE that blocks writes or reads on an existing table.

    ## What it does
    Flags `LOCK TABLE` in SHARE mode or stronger (the default mode is ACCESS EXCLUSIVE) on a table
    the same revision did not create. `ACCESS SHARE`, `ROW SHARE`, `ROW EXCLUSIVE` and
    `SHARE UPDATE EXCLUSIVE` do not block reads or writes and are not flagged.

    ## Why is this bad?
    The lock is held until the migration's transaction ends, so every statement after it in the
    revision (and, with Alembic's single transaction, in later revisions) runs with the table
    blocked.

    ## Example
    ```sql
    LOCK TABLE orders;
    ```

    ## Use instead
    ```sql
    SET lock_timeout = '5s';
    LOCK TABLE orders IN SHARE UPDATE EXCLUSIVE MODE;  -- or no explicit lock at all
    ```
    """
    for fact in rev.facts:
        node = fact.statement.node
        if not isinstance(node, ast.LockStmt):
            continue
        locks = [lk for lk in _existing_locks(fact) if LOCK_MODES.index(lk.mode) >= WRITE_BLOCKING]
        if not locks:
            continue
        mode = locks[0].mode
        yield lock_table.finding(
            objects=_names(locks),
            title=msg("LOCK TABLE takes {mode} on {names} until the transaction ends",
                      mode=mode, names=', '.join(_names(locks))),
            evidence=[statement_evidence(rev.revision, fact), msg("{mode} blocks {blocks}",
                                                                  mode=mode, blocks=BLOCKS[mode])],
            impact=msg("The table stays blocked for the rest of the migration's transaction."),
            root_cause=msg("An explicit table lock held across the following statements."),
            locations=[location(rev.revision, fact)],
        )


@migration_rule("detach-partition-non-concurrent", severity=Severity.P1)
def detach_partition_non_concurrent(rev: AnalyzedRevision) -> Iterator[Finding]:
    """DETACH PARTITION without CONCURRENTLY on an existing partitioned table.

    ## What it does
    Flags `ALTER TABLE ... DETACH PARTITION` without `CONCURRENTLY` on a table the same revision did
    not create. On PostgreSQL 13 and older (`--target-version`) there is no concurrent form and the
    finding says so.

    ## Why is this bad?
    A plain detach takes ACCESS EXCLUSIVE on the parent: every query on the partitioned table, all
    partitions included, waits. PostgreSQL 14+ can detach with SHARE UPDATE EXCLUSIVE instead.

    ## Example
    ```sql
    ALTER TABLE events DETACH PARTITION events_2025;
    ```

    ## Use instead
    ```sql
    -- PostgreSQL 14+, outside a transaction block
    ALTER TABLE events DETACH PARTITION events_2025 CONCURRENTLY;
    ```
    """
    for fact in rev.facts:
        node = fact.statement.node
        if not isinstance(node, ast.AlterTableStmt) or not any(lk.existing for lk in fact.locks):
            continue
        for cmd in node.cmds or ():
            if cmd.subtype != AlterTableType.AT_DetachPartition or cmd.def_.concurrent:
                continue
            yield _detach_finding(rev, fact, cmd)


def _detach_finding(rev: AnalyzedRevision, fact: StatementFacts, cmd: Any) -> Finding:
    assert fact.table is not None
    part = rel_name(cmd.def_.name)
    if rev.context.target_version is None or rev.context.version >= 14:
        fix = (autocommit_note(rev.revision) + lock_timeout_prefix(rev.revision)
               + f"ALTER TABLE {table_sql(fact.table)} DETACH PARTITION {table_sql(part)} CONCURRENTLY;"
               + ("  " + sql_comment("-- PostgreSQL 14+") if rev.context.target_version is None else ""))
        extra = []
    else:
        fix = (lock_timeout_prefix(rev.revision) + f"ALTER TABLE {table_sql(fact.table)} DETACH PARTITION "
               f"{table_sql(part)};  " + sql_comment("-- in a quiet moment: no CONCURRENTLY before PostgreSQL 14"))
        extra = [f"DETACH ... CONCURRENTLY needs PostgreSQL 14+ ({rev.context.version_text})"]
    return detach_partition_non_concurrent.finding(
        objects=[fact.table, part],
        title=msg("Partition {part} is detached from {table} without CONCURRENTLY", part=part, table=fact.table),
        evidence=[statement_evidence(rev.revision, fact), *extra],
        impact=msg("Every query on the partitioned table waits while the partition is detached."),
        root_cause=msg("DETACH PARTITION without CONCURRENTLY takes ACCESS EXCLUSIVE on the parent."),
        fix_sql=fix,
        locations=[location(rev.revision, fact)],
    )


@migration_rule("drop-trigger", severity=Severity.P2, fix="sometimes")
def drop_trigger(rev: AnalyzedRevision) -> Iterator[Finding]:
    """DROP TRIGGER on an existing table: ACCESS EXCLUSIVE, and behaviour the running release expects.

    ## What it does
    Flags `DROP TRIGGER` on a table the same revision did not create.

    ## Why is this bad?
    Dropping a trigger takes ACCESS EXCLUSIVE on its table (reads and writes wait, and queue while
    it waits for its lock), and whatever the trigger did (keeping `updated_at`, an audit row, a
    denormalised counter) stops for the release still running during a rolling deploy.

    ## Example
    ```sql
    DROP TRIGGER orders_touch ON orders;
    ```

    ## Use instead
    ```sql
    -- release N: the application does what the trigger did; release N+1:
    SET lock_timeout = '5s';
    DROP TRIGGER orders_touch ON orders;
    ```
    """
    for fact in rev.facts:
        node = fact.statement.node
        if not isinstance(node, ast.DropStmt) or node.removeType != ObjectType.OBJECT_TRIGGER:
            continue
        locks = _existing_locks(fact)
        if not locks:
            continue
        triggers = [names[-1].sval for names in node.objects or ()]
        yield drop_trigger.finding(
            objects=[*_names(locks), *(f"{locks[0].table}.{t}" for t in triggers)],
            title=msg("Trigger {triggers} dropped from existing table {names}",
                      triggers=', '.join(triggers), names=', '.join(_names(locks))),
            evidence=[statement_evidence(rev.revision, fact),
                      msg("AccessExclusiveLock blocks {blocks}", blocks=BLOCKS['AccessExclusiveLock'])],
            impact=msg("Reads and writes wait for the lock; what the trigger maintained stops being maintained."),
            root_cause=msg("A trigger's behaviour removed in the same step as the schema change."),
            fix_sql=None if fact.lock_timeout else lock_timeout_prefix(rev.revision).rstrip(),
            locations=[location(rev.revision, fact)],
        )

