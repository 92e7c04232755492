-- 0015 settlement: what `ocpizza settle-payments` imports (processor reports, bank statements,
-- shift remittances), how it matches them to payments, orders, payouts and bank credits, and the
-- accountant's list of discrepancies. Design: docs/design/settle-payments.md §3.6.
--
-- Imported facts stay append-only (processor_transaction, bank entries and transactions); matches
-- are rows keyed by what they match, so a re-run inserts nothing twice; discrepancies are upserted
-- on (kind, subject) and closed (resolved_at) when the next run no longer finds them.

-- Processor rows: PayPal currency conversions (T02xx) and Stripe payout reversals are rows too.
ALTER TABLE processor_transaction DROP CONSTRAINT processor_transaction_type_known;
ALTER TABLE processor_transaction ADD CONSTRAINT processor_transaction_type_known CHECK (type IN (
    'charge', 'refund', 'dispute', 'dispute_fee', 'dispute_reversal', 'adjustment', 'payout', 'fee', 'conversion',
    'payout_reversal'));
ALTER TABLE processor_transaction
    ADD COLUMN description text,
    ADD COLUMN source_time text,
    ADD COLUMN source_format text;
COMMENT ON COLUMN processor_transaction.source_time IS 'the instant as written in the report (its own offset or zone)';
CREATE INDEX processor_transaction_order_reference_idx ON processor_transaction (order_reference)
    WHERE order_reference IS NOT NULL;

CREATE TABLE settlement_file (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sha256         text NOT NULL UNIQUE CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    file_name      text NOT NULL CHECK (file_name <> ''),
    format         text NOT NULL CONSTRAINT settlement_file_format_known CHECK (format IN (
                       'stripe_activity', 'stripe_payout_reconciliation', 'paypal_stl', 'paypal_trr',
                       'paypal_activity', 'camt053', 'remittance')),
    format_version text,
    rows_read      integer NOT NULL DEFAULT 0,
    rows_imported  integer NOT NULL DEFAULT 0,
    rows_known     integer NOT NULL DEFAULT 0,
    rows_ignored   integer NOT NULL DEFAULT 0,
    warnings       jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(warnings) = 'array'),
    received_at    timestamptz NOT NULL DEFAULT now(),
    job_run_id     bigint REFERENCES job_run
);
COMMENT ON TABLE settlement_file IS
    'One payment file imported by settle-payments: the same bytes again are a duplicate (nothing imported).';
COMMENT ON COLUMN settlement_file.rows_known IS 'rows already imported from another file (overlapping reports)';
COMMENT ON COLUMN settlement_file.warnings IS '[{code, record, message}]: findings that did not refuse the file';

CREATE TABLE bank_account (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    iban      text NOT NULL UNIQUE CHECK (iban ~ '^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$'),
    label     text NOT NULL CHECK (label <> ''),
    currency  char(3) NOT NULL DEFAULT 'EUR' CHECK (currency ~ '^[A-Z]{3}$')
);
COMMENT ON TABLE bank_account IS 'The chain''s bank accounts: a statement of any other account is not ours.';

ALTER TABLE bank_statement_entry
    ADD COLUMN booked_at timestamptz,
    ADD COLUMN entry_ref text,
    ADD COLUMN additional_info text,
    ADD COLUMN job_run_id bigint REFERENCES job_run;
COMMENT ON COLUMN bank_statement_entry.entry_key IS
    'Ntry/AcctSvcrRef when given, else auto:<C|D><cents>:<n> (n-th such entry of that booking date in the statement)';
CREATE TRIGGER bank_statement_entry_append_only BEFORE UPDATE OR DELETE ON bank_statement_entry
    FOR EACH ROW EXECUTE FUNCTION ocpizza_append_only();

CREATE TABLE bank_statement_transaction (
    id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entry_id               bigint NOT NULL REFERENCES bank_statement_entry,
    position               integer NOT NULL CHECK (position > 0),
    amount_cents           bigint NOT NULL CHECK (amount_cents <> 0),
    currency               char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    end_to_end_id          text,
    reference              text,
    counterparty_name      text,
    counterparty_iban      text,
    remittance_info        text,
    bank_transaction_code  text,
    UNIQUE (entry_id, position)
);
COMMENT ON TABLE bank_statement_transaction IS
    'A booked bank entry split into its transactions (one per TxDtls of a batch, else the entry itself).';
CREATE INDEX bank_statement_transaction_amount_idx ON bank_statement_transaction (amount_cents);
CREATE TRIGGER bank_statement_transaction_append_only BEFORE UPDATE OR DELETE ON bank_statement_transaction
    FOR EACH ROW EXECUTE FUNCTION ocpizza_append_only();

