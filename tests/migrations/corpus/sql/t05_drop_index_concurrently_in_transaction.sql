-- expect: concurrent-in-transaction
BEGIN;
DROP INDEX CONCURRENTLY ix_orders_status;
COMMIT;
