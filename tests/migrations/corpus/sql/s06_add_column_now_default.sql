-- expect: safe
-- now() is STABLE: stored once as the missing value, no rewrite on PostgreSQL 11+
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN imported_at timestamptz NOT NULL DEFAULT now();