ALTER TABLE payout
    ADD COLUMN effective_at timestamptz,
    ADD COLUMN job_run_id bigint REFERENCES job_run,
    ADD CONSTRAINT payout_status_known CHECK (status IN ('paid', 'pending', 'derived', 'reversed'));
COMMENT ON COLUMN payout.status IS
    'paid (a payout row), pending (PayPal withdrawal not completed), derived (no payout row: summed from its lines)';

CREATE TABLE processor_payout_line (
    processor_transaction_id  bigint PRIMARY KEY REFERENCES processor_transaction,
    payout_id                 bigint NOT NULL REFERENCES payout,
    rule                      text NOT NULL CHECK (rule IN ('automatic_payout_id', 'paypal_sweep')),
    job_run_id                bigint REFERENCES job_run
);
COMMENT ON TABLE processor_payout_line IS 'Which payout carried a processor row to the bank.';
CREATE INDEX processor_payout_line_payout_idx ON processor_payout_line (payout_id);

-- One bank credit may pay several payouts (a batch): the one-to-one key of 0008 goes.
ALTER TABLE payout_bank_match DROP CONSTRAINT payout_bank_match_bank_statement_entry_id_key;
ALTER TABLE payout_bank_match ADD COLUMN bank_statement_transaction_id bigint REFERENCES bank_statement_transaction;
CREATE UNIQUE INDEX payout_bank_match_transaction_key ON payout_bank_match (bank_statement_transaction_id)
    WHERE rule <> 'batch_sum';
CREATE INDEX payout_bank_match_entry_idx ON payout_bank_match (bank_statement_entry_id);

ALTER TABLE shift_remittance
    ADD COLUMN shift_label text,
    ADD COLUMN card_slips integer CHECK (card_slips >= 0),
    ADD COLUMN cash_expected_cents bigint,
    ADD COLUMN card_expected_cents bigint,
    ADD COLUMN orders_count integer,
    ADD COLUMN source_file_sha256 text CHECK (source_file_sha256 ~ '^[0-9a-f]{64}$'),
    ADD COLUMN matched_run_id bigint REFERENCES job_run,
    ADD CONSTRAINT shift_remittance_shift_key UNIQUE (employee_id, shift_started_at);
COMMENT ON COLUMN shift_remittance.cash_expected_cents IS
    'the cash the employee collected in the shift (payments in person), set when settle-payments matches it';

CREATE TABLE shift_remittance_payment (
    payment_id           bigint PRIMARY KEY REFERENCES payment,
    shift_remittance_id  bigint NOT NULL REFERENCES shift_remittance,
    job_run_id           bigint REFERENCES job_run
);
COMMENT ON TABLE shift_remittance_payment IS 'Which collected payments a shift remittance covers.';
CREATE INDEX shift_remittance_payment_remittance_idx ON shift_remittance_payment (shift_remittance_id);

CREATE TABLE settlement_discrepancy (
    id                             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind                           text NOT NULL CONSTRAINT settlement_discrepancy_kind_known CHECK (kind IN (
                                       'paid_no_order', 'duplicate_payment', 'amount_difference', 'unpaid_past_due',
                                       'disputed', 'dispute_lost', 'refund_exceeds_payment', 'unexpected_method',
                                       'ambiguous_match', 'payout_lines_mismatch', 'payout_not_in_bank',
                                       'bank_credit_unexplained', 'batch_sum_mismatch', 'remittance_difference',
                                       'conflicting_transaction', 'report_trailer_mismatch',
                                       'statement_balance_mismatch', 'foreign_currency', 'unexpected_transaction')),
    subject                        text NOT NULL CHECK (subject <> ''),
    pizzeria_id                    bigint REFERENCES pizzeria,
    order_id                       bigint REFERENCES customer_order,
    processor_transaction_id       bigint REFERENCES processor_transaction,
    payout_id                      bigint REFERENCES payout,
    bank_statement_transaction_id  bigint REFERENCES bank_statement_transaction,
    shift_remittance_id            bigint REFERENCES shift_remittance,
    amount_cents                   bigint NOT NULL,
    currency                       char(3) NOT NULL DEFAULT 'EUR',
    business_date                  date,
    reason                         text NOT NULL CHECK (reason <> ''),
    first_run_id                   bigint REFERENCES job_run,
    last_run_id                    bigint REFERENCES job_run,
    opened_at                      timestamptz NOT NULL DEFAULT now(),
    resolved_at                    timestamptz,
    UNIQUE (kind, subject)
);
COMMENT ON TABLE settlement_discrepancy IS
    'The accountant''s list: a payment fact that does not add up, with its amount (+ we hold more than expected) '
    'and reason. Re-found by every run (upsert on kind, subject); resolved_at set when a run no longer finds it.';
