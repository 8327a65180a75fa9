-- Item 4: the safe SET NOT NULL recipe on tables the migrations did not create.

-- case: baseline_table_set_not_null_recipe
-- expect: missing-statement-timeout
SET lock_timeout = '5s';
ALTER TABLE legacy_accounts ADD CONSTRAINT legacy_accounts_email_not_null CHECK (email IS NOT NULL) NOT VALID;
ALTER TABLE legacy_accounts VALIDATE CONSTRAINT legacy_accounts_email_not_null;
ALTER TABLE legacy_accounts ALTER COLUMN email SET NOT NULL;
ALTER TABLE legacy_accounts DROP CONSTRAINT legacy_accounts_email_not_null;

-- case: baseline_table_set_not_null_recipe_with_timeout
-- expect: safe
SET lock_timeout = '5s';
SET statement_timeout = '1h';
ALTER TABLE legacy_accounts ADD CONSTRAINT legacy_accounts_email_not_null CHECK (email IS NOT NULL) NOT VALID;
ALTER TABLE legacy_accounts VALIDATE CONSTRAINT legacy_accounts_email_not_null;
ALTER TABLE legacy_accounts ALTER COLUMN email SET NOT NULL;

-- case: baseline_table_set_not_null_plain
-- expect: set-not-null-scan
SET lock_timeout = '5s';
ALTER TABLE legacy_accounts ALTER COLUMN email SET NOT NULL;

-- case: baseline_table_check_not_validated
-- expect: set-not-null-scan
SET lock_timeout = '5s';
ALTER TABLE legacy_accounts ADD CONSTRAINT legacy_accounts_email_not_null CHECK (email IS NOT NULL) NOT VALID;
ALTER TABLE legacy_accounts ALTER COLUMN email SET NOT NULL;

-- case: baseline_table_check_other_column
-- expect: missing-statement-timeout, set-not-null-scan
SET lock_timeout = '5s';
ALTER TABLE legacy_accounts ADD CONSTRAINT legacy_accounts_name_not_null CHECK (name IS NOT NULL) NOT VALID;
ALTER TABLE legacy_accounts VALIDATE CONSTRAINT legacy_accounts_name_not_null;
ALTER TABLE legacy_accounts ALTER COLUMN email SET NOT NULL;

-- case: baseline_recipe_validated_in_setup
-- expect: safe
-- setup: ALTER TABLE legacy_accounts ADD CONSTRAINT legacy_email_nn CHECK (email IS NOT NULL) NOT VALID;
-- setup: ALTER TABLE legacy_accounts VALIDATE CONSTRAINT legacy_email_nn;
SET lock_timeout = '5s';
ALTER TABLE legacy_accounts ALTER COLUMN email SET NOT NULL;

-- case: set_not_null_with_check_pg11
-- expect: missing-statement-timeout, set-not-null-scan
-- target-version: 11
SET lock_timeout = '5s';
ALTER TABLE orders ADD CONSTRAINT orders_note_not_null CHECK (note IS NOT NULL) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_note_not_null;
ALTER TABLE orders ALTER COLUMN note SET NOT NULL;

-- case: set_not_null_with_check_pg12
-- expect: missing-statement-timeout
-- target-version: 12
SET lock_timeout = '5s';
ALTER TABLE orders ADD CONSTRAINT orders_note_not_null CHECK (note IS NOT NULL) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_note_not_null;
ALTER TABLE orders ALTER COLUMN note SET NOT NULL;
