-- expect: concurrent-in-transaction
START TRANSACTION;
REINDEX INDEX CONCURRENTLY ix_orders_status;
COMMIT;
