"""The catalog queries of the PostgreSQL source, one per object kind, as named constants.

Every query covers all selected schemas at once (``%(ns)s`` is the array of namespace oids returned by
:data:`NAMESPACES`), so the number of statements is the same for 10 tables or 10,000. Apart from
NAMESPACES they do not depend on each other: the reader runs them on two connections sharing one
snapshot and builds the model from each result while the server computes the next.

Queries read ``pg_catalog`` directly instead of ``information_schema`` (whose views are slow and hide
objects the role does not own) and decode ``pg_index`` themselves instead of calling
``pg_get_indexdef`` per index, the costliest part of a naive reader.

Locks. Deparsing functions (``pg_get_expr`` with a relation, ``pg_get_constraintdef``,
``pg_get_indexdef`` for expression keys, ``pg_get_partkeydef``, ``pg_get_triggerdef`` with a WHEN
clause) open the table they describe for a moment (AccessShareLock, released at once), so they would
queue behind another session's ACCESS EXCLUSIVE lock (DDL in progress); ``pg_get_viewdef`` locks the
relations a view reads and keeps those locks until the transaction ends; so does
``pg_sequence_last_value`` on sequences. Hence:

- :data:`SKIPPED`, read first, lists the relations that cannot be read without waiting: a relation
  locked ACCESS EXCLUSIVE (held or awaited) by another session that has something to deparse, a view
  reading a locked relation, and the whole partition tree of either. Every other query leaves them
  out (``%(skip)s``), so nothing queues behind the DDL; the reader names them in a note.
- :data:`VIEWS` and :data:`SEQUENCE_VALUES`, the queries that keep locks, run in transactions of
  their own (views a page of 200 at a time), so those locks last one short statement, not the whole
  read (an ``ALTER TABLE`` on a view's base table waits milliseconds, not the read).
- Sizes come from ``pg_class.relpages`` and take no lock; :data:`SIZES_EXACT` opens relations and
  skips those on which a conflicting lock is held or awaited.

A lock taken after :data:`SKIPPED` was read can still make a query wait; ``lock_timeout`` ends that
wait and the reader starts again (the new lock is then in :data:`SKIPPED`).

Version differences (PostgreSQL 14-17) are handled by small builders cached by server version.
"""

from __future__ import annotations

from functools import cache

# Schemas that are never user schemas: catalogs, TOAST and temporary namespaces. Each row also
# carries how far back the activity statistics go (the database's last stats reset and the server's
# start, whichever is later) and the server's clock, so that rules judging idx_scan = 0 know the
# window those counters cover without another round trip.
NAMESPACES = """
SELECT n.oid, n.nspname, d.description,
       (SELECT greatest(sd.stats_reset, pg_catalog.pg_postmaster_start_time())
        FROM pg_catalog.pg_stat_database sd WHERE sd.datname = pg_catalog.current_database()),
       pg_catalog.now(), pg_catalog.pg_get_userbyid(n.nspowner)
FROM pg_catalog.pg_namespace n
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = n.oid AND d.classoid = 'pg_catalog.pg_namespace'::regclass AND d.objsubid = 0
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_toast'
  AND n.nspname !~ '^pg_temp_'
  AND (%(schemas)s::text[] IS NULL OR n.nspname = ANY(%(schemas)s::text[]))
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                  WHERE e.classid = 'pg_catalog.pg_namespace'::regclass AND e.objid = n.oid
                    AND e.deptype = 'e')
"""

