-- Item 1: NOT VALID and VALIDATE committed separately, or not.

-- case: fk_not_valid_validate_in_one_transaction
-- expect: missing-statement-timeout, validate-in-same-transaction
BEGIN;
SET LOCAL lock_timeout = '5s';
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;
COMMIT;

-- case: fk_not_valid_validate_after_commit
-- expect: safe
SET statement_timeout = '30min';
BEGIN;
SET LOCAL lock_timeout = '5s';
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;
COMMIT;
ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;

-- case: check_not_valid_validate_in_one_transaction
-- expect: missing-statement-timeout, validate-in-same-transaction
BEGIN;
SET LOCAL lock_timeout = '5s';
ALTER TABLE orders ADD CONSTRAINT orders_amount_positive CHECK (amount > 0) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_amount_positive;
COMMIT;

-- case: check_not_valid_validate_two_transactions
-- expect: safe
SET statement_timeout = '30min';
SET lock_timeout = '5s';
BEGIN;
ALTER TABLE orders ADD CONSTRAINT orders_amount_positive CHECK (amount > 0) NOT VALID;
COMMIT;
BEGIN;
ALTER TABLE orders VALIDATE CONSTRAINT orders_amount_positive;
COMMIT;

-- case: not_valid_validate_assumed_transaction
-- expect: missing-statement-timeout, validate-in-same-transaction
-- options: assume-in-transaction
SET lock_timeout = '5s';
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;

-- case: not_valid_on_table_created_in_same_transaction
-- expect: safe
BEGIN;
CREATE TABLE shipments (id bigint PRIMARY KEY, order_id integer);
ALTER TABLE shipments ADD CONSTRAINT shipments_amount CHECK (id > 0) NOT VALID;
ALTER TABLE shipments VALIDATE CONSTRAINT shipments_amount;
COMMIT;

-- case: validate_constraint_added_before_this_run
-- expect: missing-statement-timeout
-- setup: ALTER TABLE orders ADD CONSTRAINT orders_ref_positive CHECK (ref > 0) NOT VALID;
BEGIN;
SET LOCAL lock_timeout = '5s';
ALTER TABLE orders VALIDATE CONSTRAINT orders_ref_positive;
COMMIT;
