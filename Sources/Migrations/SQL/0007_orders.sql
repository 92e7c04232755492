-- 0007 orders: customer orders with their two state machines (fulfilment, payment), frozen lines
-- and the append-only event log.
--
-- * idempotency_key is UNIQUE: the endpoint inserts with ON CONFLICT (idempotency_key) DO NOTHING
--   and, on conflict, answers with the stored order (same request_hash) or 422 (different one).
-- * An order's content never changes (modify = cancel + new order with replaces_order_id); only
--   its statuses move, along order_status_transition, each move with an order_event row.
-- * order_number is given by a trigger from a per-shop counter (unique per shop, may have gaps).

CREATE TABLE order_status_transition (
    kind         text NOT NULL CHECK (kind IN ('fulfilment', 'payment')),
    from_status  text NOT NULL,
    to_status    text NOT NULL,
    PRIMARY KEY (kind, from_status, to_status)
);
COMMENT ON TABLE order_status_transition IS
    'An allowed move of an order''s fulfilment or payment status (the state machines of the design).';
INSERT INTO order_status_transition (kind, from_status, to_status) VALUES
    ('fulfilment', 'placed', 'accepted'), ('fulfilment', 'placed', 'cancelled'),
    ('fulfilment', 'accepted', 'in_preparation'), ('fulfilment', 'accepted', 'cancelled'),
    ('fulfilment', 'in_preparation', 'ready'),
    ('fulfilment', 'ready', 'out_for_delivery'), ('fulfilment', 'ready', 'collected'),
    ('fulfilment', 'out_for_delivery', 'delivered'),
    -- online: authorise at order, capture when preparation starts, void on cancel
    ('payment', 'unpaid', 'authorised'), ('payment', 'authorised', 'captured'), ('payment', 'authorised', 'voided'),
    ('payment', 'captured', 'settled'),
    -- on delivery or at the counter: collected by the driver or cashier, deposited at shift cash-up
    ('payment', 'unpaid', 'collected'), ('payment', 'collected', 'deposited'), ('payment', 'deposited', 'settled'),
    -- refunds, from any state where money was taken; a second partial refund stays partially_refunded
    ('payment', 'captured', 'refunded'), ('payment', 'captured', 'partially_refunded'),
    ('payment', 'collected', 'refunded'), ('payment', 'collected', 'partially_refunded'),
    ('payment', 'deposited', 'refunded'), ('payment', 'deposited', 'partially_refunded'),
    ('payment', 'settled', 'refunded'), ('payment', 'settled', 'partially_refunded'),
    ('payment', 'partially_refunded', 'partially_refunded'), ('payment', 'partially_refunded', 'refunded'),
    -- card disputes (chargebacks): won goes back to settled, lost ends refunded
    ('payment', 'captured', 'disputed'), ('payment', 'settled', 'disputed'),
    ('payment', 'partially_refunded', 'disputed'),
    ('payment', 'disputed', 'settled'), ('payment', 'disputed', 'refunded');

CREATE TABLE order_number_counter (
    pizzeria_id  bigint PRIMARY KEY REFERENCES pizzeria,
    last_number  bigint NOT NULL
);
COMMENT ON TABLE order_number_counter IS 'The last order number given in a shop (one row per shop, locked while an order is inserted).';