COMMENT ON COLUMN settlement_discrepancy.subject IS 'what it is about: order:<id>, ptx:<id>, payout:<id>, shift:<id>:cash...';
CREATE INDEX settlement_discrepancy_open_idx ON settlement_discrepancy (kind) WHERE resolved_at IS NULL;
CREATE INDEX settlement_discrepancy_order_idx ON settlement_discrepancy (order_id);

-- Every foreign key has its index (SchemaConventionTests): deleting a job run or a payout must
-- not scan these tables.
CREATE INDEX settlement_file_job_run_idx ON settlement_file (job_run_id);
CREATE INDEX bank_statement_entry_job_run_idx ON bank_statement_entry (job_run_id);
CREATE INDEX payout_job_run_idx ON payout (job_run_id);
CREATE INDEX processor_payout_line_job_run_idx ON processor_payout_line (job_run_id);
CREATE INDEX shift_remittance_matched_run_idx ON shift_remittance (matched_run_id);
CREATE INDEX shift_remittance_payment_job_run_idx ON shift_remittance_payment (job_run_id);
CREATE INDEX settlement_discrepancy_pizzeria_idx ON settlement_discrepancy (pizzeria_id);
CREATE INDEX settlement_discrepancy_ptx_idx ON settlement_discrepancy (processor_transaction_id);
CREATE INDEX settlement_discrepancy_payout_idx ON settlement_discrepancy (payout_id);
CREATE INDEX settlement_discrepancy_bank_idx ON settlement_discrepancy (bank_statement_transaction_id);
CREATE INDEX settlement_discrepancy_shift_idx ON settlement_discrepancy (shift_remittance_id);
CREATE INDEX settlement_discrepancy_first_run_idx ON settlement_discrepancy (first_run_id);
CREATE INDEX settlement_discrepancy_last_run_idx ON settlement_discrepancy (last_run_id);

-- The past-due and settled scans read orders whose money was taken but not settled yet.
CREATE INDEX customer_order_unsettled_idx ON customer_order (pizzeria_id, business_date)
    WHERE payment_status IN ('captured', 'collected', 'deposited', 'partially_refunded', 'disputed');

INSERT INTO app_setting (key, value) VALUES
    ('settlement.unpaid_grace_days', '2'),
    ('settlement.payout_window_days', '{"before": 1, "after": 3}'),
    ('settlement.amount_time_window_minutes', '30'),
    ('settlement.dispute_lost_after_days', '75')
ON CONFLICT (key) DO NOTHING;

-- Per order whose money was taken: what was expected, what the processor reports, and the outcome
-- a manager reads (design §3.3). A view: nothing to keep in step.
CREATE VIEW order_settlement AS
WITH charges AS (
    SELECT p.order_id,
           count(DISTINCT t.id) FILTER (WHERE t.type = 'charge') AS charges,
           coalesce(sum(t.gross_cents) FILTER (WHERE t.type = 'charge'), 0)::bigint AS charged_cents,
           coalesce(sum(t.fee_cents), 0)::bigint AS fee_cents,
           coalesce(sum(t.net_cents), 0)::bigint AS net_cents,
           coalesce(-sum(t.gross_cents) FILTER (WHERE t.type = 'refund'), 0)::bigint AS refunded_cents
    FROM payment_transaction_match m
    JOIN payment p ON p.id = m.payment_id
    JOIN processor_transaction t ON t.id = m.processor_transaction_id
    GROUP BY p.order_id
), remitted AS (
    SELECT p.order_id, sum(p.amount_cents)::bigint AS remitted_cents
    FROM shift_remittance_payment s JOIN payment p ON p.id = s.payment_id
    GROUP BY p.order_id
), flags AS (
    SELECT order_id, array_agg(kind ORDER BY kind) AS kinds
    FROM settlement_discrepancy WHERE resolved_at IS NULL AND order_id IS NOT NULL
    GROUP BY order_id
)
SELECT o.id AS order_id, o.pizzeria_id, o.order_number, o.business_date, o.payment_method, o.payment_status,
       o.total_ttc_cents AS expected_cents,
       coalesce(c.charged_cents, r.remitted_cents, 0) AS received_cents,
       coalesce(c.fee_cents, 0) AS fee_cents,
       coalesce(c.net_cents, r.remitted_cents, 0) AS net_cents,
       coalesce(c.refunded_cents, 0) AS refunded_cents,
       CASE
           WHEN 'duplicate_payment' = ANY (f.kinds) THEN 'duplicate_payment'
           WHEN o.payment_status = 'disputed' OR 'dispute_lost' = ANY (f.kinds) THEN 'disputed'
           WHEN 'unpaid_past_due' = ANY (f.kinds) THEN 'unpaid_past_due'
           WHEN o.payment_status IN ('settled', 'deposited') AND 'amount_difference' = ANY (f.kinds)
               THEN 'settled_with_difference'
           WHEN o.payment_status IN ('settled', 'deposited') AND 'remittance_difference' = ANY (f.kinds)
               THEN 'settled_with_difference'
           WHEN o.payment_status IN ('settled', 'deposited') THEN 'settled'
           WHEN o.payment_status IN ('voided', 'refunded', 'unpaid') THEN 'closed'
           ELSE 'pending'
       END AS outcome
