-- 0012 supplier import: what import-supplier needs beyond 0005.
--
--   * shops and suppliers identified by GLN (the deliver-to location of an e-invoice);
--   * supplier items that never enter ingredient stock (deposits, transport, non-food);
--   * documents held before their supplier is known, documents recorded without stock effect
--     (Factur-X MINIMUM / BASIC WL), and the references that tie invoices to despatch advices;
--   * per-line flags and the operator's acceptance of a hold (a price jump confirmed);
--   * the purchase price history per base unit and the weighted average cost per shop.

ALTER TABLE pizzeria ADD COLUMN gln text UNIQUE CONSTRAINT pizzeria_gln_format CHECK (gln ~ '^[0-9]{13}$');
COMMENT ON COLUMN pizzeria.gln IS
    'GS1 GLN of the shop as a delivery point (scheme 0088): suppliers put it in the deliver-to location (BT-71)';

ALTER TABLE supplier ADD COLUMN gln text UNIQUE CONSTRAINT supplier_gln_format CHECK (gln ~ '^[0-9]{13}$');

ALTER TABLE supplier_item
    ADD COLUMN stock_effect text NOT NULL DEFAULT 'ingredient' CONSTRAINT supplier_item_stock_effect_known
        CHECK (stock_effect IN ('ingredient', 'deposit', 'transport', 'non_food')),
    ALTER COLUMN ingredient_id DROP NOT NULL,
    ADD CONSTRAINT supplier_item_ingredient_iff_stock CHECK ((stock_effect = 'ingredient') = (ingredient_id IS NOT NULL)),
    ADD COLUMN created_by text NOT NULL DEFAULT current_user;
COMMENT ON COLUMN supplier_item.stock_effect IS
    'ingredient (enters stock through ingredient_id), or a line that never does: deposit (consigne, Pfand), '
    'transport, non_food (paper, cleaning products)';

ALTER TABLE supplier_document
    ALTER COLUMN supplier_id DROP NOT NULL,
    DROP CONSTRAINT supplier_document_status_known,
    ADD CONSTRAINT supplier_document_status_known
        CHECK (status IN ('received', 'held', 'posted', 'recorded', 'rejected', 'duplicate')),
    ADD CONSTRAINT supplier_document_supplier_known CHECK (supplier_id IS NOT NULL OR status = 'held'),
    ADD COLUMN type_code text,
    ADD COLUMN profile text,
    ADD COLUMN buyer_reference text,
    ADD COLUMN order_reference text,
    ADD COLUMN despatch_reference text,
    ADD COLUMN preceding_invoice text,
    ADD COLUMN delivery_location text,
    ADD COLUMN delivery_name text,
    ADD COLUMN seller jsonb,
    ADD COLUMN hold_reason text CONSTRAINT supplier_document_hold_reason_format CHECK (hold_reason ~ '^[a-z][a-z_]*$'),
    ADD COLUMN allowance_cents bigint,
    ADD COLUMN charge_cents bigint,
    ADD COLUMN payable_cents bigint,
    ADD COLUMN line_count integer NOT NULL DEFAULT 0,
    ADD COLUMN stock_lines_posted integer NOT NULL DEFAULT 0;
COMMENT ON COLUMN supplier_document.status IS
    'held (waiting: see hold_reason and the lines'' hold_reason), posted (stock movements written), '
    'recorded (kept for accounting, nothing to post: MINIMUM / BASIC WL profile, or lines already received '
    'through the despatch advice), received, rejected, duplicate (legacy, unused by import-supplier)';
COMMENT ON COLUMN supplier_document.hold_reason IS
    'why the whole document waits: unknown_supplier, unknown_shop, held_lines (see the lines), ...';
COMMENT ON COLUMN supplier_document.seller IS 'the seller as the document names it (name, VAT id, SIREN, GLN), to add or map a supplier';
COMMENT ON COLUMN supplier_document.despatch_reference IS
    'BT-16 on an invoice: the despatch advice it bills (whose lines already posted the goods)';
-- The import's conflict check looks a number up among live and recorded documents alike (the
-- unique index of 0005 covers live ones only).
CREATE INDEX supplier_document_number_idx ON supplier_document (supplier_id, kind, lower(number));
CREATE INDEX supplier_document_despatch_reference_idx ON supplier_document (supplier_id, despatch_reference)
    WHERE despatch_reference IS NOT NULL;

