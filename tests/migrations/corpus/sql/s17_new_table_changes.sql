-- expect: safe
CREATE TABLE shipments (id integer, order_id integer, code varchar(10));
CREATE INDEX ix_shipments_order ON shipments (order_id);
ALTER TABLE shipments ALTER COLUMN id TYPE bigint;
ALTER TABLE shipments ADD CONSTRAINT shipments_code_key UNIQUE (code);
ALTER TABLE shipments ADD PRIMARY KEY (id);
ALTER TABLE shipments ALTER COLUMN order_id SET NOT NULL;
ALTER TABLE shipments ADD COLUMN token uuid DEFAULT gen_random_uuid();
ALTER TABLE shipments DROP COLUMN code;
