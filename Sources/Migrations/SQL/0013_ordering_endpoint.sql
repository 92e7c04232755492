-- 0013 ordering endpoint: what `ocpizza serve` calls. One order is one function call in one
-- transaction (ocpizza_place_order), so the endpoint costs one round trip per order and the
-- benchmark can run the very same statement through pgbench.
--
-- * stock_balance keeps the theoretical on-hand of each ingredient in each shop up to date (a
--   statement trigger adds every batch of stock movements to it), so checking an order's stock
--   reads a handful of rows, not the whole ledger. The menu's "can be made" figure, the order's
--   stock check and, later, the reconciliation's availability all read it.
-- * Errors the endpoint turns into answers are raised with SQLSTATE class OC (never seen from
--   PostgreSQL itself); MESSAGE is for people, DETAIL a JSON document for programs:
--     OC422 a request value is wrong           DETAIL {"field": "/lines/0/product"}     -> 422
--     OC409 out of stock                       DETAIL [{"line": "/lines/0", ...}]       -> 409
--     OC410 the shop is closed now             DETAIL {"shop": "PAR11", ...}            -> 409
--     OC404 no such shop or order (for this key)                                       -> 404
--     OC403 the key is bound to another shop                                           -> 403
--     OC412 the idempotency key was used with another body                             -> 409
--     OC419 the order cannot make this move (state machine)                           -> 409

CREATE TABLE stock_balance (
    pizzeria_id    bigint NOT NULL REFERENCES pizzeria,
    ingredient_id  bigint NOT NULL REFERENCES ingredient,
    quantity       numeric(14,3) NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (pizzeria_id, ingredient_id)
);
COMMENT ON TABLE stock_balance IS
    'Theoretical on-hand of each ingredient in each shop (base units, may be negative): the running sum of '
    'stock_movement, kept by a statement trigger. Equal to the stock_on_hand view at every commit.';
CREATE INDEX stock_balance_ingredient_idx ON stock_balance (ingredient_id);

-- Adds a statement's movements (an INSERT or a COPY of any size) to the balances, in key order
-- so that two writers lock the same rows in the same order.
CREATE FUNCTION ocpizza_stock_balance_add() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stock_balance AS b (pizzeria_id, ingredient_id, quantity)
    SELECT pizzeria_id, ingredient_id, sum(quantity) FROM new_movements GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (pizzeria_id, ingredient_id)
        DO UPDATE SET quantity = b.quantity + EXCLUDED.quantity, updated_at = now();
    RETURN NULL;
END;
$$;
CREATE TRIGGER stock_movement_balance AFTER INSERT ON stock_movement
    REFERENCING NEW TABLE AS new_movements
    FOR EACH STATEMENT EXECUTE FUNCTION ocpizza_stock_balance_add();

INSERT INTO stock_balance (pizzeria_id, ingredient_id, quantity)
SELECT pizzeria_id, ingredient_id, sum(quantity) FROM stock_movement GROUP BY 1, 2;

-- An instant as the API writes it: UTC, ISO 8601, milliseconds. STABLE like to_char, so the
-- planner inlines it into the queries that call it.
CREATE FUNCTION ocpizza_json_instant(p_at timestamptz) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

-- Whether a shop takes orders at an instant: it trades that day (opened, not closed) and the
-- instant falls in one of the day's opening slots, or in the part after midnight of one of the
-- previous day's slots (a close at or before its open ends the next day: ["18:00","02:00"];
-- ["00:00","00:00"] is open all day).
CREATE FUNCTION ocpizza_shop_is_open(p_pizzeria_id bigint, p_at timestamptz) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
DECLARE
    shop pizzeria;
    local_time timestamp;
    slot jsonb;
    opens time;
    closes time;
BEGIN
    SELECT * INTO shop FROM pizzeria WHERE id = p_pizzeria_id;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    local_time := p_at AT TIME ZONE shop.timezone;
    IF local_time::date < shop.opened_on OR local_time::date >= shop.closed_on THEN
        RETURN false;
    END IF;
    FOR slot IN SELECT jsonb_array_elements(coalesce(shop.opening_hours -> lower(to_char(local_time, 'Dy')), '[]'))
    LOOP
        opens := (slot ->> 0)::time;
        closes := (slot ->> 1)::time;
        IF local_time::time >= opens AND (closes <= opens OR local_time::time < closes) THEN
            RETURN true;
        END IF;
    END LOOP;
    FOR slot IN SELECT jsonb_array_elements(
        coalesce(shop.opening_hours -> lower(to_char(local_time - interval '1 day', 'Dy')), '[]'))
    LOOP
        opens := (slot ->> 0)::time;
        closes := (slot ->> 1)::time;
        IF closes <= opens AND local_time::time < closes THEN
            RETURN true;
        END IF;
    END LOOP;
    RETURN false;
END;
$$;

