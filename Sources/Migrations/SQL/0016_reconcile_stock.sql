-- 0016 reconcile stock: what reconcile-stock needs (design: docs/design/reconcile-stock.md).
--
--   * sub-recipes (the dough): a sub-recipe is exploded into a product's recipe version when it is
--     added to it, so an order line still freezes everything it consumed, the endpoint and the
--     reconciliation read one kind of recipe line, and a dough change is a new recipe version;
--   * count and waste files from the inbox (stock_file, one row per imported file, by SHA-256);
--   * the plausibility review of a count before it is posted (recount asked);
--   * the job's results, each replaced (never added to) when its inputs change: theoretical usage
--     per shop and business date, count-to-count periods with their variance lines, the stock
--     position at the end of a business date, availability and reorder suggestions.

CREATE TABLE sub_recipe (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code            text NOT NULL CHECK (code ~ '^[a-z0-9][a-z0-9_-]*$'),
    version         integer NOT NULL DEFAULT 1 CHECK (version > 0),
    name            text NOT NULL CHECK (name <> ''),
    unit            text NOT NULL CONSTRAINT sub_recipe_unit_known CHECK (unit IN ('g', 'ml', 'piece')),
    yield_quantity  numeric(14,3) NOT NULL CONSTRAINT sub_recipe_yield_positive CHECK (yield_quantity > 0),
    instructions    text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (code, version)
);
COMMENT ON TABLE sub_recipe IS
    'A preparation made in the shop and used by recipes (pizza dough, tomato sauce): one batch yields '
    'yield_quantity of unit; versioned like recipes (a used version is frozen).';

CREATE TABLE sub_recipe_line (
    sub_recipe_id  bigint NOT NULL REFERENCES sub_recipe,
    ingredient_id  bigint NOT NULL REFERENCES ingredient,
    quantity       numeric(14,3) NOT NULL CHECK (quantity > 0),
    waste_pct      numeric(5,4) NOT NULL DEFAULT 0 CHECK (waste_pct BETWEEN 0 AND 1),
    PRIMARY KEY (sub_recipe_id, ingredient_id)
);
COMMENT ON TABLE sub_recipe_line IS
    'An ingredient of one batch of a sub-recipe, in base units, with its preparation loss.';
CREATE INDEX sub_recipe_line_ingredient_idx ON sub_recipe_line (ingredient_id);

CREATE TABLE recipe_sub_recipe (
    recipe_id      bigint NOT NULL REFERENCES recipe,
    sub_recipe_id  bigint NOT NULL REFERENCES sub_recipe,
    quantity       numeric(14,3) NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (recipe_id, sub_recipe_id)
);
COMMENT ON TABLE recipe_sub_recipe IS
    'A sub-recipe on a recipe card (250 g of dough): its ingredients are in recipe_line, tagged with it.';
CREATE INDEX recipe_sub_recipe_sub_recipe_idx ON recipe_sub_recipe (sub_recipe_id);

ALTER TABLE recipe_line ADD COLUMN sub_recipe_id bigint REFERENCES sub_recipe;
COMMENT ON COLUMN recipe_line.sub_recipe_id IS
    'set when the line is an ingredient of a sub-recipe of the card (exploded by ocpizza_recipe_add_sub_recipe)';
CREATE INDEX recipe_line_sub_recipe_idx ON recipe_line (sub_recipe_id);

