-- 0008 payments: money taken from customers (append-only), refunds, what the processors (Stripe,
-- PayPal) and the bank report, how they match, and the cash-up of each shift.
--
-- Amounts are signed from the chain's point of view where a sign is meaningful (processor
-- transactions, bank entries: + money in, - money out) and positive otherwise (payments, refunds).
-- Every imported row carries the SHA-256 of its source file and a natural key.

CREATE TABLE payment (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pizzeria_id          bigint NOT NULL REFERENCES pizzeria,
    order_id             bigint REFERENCES customer_order,
    parent_payment_id    bigint REFERENCES payment,
    method               text NOT NULL CONSTRAINT payment_method_known CHECK (
                             method IN ('online_card', 'paypal', 'card_on_delivery', 'cash_on_delivery',
                                        'counter_card', 'counter_cash')),
    status               text NOT NULL CONSTRAINT payment_status_known
                         CHECK (status IN ('authorised', 'captured', 'collected', 'voided')),
    amount_cents         bigint NOT NULL CONSTRAINT payment_amount_positive CHECK (amount_cents > 0),
    currency             char(3) NOT NULL DEFAULT 'EUR' CHECK (currency ~ '^[A-Z]{3}$'),
    processor            text CONSTRAINT payment_processor_known CHECK (processor IN ('stripe', 'paypal')),
    processor_reference  text CHECK (processor_reference <> ''),
    occurred_at          timestamptz NOT NULL,
    business_date        date NOT NULL,
    employee_id          bigint REFERENCES employee,
    recorded_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT payment_processor_fits_method CHECK (CASE method
        WHEN 'online_card' THEN processor = 'stripe' WHEN 'paypal' THEN processor = 'paypal'
        ELSE processor IS NULL END),
    CONSTRAINT payment_reference_iff_processor CHECK ((processor IS NULL) = (processor_reference IS NULL)),
    CONSTRAINT payment_status_fits_method CHECK ((status = 'collected') = (processor IS NULL)),
    CONSTRAINT payment_void_has_parent CHECK (status <> 'voided' OR parent_payment_id IS NOT NULL),
    CONSTRAINT payment_order_unless_processor CHECK (order_id IS NOT NULL OR processor IS NOT NULL)
);
COMMENT ON TABLE payment IS
    'One append-only operation on a customer''s money: an online authorisation, capture or void, or a collection in person.';
COMMENT ON COLUMN payment.order_id IS 'NULL only for an online payment with no order (paid, then the order failed): to refund';
COMMENT ON COLUMN payment.parent_payment_id IS 'for a capture or a void, the authorisation it acts on';
COMMENT ON COLUMN payment.processor_reference IS
    'Stripe: the PaymentIntent id (pi_...); PayPal: the authorisation id, then the capture id';
COMMENT ON COLUMN payment.employee_id IS 'for collections: the driver or cashier who took the money (cash-up per shift)';
CREATE UNIQUE INDEX payment_processor_reference_key ON payment (processor, processor_reference, status)
    WHERE processor IS NOT NULL;
-- One collection per order, method and status when no processor is involved.
CREATE UNIQUE INDEX payment_in_person_key ON payment (order_id, method, status) WHERE processor IS NULL;
CREATE INDEX payment_order_idx ON payment (order_id);
CREATE INDEX payment_parent_idx ON payment (parent_payment_id);
CREATE INDEX payment_business_date_idx ON payment (pizzeria_id, business_date);
CREATE INDEX payment_employee_idx ON payment (employee_id, occurred_at);
CREATE TRIGGER payment_append_only BEFORE UPDATE OR DELETE ON payment
    FOR EACH ROW EXECUTE FUNCTION ocpizza_append_only();
CREATE TRIGGER payment_no_truncate BEFORE TRUNCATE ON payment
    FOR EACH STATEMENT EXECUTE FUNCTION ocpizza_append_only();

CREATE TABLE refund (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pizzeria_id          bigint NOT NULL REFERENCES pizzeria,
    payment_id           bigint NOT NULL REFERENCES payment,
    order_id             bigint REFERENCES customer_order,
    amount_cents         bigint NOT NULL CONSTRAINT refund_amount_positive CHECK (amount_cents > 0),
    reason               text NOT NULL CHECK (reason <> ''),
    processor            text CHECK (processor IN ('stripe', 'paypal')),
    processor_reference  text CHECK (processor_reference <> ''),
    occurred_at          timestamptz NOT NULL,
    business_date        date NOT NULL,
    employee_id          bigint REFERENCES employee,
    recorded_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT refund_reference_iff_processor CHECK ((processor IS NULL) = (processor_reference IS NULL)),
    UNIQUE (processor, processor_reference)
);
COMMENT ON TABLE refund IS 'Money given back to a customer (append-only), against a captured or collected payment.';
COMMENT ON COLUMN refund.processor_reference IS 'Stripe refund id (re_...) or PayPal refund transaction id';
CREATE INDEX refund_payment_idx ON refund (payment_id);
CREATE INDEX refund_order_idx ON refund (order_id);
CREATE INDEX refund_business_date_idx ON refund (pizzeria_id, business_date);
CREATE INDEX refund_employee_idx ON refund (employee_id);

