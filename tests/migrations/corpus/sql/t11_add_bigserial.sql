-- expect: add-column-rewrite
SET lock_timeout = '5s';
ALTER TABLE audit_log ADD COLUMN seq bigserial;
