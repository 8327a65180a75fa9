-- expect: missing-lock-timeout
ALTER TABLE orders ADD COLUMN channel text;
