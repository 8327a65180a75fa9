-- Item 10: inline suppressions in SQL (the reason is required; unknown ids are errors, tested apart).

-- case: suppressed_on_line_above
-- expect: safe
SET lock_timeout = '5s';
-- dbaudit: ignore[non-concurrent-index] orders is under 1,000 rows in production (checked 2025-05)
CREATE INDEX ix_orders_note ON orders (note);

-- case: suppressed_trailing_comment
-- expect: safe
SET lock_timeout = '5s';
CREATE INDEX ix_orders_note ON orders (note);  -- dbaudit: ignore[non-concurrent-index] tiny table

-- case: suppression_covers_only_its_rule
-- expect: missing-lock-timeout
-- dbaudit: ignore[non-concurrent-index] tiny table
CREATE INDEX ix_orders_note ON orders (note);

-- case: suppression_two_rules
-- expect: safe
-- dbaudit: ignore[non-concurrent-index, missing-lock-timeout] maintenance window, writes stopped
CREATE INDEX ix_orders_note ON orders (note);

-- case: suppression_covers_only_next_statement
-- expect: non-concurrent-index
SET lock_timeout = '5s';
-- dbaudit: ignore[non-concurrent-index] tiny table
CREATE INDEX ix_orders_note ON orders (note);
CREATE INDEX ix_orders_code ON orders (code);

-- case: suppression_multiline_statement
-- expect: safe
SET lock_timeout = '5s';
-- dbaudit: ignore[column-type-rewrite] audit_log is truncated nightly
ALTER TABLE audit_log
    ALTER COLUMN id TYPE numeric;

-- case: not_a_suppression_in_string
-- expect: non-concurrent-index
SET lock_timeout = '5s';
CREATE INDEX ix_orders_note ON orders (note) WHERE note <> '-- dbaudit: ignore[non-concurrent-index] no';
