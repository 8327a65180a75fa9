-- expect: concurrent-in-transaction
BEGIN;
CREATE INDEX CONCURRENTLY ix_orders_note ON orders (note);
COMMIT;
