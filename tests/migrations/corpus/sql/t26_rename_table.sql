-- expect: destructive-change
SET lock_timeout = '5s';
ALTER TABLE audit_log RENAME TO audit_entries;
