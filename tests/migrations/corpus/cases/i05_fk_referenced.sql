-- Item 5: the SHARE ROW EXCLUSIVE lock a new foreign key takes on the referenced table.

-- case: new_table_references_existing
-- expect: fk-locks-referenced-table
CREATE TABLE invoices (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id));

-- case: new_table_references_existing_with_timeout
-- expect: safe
SET lock_timeout = '5s';
CREATE TABLE invoices (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id));

-- case: new_table_table_constraint_fk
-- expect: fk-locks-referenced-table
CREATE TABLE invoices (id bigint PRIMARY KEY, order_id integer, CONSTRAINT invoices_order_fk FOREIGN KEY (order_id) REFERENCES orders (id));

-- case: new_table_references_new_table
-- expect: safe
CREATE TABLE plans (id bigint PRIMARY KEY);
CREATE TABLE subscriptions (id bigint PRIMARY KEY, plan_id bigint REFERENCES plans (id));

-- case: add_column_references_existing
-- expect: fk-locks-referenced-table, missing-lock-timeout
ALTER TABLE audit_log ADD COLUMN customer_id bigint REFERENCES customers (id);

-- case: fk_not_valid_without_timeout
-- expect: fk-locks-referenced-table, missing-lock-timeout
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;

-- case: fk_not_valid_with_timeout
-- expect: safe
SET lock_timeout = '5s';
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;

-- case: self_reference_new_table
-- expect: safe
CREATE TABLE categories (id bigint PRIMARY KEY, parent_id bigint REFERENCES categories (id));
