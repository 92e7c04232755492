-- 0006 stock: the append-only stock ledger, physical counts, transfers between shops, waste.
--
-- Theoretical on-hand of (shop, ingredient) = SUM(stock_movement.quantity). Every movement
-- names the row it comes from (source_type, source_id) and the pair
-- (source_type, source_id, ingredient_id, kind, revision) is unique among non-reversal rows:
-- posting the same source twice fails with 23505, so a job posts with
-- INSERT ... ON CONFLICT DO NOTHING and re-runs safely. A mistake is corrected by a reversal row
-- (reverses_movement_id, opposite quantity), then, if needed, a new posting with revision + 1.

CREATE TABLE stock_count (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pizzeria_id  bigint NOT NULL REFERENCES pizzeria,
    counted_at   timestamptz NOT NULL,
    business_date date NOT NULL,
    scope        text NOT NULL DEFAULT 'full' CONSTRAINT stock_count_scope_known CHECK (scope IN ('full', 'partial')),
    status       text NOT NULL DEFAULT 'draft' CONSTRAINT stock_count_status_known CHECK (status IN ('draft', 'approved')),
    counted_by   bigint REFERENCES employee,
    approved_by  bigint REFERENCES employee,
    approved_at  timestamptz,
    file_sha256  text UNIQUE CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (id, pizzeria_id),
    CONSTRAINT stock_count_approval CHECK ((status = 'approved') = (approved_at IS NOT NULL))
);
COMMENT ON TABLE stock_count IS
    'A physical stock count of one shop at one moment (full, or key items only), draft until a manager approves it.';
COMMENT ON COLUMN stock_count.file_sha256 IS 'SHA-256 of the count sheet file it was imported from (NULL if typed in)';
CREATE INDEX stock_count_pizzeria_idx ON stock_count (pizzeria_id, business_date);
CREATE INDEX stock_count_counted_by_idx ON stock_count (counted_by);
CREATE INDEX stock_count_approved_by_idx ON stock_count (approved_by);

CREATE TABLE stock_count_line (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    count_id         bigint NOT NULL,
    pizzeria_id      bigint NOT NULL,
    ingredient_id    bigint NOT NULL REFERENCES ingredient,
    quantity         numeric(14,3) NOT NULL CONSTRAINT stock_count_line_quantity_not_negative CHECK (quantity >= 0),
    entered_quantity numeric(14,3),
    entered_unit_code text,
    UNIQUE (count_id, ingredient_id),
    FOREIGN KEY (count_id, pizzeria_id) REFERENCES stock_count (id, pizzeria_id)
);
COMMENT ON TABLE stock_count_line IS 'The counted quantity of one ingredient in a count, in base units (and as entered).';
CREATE INDEX stock_count_line_ingredient_idx ON stock_count_line (ingredient_id);
CREATE INDEX stock_count_line_pizzeria_idx ON stock_count_line (count_id, pizzeria_id);

CREATE TABLE stock_transfer (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    from_pizzeria_id   bigint NOT NULL REFERENCES pizzeria,
    to_pizzeria_id     bigint NOT NULL REFERENCES pizzeria,
    shipped_at         timestamptz NOT NULL,
    business_date      date NOT NULL,
    employee_id        bigint REFERENCES employee,
    note               text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT stock_transfer_between_two_shops CHECK (from_pizzeria_id <> to_pizzeria_id)
);
COMMENT ON TABLE stock_transfer IS 'Goods lent by one shop to another (posted as transfer_out there, transfer_in here).';
CREATE INDEX stock_transfer_from_idx ON stock_transfer (from_pizzeria_id, business_date);
CREATE INDEX stock_transfer_to_idx ON stock_transfer (to_pizzeria_id, business_date);
CREATE INDEX stock_transfer_employee_idx ON stock_transfer (employee_id);

