-- Item 5: statements that lock existing tables, each with its near miss.

-- case: drop_index_plain
-- expect: drop-index-non-concurrent
SET lock_timeout = '5s';
DROP INDEX ix_orders_status;

-- case: drop_index_without_timeout
-- expect: drop-index-non-concurrent, missing-lock-timeout
DROP INDEX ix_orders_status;

-- case: drop_index_concurrently
-- expect: safe
DROP INDEX CONCURRENTLY ix_orders_status;

-- case: drop_index_created_in_same_revision_on_new_table
-- expect: safe
CREATE TABLE coupons (id bigint PRIMARY KEY, code text);
CREATE INDEX ix_coupons_code ON coupons (code);
DROP INDEX ix_coupons_code;

-- case: drop_index_unknown_to_migrations
-- expect: drop-index-non-concurrent
SET lock_timeout = '5s';
DROP INDEX IF EXISTS ix_made_by_hand;

-- case: reindex_index
-- expect: reindex-non-concurrent
SET lock_timeout = '5s';
REINDEX INDEX ix_orders_status;

-- case: reindex_table_concurrently_false
-- expect: reindex-non-concurrent
SET lock_timeout = '5s';
REINDEX (CONCURRENTLY false) TABLE orders;

-- case: reindex_concurrently
-- expect: safe
SET statement_timeout = '1h';
REINDEX INDEX CONCURRENTLY ix_orders_status;

-- case: reindex_concurrently_option_true
-- expect: safe
SET statement_timeout = '1h';
REINDEX (CONCURRENTLY true) TABLE orders;

-- case: reindex_concurrently_without_statement_timeout
-- expect: missing-statement-timeout
REINDEX TABLE CONCURRENTLY orders;

-- case: reindex_concurrently_in_transaction
-- expect: concurrent-in-transaction
SET statement_timeout = '1h';
BEGIN;
REINDEX TABLE CONCURRENTLY orders;
COMMIT;

-- case: reindex_schema
-- expect: reindex-non-concurrent
REINDEX SCHEMA public;

-- case: reindex_pg11_no_concurrently
-- expect: reindex-non-concurrent
-- target-version: 11
SET lock_timeout = '5s';
REINDEX TABLE orders;

-- case: vacuum_full
-- expect: vacuum-full-or-cluster
SET lock_timeout = '5s';
VACUUM FULL orders;

-- case: vacuum_full_option_list
-- expect: missing-lock-timeout, vacuum-full-or-cluster
VACUUM (FULL, ANALYZE) orders;

-- case: vacuum_full_false
-- expect: safe
VACUUM (FULL false, ANALYZE) orders;

-- case: vacuum_analyze
-- expect: safe
VACUUM ANALYZE orders;

-- case: vacuum_in_transaction
-- expect: concurrent-in-transaction
BEGIN;
VACUUM orders;
COMMIT;

-- case: cluster_table
-- expect: vacuum-full-or-cluster
SET lock_timeout = '5s';
CLUSTER orders USING ix_orders_status;

-- case: cluster_new_table
-- expect: safe
CREATE TABLE coupons (id bigint PRIMARY KEY);
CLUSTER coupons USING coupons_pkey;

-- case: truncate_table
-- expect: truncate-table
SET lock_timeout = '5s';
TRUNCATE audit_log;

-- case: truncate_cascade
-- expect: truncate-table
SET lock_timeout = '5s';
TRUNCATE customers CASCADE;

-- case: truncate_new_table
-- expect: safe
CREATE TABLE import_staging (id bigint);
TRUNCATE import_staging;

-- case: lock_table_default_mode
-- expect: lock-table
SET lock_timeout = '5s';
LOCK TABLE orders;

-- case: lock_table_share_mode
-- expect: lock-table, missing-lock-timeout
LOCK TABLE orders IN SHARE MODE;

-- case: lock_table_access_share
-- expect: safe
LOCK TABLE orders IN ACCESS SHARE MODE;

-- case: lock_table_share_update_exclusive
-- expect: safe
LOCK TABLE orders IN SHARE UPDATE EXCLUSIVE MODE;

-- case: detach_partition
-- expect: detach-partition-non-concurrent
SET lock_timeout = '5s';
ALTER TABLE events DETACH PARTITION events_2025;

-- case: detach_partition_concurrently
-- expect: safe
SET lock_timeout = '5s';
ALTER TABLE events DETACH PARTITION events_2025 CONCURRENTLY;

-- case: detach_partition_concurrently_in_transaction
-- expect: concurrent-in-transaction
BEGIN;
SET LOCAL lock_timeout = '5s';
ALTER TABLE events DETACH PARTITION events_2025 CONCURRENTLY;
COMMIT;

-- case: detach_partition_pg13
-- expect: detach-partition-non-concurrent
-- target-version: 13
SET lock_timeout = '5s';
ALTER TABLE events DETACH PARTITION events_2026;

-- case: drop_trigger
-- expect: drop-trigger
-- setup: CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
-- setup: CREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch();
SET lock_timeout = '5s';
DROP TRIGGER orders_touch ON orders;

-- case: drop_trigger_without_timeout
-- expect: drop-trigger, missing-lock-timeout
DROP TRIGGER IF EXISTS orders_touch ON public.orders;

-- case: drop_trigger_on_new_table
-- expect: safe
CREATE TABLE coupons (id bigint PRIMARY KEY);
CREATE FUNCTION touch2() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER coupons_touch BEFORE UPDATE ON coupons FOR EACH ROW EXECUTE FUNCTION touch2();
DROP TRIGGER coupons_touch ON coupons;

-- case: create_trigger_without_timeout
-- expect: missing-lock-timeout
CREATE FUNCTION touch3() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER orders_touch3 BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch3();
