-- expect: add-column-rewrite
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN seen_at timestamptz DEFAULT clock_timestamp();
