-- 0005 suppliers: who sells us ingredients, how their items map to ours, and the documents they
-- send (EN 16931 invoices and credit notes, despatch advices) as imported by import-supplier.
--
-- Idempotent import: a file is known by its SHA-256 (file_sha256 UNIQUE, whatever its status);
-- a live document by (supplier, kind, number case-insensitively). Supplier amounts are as printed
-- on the document (credit notes positive): the kind gives the direction.

CREATE TABLE supplier (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                    text NOT NULL CHECK (name <> ''),
    siren                   char(9) UNIQUE CONSTRAINT supplier_siren_format CHECK (siren ~ '^[0-9]{9}$'),
    vat_id                  text UNIQUE CONSTRAINT supplier_vat_id_format CHECK (vat_id ~ '^[A-Z]{2}[0-9A-Z]{2,13}$'),
    einvoice_endpoint_scheme text CHECK (einvoice_endpoint_scheme ~ '^[0-9]{4}$'),
    einvoice_endpoint_id    text,
    email                   text,
    active                  boolean NOT NULL DEFAULT true,
    created_at              timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT supplier_identified CHECK (siren IS NOT NULL OR vat_id IS NOT NULL),
    CONSTRAINT supplier_endpoint_complete CHECK ((einvoice_endpoint_scheme IS NULL) = (einvoice_endpoint_id IS NULL)),
    UNIQUE (einvoice_endpoint_scheme, einvoice_endpoint_id)
);
COMMENT ON TABLE supplier IS
    'A company we buy from, known by its SIREN (French) or intra-EU VAT id, with its e-invoicing address.';
COMMENT ON COLUMN supplier.einvoice_endpoint_scheme IS
    'ISO 6523 ICD of the electronic address (BT-34 scheme): 0009 SIRET, 0002 SIREN, 0088 GLN, 0225 French registry...';

CREATE TABLE supplier_item (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    supplier_id        bigint NOT NULL REFERENCES supplier,
    seller_item_id     text CHECK (seller_item_id <> ''),
    gtin               text CONSTRAINT supplier_item_gtin_format CHECK (gtin ~ '^([0-9]{8}|[0-9]{12,14})$'),
    ingredient_id      bigint NOT NULL REFERENCES ingredient,
    description        text,
    pack_size          numeric(14,3) NOT NULL CONSTRAINT supplier_item_pack_size_positive CHECK (pack_size > 0),
    purchase_unit_code text NOT NULL CHECK (purchase_unit_code ~ '^[A-Z0-9]{2,3}$'),
    last_unit_price    numeric(14,4) CHECK (last_unit_price >= 0),
    active             boolean NOT NULL DEFAULT true,
    created_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT supplier_item_identified CHECK (seller_item_id IS NOT NULL OR gtin IS NOT NULL)
);
COMMENT ON TABLE supplier_item IS
    'A supplier''s article (seller item id and/or GTIN) mapped to one ingredient, with its pack size in base units.';
COMMENT ON COLUMN supplier_item.pack_size IS
    'base units of the ingredient in one purchase unit, e.g. a case of 6 x 2.5 kg bought per case (XBX) = 15000 g';
COMMENT ON COLUMN supplier_item.purchase_unit_code IS 'UN/ECE Rec 20 (or Rec 21) code of the unit invoiced: KGM, LTR, H87, C62, XBX...';
COMMENT ON COLUMN supplier_item.active IS
    'only active items must be unique per supplier: a changed pack size is a new item, the old one deactivated';
CREATE UNIQUE INDEX supplier_item_seller_item_key ON supplier_item (supplier_id, seller_item_id)
    WHERE active AND seller_item_id IS NOT NULL;
CREATE UNIQUE INDEX supplier_item_gtin_key ON supplier_item (supplier_id, gtin) WHERE active AND gtin IS NOT NULL;
CREATE INDEX supplier_item_supplier_idx ON supplier_item (supplier_id);
CREATE INDEX supplier_item_ingredient_idx ON supplier_item (ingredient_id);
CREATE INDEX supplier_item_gtin_idx ON supplier_item (gtin) WHERE gtin IS NOT NULL;