CREATE TABLE customer_order (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pizzeria_id       bigint NOT NULL REFERENCES pizzeria,
    order_number      bigint NOT NULL CHECK (order_number > 0),
    customer_id       bigint NOT NULL REFERENCES customer,
    channel           text NOT NULL CONSTRAINT customer_order_channel_known CHECK (channel IN ('web', 'phone', 'counter')),
    fulfilment_mode   text NOT NULL CONSTRAINT customer_order_fulfilment_mode_known
                      CHECK (fulfilment_mode IN ('delivery', 'pickup')),
    delivery_address  jsonb CONSTRAINT customer_order_delivery_address_shape CHECK (
                          jsonb_typeof(delivery_address) = 'object' AND delivery_address ?& '{line1,postcode,city}'),
    fulfilment_status text NOT NULL DEFAULT 'placed' CONSTRAINT customer_order_fulfilment_status_known CHECK (
                          fulfilment_status IN ('placed', 'accepted', 'in_preparation', 'ready', 'out_for_delivery',
                                                'delivered', 'collected', 'cancelled')),
    payment_status    text NOT NULL DEFAULT 'unpaid' CONSTRAINT customer_order_payment_status_known CHECK (
                          payment_status IN ('unpaid', 'authorised', 'captured', 'settled', 'collected', 'deposited',
                                             'voided', 'refunded', 'partially_refunded', 'disputed')),
    payment_method    text NOT NULL CONSTRAINT customer_order_payment_method_known CHECK (
                          payment_method IN ('online_card', 'paypal', 'card_on_delivery', 'cash_on_delivery',
                                             'counter_card', 'counter_cash')),
    placed_at         timestamptz NOT NULL DEFAULT now(),
    promised_at       timestamptz,
    business_date     date NOT NULL,
    idempotency_key   text NOT NULL CONSTRAINT customer_order_idempotency_key UNIQUE
                      CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    request_hash      text NOT NULL CHECK (request_hash ~ '^[0-9a-f]{64}$'),
    total_ttc_cents   bigint NOT NULL CHECK (total_ttc_cents >= 0),
    total_ht_cents    bigint NOT NULL CHECK (total_ht_cents >= 0),
    total_vat_cents   bigint NOT NULL CHECK (total_vat_cents >= 0),
    taken_by          bigint REFERENCES employee,
    replaces_order_id bigint UNIQUE REFERENCES customer_order,
    note              text,
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (pizzeria_id, order_number),
    UNIQUE (id, pizzeria_id),
    CONSTRAINT customer_order_totals_add_up CHECK (total_ht_cents + total_vat_cents = total_ttc_cents),
    CONSTRAINT customer_order_address_iff_delivery CHECK ((fulfilment_mode = 'delivery') = (delivery_address IS NOT NULL)),
    CONSTRAINT customer_order_method_fits_mode CHECK (CASE
        WHEN payment_method IN ('card_on_delivery', 'cash_on_delivery') THEN fulfilment_mode = 'delivery'
        WHEN payment_method IN ('counter_card', 'counter_cash') THEN fulfilment_mode = 'pickup'
        ELSE true END)
);
COMMENT ON TABLE customer_order IS
    'A customer''s order in one shop: channel, delivery or pickup, totals, and where its two state machines stand.';
COMMENT ON COLUMN customer_order.delivery_address IS
    'snapshot taken at order time, required iff delivery: {"line1", "line2"?, "postcode", "city", '
    '"country_code"?, "instructions"?, "latitude"?, "longitude"?}';
COMMENT ON COLUMN customer_order.idempotency_key IS 'the Idempotency-Key header (tills and the phone desk send one too)';
COMMENT ON COLUMN customer_order.request_hash IS 'hex SHA-256 of the canonical request body sent with the idempotency key';
COMMENT ON COLUMN customer_order.total_vat_cents IS 'VAT computed per rate on the whole order (not summed per line), rounded half-up';
COMMENT ON COLUMN customer_order.order_number IS 'per-shop number shown on tickets, given by a trigger when omitted';
COMMENT ON COLUMN customer_order.replaces_order_id IS 'modify = cancel + re-create: the cancelled order this one replaces';
CREATE INDEX customer_order_business_date_idx ON customer_order (pizzeria_id, business_date);
CREATE INDEX customer_order_customer_idx ON customer_order (customer_id, placed_at DESC);
CREATE INDEX customer_order_taken_by_idx ON customer_order (taken_by);
CREATE INDEX customer_order_open_idx ON customer_order (pizzeria_id, fulfilment_status)
    WHERE fulfilment_status NOT IN ('delivered', 'collected', 'cancelled');

CREATE FUNCTION ocpizza_next_order_number(p_pizzeria_id bigint) RETURNS bigint
LANGUAGE sql AS $$
    INSERT INTO order_number_counter AS c (pizzeria_id, last_number) VALUES (p_pizzeria_id, 1)
    ON CONFLICT (pizzeria_id) DO UPDATE SET last_number = c.last_number + 1
    RETURNING last_number
$$;