-- Adds a sub-recipe to a recipe version: the card row, and one recipe line per ingredient of the
-- sub-recipe: quantity x ingredient / yield x (1 + the sub-recipe's loss), rounded to the
-- thousandth of a base unit. An ingredient already on the card directly is refused (list it once).
CREATE FUNCTION ocpizza_recipe_add_sub_recipe(p_recipe_id bigint, p_sub_recipe_id bigint, p_quantity numeric)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    clash text;
BEGIN
    SELECT string_agg(i.sku, ', ' ORDER BY i.sku) INTO clash
    FROM sub_recipe_line s JOIN recipe_line l ON l.recipe_id = p_recipe_id AND l.ingredient_id = s.ingredient_id
    JOIN ingredient i ON i.id = s.ingredient_id
    WHERE s.sub_recipe_id = p_sub_recipe_id;
    IF clash IS NOT NULL THEN
        RAISE EXCEPTION 'recipe % already uses % directly', p_recipe_id, clash
            USING ERRCODE = 'unique_violation', HINT = 'put the ingredient in the sub-recipe or on the card, not both';
    END IF;
    INSERT INTO recipe_sub_recipe (recipe_id, sub_recipe_id, quantity) VALUES (p_recipe_id, p_sub_recipe_id, p_quantity);
    INSERT INTO recipe_line (recipe_id, ingredient_id, quantity, waste_pct, sort_order, sub_recipe_id)
    SELECT p_recipe_id, s.ingredient_id, round(p_quantity * s.quantity * (1 + s.waste_pct) / sr.yield_quantity, 3), 0,
           -1, p_sub_recipe_id
    FROM sub_recipe_line s JOIN sub_recipe sr ON sr.id = s.sub_recipe_id
    WHERE s.sub_recipe_id = p_sub_recipe_id;
END;
$$;

-- A sub-recipe used by a recipe is frozen like the recipe: a change is a new version.
CREATE FUNCTION ocpizza_sub_recipe_line_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM recipe_sub_recipe WHERE sub_recipe_id IN (OLD.sub_recipe_id, NEW.sub_recipe_id)) THEN
        RAISE EXCEPTION 'sub-recipe % is used by a recipe: its lines are frozen', coalesce(NEW.sub_recipe_id, OLD.sub_recipe_id)
            USING ERRCODE = 'restrict_violation', HINT = 'create a new sub-recipe version';
    END IF;
    RETURN coalesce(NEW, OLD);
END;
$$;
CREATE TRIGGER sub_recipe_line_frozen BEFORE INSERT OR UPDATE OR DELETE ON sub_recipe_line
    FOR EACH ROW EXECUTE FUNCTION ocpizza_sub_recipe_line_frozen();

-- Portions: one ingredient may now come from two lines only through a sub-recipe clash, which
-- is refused; grouping per ingredient keeps the figure right whatever the lines.
CREATE OR REPLACE FUNCTION ocpizza_portions_available(p_pizzeria_id bigint, p_recipe_id bigint) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT min(greatest(0, floor(coalesce(b.quantity, 0) / need.per_portion)))::bigint
    FROM (SELECT ingredient_id, sum(quantity * (1 + waste_pct)) AS per_portion
          FROM recipe_line WHERE recipe_id = p_recipe_id GROUP BY ingredient_id) need
    LEFT JOIN stock_balance b ON b.pizzeria_id = p_pizzeria_id AND b.ingredient_id = need.ingredient_id
$$;

-- What each closed order line consumed in theory, per ingredient and part (the recipe, each
-- modifier): the frozen recipe (loss included) times the quantity, plus the modifiers' deltas,
-- exact (no rounding here: sums are rounded once, where they are stored; the ledger's
-- sale_consumption rows are rounded per line to the thousandth, so the two may differ by
-- 0.0005 of a base unit per line). Cancelled and still open orders are not in it. No grouping,
-- so filters on pizzeria_id, business_date or placed_at reach the order indexes and a caller
-- aggregates once.
CREATE VIEW order_line_theoretical_usage AS
SELECT o.pizzeria_id, o.business_date, o.placed_at, o.id AS order_id, l.id AS order_line_id, rl.ingredient_id,
       rl.quantity * (1 + rl.waste_pct) * l.quantity AS quantity
FROM customer_order o
JOIN order_line l ON l.order_id = o.id AND l.pizzeria_id = o.pizzeria_id
JOIN recipe_line rl ON rl.recipe_id = l.recipe_id
WHERE o.fulfilment_status IN ('delivered', 'collected')
UNION ALL
SELECT o.pizzeria_id, o.business_date, o.placed_at, o.id, l.id, mi.ingredient_id,
       mi.quantity_delta * lm.quantity * l.quantity