CREATE TABLE supplier_document (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    supplier_id      bigint NOT NULL REFERENCES supplier,
    pizzeria_id      bigint REFERENCES pizzeria,
    kind             text NOT NULL CONSTRAINT supplier_document_kind_known
                     CHECK (kind IN ('invoice', 'credit_note', 'despatch_advice')),
    number           text NOT NULL CHECK (number <> ''),
    issue_date       date NOT NULL,
    due_date         date,
    delivery_date    date,
    format           text NOT NULL CONSTRAINT supplier_document_format_known CHECK (format IN ('ubl', 'cii', 'facturx')),
    file_name        text NOT NULL,
    file_sha256      text NOT NULL CONSTRAINT supplier_document_file_sha256_key UNIQUE
                     CONSTRAINT supplier_document_file_sha256_format CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
    status           text NOT NULL DEFAULT 'received' CONSTRAINT supplier_document_status_known
                     CHECK (status IN ('received', 'held', 'posted', 'rejected', 'duplicate')),
    status_reason    text,
    currency         char(3) NOT NULL DEFAULT 'EUR' CHECK (currency ~ '^[A-Z]{3}$'),
    total_ht_cents   bigint,
    total_vat_cents  bigint,
    total_ttc_cents  bigint,
    received_at      timestamptz NOT NULL DEFAULT now(),
    posted_at        timestamptz,
    job_run_id       bigint REFERENCES job_run,
    CONSTRAINT supplier_document_totals_add_up CHECK (total_ttc_cents = total_ht_cents + total_vat_cents),
    CONSTRAINT supplier_document_totals_present CHECK (
        kind = 'despatch_advice'
        OR (total_ht_cents IS NOT NULL AND total_vat_cents IS NOT NULL AND total_ttc_cents IS NOT NULL)),
    CONSTRAINT supplier_document_posted_at CHECK ((status = 'posted') = (posted_at IS NOT NULL)),
    CONSTRAINT supplier_document_posted_to_a_shop CHECK (status <> 'posted' OR pizzeria_id IS NOT NULL)
);
COMMENT ON TABLE supplier_document IS
    'One imported supplier file: an invoice, a credit note or a despatch advice, and where its import stands.';
COMMENT ON COLUMN supplier_document.pizzeria_id IS 'the receiving shop (delivery party), NULL until resolved';
COMMENT ON COLUMN supplier_document.status IS
    'received (parsed), held (quarantined: see line hold_reason), posted (stock movements written), '
    'rejected (invalid, see status_reason), duplicate (same supplier, kind and number as a live document)';
COMMENT ON COLUMN supplier_document.file_sha256 IS 'lower-case hex SHA-256 of the file as received: the same file is never imported twice';
-- Live documents only: a rejected document may come back corrected under the same number, and a
-- duplicate is kept for the audit trail.
CREATE UNIQUE INDEX supplier_document_number_key ON supplier_document (supplier_id, kind, lower(number))
    WHERE status IN ('received', 'held', 'posted');
CREATE INDEX supplier_document_supplier_idx ON supplier_document (supplier_id, issue_date);
CREATE INDEX supplier_document_pizzeria_idx ON supplier_document (pizzeria_id, issue_date);
CREATE INDEX supplier_document_job_run_idx ON supplier_document (job_run_id);
CREATE INDEX supplier_document_open_idx ON supplier_document (status) WHERE status IN ('received', 'held');

CREATE TABLE supplier_document_line (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    document_id       bigint NOT NULL REFERENCES supplier_document,
    line_no           integer NOT NULL CHECK (line_no > 0),
    line_ref          text,
    seller_item_id    text,
    standard_item_id  text,
    description       text,
    quantity          numeric(14,3) NOT NULL,
    unit_code         text NOT NULL CHECK (unit_code ~ '^[A-Z0-9]{2,3}$'),
    unit_price        numeric(14,4) NOT NULL CHECK (unit_price >= 0),
    net_cents         bigint NOT NULL,
    vat_category      text,
    vat_rate          vat_rate,
    supplier_item_id  bigint REFERENCES supplier_item,
    quantity_base     numeric(14,3),
    hold_reason       text CHECK (hold_reason ~ '^[a-z][a-z_]*$'),
    UNIQUE (document_id, line_no),
    CONSTRAINT supplier_document_line_resolved CHECK (quantity_base IS NULL OR supplier_item_id IS NOT NULL)
);
COMMENT ON TABLE supplier_document_line IS
    'One line of a supplier document as read (raw ids, unit and price), and the supplier item it resolved to.';
COMMENT ON COLUMN supplier_document_line.line_no IS 'position in the file, from 1 (line_ref keeps the document''s own line id, BT-126)';
COMMENT ON COLUMN supplier_document_line.standard_item_id IS 'the GTIN (BT-157) as read, unvalidated';
COMMENT ON COLUMN supplier_document_line.unit_price IS 'net price per unit_code, in the document currency (up to 4 decimals)';
COMMENT ON COLUMN supplier_document_line.quantity_base IS 'quantity converted to the ingredient''s base unit, once resolved';
COMMENT ON COLUMN supplier_document_line.hold_reason IS
    'why the line holds its document: unknown_item, unknown_unit, price_jump, pack_size_change, ... (NULL = fine)';
CREATE INDEX supplier_document_line_item_idx ON supplier_document_line (supplier_item_id);
CREATE INDEX supplier_document_line_held_idx ON supplier_document_line (document_id) WHERE hold_reason IS NOT NULL;
