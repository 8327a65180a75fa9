-- expect: primary-key-on-existing-table
SET lock_timeout = '5s';
ALTER TABLE events ADD PRIMARY KEY (id, created_at);
