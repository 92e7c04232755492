-- Sunday counts (23:30 local, approved, every policy ingredient at par) of every bench shop for
-- the Sundays in :'count_first'..:'count_last', and a receipt of half the par on each Tuesday.
WITH counts AS (
    INSERT INTO stock_count (pizzeria_id, counted_at, business_date, status, approved_at)
    SELECT s.id, (g.day::date + time '23:30') AT TIME ZONE 'Europe/Paris', g.day::date, 'approved', now()
    FROM bench_shop s
    CROSS JOIN generate_series(:'count_first'::date, :'count_last'::date, interval '1 day') AS g(day)
    WHERE extract(isodow FROM g.day) = 7
    RETURNING id, pizzeria_id)
INSERT INTO stock_count_line (count_id, pizzeria_id, ingredient_id, quantity)
SELECT c.id, c.pizzeria_id, p.ingredient_id, p.par_level
FROM counts c JOIN ingredient_stock_policy p ON p.pizzeria_id = c.pizzeria_id;
INSERT INTO stock_movement (pizzeria_id, ingredient_id, kind, quantity, occurred_at, business_date, source_type, source_id)
SELECT p.pizzeria_id, p.ingredient_id, 'receipt', p.par_level / 2 + 1,
       (g.day::date + time '09:00') AT TIME ZONE 'Europe/Paris', g.day::date, 'supplier_document_line',
       (SELECT last FROM bench_source) + row_number() OVER ()
FROM ingredient_stock_policy p
JOIN bench_shop s ON s.id = p.pizzeria_id
CROSS JOIN generate_series(:'count_first'::date, :'count_last'::date, interval '1 day') AS g(day)
WHERE extract(isodow FROM g.day) = 2;
UPDATE bench_source SET last = last + 100000000;
