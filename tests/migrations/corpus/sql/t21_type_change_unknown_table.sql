-- expect: column-type-rewrite
SET lock_timeout = '5s';
ALTER TABLE legacy_items ALTER COLUMN qty TYPE bigint;
