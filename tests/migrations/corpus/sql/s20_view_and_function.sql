-- expect: safe
CREATE VIEW open_orders AS SELECT id, customer_id FROM orders WHERE status = 'open';
CREATE FUNCTION order_total(p_id integer) RETURNS numeric LANGUAGE sql AS $$ SELECT amount FROM orders WHERE id = p_id $$;