# Relations with comment, view text, partition facts and planner/activity statistics (scans and
# rows written since the statistics reset).
# Extension member relations (e.g. PostGIS's spatial_ref_sys) are left out, as pg_dump does.
RELATIONS = """
SELECT c.oid, c.relnamespace, c.relname, c.relkind, c.relispartition,
       d.description,
       NULL::text,  -- view definitions: VIEWS, in short transactions of their own
       CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, 0) END,
       pn.nspname, pc.relname,
       pt.partstrat::text,
       CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END,
       pt.partattrs::int2[],
       c.reltuples::float8,
       CASE WHEN c.relkind IN ('r', 'm', 'p') THEN pg_catalog.pg_stat_get_numscans(c.oid) END,
       CASE WHEN c.relkind IN ('r', 'm', 'p') THEN pg_catalog.pg_stat_get_live_tuples(c.oid) END,
       CASE WHEN c.relkind IN ('r', 'm', 'p') THEN pg_catalog.pg_stat_get_dead_tuples(c.oid) END,
       CASE WHEN c.relkind IN ('r', 'm', 'p') THEN pg_catalog.pg_stat_get_last_analyze_time(c.oid) END,
       CASE WHEN c.relkind IN ('r', 'm', 'p') THEN pg_catalog.pg_stat_get_last_autoanalyze_time(c.oid) END,
       CASE WHEN c.relkind IN ('r', 'm', 'p') THEN pg_catalog.pg_stat_get_tuples_inserted(c.oid) END,
       CASE WHEN c.relkind IN ('r', 'm', 'p') THEN pg_catalog.pg_stat_get_tuples_updated(c.oid) END,
       CASE WHEN c.relkind IN ('r', 'm', 'p') THEN pg_catalog.pg_stat_get_tuples_deleted(c.oid) END,
       CASE WHEN c.relkind IN ('r', 'm', 'p') THEN pg_catalog.pg_stat_get_tuples_hot_updated(c.oid) END,
       pg_catalog.pg_get_userbyid(c.relowner), c.relrowsecurity, c.relforcerowsecurity, c.reloptions::text[]
FROM pg_catalog.pg_class c
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = c.oid AND d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0
LEFT JOIN pg_catalog.pg_inherits inh ON c.relispartition AND inh.inhrelid = c.oid
LEFT JOIN pg_catalog.pg_class pc ON pc.oid = inh.inhparent
LEFT JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
LEFT JOIN pg_catalog.pg_partitioned_table pt ON pt.partrelid = c.oid
WHERE c.relnamespace = ANY(%(ns)s::oid[])
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND c.oid <> ALL(%(skip)s::oid[])
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                  WHERE e.classid = 'pg_catalog.pg_class'::regclass AND e.objid = c.oid
                    AND e.deptype = 'e')
"""

# Columns in position order. The type is returned as format_type text plus its oid and typmod;
# the reader decodes those once per distinct (type, typmod) through TYPES. Defaults cannot refer to
# columns, so they are deparsed without a relation (relid 0): pg_get_expr with a relid opens the
# relation to name its columns, which costs a relcache entry (and a lock) per table. Generated
# columns do refer to columns and get their relation.
COLUMNS = """
SELECT a.attrelid, a.attnum, a.attname,
       pg_catalog.format_type(a.atttypid, a.atttypmod), a.atttypid, a.atttypmod, a.attndims,
       a.attnotnull, a.attidentity::text, a.attgenerated::text,
       CASE WHEN a.atthasdef THEN pg_catalog.pg_get_expr(
         ad.adbin, CASE WHEN a.attgenerated <> '' THEN ad.adrelid ELSE 0 END) END,
       CASE WHEN a.attcollation <> t.typcollation THEN a.attcollation END,
       d.description
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_attrdef ad ON a.atthasdef AND ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = a.attrelid AND d.classoid = 'pg_catalog.pg_class'::regclass
      AND d.objsubid = a.attnum
WHERE c.relnamespace = ANY(%(ns)s::oid[])
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND c.oid <> ALL(%(skip)s::oid[])
  AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
"""

