-- expect: non-concurrent-index, missing-lock-timeout
CREATE INDEX ix_orders_customer ON orders (customer_id);