-- How many portions of a product a shop can still make from its theoretical stock: the minimum
-- over the recipe's ingredients of on-hand ÷ quantity per portion (waste included), never below
-- zero; NULL when the recipe has no line (nothing limits it).
CREATE FUNCTION ocpizza_portions_available(p_pizzeria_id bigint, p_recipe_id bigint) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT min(greatest(0, floor(coalesce(b.quantity, 0) / (rl.quantity * (1 + rl.waste_pct)))))::bigint
    FROM recipe_line rl
    LEFT JOIN stock_balance b ON b.pizzeria_id = p_pizzeria_id AND b.ingredient_id = rl.ingredient_id
    WHERE rl.recipe_id = p_recipe_id
$$;

-- An order as the API shows it (GET /v1/orders/{id} and every answer about an order).
-- PL/pgSQL rather than SQL so that its query is planned once per connection, not per call.
CREATE FUNCTION ocpizza_order_json(p_order_id bigint) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT json_build_object(
        'id', o.id,
        'number', o.order_number,
        'shop', p.code,
        'channel', o.channel,
        'fulfilment', o.fulfilment_mode,
        'status', o.fulfilment_status,
        'payment', json_build_object(
            'method', o.payment_method,
            'status', o.payment_status,
            'reference', (SELECT pay.processor_reference FROM payment pay
                          WHERE pay.order_id = o.id AND pay.status = 'authorised' ORDER BY pay.id LIMIT 1)),
        'business_date', o.business_date,
        'placed_at', ocpizza_json_instant(o.placed_at),
        'updated_at', ocpizza_json_instant(o.updated_at),
        'customer', json_build_object('phone', c.phone, 'name', c.full_name),
        'delivery_address', o.delivery_address,
        'note', o.note,
        'lines', (
            SELECT json_agg(json_build_object(
                'line_no', l.line_no,
                'product', pr.sku,
                'name', pr.name,
                'quantity', l.quantity,
                'unit_price_cents', l.unit_price_ttc_cents,
                'modifiers', (
                    SELECT coalesce(json_agg(json_build_object(
                        'code', m.code, 'name', m.name, 'price_delta_cents', lm.price_delta_cents) ORDER BY m.code),
                        '[]')
                    FROM order_line_modifier lm JOIN modifier m ON m.id = lm.modifier_id
                    WHERE lm.order_line_id = l.id),
                'modifiers_cents', l.modifiers_ttc_cents,
                'vat_rate', l.vat_rate::text,
                'total_cents', l.line_total_ttc_cents,
                'recipe_version', r.version) ORDER BY l.line_no)
            FROM order_line l
            JOIN product pr ON pr.id = l.product_id
            JOIN recipe r ON r.id = l.recipe_id
            WHERE l.order_id = o.id AND l.pizzeria_id = o.pizzeria_id),
        'totals', json_build_object(
            'ttc_cents', o.total_ttc_cents,
            'ht_cents', o.total_ht_cents,
            'vat_cents', o.total_vat_cents,
            'by_rate', (
                SELECT json_agg(json_build_object(
                    'rate', rate::text, 'ttc_cents', ttc, 'vat_cents', vat, 'ht_cents', ttc - vat) ORDER BY rate)
                FROM (SELECT l.vat_rate AS rate, sum(l.line_total_ttc_cents) AS ttc,
                             round(sum(l.line_total_ttc_cents) * l.vat_rate / (1 + l.vat_rate))::bigint AS vat
                      FROM order_line l WHERE l.order_id = o.id AND l.pizzeria_id = o.pizzeria_id
                      GROUP BY l.vat_rate) per_rate)),
        'events', (
            SELECT json_agg(json_build_object(
                'kind', e.kind, 'from', e.from_status, 'to', e.to_status, 'at', ocpizza_json_instant(e.at),
                'actor', e.actor, 'employee_id', e.actor_employee_id, 'reason', e.reason) ORDER BY e.at, e.id)
            FROM order_event e WHERE e.order_id = o.id AND e.pizzeria_id = o.pizzeria_id))
    FROM customer_order o
    JOIN pizzeria p ON p.id = o.pizzeria_id
    JOIN customer c ON c.id = o.customer_id
    WHERE o.id = p_order_id);
END;
$$;

-- The answer to a request that reuses an idempotency key: the stored order when the body is
-- the same (a retry, perhaps after a crash between commit and answer), an error otherwise.
CREATE FUNCTION ocpizza_order_replay(p_idempotency_key text, p_request_hash text, p_key_pizzeria_id bigint)
RETURNS TABLE (created boolean, order_id bigint, body json)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
DECLARE
    stored customer_order;
BEGIN
    SELECT * INTO stored FROM customer_order o WHERE o.idempotency_key = p_idempotency_key;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    -- A till key never learns anything about another shop's order, not even that it exists.
    IF p_key_pizzeria_id IS NOT NULL AND stored.pizzeria_id <> p_key_pizzeria_id THEN
        RAISE EXCEPTION 'this Idempotency-Key was already used for another request' USING ERRCODE = 'OC412';
    END IF;
    IF stored.request_hash <> p_request_hash THEN
        RAISE EXCEPTION 'this Idempotency-Key was already used for another request (order %)', stored.id
            USING ERRCODE = 'OC412', DETAIL = json_build_object('order_id', stored.id)::text;
    END IF;
    RETURN QUERY SELECT false, stored.id, ocpizza_order_json(stored.id);
