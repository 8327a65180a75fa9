-- expect: safe
SET statement_timeout = '30min';
CREATE UNIQUE INDEX CONCURRENTLY audit_log_pkey ON audit_log (id);
SET lock_timeout = '5s';
ALTER TABLE audit_log ADD CONSTRAINT audit_log_pkey PRIMARY KEY USING INDEX audit_log_pkey;
