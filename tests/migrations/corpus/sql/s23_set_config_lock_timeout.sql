-- expect: safe
SELECT set_config('lock_timeout', '5s', false);
ALTER TABLE orders ADD COLUMN source text;