END;
$$;

-- Places an order. p_request is the request body as the endpoint validated and normalised it
-- (see Sources/Ordering/OrderRequest.swift): shop, channel, customer {phone?, name?},
-- fulfilment, delivery_address?, lines [{product, quantity, modifiers [code]}],
-- payment {method, reference?, amount_cents?}, note?. The function prices the order from the
-- catalogue (never from the client), checks the shop is open and every line can be made,
-- freezes the recipe versions, writes the order, its lines, modifiers, events, the online
-- authorisation, and the theoretical consumption in the stock ledger. A key bound to a shop
-- (p_key_pizzeria_id) orders for that shop only.
CREATE FUNCTION ocpizza_place_order(
    p_request jsonb, p_idempotency_key text, p_request_hash text, p_actor text, p_key_pizzeria_id bigint,
    p_now timestamptz DEFAULT now())
RETURNS TABLE (created boolean, order_id bigint, body json)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_shop pizzeria;
    v_day date;
    v_line record;
    v_modifier record;
    v_path text;
    v_method text := p_request #>> '{payment,method}';
    v_processor text := CASE p_request #>> '{payment,method}' WHEN 'online_card' THEN 'stripe'
                                                              WHEN 'paypal' THEN 'paypal' END;
    v_reference text := p_request #>> '{payment,reference}';
    v_payment_status text := CASE WHEN p_request #>> '{payment,method}' IN ('online_card', 'paypal')
                                  THEN 'authorised' ELSE 'unpaid' END;
    v_line_numbers int[] := '{}';
    v_line_products bigint[] := '{}';
    v_line_recipes bigint[] := '{}';
    v_line_quantities int[] := '{}';
    v_line_prices bigint[] := '{}';
    v_line_modifier_cents bigint[] := '{}';
    v_line_vat_rates numeric[] := '{}';
    v_modifier_lines int[] := '{}';
    v_modifier_ids bigint[] := '{}';
    v_modifier_deltas bigint[] := '{}';
    v_use_lines int[];
    v_use_ingredients bigint[];
    v_use_quantities numeric[];
    v_unavailable jsonb := '[]';
    v_shortages jsonb;
    v_total_ttc bigint;
    v_total_vat bigint;
    v_customer bigint;
    v_number bigint;
    v_order bigint;