FROM customer_order o
JOIN order_line l ON l.order_id = o.id AND l.pizzeria_id = o.pizzeria_id
JOIN order_line_modifier lm ON lm.order_line_id = l.id
JOIN modifier_ingredient mi ON mi.modifier_id = lm.modifier_id
WHERE o.fulfilment_status IN ('delivered', 'collected');
COMMENT ON VIEW order_line_theoretical_usage IS
    'Theoretical consumption of each closed order line, per ingredient and part (recipe, modifiers), in base units, exact.';
CREATE INDEX customer_order_placed_at_idx ON customer_order (pizzeria_id, placed_at);

CREATE TABLE stock_file (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         text NOT NULL CONSTRAINT stock_file_kind_known CHECK (kind IN ('count', 'waste')),
    file_name    text NOT NULL,
    sha256       text NOT NULL CONSTRAINT stock_file_sha256_key UNIQUE CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    rows         integer NOT NULL CHECK (rows >= 0),
    received_at  timestamptz NOT NULL DEFAULT now(),
    job_run_id   bigint REFERENCES job_run
);
COMMENT ON TABLE stock_file IS 'A count sheet or waste log file imported from var/inbox/counts or var/inbox/waste.';
CREATE INDEX stock_file_job_run_idx ON stock_file (job_run_id);

ALTER TABLE waste_log ADD COLUMN stock_file_id bigint REFERENCES stock_file;
CREATE INDEX waste_log_stock_file_idx ON waste_log (stock_file_id);

ALTER TABLE stock_count
    ADD COLUMN stock_file_id bigint REFERENCES stock_file,
    ADD COLUMN review text CONSTRAINT stock_count_review_known CHECK (review IN ('recount_requested')),
    ADD COLUMN review_detail jsonb;
COMMENT ON COLUMN stock_count.review IS
    'recount_requested: the count looked implausible against the ledger (see review_detail); it stays a draft, '
    'nothing of it is posted, and a new count file is expected';
CREATE INDEX stock_count_stock_file_idx ON stock_count (stock_file_id);
CREATE INDEX stock_count_approved_idx ON stock_count (pizzeria_id, counted_at) WHERE status = 'approved' AND scope = 'full';

-- Which periods late data touches: the movements posted since the last run.
CREATE INDEX stock_movement_posted_at_idx ON stock_movement (posted_at);
CREATE INDEX stock_movement_occurred_at_idx ON stock_movement (pizzeria_id, occurred_at);

CREATE TABLE stock_usage_day (
    pizzeria_id       bigint NOT NULL REFERENCES pizzeria,
    business_date     date NOT NULL,
    orders_closed     integer NOT NULL,
    orders_cancelled  integer NOT NULL,
    orders_open       integer NOT NULL,
    computed_at       timestamptz NOT NULL DEFAULT now(),
    job_run_id        bigint REFERENCES job_run,
    PRIMARY KEY (pizzeria_id, business_date)
);
COMMENT ON TABLE stock_usage_day IS
    'A business date of a shop that reconcile-stock computed: the orders it counted (open ones are not in the usage).';
CREATE INDEX stock_usage_day_job_run_idx ON stock_usage_day (job_run_id);

CREATE TABLE theoretical_usage (
    pizzeria_id    bigint NOT NULL,
    business_date  date NOT NULL,
    ingredient_id  bigint NOT NULL REFERENCES ingredient,
    quantity       numeric(14,3) NOT NULL,
    PRIMARY KEY (pizzeria_id, business_date, ingredient_id),
    FOREIGN KEY (pizzeria_id, business_date) REFERENCES stock_usage_day ON DELETE CASCADE
);
COMMENT ON TABLE theoretical_usage IS
    'What the closed orders of a business date should have used of each ingredient (base units).';
CREATE INDEX theoretical_usage_ingredient_idx ON theoretical_usage (ingredient_id);

CREATE TABLE stock_period (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pizzeria_id       bigint NOT NULL REFERENCES pizzeria,
    opening_count_id  bigint NOT NULL UNIQUE REFERENCES stock_count,
    closing_count_id  bigint NOT NULL UNIQUE REFERENCES stock_count,
    starts_at         timestamptz NOT NULL,
    ends_at           timestamptz NOT NULL,
    computed_at       timestamptz NOT NULL DEFAULT now(),
    job_run_id        bigint REFERENCES job_run,
    CHECK (ends_at > starts_at)
);
COMMENT ON TABLE stock_period IS
    'The time between two consecutive approved full counts of a shop, (starts_at, ends_at]: the span of one '
    'actual-vs-theoretical reconciliation.';
