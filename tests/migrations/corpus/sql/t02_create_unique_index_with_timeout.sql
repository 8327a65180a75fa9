-- expect: non-concurrent-index
SET lock_timeout = '5s';
CREATE UNIQUE INDEX customers_email_idx ON customers (lower(email));
