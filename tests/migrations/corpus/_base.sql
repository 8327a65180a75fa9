-- The schema every corpus migration runs against (its tables are "existing": they may be large).
CREATE TABLE customers (id bigserial PRIMARY KEY, name text NOT NULL, email varchar(100), legacy_code char(8));
CREATE TABLE orders (
    id serial PRIMARY KEY,
    customer_id bigint,
    amount numeric(10, 2),
    code varchar(20),
    note text,
    created timestamp,
    status text,
    ref integer,
    ip cidr
);
CREATE INDEX ix_orders_status ON orders (status);
CREATE TABLE events (id bigint NOT NULL, created_at timestamptz NOT NULL, payload jsonb) PARTITION BY RANGE (created_at);
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE TABLE audit_log (id bigint NOT NULL, at timestamp(3), message varchar(200));
