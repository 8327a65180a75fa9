-- expect: safe
SET statement_timeout = '30min';
CREATE INDEX CONCURRENTLY ix_orders_customer ON orders (customer_id);