ALTER TABLE supplier_document_line
    ALTER COLUMN unit_price DROP NOT NULL,
    ALTER COLUMN net_cents DROP NOT NULL,
    -- quantities are read with up to 4 decimals (3.3333): keep them as read
    ALTER COLUMN quantity TYPE numeric(18,6),
    ADD COLUMN file_line integer,
    ADD COLUMN movement_kind text CONSTRAINT supplier_document_line_movement_kind_known
        CHECK (movement_kind IN ('receipt', 'return', 'none')),
    ADD COLUMN unit_cost numeric(18,8) CHECK (unit_cost >= 0),
    ADD COLUMN flags text[] NOT NULL DEFAULT '{}',
    ADD COLUMN hold_detail text,
    ADD COLUMN accepted_hold text,
    ADD COLUMN accepted_by text;
COMMENT ON COLUMN supplier_document_line.unit_price IS
    'net price per unit_code in the document currency (NULL on a despatch advice line, which has no prices)';
COMMENT ON COLUMN supplier_document_line.movement_kind IS
    'receipt (goods in), return (goods back: credit note, negative line), none (deposit, transport, non-food, '
    'or already received through a despatch advice)';
COMMENT ON COLUMN supplier_document_line.unit_cost IS 'euros per base unit of the ingredient: net amount / quantity_base';
COMMENT ON COLUMN supplier_document_line.flags IS
    'what an accountant should look at without blocking the line: sign_disagreement, legacy_unit_code, ...';
COMMENT ON COLUMN supplier_document_line.accepted_hold IS
    'a hold reason an operator accepted (ocpizza supplier-documents release): the next import does not raise it again';

-- Prices paid, per base unit, one row per posted supplier line (append-only).
CREATE TABLE purchase_price (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pizzeria_id        bigint NOT NULL REFERENCES pizzeria,
    ingredient_id      bigint NOT NULL REFERENCES ingredient,
    supplier_item_id   bigint NOT NULL REFERENCES supplier_item,
    document_line_id   bigint NOT NULL UNIQUE REFERENCES supplier_document_line,
    business_date      date NOT NULL,
    quantity_base      numeric(14,3) NOT NULL CHECK (quantity_base > 0),
    unit_cost          numeric(18,8) NOT NULL CHECK (unit_cost >= 0),
    created_at         timestamptz NOT NULL DEFAULT now(),
    job_run_id         bigint REFERENCES job_run
);
COMMENT ON TABLE purchase_price IS
    'What a shop paid for an ingredient, per base unit (e.g. 0.00840000 EUR per g), from each received supplier line.';
CREATE INDEX purchase_price_shop_ingredient_idx ON purchase_price (pizzeria_id, ingredient_id, business_date);
CREATE INDEX purchase_price_ingredient_idx ON purchase_price (ingredient_id);
CREATE INDEX purchase_price_supplier_item_idx ON purchase_price (supplier_item_id);
CREATE INDEX purchase_price_job_run_idx ON purchase_price (job_run_id);
CREATE TRIGGER purchase_price_append_only BEFORE UPDATE OR DELETE ON purchase_price
    FOR EACH ROW EXECUTE FUNCTION ocpizza_append_only();

-- The weighted average cost of each ingredient in each shop, moved by every receipt:
-- new = (max(on hand before, 0) x old + received x price) / (max(on hand before, 0) + received).
-- Negative theoretical stock counts as zero, so it never poisons the average.
CREATE TABLE ingredient_cost (
    pizzeria_id        bigint NOT NULL REFERENCES pizzeria,
    ingredient_id      bigint NOT NULL REFERENCES ingredient,
    average_unit_cost  numeric(18,8) NOT NULL CHECK (average_unit_cost >= 0),
    last_unit_cost     numeric(18,8) NOT NULL CHECK (last_unit_cost >= 0),
    last_business_date date NOT NULL,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (pizzeria_id, ingredient_id)
);
COMMENT ON TABLE ingredient_cost IS
    'Weighted average cost per base unit of each ingredient in each shop (moved by receipts; returns and '
    'negative stock do not move it), and the last price paid.';
CREATE INDEX ingredient_cost_ingredient_idx ON ingredient_cost (ingredient_id);
