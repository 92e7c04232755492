-- Data of scripts/bench-reconcile: :shops synthetic shops (the demo chain's catalogue, PAR11's menu
-- and stock policy), one business day :'d' of :orders orders spread over them, the weekly count
-- that closes the day, then history. Run with -v shops=N -v orders=N -v d=YYYY-MM-DD for the
-- base, then include bench-reconcile-history.sql for each slice of history.
\set ON_ERROR_STOP on
SET synchronous_commit = off;

INSERT INTO app_setting (key, value) VALUES ('reconcile.late_margin_minutes', '0')
ON CONFLICT (key) DO UPDATE SET value = excluded.value;
INSERT INTO customer (phone, full_name) VALUES ('+33600000000', 'Bench') ON CONFLICT DO NOTHING;

INSERT INTO pizzeria (code, name, address_id, opened_on)
SELECT 'B' || lpad(n::text, 4, '0'), 'Bench ' || n, (SELECT address_id FROM pizzeria WHERE code = 'PAR11'), '2020-01-01'
FROM generate_series(1, :shops) n;
CREATE TABLE bench_shop AS SELECT id, row_number() OVER (ORDER BY id) AS n FROM pizzeria WHERE code ~ '^B[0-9]{4}$';
INSERT INTO pizzeria_menu (pizzeria_id, product_id)
SELECT s.id, m.product_id FROM bench_shop s, pizzeria_menu m WHERE m.pizzeria_id = (SELECT id FROM pizzeria WHERE code = 'PAR11');
INSERT INTO ingredient_stock_policy (pizzeria_id, ingredient_id, par_level, safety_stock)
SELECT s.id, p.ingredient_id, p.par_level, p.safety_stock
FROM bench_shop s, ingredient_stock_policy p WHERE p.pizzeria_id = (SELECT id FROM pizzeria WHERE code = 'PAR11');
CREATE TABLE bench_product AS
SELECT row_number() OVER (ORDER BY p.id) - 1 AS k, p.id AS product_id, r.id AS recipe_id
FROM pizzeria_menu m
JOIN product p ON p.id = m.product_id
JOIN recipe r ON r.product_id = p.id AND daterange(r.valid_from, r.valid_to) @> :'d'::date
WHERE m.pizzeria_id = (SELECT id FROM pizzeria WHERE code = 'PAR11');
CREATE TABLE bench_source (last bigint);
INSERT INTO bench_source VALUES (0);

-- The day: :orders orders, two lines each, every one collected.
\set first :d
\set last :d
SELECT (:orders / :shops)::int AS per_shop \gset
\ir bench-reconcile-orders.sql
-- Its closing count in every shop, 23:30 local.
\set count_first :d
\set count_last :d
\ir bench-reconcile-counts.sql
