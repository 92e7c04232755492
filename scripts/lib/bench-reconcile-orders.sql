-- Orders of every bench shop for the business dates :'first'..:'last', :per_shop a day, two
-- lines each (products drawn from the menu), collected.
INSERT INTO customer_order (
    pizzeria_id, order_number, customer_id, channel, fulfilment_mode, fulfilment_status, payment_status,
    payment_method, placed_at, business_date, idempotency_key, request_hash, total_ttc_cents, total_ht_cents,
    total_vat_cents)
SELECT s.id, (g.day::date - date '2020-01-01') * 10000 + k, (SELECT min(id) FROM customer), 'counter', 'pickup',
       'collected', 'collected', 'counter_cash',
       (g.day::date + time '11:30' + k * make_interval(secs => 36000.0 / :per_shop)) AT TIME ZONE 'Europe/Paris',
       g.day::date, 'b' || s.id || '-' || g.day::date || '-' || k, repeat('0', 64), 1000, 909, 91
FROM bench_shop s
CROSS JOIN generate_series(:'first'::date, :'last'::date, interval '1 day') AS g(day)
CROSS JOIN generate_series(1, :per_shop) AS k;
INSERT INTO order_line (order_id, pizzeria_id, line_no, product_id, recipe_id, quantity, unit_price_ttc_cents,
                        vat_rate, line_total_ttc_cents)
SELECT o.id, o.pizzeria_id, ln, bp.product_id, bp.recipe_id, 1, 500, 0.1, 500
FROM customer_order o
CROSS JOIN generate_series(1, 2) AS ln
JOIN bench_product bp ON bp.k = (o.id * 7 + ln * 13) % (SELECT count(*) FROM bench_product)
WHERE o.business_date BETWEEN :'first'::date AND :'last'::date AND o.pizzeria_id IN (SELECT id FROM bench_shop);