CREATE TABLE stock_transfer_line (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transfer_id    bigint NOT NULL REFERENCES stock_transfer,
    ingredient_id  bigint NOT NULL REFERENCES ingredient,
    quantity       numeric(14,3) NOT NULL CHECK (quantity > 0),
    UNIQUE (transfer_id, ingredient_id)
);
COMMENT ON TABLE stock_transfer_line IS 'One ingredient and quantity (base units) of a transfer between shops.';
CREATE INDEX stock_transfer_line_ingredient_idx ON stock_transfer_line (ingredient_id);

CREATE TABLE waste_log (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pizzeria_id    bigint NOT NULL REFERENCES pizzeria,
    ingredient_id  bigint REFERENCES ingredient,
    product_id     bigint,
    recipe_id      bigint,
    quantity       numeric(14,3) NOT NULL CONSTRAINT waste_log_quantity_positive CHECK (quantity > 0),
    reason         text NOT NULL CONSTRAINT waste_log_reason_known
                   CHECK (reason IN ('expired', 'dropped', 'burnt', 'remake', 'staff_meal', 'other')),
    occurred_at    timestamptz NOT NULL,
    business_date  date NOT NULL,
    employee_id    bigint REFERENCES employee,
    note           text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT waste_log_ingredient_xor_product CHECK (num_nonnulls(ingredient_id, product_id) = 1),
    CONSTRAINT waste_log_product_recipe CHECK ((product_id IS NULL) = (recipe_id IS NULL)),
    FOREIGN KEY (recipe_id, product_id) REFERENCES recipe (id, product_id)
);
COMMENT ON TABLE waste_log IS
    'Food thrown away in a shop: an ingredient (base units) or made products (portions, exploded via recipe_id).';
COMMENT ON COLUMN waste_log.recipe_id IS 'for product waste, the recipe version in force that day (frozen like an order line)';
CREATE INDEX waste_log_pizzeria_idx ON waste_log (pizzeria_id, business_date);
CREATE INDEX waste_log_ingredient_idx ON waste_log (ingredient_id);
CREATE INDEX waste_log_product_idx ON waste_log (product_id);
CREATE INDEX waste_log_recipe_idx ON waste_log (recipe_id, product_id);
CREATE INDEX waste_log_employee_idx ON waste_log (employee_id);

CREATE TABLE stock_movement (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pizzeria_id          bigint NOT NULL REFERENCES pizzeria,
    ingredient_id        bigint NOT NULL REFERENCES ingredient,
    kind                 text NOT NULL CONSTRAINT stock_movement_kind_known CHECK (kind IN (
                             'opening', 'receipt', 'sale_consumption', 'waste', 'count_adjustment',
                             'transfer_in', 'transfer_out', 'return')),
    quantity             numeric(14,3) NOT NULL CONSTRAINT stock_movement_quantity_not_zero CHECK (quantity <> 0),
    unit_cost            numeric(18,8) CHECK (unit_cost >= 0),
    occurred_at          timestamptz NOT NULL,
    business_date        date NOT NULL,
    source_type          text NOT NULL,
    source_id            bigint NOT NULL,
    revision             smallint NOT NULL DEFAULT 0 CHECK (revision >= 0),
    reverses_movement_id bigint UNIQUE REFERENCES stock_movement,
    posted_at            timestamptz NOT NULL DEFAULT now(),
    job_run_id           bigint REFERENCES job_run,
    note                 text,
    CONSTRAINT stock_movement_source_matches_kind CHECK (CASE kind
        WHEN 'opening' THEN source_type = 'stock_count_line'
        WHEN 'count_adjustment' THEN source_type = 'stock_count_line'
        WHEN 'receipt' THEN source_type = 'supplier_document_line'
        WHEN 'return' THEN source_type = 'supplier_document_line'
        WHEN 'sale_consumption' THEN source_type = 'order_line'
        WHEN 'waste' THEN source_type = 'waste_log'
        ELSE source_type = 'stock_transfer_line' END),
    -- In: opening, receipt, transfer_in. Out: sale_consumption, waste, transfer_out, return.
    -- count_adjustment either way. A reversal carries the opposite sign (checked by trigger).
    CONSTRAINT stock_movement_sign_matches_kind CHECK (reverses_movement_id IS NOT NULL OR CASE kind
        WHEN 'opening' THEN quantity > 0
        WHEN 'receipt' THEN quantity > 0
        WHEN 'transfer_in' THEN quantity > 0
        WHEN 'count_adjustment' THEN true
        ELSE quantity < 0 END)
);
COMMENT ON TABLE stock_movement IS
    'One append-only entry of the stock ledger: a signed quantity of an ingredient entering or leaving a shop.';