# Planner statistics of analyzed columns: never the values themselves (they may be personal data), only
# the fraction of NULLs, the distinct-value estimate, and the most common values' frequencies for
# columns with at most 100 distinct values, the only ones whose selectivity the rules judge. A
# partitioned table's statistics are its inherited ones. pg_stats (what any role may read: the
# columns it can SELECT) checks a column privilege per attribute of the whole database, which costs
# as much as the columns query on an analyzed schema; a superuser reads pg_statistic directly
# (MCV frequencies are the stanumbers of the slot whose stakind is 1, as pg_stats picks them).
_COLUMN_STATS_VIEW = """
SELECT c.oid, s.attname::text, s.null_frac::float8, s.n_distinct::float8,
       CASE WHEN s.n_distinct BETWEEN 1 AND 100 THEN s.most_common_freqs::float8[] END
FROM pg_catalog.pg_stats s
JOIN pg_catalog.pg_namespace n ON n.nspname = s.schemaname
JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = s.tablename
WHERE n.oid = ANY(%(ns)s::oid[])
  AND c.relkind IN ('r', 'p', 'm')
  AND s.inherited = (c.relkind = 'p')
"""
_COLUMN_STATS_CATALOG = """
SELECT c.oid, a.attname::text, s.stanullfrac::float8, s.stadistinct::float8,
       CASE WHEN s.stadistinct BETWEEN 1 AND 100 THEN (CASE 1
         WHEN s.stakind1 THEN s.stanumbers1 WHEN s.stakind2 THEN s.stanumbers2
         WHEN s.stakind3 THEN s.stanumbers3 WHEN s.stakind4 THEN s.stanumbers4
         WHEN s.stakind5 THEN s.stanumbers5 END)::float8[] END
FROM pg_catalog.pg_statistic s
JOIN pg_catalog.pg_class c ON c.oid = s.starelid
JOIN pg_catalog.pg_attribute a ON a.attrelid = s.starelid AND a.attnum = s.staattnum
WHERE c.relnamespace = ANY(%(ns)s::oid[])
  AND c.relkind IN ('r', 'p', 'm')
  AND s.stainherit = (c.relkind = 'p')
  AND NOT a.attisdropped
"""


def column_stats_query(superuser: bool) -> str:
    """COLUMN_STATS for this role: pg_statistic for a superuser, the pg_stats view otherwise."""
    return _COLUMN_STATS_CATALOG if superuser else _COLUMN_STATS_VIEW


# Every type a column can have, except the row types of tables and their arrays (one pair per table,
# rarely a column type): canonical name of the (element) type, enum-ness, array-ness. Columns of a
# type not listed here keep their format_type text as canonical name.
TYPES = """
SELECT t.oid, tn.nspname, t.typname, t.typtype::text, t.typcollation,
       e.oid IS NOT NULL, en.nspname, e.typname, e.typtype::text
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace
LEFT JOIN pg_catalog.pg_type e ON e.oid = t.typelem AND e.typarray = t.oid
LEFT JOIN pg_catalog.pg_namespace en ON en.oid = e.typnamespace
WHERE t.typrelid = 0 AND (e.oid IS NULL OR e.typrelid = 0)
"""

# Primary key, foreign key, unique, check and exclusion constraints. Foreign-key clones that
# PostgreSQL adds on the referencing table for each partition of a referenced partitioned table
# (same name, parent constraint on the same table) are implementation detail and left out.
_CONSTRAINTS = """
SELECT con.conrelid, con.conname, con.contype::text, con.conkey::int2[],
       rn.nspname, rc.relname,
       CASE WHEN con.contype = 'f' THEN
         ARRAY(SELECT ra.attname::text
               FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_catalog.pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = k.attnum
               ORDER BY k.ord)
       END,
       con.confupdtype::text, con.confdeltype::text, con.confmatchtype::text,
       con.condeferrable, con.condeferred, con.convalidated,
       CASE WHEN con.contype = 'c' THEN pg_catalog.pg_get_expr(con.conbin, con.conrelid)
            WHEN con.contype = 'x' THEN pg_catalog.pg_get_constraintdef(con.oid) END,
       {nulls_not_distinct}
FROM pg_catalog.pg_constraint con
LEFT JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid
LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
LEFT JOIN pg_catalog.pg_index ix ON con.contype = 'u' AND ix.indexrelid = con.conindid
WHERE con.connamespace = ANY(%(ns)s::oid[])
  AND con.conrelid <> 0
  AND con.conrelid <> ALL(%(skip)s::oid[])
  AND con.contype IN ('p', 'f', 'u', 'c', 'x')
  AND NOT (con.contype = 'f' AND con.conparentid <> 0 AND EXISTS (
        SELECT 1 FROM pg_catalog.pg_constraint pc
        WHERE pc.oid = con.conparentid AND pc.conrelid = con.conrelid))
"""