BEGIN
    -- Requests with the same key run one after the other, so a retry racing its original waits
    -- for it and then answers the order it placed.
    PERFORM pg_advisory_xact_lock(hashtextextended('ocpizza.order:' || p_idempotency_key, 0));
    RETURN QUERY SELECT * FROM ocpizza_order_replay(p_idempotency_key, p_request_hash, p_key_pizzeria_id);
    IF FOUND THEN
        RETURN;
    END IF;

    SELECT * INTO v_shop FROM pizzeria WHERE code = p_request ->> 'shop';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown shop %', p_request ->> 'shop'
            USING ERRCODE = 'OC422', DETAIL = '{"field": "/shop"}';
    END IF;
    IF p_key_pizzeria_id IS NOT NULL AND p_key_pizzeria_id <> v_shop.id THEN
        RAISE EXCEPTION 'this API key places orders for its own shop only' USING ERRCODE = 'OC403';
    END IF;
    IF NOT ocpizza_shop_is_open(v_shop.id, p_now) THEN
        RAISE EXCEPTION 'shop % is not taking orders now (see its opening hours in GET /v1/shops)', v_shop.code
            USING ERRCODE = 'OC410',
                  DETAIL = json_build_object('shop', v_shop.code, 'opening_hours', v_shop.opening_hours,
                                             'timezone', v_shop.timezone)::text;
    END IF;
    -- ocpizza_business_date, inlined (a SQL function is planned again at every call).
    v_day := ((p_now AT TIME ZONE v_shop.timezone) - v_shop.day_cutoff)::date;

    -- Each line: the product on this shop's menu, its price and recipe in force today.
    FOR v_line IN
        SELECT l.n::int - 1 AS index, l.item ->> 'product' AS sku, (l.item ->> 'quantity')::int AS quantity,
               coalesce(l.item -> 'modifiers', '[]') AS modifiers, p.id AS product_id, p.kind, p.vat_rate, p.active,
               m.available, price.price_ttc_cents AS price, recipe.id AS recipe_id
        FROM jsonb_array_elements(p_request -> 'lines') WITH ORDINALITY AS l(item, n)
        LEFT JOIN product p ON p.sku = l.item ->> 'product'
        LEFT JOIN pizzeria_menu m ON m.pizzeria_id = v_shop.id AND m.product_id = p.id
        -- ocpizza_price_ttc_cents and ocpizza_recipe_in_force, inlined to be planned once.
        LEFT JOIN LATERAL (
            SELECT pp.price_ttc_cents FROM product_price pp
            WHERE pp.product_id = p.id AND (pp.pizzeria_id = v_shop.id OR pp.pizzeria_id IS NULL)
              AND daterange(pp.valid_from, pp.valid_to) @> v_day
            ORDER BY pp.pizzeria_id NULLS LAST LIMIT 1) price ON true
        LEFT JOIN recipe ON recipe.product_id = p.id AND daterange(recipe.valid_from, recipe.valid_to) @> v_day
        ORDER BY l.n
    LOOP
        v_path := format('/lines/%s', v_line.index);
        IF v_line.product_id IS NULL THEN
            RAISE EXCEPTION 'unknown product %', v_line.sku
                USING ERRCODE = 'OC422', DETAIL = json_build_object('field', v_path || '/product')::text;
        ELSIF v_line.available IS NULL OR NOT v_line.active THEN
            RAISE EXCEPTION 'product % is not on the menu of shop %', v_line.sku, v_shop.code
                USING ERRCODE = 'OC422', DETAIL = json_build_object('field', v_path || '/product')::text;
        ELSIF v_line.price IS NULL OR v_line.recipe_id IS NULL THEN
            RAISE EXCEPTION 'product % is not for sale on %', v_line.sku, v_day
                USING ERRCODE = 'OC422', DETAIL = json_build_object('field', v_path || '/product')::text;
        ELSIF NOT v_line.available THEN
            v_unavailable := v_unavailable || jsonb_build_object(
                'line', v_path, 'product', v_line.sku, 'reason', 'taken off the menu for now',
                'ingredients', '[]'::jsonb);
        END IF;
        v_line_numbers := v_line_numbers || (v_line.index + 1);
        v_line_products := v_line_products || v_line.product_id;
        v_line_recipes := v_line_recipes || v_line.recipe_id;
        v_line_quantities := v_line_quantities || v_line.quantity;
        v_line_prices := v_line_prices || v_line.price;
        v_line_vat_rates := v_line_vat_rates || v_line.vat_rate::numeric;
        v_line_modifier_cents := v_line_modifier_cents || 0::bigint;
        FOR v_modifier IN
            SELECT c.n::int - 1 AS index, c.code, md.id, md.product_id, md.price_delta_cents, md.active
            FROM jsonb_array_elements_text(v_line.modifiers) WITH ORDINALITY AS c(code, n)
            LEFT JOIN modifier md ON md.code = c.code
            ORDER BY c.n
        LOOP
            IF v_modifier.id IS NULL OR NOT v_modifier.active THEN
                RAISE EXCEPTION 'unknown modifier %', v_modifier.code
                    USING ERRCODE = 'OC422',
                          DETAIL = json_build_object('field', format('%s/modifiers/%s', v_path, v_modifier.index))::text;
            ELSIF v_modifier.product_id IS DISTINCT FROM v_line.product_id
                  AND NOT (v_modifier.product_id IS NULL AND v_line.kind = 'pizza') THEN
                RAISE EXCEPTION 'modifier % does not apply to %', v_modifier.code, v_line.sku
                    USING ERRCODE = 'OC422',
                          DETAIL = json_build_object('field', format('%s/modifiers/%s', v_path, v_modifier.index))::text;
            END IF;
            v_modifier_lines := v_modifier_lines || (v_line.index + 1);
            v_modifier_ids := v_modifier_ids || v_modifier.id;
            v_modifier_deltas := v_modifier_deltas || v_modifier.price_delta_cents;
            v_line_modifier_cents[v_line.index + 1] := v_line_modifier_cents[v_line.index + 1]
                                                       + v_modifier.price_delta_cents;
        END LOOP;
        IF v_line.price + v_line_modifier_cents[v_line.index + 1] < 0 THEN
            RAISE EXCEPTION 'the modifiers of % take its price below zero', v_line.sku
                USING ERRCODE = 'OC422', DETAIL = json_build_object('field', v_path || '/modifiers')::text;
        END IF;
    END LOOP;

    -- Totals: VAT once per rate on the order's VAT-inclusive total, rounded half-up, as
    -- Domain.VATBreakdown computes it.
    SELECT sum(ttc), sum(vat) INTO v_total_ttc, v_total_vat
    FROM (SELECT sum(q * (p + m)) AS ttc, round(sum(q * (p + m)) * r / (1 + r))::bigint AS vat
          FROM unnest(v_line_quantities, v_line_prices, v_line_modifier_cents, v_line_vat_rates) AS t(q, p, m, r)
          GROUP BY r) per_rate;
    IF (p_request #>> '{payment,amount_cents}') IS NOT NULL
       AND (p_request #>> '{payment,amount_cents}')::bigint <> v_total_ttc THEN
        RAISE EXCEPTION 'the payment authorised % cents but the order costs % cents',
            p_request #>> '{payment,amount_cents}', v_total_ttc
            USING ERRCODE = 'OC422',
                  DETAIL = json_build_object('field', '/payment/amount_cents', 'total_cents', v_total_ttc)::text;
    END IF;
    -- Two orders racing with one payment reference: the second waits here, then sees the first.
    IF v_processor IS NOT NULL THEN
        PERFORM pg_advisory_xact_lock(hashtextextended('ocpizza.payment:' || v_processor || ':' || v_reference, 0));
    END IF;
    IF v_processor IS NOT NULL AND EXISTS (
        SELECT 1 FROM payment pay WHERE pay.processor = v_processor AND pay.processor_reference = v_reference) THEN
        RAISE EXCEPTION 'payment reference % already pays another order', v_reference
            USING ERRCODE = 'OC422', DETAIL = '{"field": "/payment/reference"}';
    END IF;

    -- What each line takes from the stock, per ingredient: the frozen recipe (waste included)
    -- times the quantity, plus the modifiers' deltas, rounded to the gram/millilitre/thousandth.
    SELECT coalesce(array_agg(line_no ORDER BY line_no, ingredient_id), '{}'),
           coalesce(array_agg(ingredient_id ORDER BY line_no, ingredient_id), '{}'),
           coalesce(array_agg(quantity ORDER BY line_no, ingredient_id), '{}')
    INTO v_use_lines, v_use_ingredients, v_use_quantities
    FROM (SELECT line_no, ingredient_id, round(sum(amount), 3) AS quantity
          FROM (SELECT l.line_no, rl.ingredient_id, rl.quantity * (1 + rl.waste_pct) * l.quantity AS amount
                FROM unnest(v_line_numbers, v_line_recipes, v_line_quantities) AS l(line_no, recipe_id, quantity)
                JOIN recipe_line rl ON rl.recipe_id = l.recipe_id
                UNION ALL
                SELECT m.line_no, mi.ingredient_id, mi.quantity_delta * v_line_quantities[m.line_no]
                FROM unnest(v_modifier_lines, v_modifier_ids) AS m(line_no, modifier_id)
                JOIN modifier_ingredient mi ON mi.modifier_id = m.modifier_id) parts
          GROUP BY line_no, ingredient_id) per_line
    WHERE quantity > 0;

    -- Stock: lock the balances the order draws on, in key order (orders never deadlock), and
    -- name every line that needs more of an ingredient than the shop has.
    WITH uses AS (
        SELECT * FROM unnest(v_use_lines, v_use_ingredients, v_use_quantities) AS u(line_no, ingredient_id, quantity)),
    need AS (
        SELECT ingredient_id, sum(quantity) AS quantity FROM uses GROUP BY ingredient_id),
    locked AS (
        SELECT b.ingredient_id, b.quantity FROM stock_balance b
        WHERE b.pizzeria_id = v_shop.id AND b.ingredient_id IN (SELECT ingredient_id FROM need)
        ORDER BY b.ingredient_id FOR UPDATE),
    short AS (
        SELECT need.ingredient_id FROM need LEFT JOIN locked USING (ingredient_id)
        WHERE need.quantity > coalesce(locked.quantity, 0))
    SELECT jsonb_agg(jsonb_build_object(
               'line', format('/lines/%s', c.line_no - 1), 'product', p.sku, 'reason', 'not enough stock',
               'ingredients', c.ingredients) ORDER BY c.line_no)
    INTO v_shortages
    FROM (SELECT uses.line_no, jsonb_agg(i.sku ORDER BY i.sku) AS ingredients
          FROM uses JOIN short USING (ingredient_id) JOIN ingredient i ON i.id = uses.ingredient_id
          GROUP BY uses.line_no) c
    JOIN product p ON p.id = v_line_products[c.line_no];
    v_unavailable := v_unavailable || coalesce(v_shortages, '[]');
    IF jsonb_array_length(v_unavailable) > 0 THEN
        RAISE EXCEPTION 'shop % cannot make % of the order''s lines now', v_shop.code,
            jsonb_array_length(v_unavailable)
            USING ERRCODE = 'OC409', DETAIL = v_unavailable::text;
    END IF;

    -- The customer: by phone number, or the shop's anonymous counter customer.
    IF p_request #>> '{customer,phone}' IS NULL THEN
        INSERT INTO customer (anonymous_for_pizzeria_id) VALUES (v_shop.id)
        ON CONFLICT (anonymous_for_pizzeria_id) DO NOTHING;
        SELECT c.id INTO v_customer FROM customer c WHERE c.anonymous_for_pizzeria_id = v_shop.id;
    ELSE
        SELECT c.id INTO v_customer FROM customer c WHERE c.phone = p_request #>> '{customer,phone}';
        IF NOT FOUND THEN
            INSERT INTO customer (phone, full_name)
            VALUES (p_request #>> '{customer,phone}', p_request #>> '{customer,name}')
            ON CONFLICT (phone) DO NOTHING;
            SELECT c.id INTO v_customer FROM customer c WHERE c.phone = p_request #>> '{customer,phone}';
        END IF;
    END IF;

    -- The order number from the shop's counter, as the insert trigger would take it through
    -- ocpizza_next_order_number (a SQL function, planned again at every call).
    INSERT INTO order_number_counter AS c (pizzeria_id, last_number) VALUES (v_shop.id, 1)
    ON CONFLICT (pizzeria_id) DO UPDATE SET last_number = c.last_number + 1
    RETURNING c.last_number INTO v_number;

    INSERT INTO customer_order AS o (
        pizzeria_id, order_number, customer_id, channel, fulfilment_mode, delivery_address, payment_status, payment_method,
        placed_at, business_date, idempotency_key, request_hash, total_ttc_cents, total_ht_cents, total_vat_cents,
        note)
    VALUES (
        v_shop.id, v_number, v_customer, p_request ->> 'channel', p_request ->> 'fulfilment', p_request -> 'delivery_address',
        v_payment_status, v_method, p_now, v_day, p_idempotency_key, p_request_hash, v_total_ttc,
        v_total_ttc - v_total_vat, v_total_vat, p_request ->> 'note')
    RETURNING o.id INTO v_order;

    INSERT INTO order_line (
        order_id, pizzeria_id, line_no, product_id, recipe_id, quantity, unit_price_ttc_cents, modifiers_ttc_cents,
        vat_rate, line_total_ttc_cents)
    SELECT v_order, v_shop.id, l.line_no, l.product_id, l.recipe_id, l.quantity, l.price, l.modifiers, l.rate,
           l.quantity * (l.price + l.modifiers)
    FROM unnest(v_line_numbers, v_line_products, v_line_recipes, v_line_quantities, v_line_prices,
                v_line_modifier_cents, v_line_vat_rates) AS l(line_no, product_id, recipe_id, quantity, price, modifiers, rate);

    INSERT INTO order_line_modifier (order_line_id, modifier_id, quantity, price_delta_cents)
    SELECT ol.id, m.modifier_id, 1, m.delta
    FROM unnest(v_modifier_lines, v_modifier_ids, v_modifier_deltas) AS m(line_no, modifier_id, delta)
    JOIN order_line ol ON ol.order_id = v_order AND ol.line_no = m.line_no;

    INSERT INTO order_event (order_id, pizzeria_id, kind, from_status, to_status, at, business_date, actor)
    VALUES (v_order, v_shop.id, 'fulfilment', NULL, 'placed', p_now, v_day, p_actor),
           (v_order, v_shop.id, 'payment', NULL, 'unpaid', p_now, v_day, p_actor);
    IF v_processor IS NOT NULL THEN
        INSERT INTO payment (
            pizzeria_id, order_id, method, status, amount_cents, processor, processor_reference, occurred_at,
            business_date)
        VALUES (v_shop.id, v_order, v_method, 'authorised', v_total_ttc, v_processor, v_reference, p_now, v_day);
        INSERT INTO order_event (order_id, pizzeria_id, kind, from_status, to_status, at, business_date, actor)
        VALUES (v_order, v_shop.id, 'payment', 'unpaid', 'authorised', p_now, v_day, v_processor);
    END IF;

    INSERT INTO stock_movement (
        pizzeria_id, ingredient_id, kind, quantity, unit_cost, occurred_at, business_date, source_type, source_id)
    SELECT v_shop.id, u.ingredient_id, 'sale_consumption', -u.quantity, cost.average_unit_cost, p_now, v_day,
           'order_line', ol.id
    FROM unnest(v_use_lines, v_use_ingredients, v_use_quantities) AS u(line_no, ingredient_id, quantity)
    JOIN order_line ol ON ol.order_id = v_order AND ol.line_no = u.line_no
    LEFT JOIN ingredient_cost cost ON cost.pizzeria_id = v_shop.id AND cost.ingredient_id = u.ingredient_id
    ORDER BY u.line_no, u.ingredient_id;

    RETURN QUERY SELECT true, v_order, ocpizza_order_json(v_order);
END;
$$;

-- Locks an order for a change, as a key may see it (a key bound to a shop sees that shop's
-- orders only; another shop's order is "not found", so keys cannot probe ids).
CREATE FUNCTION ocpizza_lock_order(p_order_id bigint, p_key_pizzeria_id bigint) RETURNS customer_order
LANGUAGE plpgsql AS $$
DECLARE
    found_order customer_order;
BEGIN
    SELECT * INTO found_order FROM customer_order
    WHERE id = p_order_id AND (p_key_pizzeria_id IS NULL OR pizzeria_id = p_key_pizzeria_id)
    FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no order %', p_order_id USING ERRCODE = 'OC404';
    END IF;
    RETURN found_order;
END;
$$;

-- The next step of an order's online authorisation: 'captured' (preparation starts) or
-- 'voided' (cancelled). A payment row pointing at the authorisation, the order's payment
-- status, and the payment event (by the processor unless p_actor says who).
CREATE FUNCTION ocpizza_follow_authorisation(
    p_order customer_order, p_to text, p_actor text, p_reason text, p_now timestamptz, p_day date)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    authorisation payment;
BEGIN
    SELECT * INTO authorisation FROM payment
    WHERE order_id = p_order.id AND status = 'authorised' ORDER BY id LIMIT 1;
    INSERT INTO payment (
        pizzeria_id, order_id, parent_payment_id, method, status, amount_cents, processor, processor_reference,
        occurred_at, business_date)
    VALUES (p_order.pizzeria_id, p_order.id, authorisation.id, authorisation.method, p_to, authorisation.amount_cents,
            authorisation.processor, authorisation.processor_reference, p_now, p_day);
    UPDATE customer_order SET payment_status = p_to WHERE id = p_order.id;
    INSERT INTO order_event (order_id, pizzeria_id, kind, from_status, to_status, at, business_date, actor, reason)
    VALUES (p_order.id, p_order.pizzeria_id, 'payment', 'authorised', p_to, p_now, p_day,
            coalesce(p_actor, authorisation.processor), p_reason);
END;
$$;

-- Cancels an order before preparation: fulfilment event with the reason, the online
-- authorisation voided, and every ingredient its lines consumed given back to the stock by
-- counter-entries. Cancelling a cancelled order answers it as it is (a retried cancel).
CREATE FUNCTION ocpizza_cancel_order(
    p_order_id bigint, p_reason text, p_actor text, p_employee_id bigint, p_key_pizzeria_id bigint,
    p_now timestamptz DEFAULT now())
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    target customer_order := ocpizza_lock_order(p_order_id, p_key_pizzeria_id);
    day date := ocpizza_business_date(target.pizzeria_id, p_now);
BEGIN
    IF target.fulfilment_status = 'cancelled' THEN
        RETURN ocpizza_order_json(target.id);
    END IF;
    IF target.fulfilment_status NOT IN ('placed', 'accepted') THEN
        RAISE EXCEPTION 'order % is %: it can be cancelled only before preparation', target.id,
            target.fulfilment_status
            USING ERRCODE = 'OC419',
                  DETAIL = json_build_object('order_status', target.fulfilment_status, 'allowed', '[]'::json)::text;
    END IF;
    IF p_employee_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM employee WHERE id = p_employee_id AND (pizzeria_id = target.pizzeria_id OR pizzeria_id IS NULL)) THEN
        RAISE EXCEPTION 'no employee % in this shop', p_employee_id
            USING ERRCODE = 'OC422', DETAIL = '{"field": "/employee_id"}';
    END IF;

    UPDATE customer_order SET fulfilment_status = 'cancelled' WHERE id = target.id;
    INSERT INTO order_event (
        order_id, pizzeria_id, kind, from_status, to_status, at, business_date, actor, actor_employee_id, reason)
    VALUES (target.id, target.pizzeria_id, 'fulfilment', target.fulfilment_status, 'cancelled', p_now, day, p_actor,
            p_employee_id, p_reason);

    IF target.payment_status = 'authorised' THEN
        PERFORM ocpizza_follow_authorisation(target, 'voided', NULL, p_reason, p_now, day);
    END IF;

    INSERT INTO stock_movement (
        pizzeria_id, ingredient_id, kind, quantity, unit_cost, occurred_at, business_date, source_type, source_id,
        revision, reverses_movement_id, note)
    SELECT m.pizzeria_id, m.ingredient_id, m.kind, -m.quantity, m.unit_cost, p_now, day, m.source_type, m.source_id,
           m.revision, m.id, 'order cancelled'
    FROM stock_movement m
    JOIN order_line l ON l.id = m.source_id AND l.order_id = target.id
    WHERE m.source_type = 'order_line' AND m.kind = 'sale_consumption' AND m.reverses_movement_id IS NULL
      AND NOT EXISTS (SELECT 1 FROM stock_movement r WHERE r.reverses_movement_id = m.id)
    ORDER BY m.id;

    RETURN ocpizza_order_json(target.id);
END;
$$;

-- Moves an order along the fulfilment state machine (staff: kitchen, drivers, counter), with
-- the payment steps that go with it: the online authorisation is captured when preparation
-- starts; a payment in person is collected when the order is delivered or collected.
CREATE FUNCTION ocpizza_advance_order(
    p_order_id bigint, p_to text, p_actor text, p_employee_id bigint, p_reason text, p_key_pizzeria_id bigint,
    p_now timestamptz DEFAULT now())
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    target customer_order;
    day date;
    allowed text[];
BEGIN
    IF p_to = 'cancelled' THEN
        RETURN ocpizza_cancel_order(
            p_order_id, coalesce(p_reason, 'cancelled by ' || p_actor), p_actor, p_employee_id, p_key_pizzeria_id,
            p_now);
    END IF;
    target := ocpizza_lock_order(p_order_id, p_key_pizzeria_id);
    day := ocpizza_business_date(target.pizzeria_id, p_now);
    SELECT coalesce(array_agg(t.to_status ORDER BY t.to_status), '{}') INTO allowed
    FROM order_status_transition t
    WHERE t.kind = 'fulfilment' AND t.from_status = target.fulfilment_status
      AND NOT (target.fulfilment_mode = 'pickup' AND t.to_status IN ('out_for_delivery', 'delivered'))
      AND NOT (target.fulfilment_mode = 'delivery' AND t.to_status = 'collected');
    IF NOT p_to = ANY (allowed) THEN
        RAISE EXCEPTION 'a % order cannot go from % to %', target.fulfilment_mode, target.fulfilment_status, p_to
            USING ERRCODE = 'OC419',
                  DETAIL = json_build_object('order_status', target.fulfilment_status, 'allowed', allowed)::text;
    END IF;
    IF p_employee_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM employee WHERE id = p_employee_id AND (pizzeria_id = target.pizzeria_id OR pizzeria_id IS NULL)) THEN
        RAISE EXCEPTION 'no employee % in this shop', p_employee_id
            USING ERRCODE = 'OC422', DETAIL = '{"field": "/employee_id"}';
    END IF;

    UPDATE customer_order SET fulfilment_status = p_to WHERE id = target.id;
    INSERT INTO order_event (
        order_id, pizzeria_id, kind, from_status, to_status, at, business_date, actor, actor_employee_id, reason)
    VALUES (target.id, target.pizzeria_id, 'fulfilment', target.fulfilment_status, p_to, p_now, day, p_actor,
            p_employee_id, p_reason);

    IF p_to = 'in_preparation' AND target.payment_status = 'authorised' THEN
        PERFORM ocpizza_follow_authorisation(target, 'captured', 'system', NULL, p_now, day);
    ELSIF p_to IN ('delivered', 'collected') AND target.payment_status = 'unpaid'
          AND target.payment_method IN ('card_on_delivery', 'cash_on_delivery', 'counter_card', 'counter_cash') THEN
        INSERT INTO payment (pizzeria_id, order_id, method, status, amount_cents, occurred_at, business_date, employee_id)
        VALUES (target.pizzeria_id, target.id, target.payment_method, 'collected', target.total_ttc_cents, p_now, day,
                p_employee_id);
        UPDATE customer_order SET payment_status = 'collected' WHERE id = target.id;
        INSERT INTO order_event (
            order_id, pizzeria_id, kind, from_status, to_status, at, business_date, actor, actor_employee_id)
        VALUES (target.id, target.pizzeria_id, 'payment', 'unpaid', 'collected', p_now, day, p_actor, p_employee_id);
    END IF;

    RETURN ocpizza_order_json(target.id);
END;
$$;

-- A shop's menu as the API shows it: each product on the menu with its price and VAT today,
-- its modifiers, and how many portions the theoretical stock still allows ("can_make"), so the
-- website greys out what the shop has run out of.
CREATE FUNCTION ocpizza_menu_json(p_pizzeria_id bigint, p_now timestamptz DEFAULT now()) RETURNS json
LANGUAGE sql STABLE AS $$
    WITH day AS (SELECT ocpizza_business_date(p_pizzeria_id, p_now) AS d),
    items AS (
        SELECT p.id, p.sku, p.name, p.description, p.kind, p.size, p.vat_rate, c.code AS category, m.available,
               m.sort_order, ocpizza_price_ttc_cents(p.id, p_pizzeria_id, day.d) AS price,
               ocpizza_recipe_in_force(p.id, day.d) AS recipe_id
        FROM pizzeria_menu m
        JOIN product p ON p.id = m.product_id AND p.active
        JOIN product_category c ON c.id = p.category_id
        CROSS JOIN day
        WHERE m.pizzeria_id = p_pizzeria_id),
    sellable AS (
        SELECT items.*, CASE WHEN available THEN ocpizza_portions_available(p_pizzeria_id, recipe_id) ELSE 0 END
                            AS can_make
        FROM items WHERE price IS NOT NULL AND recipe_id IS NOT NULL)
    SELECT json_build_object(
        'shop', (SELECT code FROM pizzeria WHERE id = p_pizzeria_id),
        'business_date', (SELECT d FROM day),
        'open_now', ocpizza_shop_is_open(p_pizzeria_id, p_now),
        'products', coalesce((
            SELECT json_agg(json_build_object(
                'product', s.sku, 'name', s.name, 'description', s.description, 'category', s.category,
                'kind', s.kind, 'size', s.size, 'price_cents', s.price, 'vat_rate', s.vat_rate::text,
                'available', s.available AND coalesce(s.can_make > 0, true), 'can_make', s.can_make,
                'modifiers', (
                    SELECT coalesce(json_agg(json_build_object(
                        'code', md.code, 'name', md.name, 'kind', md.kind, 'price_delta_cents', md.price_delta_cents)
                        ORDER BY md.kind, md.code), '[]')
                    FROM modifier md
                    WHERE md.active AND (md.product_id = s.id OR (md.product_id IS NULL AND s.kind = 'pizza'))))
                ORDER BY s.sort_order, s.sku)
            FROM sellable s), '[]'))
$$;
