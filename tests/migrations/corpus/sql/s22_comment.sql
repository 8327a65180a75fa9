-- expect: safe
COMMENT ON TABLE orders IS 'customer orders';
COMMENT ON COLUMN orders.code IS 'external code';
