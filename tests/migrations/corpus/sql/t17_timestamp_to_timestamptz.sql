-- expect: column-type-rewrite
SET lock_timeout = '5s';
ALTER TABLE orders ALTER COLUMN created TYPE timestamptz;
