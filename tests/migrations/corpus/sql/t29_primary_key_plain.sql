-- expect: primary-key-on-existing-table
SET lock_timeout = '5s';
ALTER TABLE audit_log ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id);
