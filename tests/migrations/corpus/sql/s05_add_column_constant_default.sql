-- expect: safe
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN priority integer NOT NULL DEFAULT 0;
