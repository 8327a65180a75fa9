-- expect: concurrent-index-on-partitioned-table
CREATE INDEX CONCURRENTLY ix_events_created ON events (created_at);