# Indexes decoded from pg_index. Expression keys are printed one by one with
# pg_get_indexdef(oid, column, true), which is only called for expression columns. A partition's
# index attached to its parent's partitioned index (relispartition) names that parent index.
_INDEXES = """
SELECT i.indrelid, ic.relname, i.indisunique, i.indisprimary, am.amname,
       i.indnkeyatts, i.indkey::int2[], i.indoption::int2[], i.indcollation::oid[], i.indclass::oid[],
       CASE WHEN i.indexprs IS NOT NULL THEN
         ARRAY(SELECT pg_catalog.pg_get_indexdef(i.indexrelid, k, true)
               FROM generate_series(1, i.indnkeyatts) AS k
               WHERE i.indkey[k - 1] = 0
               ORDER BY k)
       END,
       pg_catalog.pg_get_expr(i.indpred, i.indrelid),
       i.indisvalid, con.conname,
       {nulls_not_distinct},
       pg_catalog.pg_stat_get_numscans(i.indexrelid),
       i.indexrelid,
       CASE WHEN ic.relispartition THEN (
         SELECT pn.nspname || '.' || pc.relname
         FROM pg_catalog.pg_inherits ih
         JOIN pg_catalog.pg_class pc ON pc.oid = ih.inhparent
         JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
         WHERE ih.inhrelid = i.indexrelid) END
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
LEFT JOIN pg_catalog.pg_constraint con
       ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x')
WHERE ic.relnamespace = ANY(%(ns)s::oid[])
  AND i.indrelid <> ALL(%(skip)s::oid[])
"""

# Operator classes that are not the default for their type, and all collations: small lookups
# that let the indexes and columns queries return oids instead of joining per key.
LOOKUPS = """
SELECT 'opclass', oc.oid, n.nspname, oc.opcname
FROM pg_catalog.pg_opclass oc JOIN pg_catalog.pg_namespace n ON n.oid = oc.opcnamespace
WHERE NOT oc.opcdefault
UNION ALL
SELECT 'collation', co.oid, n.nspname, co.collname
FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace
"""

# User triggers (internal ones, such as the triggers behind foreign keys, are left out) with the
# trigger function and, for procedural languages, its source.
TRIGGERS = """
SELECT t.tgrelid, t.tgname, t.tgtype, t.tgenabled::text,
       pn.nspname, p.proname, l.lanname,
       CASE WHEN l.lanname NOT IN ('c', 'internal') THEN p.prosrc END,
       pg_catalog.pg_get_triggerdef(t.oid)
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid
JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace
JOIN pg_catalog.pg_language l ON l.oid = p.prolang
WHERE c.relnamespace = ANY(%(ns)s::oid[]) AND NOT t.tgisinternal
  AND t.tgrelid <> ALL(%(skip)s::oid[])
"""

# Sequences with their owning column (serial: 'a' dependency, identity: 'i').
SEQUENCES = """
SELECT c.oid, c.relnamespace, c.relname, pg_catalog.format_type(s.seqtypid, NULL),
       s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcycle,
       d.refobjid, d.refobjsubid, on_.nspname, oc.relname, oa.attname,
       pg_catalog.pg_get_userbyid(c.relowner)
FROM pg_catalog.pg_sequence s
JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid
LEFT JOIN pg_catalog.pg_depend d
       ON d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
      AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjsubid > 0
      AND d.deptype IN ('a', 'i')
LEFT JOIN pg_catalog.pg_class oc ON oc.oid = d.refobjid
LEFT JOIN pg_catalog.pg_namespace on_ ON on_.oid = oc.relnamespace
LEFT JOIN pg_catalog.pg_attribute oa ON oa.attrelid = d.refobjid AND oa.attnum = d.refobjsubid
WHERE c.relnamespace = ANY(%(ns)s::oid[])
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                  WHERE e.classid = 'pg_catalog.pg_class'::regclass AND e.objid = c.oid
                    AND e.deptype = 'e')
"""

ENUMS = """
SELECT t.typnamespace, t.typname, array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_enum e ON e.enumtypid = t.oid
WHERE t.typnamespace = ANY(%(ns)s::oid[])
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend x
                  WHERE x.classid = 'pg_catalog.pg_type'::regclass AND x.objid = t.oid
                    AND x.deptype = 'e')
GROUP BY t.oid, t.typnamespace, t.typname
"""

