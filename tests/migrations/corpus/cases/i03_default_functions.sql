-- Item 3: functions in defaults: volatile, stable, unknown (assumed volatile), declared by the migrations.

-- case: default_user_function_unknown
-- expect: add-column-rewrite
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN code2 text DEFAULT make_order_code();

-- case: default_extension_uuid_v4
-- expect: add-column-rewrite
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN token uuid DEFAULT uuid_generate_v4();

-- case: default_declared_immutable_function
-- expect: safe
SET lock_timeout = '5s';
CREATE FUNCTION default_region() RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'eu' $$;
ALTER TABLE orders ADD COLUMN region text DEFAULT default_region();

-- case: default_declared_stable_function
-- expect: safe
SET lock_timeout = '5s';
CREATE FUNCTION tenant_now() RETURNS timestamptz LANGUAGE sql STABLE AS $$ SELECT now() $$;
ALTER TABLE orders ADD COLUMN seen_at timestamptz DEFAULT tenant_now();

-- case: default_declared_volatile_function
-- expect: add-column-rewrite
SET lock_timeout = '5s';
CREATE FUNCTION next_code() RETURNS text LANGUAGE sql AS $$ SELECT md5(random()::text) $$;
ALTER TABLE orders ADD COLUMN code3 text DEFAULT next_code();

-- case: default_builtin_stable_expression
-- expect: safe
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN created_day text DEFAULT to_char(now(), 'YYYY-MM-DD');

-- case: default_txid_current_is_stable
-- expect: safe
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN created_xid bigint DEFAULT txid_current();

-- case: default_jsonb_build_object
-- expect: safe
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN meta jsonb NOT NULL DEFAULT jsonb_build_object('v', 1);

-- case: default_timezone_now
-- expect: safe
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN created_utc timestamp DEFAULT timezone('utc', now());

-- case: default_cast_constant
-- expect: safe
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN meta jsonb DEFAULT '{}'::jsonb;

-- case: default_random_nested_in_stable
-- expect: add-column-rewrite
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN salt text DEFAULT md5(random()::text);

-- case: default_unknown_function_on_new_table
-- expect: safe
CREATE TABLE coupons (id bigint PRIMARY KEY);
ALTER TABLE coupons ADD COLUMN code text DEFAULT make_coupon_code();

-- case: constant_default_pg10_rewrites
-- expect: add-column-rewrite
-- target-version: 10
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN priority integer NOT NULL DEFAULT 0;

-- case: constant_default_pg11_catalog_only
-- expect: safe
-- target-version: 11
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN priority integer NOT NULL DEFAULT 0;

-- case: null_default_pg10
-- expect: safe
-- target-version: 10
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN priority integer DEFAULT NULL;
