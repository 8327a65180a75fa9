-- Item 5: enum values in transactions (version-aware), identifiers over 63 bytes, statement_timeout,
-- and what missing-lock-timeout covers.

-- case: enum_add_value_in_transaction_pg11
-- expect: enum-value-in-transaction
-- target-version: 11
-- setup: CREATE TYPE order_state AS ENUM ('new', 'paid');
BEGIN;
ALTER TYPE order_state ADD VALUE 'refunded';
COMMIT;

-- case: enum_add_value_in_transaction_pg12
-- expect: safe
-- target-version: 12
-- setup: CREATE TYPE order_state AS ENUM ('new', 'paid');
BEGIN;
ALTER TYPE order_state ADD VALUE 'refunded';
COMMIT;

-- case: enum_add_value_outside_transaction_pg11
-- expect: safe
-- target-version: 11
-- setup: CREATE TYPE order_state AS ENUM ('new', 'paid');
ALTER TYPE order_state ADD VALUE 'refunded';

-- case: enum_new_value_used_in_same_transaction
-- expect: enum-value-in-transaction
-- setup: CREATE TYPE order_state AS ENUM ('new', 'paid');
BEGIN;
ALTER TYPE order_state ADD VALUE 'refunded';
UPDATE orders SET status = 'refunded' WHERE amount < 0;
COMMIT;

-- case: enum_new_value_used_after_commit
-- expect: safe
-- setup: CREATE TYPE order_state AS ENUM ('new', 'paid');
BEGIN;
ALTER TYPE order_state ADD VALUE 'refunded';
COMMIT;
BEGIN;
UPDATE orders SET status = 'refunded' WHERE amount < 0;
COMMIT;

-- case: identifier_64_bytes_index
-- expect: identifier-too-long, missing-statement-timeout
SET lock_timeout = '5s';
CREATE INDEX CONCURRENTLY ix_orders_customer_id_status_created_and_a_very_long_tail_of_words ON orders (customer_id);

-- case: identifier_63_bytes_index
-- expect: safe
SET statement_timeout = '1h';
CREATE INDEX CONCURRENTLY ix_orders_customer_id_status_created_and_a_very_long_tail_of_w ON orders (customer_id);

-- case: identifier_chinese_column
-- expect: identifier-too-long
CREATE TABLE reports (id bigint PRIMARY KEY, "客户订单金额汇总统计数据按月份和地区分组结果" numeric);

-- case: identifier_chinese_short_column
-- expect: safe
CREATE TABLE reports (id bigint PRIMARY KEY, "客户订单金额汇总" numeric);

-- case: identifier_long_constraint_name
-- expect: identifier-too-long
CREATE TABLE reports (id bigint, CONSTRAINT reports_identifier_that_is_much_too_long_for_postgres_to_keep_pkey PRIMARY KEY (id));

-- case: identifier_long_rename
-- expect: destructive-change, identifier-too-long
SET lock_timeout = '5s';
ALTER TABLE audit_log RENAME COLUMN message TO message_text_that_was_renamed_to_something_far_too_long_to_keep_it;

-- case: identifier_long_reference_not_definition
-- expect: safe
SELECT count(*) FROM orders WHERE note = 'a_string_literal_that_is_much_longer_than_sixty_three_bytes_in_total';

-- case: cic_without_statement_timeout
-- expect: missing-statement-timeout
CREATE INDEX CONCURRENTLY ix_orders_note ON orders (note);

-- case: cic_with_statement_timeout
-- expect: safe
SET statement_timeout = '2h';
CREATE INDEX CONCURRENTLY ix_orders_note ON orders (note);

-- case: cic_statement_timeout_zero
-- expect: missing-statement-timeout
SET statement_timeout = 0;
CREATE INDEX CONCURRENTLY ix_orders_note ON orders (note);

-- case: cic_on_new_table_no_timeout
-- expect: safe
CREATE TABLE coupons (id bigint PRIMARY KEY, code text);
CREATE INDEX CONCURRENTLY ix_coupons_code ON coupons (code);

-- case: refresh_matview_concurrently_no_timeout
-- expect: missing-lock-timeout, missing-statement-timeout
REFRESH MATERIALIZED VIEW CONCURRENTLY order_totals;

-- case: refresh_matview_plain
-- expect: missing-lock-timeout
REFRESH MATERIALIZED VIEW order_totals;

-- case: replace_view_without_timeout
-- expect: missing-lock-timeout
CREATE OR REPLACE VIEW order_summary AS SELECT id, amount FROM orders;

-- case: create_view_new
-- expect: safe
CREATE VIEW order_summary AS SELECT id, amount FROM orders;

-- case: replace_view_created_in_same_revision
-- expect: safe
CREATE VIEW order_summary AS SELECT id FROM orders;
CREATE OR REPLACE VIEW order_summary AS SELECT id, amount FROM orders;

-- case: drop_view_without_timeout
-- expect: missing-lock-timeout
DROP VIEW order_summary;

-- case: rename_index_is_not_blocking
-- expect: safe
ALTER INDEX ix_orders_status RENAME TO ix_orders_state;

-- case: comment_is_not_blocking
-- expect: safe
COMMENT ON COLUMN orders.note IS 'free text';

-- case: partition_of_existing_parent
-- expect: missing-lock-timeout
CREATE TABLE events_2027 PARTITION OF events FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');