-- Inserts: fill in the order number. Updates: only statuses (along allowed transitions), the
-- payment method, the promised time and the note may change. Deletes: never.
CREATE FUNCTION ocpizza_customer_order_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.order_number IS NULL THEN
            NEW.order_number := ocpizza_next_order_number(NEW.pizzeria_id);
        END IF;
        RETURN NEW;
    ELSIF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'customer_order % cannot be deleted', OLD.id
            USING ERRCODE = 'restrict_violation', HINT = 'cancel it instead';
    END IF;
    IF (NEW.id, NEW.pizzeria_id, NEW.order_number, NEW.customer_id, NEW.channel, NEW.fulfilment_mode,
        NEW.delivery_address, NEW.placed_at, NEW.business_date, NEW.idempotency_key, NEW.request_hash,
        NEW.total_ttc_cents, NEW.total_ht_cents, NEW.total_vat_cents, NEW.taken_by, NEW.replaces_order_id)
       IS DISTINCT FROM
       (OLD.id, OLD.pizzeria_id, OLD.order_number, OLD.customer_id, OLD.channel, OLD.fulfilment_mode,
        OLD.delivery_address, OLD.placed_at, OLD.business_date, OLD.idempotency_key, OLD.request_hash,
        OLD.total_ttc_cents, OLD.total_ht_cents, OLD.total_vat_cents, OLD.taken_by, OLD.replaces_order_id) THEN
        RAISE EXCEPTION 'customer_order % content is frozen', OLD.id
            USING ERRCODE = 'restrict_violation', HINT = 'modify = cancel + new order (replaces_order_id)';
    END IF;
    IF NEW.fulfilment_status IS DISTINCT FROM OLD.fulfilment_status AND NOT EXISTS (
        SELECT 1 FROM order_status_transition
        WHERE kind = 'fulfilment' AND from_status = OLD.fulfilment_status AND to_status = NEW.fulfilment_status) THEN
        RAISE EXCEPTION 'fulfilment % -> % is not allowed', OLD.fulfilment_status, NEW.fulfilment_status
            USING ERRCODE = 'check_violation', CONSTRAINT = 'customer_order_fulfilment_transition';
    END IF;
    IF NEW.payment_status IS DISTINCT FROM OLD.payment_status AND NOT EXISTS (
        SELECT 1 FROM order_status_transition
        WHERE kind = 'payment' AND from_status = OLD.payment_status AND to_status = NEW.payment_status) THEN
        RAISE EXCEPTION 'payment % -> % is not allowed', OLD.payment_status, NEW.payment_status
            USING ERRCODE = 'check_violation', CONSTRAINT = 'customer_order_payment_transition';
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;
CREATE TRIGGER customer_order_guard BEFORE INSERT OR UPDATE OR DELETE ON customer_order
    FOR EACH ROW EXECUTE FUNCTION ocpizza_customer_order_guard();

CREATE TABLE order_line (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id              bigint NOT NULL,
    pizzeria_id           bigint NOT NULL,
    line_no               integer NOT NULL CHECK (line_no > 0),
    product_id            bigint NOT NULL REFERENCES product,
    recipe_id             bigint NOT NULL,
    quantity              integer NOT NULL CONSTRAINT order_line_quantity_positive CHECK (quantity > 0),
    unit_price_ttc_cents  bigint NOT NULL CHECK (unit_price_ttc_cents >= 0),
    modifiers_ttc_cents   bigint NOT NULL DEFAULT 0,
    vat_rate              vat_rate NOT NULL,
    line_total_ttc_cents  bigint NOT NULL CONSTRAINT order_line_total_not_negative CHECK (line_total_ttc_cents >= 0),
    UNIQUE (order_id, line_no),
    FOREIGN KEY (order_id, pizzeria_id) REFERENCES customer_order (id, pizzeria_id),
    CONSTRAINT order_line_recipe_of_product FOREIGN KEY (recipe_id, product_id) REFERENCES recipe (id, product_id),
    CONSTRAINT order_line_total CHECK (line_total_ttc_cents = quantity * (unit_price_ttc_cents + modifiers_ttc_cents))
);
COMMENT ON TABLE order_line IS
    'A product sold in an order (append-only), with its price, VAT rate and the recipe version frozen at sale.';
