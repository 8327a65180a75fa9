-- expect: add-column-rewrite
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN bucket double precision DEFAULT random();
