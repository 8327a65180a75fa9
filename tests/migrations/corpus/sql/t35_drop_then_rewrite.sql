-- expect: column-type-rewrite, destructive-change, destructive-change
SET lock_timeout = '5s';
ALTER TABLE orders DROP COLUMN note, DROP COLUMN status;
ALTER TABLE orders ALTER COLUMN ref TYPE bigint;