# Extensions are database-wide: all of them are listed, whatever schemas were selected.
EXTENSIONS = """
SELECT e.extname, e.extversion, n.nspname
FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
"""

# Relations whose lock a reader would queue behind: an AccessExclusiveLock granted or awaited (DDL,
# VACUUM FULL, REINDEX) on any relation, or for sequences (which pg_sequence_last_value opens with
# RowExclusiveLock) any lock mode that conflicts with that.
#
# Sequence positions are read only for sequences that can run out within a 32-bit range (maximum at
# most 2^31-1, or owned by an int2/int4 column): pg_sequence_last_value keeps a lock on every sequence
# it reads until the transaction ends, and thousands of bigint sequences would fill the server's lock
# table (and hold up ALTER SEQUENCE) for a value no rule needs. Other sequences report last_value None.
_BLOCKED = """
WITH blocked AS MATERIALIZED (
  SELECT DISTINCT l.relation
  FROM pg_catalog.pg_locks l
  WHERE l.locktype = 'relation' AND l.relation IS NOT NULL
    AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
    AND l.pid <> pg_catalog.pg_backend_pid()
    AND (l.mode = 'AccessExclusiveLock'
         OR (l.mode IN ('ExclusiveLock', 'ShareRowExclusiveLock', 'ShareLock')
             AND EXISTS (SELECT 1 FROM pg_catalog.pg_class s WHERE s.oid = l.relation AND s.relkind = 'S')))
),
narrow AS MATERIALIZED (
  SELECT s.seqrelid AS oid
  FROM pg_catalog.pg_sequence s
  LEFT JOIN pg_catalog.pg_depend d
         ON d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = s.seqrelid
        AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i')
  LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
  WHERE s.seqmax <= 2147483647 OR a.atttypid IN ('pg_catalog.int2'::regtype, 'pg_catalog.int4'::regtype)
)
"""
_LAST_VALUE = """CASE WHEN c.relkind = 'S' AND c.oid NOT IN (SELECT relation FROM blocked)
                 AND c.oid IN (SELECT oid FROM narrow)
                 AND pg_catalog.has_sequence_privilege(c.oid, 'SELECT,USAGE')
            THEN pg_catalog.pg_sequence_last_value(c.oid) END"""

# Sizes from pg_class.relpages (as of the last VACUUM/ANALYZE/CREATE INDEX: what the planner uses;
# a table's size includes its TOAST table). Opens no relation and takes no lock.
SIZES = """
SELECT c.oid, c.relkind::text,
       CASE WHEN c.relkind IN ('r', 'm', 'p', 'i', 'I') THEN
         (greatest(c.relpages, 0) + greatest(coalesce(t.relpages, 0), 0))::int8
         * current_setting('block_size')::int8 END,
       CASE WHEN c.relkind IN ('i', 'I') THEN greatest(c.relpages, 0)::int8 * current_setting('block_size')::int8 END
FROM pg_catalog.pg_class c
LEFT JOIN pg_catalog.pg_class t ON t.oid = c.reltoastrelid
WHERE c.relnamespace = ANY(%(ns)s::oid[])
  AND c.relkind IN ('r', 'm', 'p', 'i', 'I')
"""

# Exact sizes (read_postgres(exact_sizes=True)): pg_table_size / pg_relation_size open every table
# and index (AccessShareLock, a relcache entry each: about 2 s for 5,000 tables). Relations that are
# locked for DDL are skipped (NULL), so the reader still never queues behind DDL.
SIZES_EXACT = _BLOCKED + """
SELECT c.oid, c.relkind::text,
       CASE WHEN c.oid IN (SELECT relation FROM blocked) THEN NULL
            WHEN c.relkind IN ('i', 'I') THEN pg_catalog.pg_relation_size(c.oid)
            WHEN c.relkind IN ('r', 'm', 'p') THEN pg_catalog.pg_table_size(c.oid) END,
       CASE WHEN c.oid IN (SELECT relation FROM blocked) THEN NULL
            WHEN c.relkind IN ('i', 'I') THEN pg_catalog.pg_table_size(c.oid) END
FROM pg_catalog.pg_class c
WHERE c.relnamespace = ANY(%(ns)s::oid[])
  AND c.relkind IN ('r', 'm', 'p', 'i', 'I')
"""

