-- expect: safe
DROP INDEX CONCURRENTLY ix_orders_status;
