-- expect: non-concurrent-index
SET lock_timeout = '5s';
CREATE INDEX ix_events_created ON events (created_at);