# Sequence positions. The reader runs this in its own short transaction, so the locks
# pg_sequence_last_value keeps (on 32-bit sequences only) last one statement.
SEQUENCE_VALUES = _BLOCKED + """
SELECT c.oid, """ + _LAST_VALUE + """
FROM pg_catalog.pg_class c
WHERE c.relnamespace = ANY(%(ns)s::oid[]) AND c.relkind = 'S'
"""

# View definitions, a page at a time (%(after)s, %(page)s): pg_get_viewdef locks (AccessShareLock)
# every relation the view reads until the transaction ends, so the reader runs each page in its own
# short transaction, and an ALTER TABLE on a view's base table waits for one page at most (a few
# milliseconds), never for the whole read. One statement per 200 views: the one place where the
# number of statements grows with the schema, because here how long a lock lasts matters more.
VIEWS = """
SELECT c.oid, pg_catalog.pg_get_viewdef(c.oid)
FROM pg_catalog.pg_class c
WHERE c.relnamespace = ANY(%(ns)s::oid[]) AND c.relkind IN ('v', 'm')
  AND c.oid <> ALL(%(skip)s::oid[]) AND c.oid > %(after)s
ORDER BY c.oid
LIMIT %(page)s
"""

# Relations that cannot be read now without queueing behind another session's ACCESS EXCLUSIVE lock
# (granted or awaited: DDL, VACUUM FULL, REINDEX, LOCK TABLE): a locked relation with an expression to
# deparse (a CHECK or exclusion constraint, an expression or partial index, a generated column, a
# trigger's WHEN clause, a partition key, a row-level security policy), a view that reads a locked
# relation, and every member of the partition tree of either (a partition tree read in part would
# look like one with partitions missing). A locked table with nothing to deparse is read as usual:
# its catalog rows need no lock.
# Columns: oid, schema, name, then the locked relation that causes it (schema, name), the first
# session holding or awaiting the lock, and whether that lock is granted.
SKIPPED = """
WITH RECURSIVE locked AS MATERIALIZED (
  SELECT l.relation AS oid, min(l.pid) AS pid, bool_or(l.granted) AS granted
  FROM pg_catalog.pg_locks l
  WHERE l.locktype = 'relation' AND l.relation IS NOT NULL AND l.mode = 'AccessExclusiveLock'
    AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
    AND l.pid <> pg_catalog.pg_backend_pid()
  GROUP BY l.relation
),
unreadable(oid, cause) AS (
  SELECT c.oid, c.oid
  FROM locked k JOIN pg_catalog.pg_class c ON c.oid = k.oid
  WHERE c.relkind IN ('p', 'v', 'm')
     OR EXISTS (SELECT 1 FROM pg_catalog.pg_constraint x WHERE x.conrelid = c.oid AND x.contype IN ('c', 'x'))
     OR EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                WHERE i.indrelid = c.oid AND (i.indexprs IS NOT NULL OR i.indpred IS NOT NULL))
     OR EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated <> '')
     OR EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t
                WHERE t.tgrelid = c.oid AND NOT t.tgisinternal AND t.tgqual IS NOT NULL)
     OR EXISTS (SELECT 1 FROM pg_catalog.pg_policy p WHERE p.polrelid = c.oid)
  UNION
  SELECT r.ev_class, k.oid
  FROM locked k
  JOIN pg_catalog.pg_depend d ON d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid = k.oid
                             AND d.classid = 'pg_catalog.pg_rewrite'::regclass
  JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid
),
up(oid, cause) AS (
  SELECT oid, cause FROM unreadable
  UNION
  SELECT i.inhparent, u.cause FROM up u JOIN pg_catalog.pg_inherits i ON i.inhrelid = u.oid
),
tree(oid, cause) AS (
  SELECT oid, cause FROM up
  UNION
  SELECT i.inhrelid, t.cause FROM tree t JOIN pg_catalog.pg_inherits i ON i.inhparent = t.oid
)
SELECT DISTINCT ON (t.oid) t.oid, n.nspname, c.relname, cn.nspname, cc.relname, k.pid, k.granted
FROM tree t
JOIN pg_catalog.pg_class c ON c.oid = t.oid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN locked k ON k.oid = t.cause
JOIN pg_catalog.pg_class cc ON cc.oid = t.cause
JOIN pg_catalog.pg_namespace cn ON cn.oid = cc.relnamespace
WHERE c.relnamespace = ANY(%(ns)s::oid[]) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
ORDER BY t.oid, (t.oid = t.cause) DESC, t.cause
"""