CREATE INDEX stock_period_pizzeria_idx ON stock_period (pizzeria_id, ends_at);
CREATE INDEX stock_period_job_run_idx ON stock_period (job_run_id);

CREATE TABLE variance_line (
    period_id             bigint NOT NULL REFERENCES stock_period ON DELETE CASCADE,
    pizzeria_id           bigint NOT NULL REFERENCES pizzeria,
    ingredient_id         bigint NOT NULL REFERENCES ingredient,
    opening               numeric(14,3) NOT NULL,
    receipts              numeric(14,3) NOT NULL,
    transfers             numeric(14,3) NOT NULL,
    closing               numeric(14,3) NOT NULL,
    actual_usage          numeric(14,3) NOT NULL,
    theoretical_usage     numeric(14,3) NOT NULL,
    waste                 numeric(14,3) NOT NULL,
    variance              numeric(14,3) NOT NULL,
    unit_cost             numeric(18,8),
    variance_value_cents  bigint,
    variance_pct          numeric(9,2),
    flags                 text[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (period_id, ingredient_id),
    CONSTRAINT variance_line_actual CHECK (actual_usage = opening + receipts + transfers - closing),
    CONSTRAINT variance_line_variance CHECK (variance = actual_usage - theoretical_usage - waste)
);
COMMENT ON TABLE variance_line IS
    'Actual vs theoretical usage of one ingredient over a count-to-count period: actual = opening + receipts '
    '+ transfers - closing; variance = actual - theoretical - logged waste, in base units, in euros at the '
    'average cost, and as % of theoretical; flags say which lines to trust less.';
COMMENT ON COLUMN variance_line.flags IS
    'stale_opening_count, unmapped_supplier_lines, held_receipts, negative_usage, over_theoretical, '
    'usage_without_sales, no_cost';
CREATE INDEX variance_line_pizzeria_idx ON variance_line (pizzeria_id);
CREATE INDEX variance_line_ingredient_idx ON variance_line (ingredient_id);

CREATE TABLE stock_position (
    pizzeria_id    bigint NOT NULL REFERENCES pizzeria,
    business_date  date NOT NULL,
    ingredient_id  bigint NOT NULL REFERENCES ingredient,
    on_hand        numeric(14,3) NOT NULL,
    unit_cost      numeric(18,8),
    value_cents    bigint,
    negative       boolean NOT NULL,
    PRIMARY KEY (pizzeria_id, business_date, ingredient_id)
);
COMMENT ON TABLE stock_position IS
    'Theoretical on-hand of each ingredient at the end of a business date, valued at the average cost (a '
    'negative quantity at the last price paid, flagged, never fed back into the average).';
CREATE INDEX stock_position_ingredient_idx ON stock_position (ingredient_id);

CREATE TABLE product_availability (
    pizzeria_id              bigint NOT NULL REFERENCES pizzeria,
    business_date            date NOT NULL,
    product_id               bigint NOT NULL REFERENCES product,
    recipe_id                bigint NOT NULL REFERENCES recipe,
    portions                 bigint,
    limiting_ingredient_id   bigint REFERENCES ingredient,
    PRIMARY KEY (pizzeria_id, business_date, product_id)
);
COMMENT ON TABLE product_availability IS
    'How many portions of each product on a shop''s menu its stock allows at the end of a business date: the '
    'minimum over the recipe''s ingredients, as the menu''s can_make computes it (NULL: nothing limits it).';
CREATE INDEX product_availability_product_idx ON product_availability (product_id);
CREATE INDEX product_availability_recipe_idx ON product_availability (recipe_id);
CREATE INDEX product_availability_ingredient_idx ON product_availability (limiting_ingredient_id);

CREATE TABLE reorder_suggestion (
    pizzeria_id          bigint NOT NULL REFERENCES pizzeria,
    business_date        date NOT NULL,
    ingredient_id        bigint NOT NULL REFERENCES ingredient,
    supplier_id          bigint NOT NULL REFERENCES supplier,
    supplier_item_id     bigint NOT NULL REFERENCES supplier_item,
    par_level            numeric(14,3) NOT NULL,
    on_hand              numeric(14,3) NOT NULL,
    open_deliveries      numeric(14,3) NOT NULL,
    shortfall            numeric(14,3) NOT NULL CHECK (shortfall > 0),
    packs                integer NOT NULL CHECK (packs > 0),
    order_quantity       numeric(14,3) NOT NULL,
    expected_cost_cents  bigint,
    PRIMARY KEY (pizzeria_id, business_date, ingredient_id)
);
COMMENT ON TABLE reorder_suggestion IS
    'What a shop should order after a business date: par - theoretical on-hand - open deliveries, rounded up '
    'to whole packs of the supplier item it buys, with the expected cost at the last price.';
COMMENT ON COLUMN reorder_suggestion.open_deliveries IS
    'goods of supplier documents received for the shop but not posted yet (held), in base units';
CREATE INDEX reorder_suggestion_ingredient_idx ON reorder_suggestion (ingredient_id);
CREATE INDEX reorder_suggestion_supplier_idx ON reorder_suggestion (supplier_id);
CREATE INDEX reorder_suggestion_supplier_item_idx ON reorder_suggestion (supplier_item_id);

INSERT INTO app_setting (key, value) VALUES
    ('reconcile.stale_count_days', '8'),
    ('reconcile.over_theoretical_factor', '2'),
    ('reconcile.recount_line_share', '0.25'),
    ('reconcile.late_margin_minutes', '60')
ON CONFLICT (key) DO NOTHING;

-- The actual-vs-theoretical lines of the period between two counts of a shop, one per
-- ingredient of the closing count. Used by reconcile-stock for the periods it stores and for the
-- plausibility review of a count before it is approved. Everything it reads lies in the
-- period's window (movements by occurred_at, orders by placed_at), so its cost follows the
-- period's activity, never the history.
CREATE FUNCTION ocpizza_variance_lines(p_opening_count_id bigint, p_closing_count_id bigint)
RETURNS TABLE (
    ingredient_id bigint, opening numeric, receipts numeric, transfers numeric, closing numeric, actual_usage numeric,
    theoretical_usage numeric, waste numeric, variance numeric, unit_cost numeric, variance_value_cents bigint,
    variance_pct numeric, flags text[])
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
DECLARE
    v_shop bigint;
    v_starts timestamptz;
    v_ends timestamptz;
BEGIN
    -- The bounds as values, not a join: the planner then pushes them into the usage view and
    -- the movement index (with a join it would aggregate every order of the history first).
    SELECT c.pizzeria_id, o.counted_at, c.counted_at INTO v_shop, v_starts, v_ends
    FROM stock_count o JOIN stock_count c ON c.id = p_closing_count_id AND c.pizzeria_id = o.pizzeria_id
    WHERE o.id = p_opening_count_id;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    RETURN QUERY
    WITH bounds AS (SELECT v_shop AS pizzeria_id, v_starts AS starts_at, v_ends AS ends_at),
    settings AS (
        SELECT coalesce((SELECT (value #>> '{}')::numeric FROM app_setting WHERE key = 'reconcile.stale_count_days'), 8)
                   AS stale_days,
               coalesce((SELECT (value #>> '{}')::numeric FROM app_setting
                         WHERE key = 'reconcile.over_theoretical_factor'), 2) AS factor),
    moves AS (
        SELECT m.ingredient_id,
               coalesce(sum(m.quantity) FILTER (WHERE m.kind IN ('receipt', 'return')), 0) AS receipts,
               coalesce(sum(m.quantity) FILTER (WHERE m.kind IN ('transfer_in', 'transfer_out')), 0) AS transfers,
               coalesce(-sum(m.quantity) FILTER (WHERE m.kind = 'waste'), 0) AS waste
        FROM stock_movement m
        WHERE m.pizzeria_id = v_shop AND m.occurred_at > v_starts AND m.occurred_at <= v_ends
          AND m.kind IN ('receipt', 'return', 'transfer_in', 'transfer_out', 'waste')
        GROUP BY m.ingredient_id),
    theory AS (
        SELECT u.ingredient_id, round(sum(u.quantity), 3) AS quantity
        FROM order_line_theoretical_usage u
        WHERE u.pizzeria_id = v_shop AND u.placed_at > v_starts AND u.placed_at <= v_ends
        GROUP BY u.ingredient_id),
    -- The average cost in force at the end of the period: the one the last sale of the period
    -- was costed at (a sale posts the shop's average cost of the moment).
    period_cost AS (
        SELECT DISTINCT ON (m.ingredient_id) m.ingredient_id, m.unit_cost
        FROM stock_movement m
        WHERE m.pizzeria_id = v_shop AND m.occurred_at > v_starts AND m.occurred_at <= v_ends
          AND m.kind = 'sale_consumption'
          AND m.unit_cost IS NOT NULL
        ORDER BY m.ingredient_id, m.occurred_at DESC, m.id DESC),
    held AS (
        SELECT l.supplier_item_id IS NULL AS unmapped, si.ingredient_id
        FROM supplier_document d
        JOIN supplier_document_line l ON l.document_id = d.id
        LEFT JOIN supplier_item si ON si.id = l.supplier_item_id
        WHERE d.pizzeria_id = v_shop AND d.status IN ('held', 'received')
          AND coalesce(d.delivery_date, d.issue_date) <= (v_ends AT TIME ZONE 'UTC')::date + 1),
    lines AS (
        SELECT c.ingredient_id, o.quantity IS NULL AS not_in_opening, coalesce(o.quantity, 0) AS opening,
               coalesce(mv.receipts, 0) AS receipts, coalesce(mv.transfers, 0) AS transfers, c.quantity AS closing,
               coalesce(t.quantity, 0) AS theoretical, coalesce(mv.waste, 0) AS waste,
               coalesce(pc.unit_cost, ic.average_unit_cost) AS unit_cost
        FROM stock_count_line c
        LEFT JOIN stock_count_line o ON o.count_id = p_opening_count_id AND o.ingredient_id = c.ingredient_id
        LEFT JOIN moves mv ON mv.ingredient_id = c.ingredient_id
        LEFT JOIN theory t ON t.ingredient_id = c.ingredient_id
        LEFT JOIN period_cost pc ON pc.ingredient_id = c.ingredient_id
        LEFT JOIN ingredient_cost ic ON ic.pizzeria_id = c.pizzeria_id AND ic.ingredient_id = c.ingredient_id
        WHERE c.count_id = p_closing_count_id),
    figures AS (
        SELECT lines.*, opening + receipts + transfers - closing AS actual,
               opening + receipts + transfers - closing - theoretical - waste AS variance
        FROM lines)
    SELECT f.ingredient_id, f.opening, f.receipts, f.transfers, f.closing, f.actual, f.theoretical, f.waste, f.variance,
           f.unit_cost, round(f.variance * f.unit_cost * 100)::bigint,
           CASE WHEN f.theoretical > 0 THEN round(f.variance / f.theoretical * 100, 2) END,
           array_remove(ARRAY[
               CASE WHEN b.ends_at - b.starts_at > make_interval(days => s.stale_days::int) THEN 'stale_opening_count' END,
               CASE WHEN EXISTS (SELECT 1 FROM held WHERE held.unmapped) THEN 'unmapped_supplier_lines' END,
               CASE WHEN EXISTS (SELECT 1 FROM held WHERE held.ingredient_id = f.ingredient_id) THEN 'held_receipts' END,
               CASE WHEN f.not_in_opening THEN 'not_in_opening_count' END,
               CASE WHEN f.actual < 0 THEN 'negative_usage' END,
               CASE WHEN f.theoretical > 0 AND f.actual > s.factor * f.theoretical THEN 'over_theoretical' END,
               CASE WHEN f.theoretical = 0 AND f.actual - f.waste > 0 THEN 'usage_without_sales' END,
               CASE WHEN f.unit_cost IS NULL THEN 'no_cost' END], NULL)
    FROM figures f CROSS JOIN bounds b CROSS JOIN settings s;
END;
$$;
