-- expect: missing-lock-timeout
ALTER TABLE orders ADD COLUMN zone text;
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN area text;