# --- security: who reads, roles, privileges, row-level security, functions -------------------------

# The reading role and the server's password hashing; whether stored passwords are visible at all
# (pg_authid is readable by superusers only: MD5_ROLES runs only when this says so).
SESSION = """
SELECT current_user, coalesce(r.rolsuper, false), pg_catalog.current_setting('password_encryption', true),
       pg_catalog.has_table_privilege('pg_catalog.pg_authid', 'SELECT')
FROM (SELECT 1) AS one
LEFT JOIN pg_catalog.pg_roles r ON r.rolname = current_user
"""

MD5_ROLES = """
SELECT rolname FROM pg_catalog.pg_authid WHERE rolpassword LIKE 'md5%%' ORDER BY 1
"""

# Row-level security policies of the selected relations (polcmd: r/a/w/d/*, roles 0 = PUBLIC).
POLICIES = """
SELECT p.polrelid, p.polname, p.polcmd::text, p.polpermissive,
       ARRAY(SELECT CASE WHEN r.oid = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(r.oid) END
             FROM unnest(p.polroles) AS r(oid) ORDER BY 1),
       pg_catalog.pg_get_expr(p.polqual, p.polrelid),
       pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid)
FROM pg_catalog.pg_policy p
JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
WHERE c.relnamespace = ANY(%(ns)s::oid[])
  AND p.polrelid <> ALL(%(skip)s::oid[])
"""

# Functions and procedures of the selected schemas (not extension members): how they run.
FUNCTIONS = """
SELECT p.oid, p.pronamespace, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid),
       p.prokind::text, l.lanname, p.prosecdef, p.proconfig, pg_catalog.pg_get_userbyid(p.proowner)
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_language l ON l.oid = p.prolang
WHERE p.pronamespace = ANY(%(ns)s::oid[]) AND p.prokind IN ('f', 'p')
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                  WHERE e.classid = 'pg_catalog.pg_proc'::regclass AND e.objid = p.oid AND e.deptype = 'e')
"""

# Grants to roles other than the owner, per object: relations and sequences ('r'; a NULL ACL is the
# owner alone), functions ('f'; a NULL ACL is PostgreSQL's default, EXECUTE for PUBLIC) and schemas
# ('n'). Grantee 0 is PUBLIC.
PRIVILEGES = """
SELECT 'r', c.oid, CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(a.grantee) END,
       array_agg(DISTINCT a.privilege_type::text), bool_or(a.is_grantable)
FROM pg_catalog.pg_class c, LATERAL pg_catalog.aclexplode(c.relacl) a
WHERE c.relnamespace = ANY(%(ns)s::oid[]) AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
  AND c.relacl IS NOT NULL AND a.grantee <> c.relowner
GROUP BY c.oid, a.grantee
UNION ALL
SELECT 'f', p.oid, CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(a.grantee) END,
       array_agg(DISTINCT a.privilege_type::text), bool_or(a.is_grantable)
FROM pg_catalog.pg_proc p,
     LATERAL pg_catalog.aclexplode(coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))) a
WHERE p.pronamespace = ANY(%(ns)s::oid[]) AND p.prokind IN ('f', 'p') AND a.grantee <> p.proowner
GROUP BY p.oid, a.grantee
UNION ALL
SELECT 'n', n.oid, CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(a.grantee) END,
       array_agg(DISTINCT a.privilege_type::text), bool_or(a.is_grantable)
FROM pg_catalog.pg_namespace n,
     LATERAL pg_catalog.aclexplode(coalesce(n.nspacl, pg_catalog.acldefault('n', n.nspowner))) a
WHERE n.oid = ANY(%(ns)s::oid[]) AND a.grantee <> n.nspowner
GROUP BY n.oid, a.grantee
"""

