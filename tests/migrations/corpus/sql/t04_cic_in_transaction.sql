-- expect: concurrent-in-transaction, missing-statement-timeout
BEGIN;
CREATE INDEX CONCURRENTLY ix_orders_note ON orders (note);
COMMIT;
