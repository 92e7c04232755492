-- 0004 catalogue and recipes: what the chain sells, at what price in which shop, and what it is
-- made of (versioned recipes, the only source of theoretical ingredient usage).
--
-- Validity periods (prices, recipes) are half-open date ranges [valid_from, valid_to) of
-- business dates; valid_to NULL = open-ended. A change takes effect at a day cutoff, never in
-- the middle of a service. Overlaps are refused by exclusion constraints (btree_gist).

CREATE EXTENSION IF NOT EXISTS btree_gist;

-- A VAT rate as a fraction: 0.0550, 0.1000, 0.2000 (not a percent, not basis points).
CREATE DOMAIN vat_rate AS numeric(5,4) CHECK (VALUE >= 0 AND VALUE < 1);

CREATE TABLE product_category (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9_-]*$'),
    name        text NOT NULL CHECK (name <> ''),
    parent_id   bigint REFERENCES product_category,
    sort_order  integer NOT NULL DEFAULT 0
);
COMMENT ON TABLE product_category IS 'A menu section (classic pizzas, cream-base pizzas, drinks...), possibly nested.';
CREATE INDEX product_category_parent_idx ON product_category (parent_id);

CREATE TABLE product (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sku          text NOT NULL UNIQUE CONSTRAINT product_sku_format CHECK (sku ~ '^[A-Z0-9][A-Z0-9._-]{0,39}$'),
    name         text NOT NULL CHECK (name <> ''),
    description  text,
    category_id  bigint NOT NULL REFERENCES product_category,
    kind         text NOT NULL CONSTRAINT product_kind_known CHECK (kind IN ('pizza', 'drink', 'dessert')),
    size         text,
    vat_rate     vat_rate NOT NULL,
    active       boolean NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE product IS 'Something sold to customers: a pizza (of one size), a drink or a dessert.';
COMMENT ON COLUMN product.description IS 'the customer view: ingredients without quantities';
COMMENT ON COLUMN product.vat_rate IS 'French VAT of a take-away/delivered sale, as a fraction (0.1000 food, 0.0550 soft drinks, 0.2000 alcohol)';
CREATE INDEX product_category_idx ON product (category_id);

CREATE TABLE product_price (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id      bigint NOT NULL REFERENCES product,
    pizzeria_id     bigint REFERENCES pizzeria,
    price_ttc_cents bigint NOT NULL CHECK (price_ttc_cents >= 0),
    valid_from      date NOT NULL,
    valid_to        date,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT product_price_period CHECK (valid_to > valid_from),
    CONSTRAINT product_price_no_overlap EXCLUDE USING gist (
        product_id WITH =, (coalesce(pizzeria_id, 0)) WITH =, daterange(valid_from, valid_to) WITH &&)
);
COMMENT ON TABLE product_price IS
    'The VAT-inclusive price of a product in one shop (or chain-wide when pizzeria_id is NULL) for a period.';
COMMENT ON COLUMN product_price.pizzeria_id IS
    'NULL = the chain-wide default; a shop row overrides it for the business dates it covers';
CREATE INDEX product_price_pizzeria_idx ON product_price (pizzeria_id, product_id);

-- The price in force for a product in a shop on a business date: the shop's own price, else the
-- chain-wide default; NULL when there is none (the product is not for sale that day).
CREATE FUNCTION ocpizza_price_ttc_cents(p_product_id bigint, p_pizzeria_id bigint, p_on date) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT price_ttc_cents FROM product_price
    WHERE product_id = p_product_id AND (pizzeria_id = p_pizzeria_id OR pizzeria_id IS NULL)
      AND daterange(valid_from, valid_to) @> p_on
    ORDER BY pizzeria_id NULLS LAST
    LIMIT 1
$$;

CREATE TABLE pizzeria_menu (
    pizzeria_id  bigint NOT NULL REFERENCES pizzeria,
    product_id   bigint NOT NULL REFERENCES product,
    available    boolean NOT NULL DEFAULT true,
    sort_order   integer NOT NULL DEFAULT 0,
    PRIMARY KEY (pizzeria_id, product_id)
);
COMMENT ON TABLE pizzeria_menu IS
    'A product on a shop''s menu (absent = not sold there; available = false: temporarily off, e.g. out of stock).';
CREATE INDEX pizzeria_menu_product_idx ON pizzeria_menu (product_id);

CREATE TABLE ingredient (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sku                text NOT NULL UNIQUE CONSTRAINT ingredient_sku_format CHECK (sku ~ '^[A-Z0-9][A-Z0-9._-]{0,39}$'),
    name               text NOT NULL CHECK (name <> ''),
    base_unit          text NOT NULL CONSTRAINT ingredient_base_unit_known CHECK (base_unit IN ('g', 'ml', 'piece')),
    category           text NOT NULL CHECK (category ~ '^[a-z][a-z_]*$'),
    perishable         boolean NOT NULL DEFAULT true,
    default_waste_pct  numeric(5,4) NOT NULL DEFAULT 0 CHECK (default_waste_pct BETWEEN 0 AND 1),
    active             boolean NOT NULL DEFAULT true,
    created_at         timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE ingredient IS 'A stocked item (flour, mozzarella, a can of cola...) counted in one base unit: g, ml or piece.';
COMMENT ON COLUMN ingredient.category IS 'snake_case family for reports: dough, sauce, cheese, meat, fish, vegetable, herb_spice, oil, drink, dessert, packaging...';
COMMENT ON COLUMN ingredient.default_waste_pct IS 'preparation loss as a fraction (0.0500 = 5 %), the default for new recipe lines';

CREATE TABLE ingredient_stock_policy (
    pizzeria_id   bigint NOT NULL REFERENCES pizzeria,
    ingredient_id bigint NOT NULL REFERENCES ingredient,
    par_level     numeric(14,3) NOT NULL CHECK (par_level >= 0),
    safety_stock  numeric(14,3) NOT NULL CHECK (safety_stock >= 0),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (pizzeria_id, ingredient_id),
    CONSTRAINT ingredient_stock_policy_safety_below_par CHECK (safety_stock <= par_level)
);
COMMENT ON TABLE ingredient_stock_policy IS
    'How much of an ingredient one shop keeps: fill up to par_level, alert under safety_stock (base units).';
CREATE INDEX ingredient_stock_policy_ingredient_idx ON ingredient_stock_policy (ingredient_id);

CREATE TABLE recipe (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id    bigint NOT NULL REFERENCES product,
    version       integer NOT NULL CHECK (version > 0),
    valid_from    date NOT NULL,
    valid_to      date,
    bake_minutes  numeric(4,1) CHECK (bake_minutes > 0),
    oven_temp_c   integer CHECK (oven_temp_c BETWEEN 50 AND 550),
    instructions  text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (product_id, version),
    UNIQUE (id, product_id),
    CONSTRAINT recipe_period CHECK (valid_to > valid_from),
    CONSTRAINT recipe_no_overlap EXCLUDE USING gist (product_id WITH =, daterange(valid_from, valid_to) WITH &&)
);
COMMENT ON TABLE recipe IS
    'One version of a product''s recipe (the pizzaiolo''s card), in force for a period; sold lines freeze it.';
COMMENT ON COLUMN recipe.product_id IS
    'every product sold has a recipe, drinks and desserts included (one line: 1 piece of the can or the tiramisu)';

-- The recipe version in force for a product on a business date (what an order line freezes).
CREATE FUNCTION ocpizza_recipe_in_force(p_product_id bigint, p_on date) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT id FROM recipe WHERE product_id = p_product_id AND daterange(valid_from, valid_to) @> p_on
$$;

CREATE TABLE recipe_line (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recipe_id      bigint NOT NULL REFERENCES recipe,
    ingredient_id  bigint NOT NULL REFERENCES ingredient,
    quantity       numeric(14,3) NOT NULL CONSTRAINT recipe_line_quantity_positive CHECK (quantity > 0),
    waste_pct      numeric(5,4) NOT NULL DEFAULT 0 CONSTRAINT recipe_line_waste_fraction CHECK (waste_pct BETWEEN 0 AND 1),
    sort_order     integer NOT NULL DEFAULT 0,
    UNIQUE (recipe_id, ingredient_id)
);
COMMENT ON TABLE recipe_line IS
    'An ingredient of a recipe version: net quantity per portion in base units, plus a waste fraction.';
COMMENT ON COLUMN recipe_line.waste_pct IS 'theoretical usage = quantity * (1 + waste_pct)';
CREATE INDEX recipe_line_ingredient_idx ON recipe_line (ingredient_id);

CREATE TABLE modifier (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code               text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9_-]*$'),
    name               text NOT NULL CHECK (name <> ''),
    kind               text NOT NULL CONSTRAINT modifier_kind_known CHECK (kind IN ('extra', 'without')),
    product_id         bigint REFERENCES product,
    price_delta_cents  bigint NOT NULL DEFAULT 0,
    active             boolean NOT NULL DEFAULT true,
    created_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT modifier_price_sign CHECK (
        (kind = 'extra' AND price_delta_cents >= 0) OR (kind = 'without' AND price_delta_cents <= 0))
);
COMMENT ON TABLE modifier IS
    'An option on a pizza line, "extra mozzarella" or "without onions", with its VAT-inclusive price delta.';
COMMENT ON COLUMN modifier.product_id IS 'NULL = offered on every pizza';
COMMENT ON COLUMN modifier.active IS
    'modifiers are never edited once sold: deactivate and create a new one to change a price or a quantity';
CREATE INDEX modifier_product_idx ON modifier (product_id);

CREATE TABLE modifier_ingredient (
    modifier_id     bigint NOT NULL REFERENCES modifier,
    ingredient_id   bigint NOT NULL REFERENCES ingredient,
    quantity_delta  numeric(14,3) NOT NULL CHECK (quantity_delta <> 0),
    PRIMARY KEY (modifier_id, ingredient_id)
);
COMMENT ON TABLE modifier_ingredient IS
    'How a modifier changes one ingredient''s usage per portion, in base units (+ for extra, - for without).';
CREATE INDEX modifier_ingredient_ingredient_idx ON modifier_ingredient (ingredient_id);
