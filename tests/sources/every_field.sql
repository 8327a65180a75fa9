-- A schema that uses every field of the model (tests/sources/test_postgres.py asserts it exactly).
CREATE SCHEMA app;
COMMENT ON SCHEMA app IS 'application schema';
CREATE TYPE app.status AS ENUM ('new', 'paid', 'shipped');

CREATE TABLE app.customers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email varchar(255) NOT NULL,
    name text COLLATE "C",
    balance numeric(12, 2) DEFAULT 0 NOT NULL,
    tags text[],
    matrix int[][],
    created_at timestamptz(3) DEFAULT now(),
    email_lower text GENERATED ALWAYS AS (lower(email)) STORED,
    code char(4),
    CONSTRAINT customers_email_key UNIQUE NULLS NOT DISTINCT (email),
    CONSTRAINT customers_balance_check CHECK (balance >= 0)
);
COMMENT ON TABLE app.customers IS 'people who buy';
COMMENT ON COLUMN app.customers.email IS 'login e-mail';

CREATE TABLE app.orders (
    id serial PRIMARY KEY,
    customer_id bigint NOT NULL,
    ref_code char(4),
    status app.status DEFAULT 'new' NOT NULL,
    total numeric,
    note text,
    payload jsonb,
    CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES app.customers (id)
        ON DELETE CASCADE ON UPDATE SET NULL DEFERRABLE INITIALLY DEFERRED
);
ALTER TABLE app.orders ADD CONSTRAINT orders_total_check CHECK (total > 0) NOT VALID;
ALTER TABLE app.orders ADD CONSTRAINT orders_customer_match_fk FOREIGN KEY (customer_id)
    REFERENCES app.customers (id) MATCH FULL ON DELETE RESTRICT NOT VALID;

CREATE INDEX orders_note_partial ON app.orders (customer_id DESC, note) INCLUDE (total) WHERE note IS NOT NULL;
CREATE INDEX orders_lower_note ON app.orders (lower(note) text_pattern_ops, (total + 1) NULLS FIRST);
CREATE INDEX orders_payload_gin ON app.orders USING gin (payload jsonb_path_ops);
CREATE INDEX orders_id_brin ON app.orders USING brin (id);
CREATE INDEX orders_ref_hash ON app.orders USING hash (ref_code);
CREATE INDEX orders_note_c ON app.orders (note COLLATE "C");

CREATE TABLE app.bookings (
    room int NOT NULL,
    during tstzrange NOT NULL,
    CONSTRAINT bookings_no_overlap EXCLUDE USING gist (during WITH &&)
);

CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.note := coalesce(NEW.note, '');
    RETURN NEW;
END
$$;
CREATE TRIGGER orders_touch BEFORE INSERT OR UPDATE ON app.orders FOR EACH ROW EXECUTE FUNCTION app.touch();
CREATE FUNCTION app.audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE TRIGGER orders_audit AFTER TRUNCATE ON app.orders FOR EACH STATEMENT EXECUTE FUNCTION app.audit();
ALTER TABLE app.orders DISABLE TRIGGER orders_audit;

CREATE TABLE app.events (
    id bigint NOT NULL,
    created_at date NOT NULL,
    kind text
) PARTITION BY RANGE (created_at);
CREATE TABLE app.events_2024 PARTITION OF app.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE app.events_default PARTITION OF app.events DEFAULT;
ALTER TABLE app.events ADD PRIMARY KEY (id, created_at);

CREATE VIEW app.big_orders AS SELECT id, total FROM app.orders WHERE total > 100;
CREATE MATERIALIZED VIEW app.order_totals AS SELECT customer_id, sum(total) AS total FROM app.orders GROUP BY customer_id;
CREATE VIEW app.big_orders_view_trigger AS SELECT id FROM app.orders;
CREATE TRIGGER big_orders_instead INSTEAD OF DELETE ON app.big_orders_view_trigger
    FOR EACH ROW EXECUTE FUNCTION app.audit();

CREATE SEQUENCE app.invoice_no AS integer START 1000 INCREMENT 5 MINVALUE 1000 MAXVALUE 99999 CYCLE;
SELECT nextval('app.invoice_no');
