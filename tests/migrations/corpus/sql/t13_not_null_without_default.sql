-- expect: not-null-without-default
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN region text NOT NULL;