FROM customer_order o
LEFT JOIN charges c ON c.order_id = o.id
LEFT JOIN remitted r ON r.order_id = o.id
LEFT JOIN flags f ON f.order_id = o.id;
COMMENT ON VIEW order_settlement IS
    'Per order: expected and received amounts, processor fees, refunds, and the settlement outcome '
    '(settled, settled_with_difference, unpaid_past_due, duplicate_payment, disputed, pending, closed).';

-- Per order and processor: its card dispute (chargeback), if any, and whether it is still open
-- (no reversal after the latest dispute). loss_cents is what the dispute and its fees took out of
-- the balance (negative), the amount the accountant sees.
CREATE VIEW order_dispute AS
SELECT p.order_id, t.processor,
       max(t.occurred_at) FILTER (WHERE t.type = 'dispute') AS disputed_at,
       (array_agg(t.transaction_id ORDER BY t.occurred_at DESC, t.id DESC) FILTER (WHERE t.type = 'dispute'))[1]
           AS dispute,
       coalesce(-sum(t.gross_cents) FILTER (WHERE t.type = 'dispute'), 0)::bigint AS amount,
       coalesce(sum(t.net_cents) FILTER (WHERE t.type IN ('dispute', 'dispute_fee')), 0)::bigint AS loss_cents,
       max(t.occurred_at) FILTER (WHERE t.type = 'dispute_reversal') AS reversed_at,
       (array_agg(t.transaction_id ORDER BY t.occurred_at DESC, t.id DESC)
            FILTER (WHERE t.type = 'dispute_reversal'))[1] AS reversal,
       max(t.occurred_at) FILTER (WHERE t.type = 'dispute')
           > coalesce(max(t.occurred_at) FILTER (WHERE t.type = 'dispute_reversal'), '-infinity') AS open,
       'dispute ' || (array_agg(t.transaction_id ORDER BY t.occurred_at DESC, t.id DESC)
                          FILTER (WHERE t.type = 'dispute'))[1]
           || ' ' || to_char(coalesce(-sum(t.gross_cents) FILTER (WHERE t.type = 'dispute'), 0) / 100.0,
                             'FM999999990.00') || ' EUR' AS reason
FROM payment_transaction_match m
JOIN payment p ON p.id = m.payment_id
JOIN processor_transaction t ON t.id = m.processor_transaction_id
WHERE t.type IN ('dispute', 'dispute_fee', 'dispute_reversal') AND p.order_id IS NOT NULL
GROUP BY p.order_id, t.processor
HAVING count(*) FILTER (WHERE t.type = 'dispute') > 0;
COMMENT ON VIEW order_dispute IS 'An order''s chargeback: when, how much, whether reversed (won) since.';

-- Whether every processor row of an order (its charges and refunds) sits in a payout the bank
-- has shown: the money really reached the chain's account.
CREATE FUNCTION ocpizza_order_paid_out(p_order_id bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT bool_or(t.type = 'charge') AND bool_and(b.payout_id IS NOT NULL)
    FROM payment p
    JOIN payment_transaction_match m ON m.payment_id = p.id
    JOIN processor_transaction t ON t.id = m.processor_transaction_id AND t.type IN ('charge', 'refund')
    LEFT JOIN processor_payout_line l ON l.processor_transaction_id = t.id
    LEFT JOIN payout_bank_match b ON b.payout_id = l.payout_id
    WHERE p.order_id = p_order_id
$$;
