-- expect: concurrent-index-on-partitioned-table, missing-statement-timeout
CREATE INDEX CONCURRENTLY ix_events_created ON events (created_at);
