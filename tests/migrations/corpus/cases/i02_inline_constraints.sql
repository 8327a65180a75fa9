-- Item 2: UNIQUE / PRIMARY KEY written on an added column build an index under ACCESS EXCLUSIVE.

-- case: add_column_unique_inline
-- expect: unique-constraint-without-index
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN external_id text UNIQUE;

-- case: add_column_unique_inline_named
-- expect: unique-constraint-without-index
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN external_id text CONSTRAINT orders_external_id_key UNIQUE;

-- case: add_column_primary_key_inline
-- expect: not-null-without-default, primary-key-on-existing-table
SET lock_timeout = '5s';
ALTER TABLE audit_log ADD COLUMN audit_id bigint PRIMARY KEY;

-- case: add_column_unique_on_new_table
-- expect: safe
CREATE TABLE coupons (id bigint PRIMARY KEY);
ALTER TABLE coupons ADD COLUMN code text UNIQUE;

-- case: add_column_then_unique_using_index
-- expect: missing-statement-timeout
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN external_id text;
CREATE UNIQUE INDEX CONCURRENTLY orders_external_id_key ON orders (external_id);
ALTER TABLE orders ADD CONSTRAINT orders_external_id_key UNIQUE USING INDEX orders_external_id_key;

-- case: add_column_not_unique
-- expect: safe
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN external_id text;
