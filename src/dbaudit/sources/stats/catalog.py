"""The statistics source's queries, as named constants (the bloat estimates are in :mod:`.bloat`).

Each covers every audited schema at once (``%(schemas)s``): a fixed number of statements, plus one
``EXPLAIN`` per top statement and per candidate index (bounded by ``top``), plus two index lookups per
narrow sequence whose growth is estimated (bounded by :data:`MAX_GROWTH_SEQUENCES`).
"""

from __future__ import annotations

# Where pg_stat_statements lives, whether HypoPG is installed, and whether this role sees other roles'
# statement texts. (Whether the library is preloaded is probed with PROBE: shared_preload_libraries
# is readable by privileged roles only.)
AVAILABILITY = """
SELECT (SELECT n.nspname FROM pg_catalog.pg_extension e
        JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_stat_statements'),
       (SELECT n.nspname FROM pg_catalog.pg_extension e
        JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'hypopg'),
       pg_catalog.pg_has_role(current_user, 'pg_read_all_stats', 'USAGE'),
       current_date,
       (SELECT stats_reset FROM pg_catalog.pg_stat_database WHERE datname = current_database())
"""

# Statements of this database, summed over roles, ranked by total time and by calls. The top
# ``fetch`` of each ranking are returned (more than asked: utility and catalog statements are
# dropped after parsing). ``{schema}`` is the extension's schema, quoted.
STATEMENTS = """
WITH s AS (
  SELECT queryid, min(query) AS query, sum(calls)::int8 AS calls, sum(total_exec_time) AS total_ms,
         sum(rows)::int8 AS rows, sum(shared_blks_hit)::int8 AS hit, sum(shared_blks_read)::int8 AS read
  FROM {schema}.pg_stat_statements
  WHERE dbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
    AND queryid IS NOT NULL AND calls > 0
  GROUP BY queryid
), ranked AS (
  SELECT s.*, row_number() OVER (ORDER BY total_ms DESC, queryid) AS by_time,
              row_number() OVER (ORDER BY calls DESC, queryid) AS by_calls
  FROM s
)
SELECT queryid, query, calls, total_ms, rows, hit, read, by_time, by_calls
FROM ranked WHERE by_time <= %(fetch)s OR by_calls <= %(fetch)s
ORDER BY by_time
"""

PROBE = "SELECT 1 FROM {schema}.pg_stat_statements LIMIT 1"

# Statements of other roles whose text (and queryid) a role without pg_read_all_stats cannot see.
HIDDEN = """
SELECT count(*) FROM {schema}.pg_stat_statements
WHERE dbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()) AND queryid IS NULL
"""

STATEMENTS_SINCE = "SELECT stats_reset FROM {schema}.pg_stat_statements_info"

TABLE_ACTIVITY = """
SELECT schemaname, relname, coalesce(seq_scan, 0), coalesce(seq_tup_read, 0), coalesce(idx_scan, 0),
       n_tup_ins, n_tup_upd, n_tup_del, n_tup_hot_upd, n_live_tup, n_dead_tup
FROM pg_catalog.pg_stat_user_tables
WHERE schemaname = ANY(%(schemas)s::text[])
"""

INDEX_ACTIVITY = """
SELECT schemaname, indexrelname, relname, coalesce(idx_scan, 0), coalesce(idx_tup_read, 0)
FROM pg_catalog.pg_stat_user_indexes
WHERE schemaname = ANY(%(schemas)s::text[])
"""

# Transaction-ID age of every database, and of the oldest tables of the audited schemas (a table's
# age is its own or its TOAST table's, whichever is older).
XID_AGES = """
SELECT 'database', datname, pg_catalog.age(datfrozenxid), pg_catalog.mxid_age(datminmxid)
FROM pg_catalog.pg_database WHERE datallowconn
UNION ALL
(SELECT 'table', n.nspname || '.' || c.relname,
        greatest(pg_catalog.age(c.relfrozenxid), coalesce(pg_catalog.age(t.relfrozenxid), 0)),
        pg_catalog.mxid_age(c.relminmxid)
 FROM pg_catalog.pg_class c
 JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 LEFT JOIN pg_catalog.pg_class t ON t.oid = c.reltoastrelid
 WHERE c.relkind IN ('r', 'm') AND n.nspname = ANY(%(schemas)s::text[])
 ORDER BY 3 DESC LIMIT %(limit)s)
"""

# Growth of one sequence from its owning table: the newest row by key and an older one (about a tenth
# of the key range back, else the oldest row), each with a timestamp. All are index lookups on the key.
GROWTH = """
SELECT n.key, n.ts, coalesce(o.key, f.key), coalesce(o.ts, f.ts)
FROM (SELECT {key} AS key, {ts} AS ts FROM {table} WHERE {ts} IS NOT NULL ORDER BY {key} DESC LIMIT 1) n
LEFT JOIN LATERAL (
  SELECT {key} AS key, {ts} AS ts FROM {table}
  WHERE {key} <= n.key - greatest(1, (n.key - %(start)s) / 10) AND {ts} IS NOT NULL
  ORDER BY {key} DESC LIMIT 1
) o ON true
LEFT JOIN LATERAL (
  SELECT {key} AS key, {ts} AS ts FROM {table} WHERE {ts} IS NOT NULL ORDER BY {key} LIMIT 1
) f ON o.key IS NULL
"""

MAX_GROWTH_SEQUENCES = 20
