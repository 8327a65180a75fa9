-- expect: set-not-null-scan
SET lock_timeout = '5s';
ALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;