# The roles that matter to these schemas: superusers, the reading role, owners, grantees and policy
# roles of their objects, and every role that is a member (directly or not) of one of those. Not
# every role of the cluster: other databases' roles say nothing about this one.
ROLES = """
WITH RECURSIVE base(oid) AS (
  SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.relnamespace = ANY(%(ns)s::oid[])
  UNION SELECT p.proowner FROM pg_catalog.pg_proc p WHERE p.pronamespace = ANY(%(ns)s::oid[])
  UNION SELECT n.nspowner FROM pg_catalog.pg_namespace n WHERE n.oid = ANY(%(ns)s::oid[])
  UNION SELECT a.grantee FROM pg_catalog.pg_class c, LATERAL pg_catalog.aclexplode(c.relacl) a
        WHERE c.relnamespace = ANY(%(ns)s::oid[]) AND c.relacl IS NOT NULL
  UNION SELECT a.grantee FROM pg_catalog.pg_proc p, LATERAL pg_catalog.aclexplode(p.proacl) a
        WHERE p.pronamespace = ANY(%(ns)s::oid[]) AND p.proacl IS NOT NULL
  UNION SELECT a.grantee FROM pg_catalog.pg_namespace n, LATERAL pg_catalog.aclexplode(n.nspacl) a
        WHERE n.oid = ANY(%(ns)s::oid[]) AND n.nspacl IS NOT NULL
  UNION SELECT unnest(pol.polroles) FROM pg_catalog.pg_policy pol
        JOIN pg_catalog.pg_class c ON c.oid = pol.polrelid WHERE c.relnamespace = ANY(%(ns)s::oid[])
  UNION SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolsuper OR r.rolname = current_user
),
relevant(oid) AS (
  SELECT oid FROM base WHERE oid <> 0
  UNION
  SELECT m.member FROM pg_catalog.pg_auth_members m JOIN relevant ON m.roleid = relevant.oid
)
SELECT r.rolname, r.rolsuper, r.rolbypassrls, r.rolcanlogin,
       ARRAY(SELECT DISTINCT g.rolname::text FROM pg_catalog.pg_auth_members m
             JOIN pg_catalog.pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid ORDER BY 1)
FROM pg_catalog.pg_roles r
WHERE r.oid IN (SELECT oid FROM relevant)
"""

# The relations each view (and materialized view) reads, from its rewrite rule's dependencies.
VIEW_SOURCES = """
SELECT DISTINCT r.ev_class, dn.nspname, dc.relname
FROM pg_catalog.pg_rewrite r
JOIN pg_catalog.pg_class v ON v.oid = r.ev_class
JOIN pg_catalog.pg_depend d
  ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = r.oid
 AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid <> r.ev_class
JOIN pg_catalog.pg_class dc ON dc.oid = d.refobjid AND dc.relkind IN ('r', 'p', 'v', 'm', 'f')
JOIN pg_catalog.pg_namespace dn ON dn.oid = dc.relnamespace
WHERE v.relnamespace = ANY(%(ns)s::oid[]) AND v.relkind IN ('v', 'm')
"""


# The reader splits its queries over two connections that must see the same snapshot.
EXPORT_SNAPSHOT = "SELECT pg_catalog.pg_export_snapshot()"
IMPORT_SNAPSHOT = "SET TRANSACTION SNAPSHOT {}"


@cache
def constraints_query(server_version_num: int) -> str:
    """CONSTRAINTS for this server (``NULLS NOT DISTINCT`` exists from PostgreSQL 15)."""
    nnd = "COALESCE(ix.indnullsnotdistinct, false)" if server_version_num >= 150000 else "false"
    return _CONSTRAINTS.format(nulls_not_distinct=nnd)


@cache
def indexes_query(server_version_num: int) -> str:
    """INDEXES for this server (``NULLS NOT DISTINCT`` exists from PostgreSQL 15)."""
    nnd = "i.indnullsnotdistinct" if server_version_num >= 150000 else "false"
    return _INDEXES.format(nulls_not_distinct=nnd)
