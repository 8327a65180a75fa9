-- expect: destructive-change
SET lock_timeout = '5s';
DROP TABLE audit_log;
