-- expect: fk-locks-referenced-table
CREATE TABLE invoices (id bigserial PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers (id), total numeric(12, 2) DEFAULT 0);
CREATE INDEX ix_invoices_customer ON invoices (customer_id);
ALTER TABLE invoices ADD CONSTRAINT invoices_total_positive CHECK (total >= 0);
