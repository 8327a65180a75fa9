-- expect: safe
SET statement_timeout = '30min';
BEGIN;
SET LOCAL lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN batch integer;
COMMIT;
CREATE INDEX CONCURRENTLY ix_orders_batch ON orders (batch);
