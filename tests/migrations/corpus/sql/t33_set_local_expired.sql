-- expect: missing-lock-timeout
BEGIN;
SET LOCAL lock_timeout = '5s';
COMMIT;
ALTER TABLE orders ADD COLUMN zone text;