-- A refund targets money actually taken, and all refunds of a payment never exceed it.
CREATE FUNCTION ocpizza_refund_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    paid payment;
    refunded bigint;
BEGIN
    SELECT * INTO paid FROM payment WHERE id = NEW.payment_id FOR NO KEY UPDATE;
    IF paid.status NOT IN ('captured', 'collected') THEN
        RAISE EXCEPTION 'payment % is %: only captured or collected money is refunded', paid.id, paid.status
            USING ERRCODE = 'check_violation', CONSTRAINT = 'refund_of_taken_money';
    END IF;
    SELECT coalesce(sum(amount_cents), 0) INTO refunded FROM refund WHERE payment_id = NEW.payment_id;
    IF refunded + NEW.amount_cents > paid.amount_cents THEN
        RAISE EXCEPTION 'refunds of payment % would reach % cents, more than the % paid',
            paid.id, refunded + NEW.amount_cents, paid.amount_cents
            USING ERRCODE = 'check_violation', CONSTRAINT = 'refund_within_payment';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER refund_check BEFORE INSERT ON refund FOR EACH ROW EXECUTE FUNCTION ocpizza_refund_check();
CREATE TRIGGER refund_append_only BEFORE UPDATE OR DELETE ON refund
    FOR EACH ROW EXECUTE FUNCTION ocpizza_append_only();

CREATE TABLE processor_transaction (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    processor            text NOT NULL CONSTRAINT processor_transaction_processor_known
                         CHECK (processor IN ('stripe', 'paypal')),
    transaction_id       text NOT NULL CHECK (transaction_id <> ''),
    event_code           text,
    type                 text NOT NULL CONSTRAINT processor_transaction_type_known CHECK (type IN (
                             'charge', 'refund', 'dispute', 'dispute_fee', 'dispute_reversal', 'adjustment',
                             'payout', 'fee')),
    reporting_category   text,
    gross_cents          bigint NOT NULL,
    fee_cents            bigint NOT NULL DEFAULT 0,
    net_cents            bigint NOT NULL,
    currency             char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    occurred_at          timestamptz NOT NULL,
    available_on         date,
    payout_id            text,
    source_reference     text,
    related_reference    text,
    order_reference      text,
    pizzeria_id          bigint REFERENCES pizzeria,
    source_file_sha256   text NOT NULL CHECK (source_file_sha256 ~ '^[0-9a-f]{64}$'),
    imported_at          timestamptz NOT NULL DEFAULT now(),
    job_run_id           bigint REFERENCES job_run,
    CONSTRAINT processor_transaction_net CHECK (net_cents = gross_cents - fee_cents),
    CONSTRAINT processor_transaction_key UNIQUE NULLS NOT DISTINCT (processor, transaction_id, event_code)
);
COMMENT ON TABLE processor_transaction IS
    'One balance movement reported by Stripe or PayPal (append-only): a charge, refund, dispute, fee or payout.';
COMMENT ON COLUMN processor_transaction.transaction_id IS
    'Stripe balance transaction id (txn_...); PayPal Transaction ID, unique together with event_code (T-code)';
COMMENT ON COLUMN processor_transaction.event_code IS 'PayPal T-code (T0006, T1107...); NULL for Stripe';
COMMENT ON COLUMN processor_transaction.gross_cents IS 'signed: + into the processor balance, - out of it';
COMMENT ON COLUMN processor_transaction.fee_cents IS 'Stripe convention: + is a fee taken, - a fee returned; net = gross - fee';
COMMENT ON COLUMN processor_transaction.payout_id IS 'the payout that carried it to the bank (Stripe automatic_payout_id)';
COMMENT ON COLUMN processor_transaction.source_reference IS 'the object behind it: Stripe PaymentIntent (pi_...) or source id; PayPal Reference ID';
COMMENT ON COLUMN processor_transaction.order_reference IS 'our order number as echoed back (metadata order_id, PayPal Invoice ID)';
CREATE INDEX processor_transaction_payout_idx ON processor_transaction (processor, payout_id);
CREATE INDEX processor_transaction_source_idx ON processor_transaction (processor, source_reference);
CREATE INDEX processor_transaction_occurred_idx ON processor_transaction (occurred_at);
CREATE INDEX processor_transaction_pizzeria_idx ON processor_transaction (pizzeria_id);
CREATE INDEX processor_transaction_job_run_idx ON processor_transaction (job_run_id);
CREATE TRIGGER processor_transaction_append_only BEFORE UPDATE OR DELETE ON processor_transaction
    FOR EACH ROW EXECUTE FUNCTION ocpizza_append_only();

CREATE TABLE payout (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    processor           text NOT NULL CHECK (processor IN ('stripe', 'paypal')),
    payout_id           text NOT NULL CHECK (payout_id <> ''),
    amount_cents        bigint NOT NULL,
    currency            char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    arrival_date        date NOT NULL,
    status              text,
    trace_id            text,
    source_file_sha256  text NOT NULL CHECK (source_file_sha256 ~ '^[0-9a-f]{64}$'),
    imported_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (processor, payout_id)
);
COMMENT ON TABLE payout IS 'A transfer from a processor balance to our bank account (Stripe po_..., PayPal withdrawal).';
COMMENT ON COLUMN payout.amount_cents IS 'as the bank should see it: + credit to our account';
CREATE INDEX payout_arrival_idx ON payout (arrival_date);