COMMENT ON COLUMN stock_movement.quantity IS 'signed, in the ingredient''s base unit: positive in, negative out';
COMMENT ON COLUMN stock_movement.unit_cost IS 'euros per base unit (e.g. 0.00840000 per g of mozzarella) at posting, NULL if unknown';
COMMENT ON COLUMN stock_movement.source_type IS
    'table of the row this movement posts (source_id is its id): stock_count_line (opening, count_adjustment), '
    'supplier_document_line (receipt, return), order_line (sale_consumption: one row per order line and '
    'ingredient, recipe and modifiers summed), waste_log (waste), stock_transfer_line (transfer_in/out)';
COMMENT ON COLUMN stock_movement.revision IS
    '0 for the first posting of a source; a re-posting after a reversal uses the next revision';
COMMENT ON COLUMN stock_movement.reverses_movement_id IS
    'set on a counter-entry: the movement it cancels (same shop, ingredient, kind and source, opposite quantity)';
CREATE UNIQUE INDEX stock_movement_source_key ON stock_movement (source_type, source_id, ingredient_id, kind, revision)
    WHERE reverses_movement_id IS NULL;
CREATE INDEX stock_movement_on_hand_idx ON stock_movement (pizzeria_id, ingredient_id, business_date);
CREATE INDEX stock_movement_business_date_idx ON stock_movement (pizzeria_id, business_date);
CREATE INDEX stock_movement_ingredient_idx ON stock_movement (ingredient_id);
CREATE INDEX stock_movement_job_run_idx ON stock_movement (job_run_id);

CREATE FUNCTION ocpizza_stock_movement_check_reversal() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    original stock_movement;
BEGIN
    SELECT * INTO original FROM stock_movement WHERE id = NEW.reverses_movement_id;
    IF original.reverses_movement_id IS NOT NULL
       OR original.pizzeria_id <> NEW.pizzeria_id OR original.ingredient_id <> NEW.ingredient_id
       OR original.kind <> NEW.kind OR original.source_type <> NEW.source_type
       OR original.source_id <> NEW.source_id OR original.revision <> NEW.revision
       OR original.quantity <> -NEW.quantity THEN
        RAISE EXCEPTION 'stock movement % does not reverse movement %', NEW.id, NEW.reverses_movement_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'stock_movement_reversal_matches',
                  HINT = 'a reversal repeats the shop, ingredient, kind, source and revision with the opposite quantity';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER stock_movement_reversal BEFORE INSERT ON stock_movement
    FOR EACH ROW WHEN (NEW.reverses_movement_id IS NOT NULL)
    EXECUTE FUNCTION ocpizza_stock_movement_check_reversal();
CREATE TRIGGER stock_movement_append_only BEFORE UPDATE OR DELETE ON stock_movement
    FOR EACH ROW EXECUTE FUNCTION ocpizza_append_only();
CREATE TRIGGER stock_movement_no_truncate BEFORE TRUNCATE ON stock_movement
    FOR EACH STATEMENT EXECUTE FUNCTION ocpizza_append_only();

CREATE VIEW stock_on_hand AS
SELECT pizzeria_id, ingredient_id, sum(quantity) AS quantity, max(business_date) AS last_business_date
FROM stock_movement
GROUP BY pizzeria_id, ingredient_id;
COMMENT ON VIEW stock_on_hand IS
    'Theoretical on-hand of each ingredient in each shop, in base units: the sum of the ledger (may be negative).';
