-- expect: safe
UPDATE orders SET status = 'new' WHERE status IS NULL AND id < 1000;
INSERT INTO customers (name) VALUES ('system');
DELETE FROM audit_log WHERE at < '2020-01-01';
