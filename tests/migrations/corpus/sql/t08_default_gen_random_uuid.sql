-- expect: add-column-rewrite
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid();