CREATE TABLE bank_statement_entry (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_iban        text NOT NULL CHECK (account_iban ~ '^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$'),
    booking_date        date NOT NULL,
    value_date          date,
    amount_cents        bigint NOT NULL CONSTRAINT bank_statement_entry_amount_not_zero CHECK (amount_cents <> 0),
    currency            char(3) NOT NULL DEFAULT 'EUR' CHECK (currency ~ '^[A-Z]{3}$'),
    entry_key           text NOT NULL CHECK (entry_key <> ''),
    reference           text,
    end_to_end_id       text,
    counterparty_name   text,
    remittance_info     text,
    bank_transaction_code text,
    is_reversal         boolean NOT NULL DEFAULT false,
    statement_id        text,
    source_file_sha256  text NOT NULL CHECK (source_file_sha256 ~ '^[0-9a-f]{64}$'),
    imported_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT bank_statement_entry_key UNIQUE (account_iban, booking_date, entry_key)
);
COMMENT ON TABLE bank_statement_entry IS 'One booked movement on one of our bank accounts, read from a camt.053 statement.';
COMMENT ON COLUMN bank_statement_entry.amount_cents IS 'signed: + credit (CRDT), - debit (DBIT)';
COMMENT ON COLUMN bank_statement_entry.entry_key IS
    'the bank''s reference (Ntry/AcctSvcrRef) when given, else "<Stmt/Id>#<position of the entry>"';
COMMENT ON COLUMN bank_statement_entry.reference IS 'Ntry/AcctSvcrRef as read (may be absent)';
CREATE INDEX bank_statement_entry_amount_idx ON bank_statement_entry (amount_cents, booking_date);

CREATE TABLE payment_transaction_match (
    processor_transaction_id  bigint PRIMARY KEY REFERENCES processor_transaction,
    payment_id                bigint NOT NULL REFERENCES payment,
    refund_id                 bigint REFERENCES refund,
    rule                      text NOT NULL CHECK (rule <> ''),
    matched_at                timestamptz NOT NULL DEFAULT now(),
    job_run_id                bigint REFERENCES job_run
);
COMMENT ON TABLE payment_transaction_match IS
    'A processor transaction matched to our payment (and refund), with the rule that matched it.';
COMMENT ON COLUMN payment_transaction_match.rule IS 'e.g. payment_intent_id, order_reference, amount_and_date';
CREATE INDEX payment_transaction_match_payment_idx ON payment_transaction_match (payment_id);
CREATE INDEX payment_transaction_match_refund_idx ON payment_transaction_match (refund_id);
CREATE INDEX payment_transaction_match_job_run_idx ON payment_transaction_match (job_run_id);

CREATE TABLE payout_bank_match (
    payout_id                bigint PRIMARY KEY REFERENCES payout,
    bank_statement_entry_id  bigint NOT NULL UNIQUE REFERENCES bank_statement_entry,
    rule                     text NOT NULL CHECK (rule <> ''),
    matched_at               timestamptz NOT NULL DEFAULT now(),
    job_run_id               bigint REFERENCES job_run
);
COMMENT ON TABLE payout_bank_match IS 'A processor payout matched to the bank credit that received it.';
CREATE INDEX payout_bank_match_job_run_idx ON payout_bank_match (job_run_id);

CREATE TABLE shift_remittance (
    id                          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pizzeria_id                 bigint NOT NULL REFERENCES pizzeria,
    employee_id                 bigint NOT NULL REFERENCES employee,
    shift_started_at            timestamptz NOT NULL,
    shift_ended_at              timestamptz NOT NULL,
    business_date               date NOT NULL,
    cash_counted_cents          bigint NOT NULL CHECK (cash_counted_cents >= 0),
    card_terminal_total_cents   bigint NOT NULL DEFAULT 0 CHECK (card_terminal_total_cents >= 0),
    received_by                 bigint REFERENCES employee,
    remitted_at                 timestamptz NOT NULL DEFAULT now(),
    note                        text,
    CONSTRAINT shift_remittance_shift_period CHECK (shift_ended_at > shift_started_at),
    CONSTRAINT shift_remittance_no_overlap
        EXCLUDE USING gist (employee_id WITH =, tstzrange(shift_started_at, shift_ended_at) WITH &&)
);
COMMENT ON TABLE shift_remittance IS
    'A driver''s or cashier''s cash-up at the end of a shift: cash counted and card-terminal total handed in.';
COMMENT ON COLUMN shift_remittance.shift_started_at IS
    'the shift covers the employee''s collected payments with occurred_at in [shift_started_at, shift_ended_at)';
CREATE INDEX shift_remittance_business_date_idx ON shift_remittance (pizzeria_id, business_date);
CREATE INDEX shift_remittance_received_by_idx ON shift_remittance (received_by);
