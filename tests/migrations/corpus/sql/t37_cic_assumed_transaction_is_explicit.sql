-- expect: concurrent-in-transaction, missing-statement-timeout
START TRANSACTION;
REINDEX INDEX CONCURRENTLY ix_orders_status;
COMMIT;
