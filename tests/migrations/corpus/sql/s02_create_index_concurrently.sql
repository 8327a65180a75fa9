-- expect: safe
CREATE INDEX CONCURRENTLY ix_orders_customer ON orders (customer_id);
