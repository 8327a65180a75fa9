"""Migration safety rules, one module per concern: locks, rewrites, rollback, deploy, graph.

Severity is chosen by consequence on a large, busy table:

- **P0** - outage *and* data loss: ``destructive-change`` (a dropped or renamed column/table breaks
  the release still running during a rolling deploy; a drop also destroys the data).
- **P1** - a long lock, a rewrite, or a deploy that fails: ``non-concurrent-index``,
  ``concurrent-in-transaction``, ``concurrent-index-on-partitioned-table``, ``fk-without-not-valid``,
  ``check-without-not-valid``, ``unique-constraint-without-index``, ``primary-key-on-existing-table``,
  ``add-column-rewrite``, ``not-null-without-default``, ``set-not-null-scan``,
  ``column-type-rewrite``, ``missing-lock-timeout`` (a queued DDL stalls every query behind it),
  ``multiple-heads`` (``alembic upgrade head`` refuses to run), and ``access-exclusive-lock`` when
  the trace saw the table rewritten.
- **P2** - hygiene: ``missing-downgrade``, and ``access-exclusive-lock`` for a short metadata-only
  lock seen by the trace.

Configuration (``[tool.dbaudit] severity``) can override any of them.
"""
