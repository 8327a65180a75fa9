-- expect: fk-locks-referenced-table, fk-without-not-valid, missing-lock-timeout, non-concurrent-index
CREATE INDEX ix_orders_customer ON orders (customer_id);
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);
