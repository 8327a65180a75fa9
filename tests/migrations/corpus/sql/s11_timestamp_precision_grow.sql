-- expect: safe
SET lock_timeout = '5s';
ALTER TABLE audit_log ALTER COLUMN at TYPE timestamp(6);