COMMENT ON COLUMN order_line.recipe_id IS 'the recipe version in force on the order''s business date, never changed afterwards';
COMMENT ON COLUMN order_line.modifiers_ttc_cents IS 'sum of the line''s modifier price deltas for one unit';
CREATE INDEX order_line_pizzeria_idx ON order_line (order_id, pizzeria_id);
CREATE INDEX order_line_product_idx ON order_line (product_id);
CREATE INDEX order_line_recipe_idx ON order_line (recipe_id, product_id);
CREATE TRIGGER order_line_append_only BEFORE UPDATE OR DELETE ON order_line
    FOR EACH ROW EXECUTE FUNCTION ocpizza_append_only();

CREATE TABLE order_line_modifier (
    order_line_id      bigint NOT NULL REFERENCES order_line,
    modifier_id        bigint NOT NULL REFERENCES modifier,
    quantity           smallint NOT NULL DEFAULT 1 CHECK (quantity > 0),
    price_delta_cents  bigint NOT NULL,
    PRIMARY KEY (order_line_id, modifier_id)
);
COMMENT ON TABLE order_line_modifier IS
    'A modifier chosen on an order line (append-only), with its price delta per unit frozen at sale.';
CREATE INDEX order_line_modifier_modifier_idx ON order_line_modifier (modifier_id);
CREATE TRIGGER order_line_modifier_append_only BEFORE UPDATE OR DELETE ON order_line_modifier
    FOR EACH ROW EXECUTE FUNCTION ocpizza_append_only();

CREATE TABLE order_event (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id           bigint NOT NULL,
    pizzeria_id        bigint NOT NULL,
    kind               text NOT NULL CONSTRAINT order_event_kind_known CHECK (kind IN ('fulfilment', 'payment')),
    from_status        text,
    to_status          text NOT NULL,
    at                 timestamptz NOT NULL DEFAULT now(),
    business_date      date NOT NULL,
    actor_employee_id  bigint REFERENCES employee,
    actor              text NOT NULL CHECK (actor <> ''),
    reason             text,
    FOREIGN KEY (order_id, pizzeria_id) REFERENCES customer_order (id, pizzeria_id),
    CONSTRAINT order_event_transition_allowed FOREIGN KEY (kind, from_status, to_status)
        REFERENCES order_status_transition (kind, from_status, to_status),
    CONSTRAINT order_event_first_status CHECK (
        from_status IS NOT NULL OR (kind = 'fulfilment' AND to_status = 'placed')
        OR (kind = 'payment' AND to_status = 'unpaid')),
    CONSTRAINT order_event_cancel_has_reason CHECK (to_status <> 'cancelled' OR reason IS NOT NULL)
);
COMMENT ON TABLE order_event IS
    'One append-only status change of an order (fulfilment or payment): from, to, when, by whom and why.';
COMMENT ON COLUMN order_event.actor IS
    'who or what moved it: web, phone, counter, driver app, system, job:<name>, stripe, paypal...';
COMMENT ON COLUMN order_event.from_status IS 'NULL only for the first event: fulfilment -> placed or payment -> unpaid';
CREATE INDEX order_event_order_idx ON order_event (order_id, pizzeria_id, at);
CREATE INDEX order_event_business_date_idx ON order_event (pizzeria_id, business_date);
CREATE INDEX order_event_actor_idx ON order_event (actor_employee_id);
CREATE TRIGGER order_event_append_only BEFORE UPDATE OR DELETE ON order_event
    FOR EACH ROW EXECUTE FUNCTION ocpizza_append_only();

-- A recipe version that was sold (or logged as product waste) is frozen: change it with a new version.
CREATE FUNCTION ocpizza_recipe_line_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    recipe bigint;
BEGIN
    FOREACH recipe IN ARRAY ARRAY[OLD.recipe_id, NEW.recipe_id] LOOP
        IF recipe IS NOT NULL AND (EXISTS (SELECT 1 FROM order_line WHERE recipe_id = recipe)
                                   OR EXISTS (SELECT 1 FROM waste_log WHERE recipe_id = recipe)) THEN
            RAISE EXCEPTION 'recipe % has been used: its lines are frozen', recipe
                USING ERRCODE = 'restrict_violation', HINT = 'create a new recipe version';
        END IF;
    END LOOP;
    RETURN coalesce(NEW, OLD);
END;
$$;
CREATE TRIGGER recipe_line_frozen BEFORE INSERT OR UPDATE OR DELETE ON recipe_line
    FOR EACH ROW EXECUTE FUNCTION ocpizza_recipe_line_frozen();
