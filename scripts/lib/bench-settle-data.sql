-- Data of scripts/bench-settle: :orders online orders captured over 30 days in the demo shops,
-- and the Stripe balance rows that pay them (charges, 2 % refunds, 0.5 % disputes, a daily Radar
-- fee), each day paid out two days later (automatic_payout_id). Deterministic: no random().
--   psql -v orders=N -v out=DIR -f bench-settle-data.sql
-- Writes DIR/stripe.csv (the payout reconciliation report, 20 columns) and DIR/bank.xml (a
-- camt.053.001.02 statement with one STRIPE credit per payout).
\set ON_ERROR_STOP on
SET synchronous_commit = off;

INSERT INTO bank_account (iban, label) VALUES ('FR7699999000010008532017489', 'OC Pizza — compte courant')
ON CONFLICT (iban) DO NOTHING;

CREATE TEMPORARY TABLE bench_shop AS
SELECT row_number() OVER (ORDER BY id) - 1 AS n, id, code FROM pizzeria;

CREATE TEMPORARY TABLE bench_order AS
SELECT i, s.id AS shop_id, s.code, 50000000 + i AS number,
       timestamptz '2026-02-01 09:00:00+00' + (i::bigint * 30 * 86400 / :orders) * interval '1 second' AS at,
       CASE WHEN i % 1000 = 2 THEN 400000 + i ELSE 1000 + (i * 37) % 3000 END AS total
FROM generate_series(1, :orders) i
JOIN bench_shop s ON s.n = i % (SELECT count(*) FROM bench_shop);

INSERT INTO customer_order (
    pizzeria_id, order_number, customer_id, channel, fulfilment_mode, fulfilment_status, payment_status,
    payment_method, placed_at, business_date, idempotency_key, request_hash, total_ttc_cents, total_ht_cents,
    total_vat_cents)
SELECT o.shop_id, o.number, (SELECT min(id) FROM customer), 'web', 'pickup', 'collected', 'captured', 'online_card',
       o.at - interval '20 minutes', ocpizza_business_date(o.shop_id, o.at), 'bench-' || o.i, repeat('0', 64),
       o.total, o.total - o.total / 11, o.total / 11
FROM bench_order o;

CREATE TEMPORARY TABLE bench_order_id AS
SELECT o.i, c.id AS order_id FROM bench_order o
JOIN customer_order c ON c.pizzeria_id = o.shop_id AND c.order_number = o.number;

INSERT INTO payment (pizzeria_id, order_id, method, status, amount_cents, processor, processor_reference, occurred_at,
                     business_date)
SELECT o.shop_id, x.order_id, 'online_card', 'authorised', o.total, 'stripe', 'pi_b' || o.i, o.at - interval '19 minutes',
       ocpizza_business_date(o.shop_id, o.at)
FROM bench_order o JOIN bench_order_id x USING (i);

INSERT INTO payment (pizzeria_id, order_id, parent_payment_id, method, status, amount_cents, processor,
                     processor_reference, occurred_at, business_date)
SELECT a.pizzeria_id, a.order_id, a.id, 'online_card', 'captured', a.amount_cents, 'stripe', a.processor_reference,
       a.occurred_at + interval '19 minutes', a.business_date
FROM payment a WHERE a.status = 'authorised' AND a.processor_reference LIKE 'pi_b%';

-- The balance rows. created = capture + 1 s; refunds a day later, disputes three days later.
CREATE TEMPORARY TABLE bench_row AS
SELECT 'txn_c' || i AS txn, at + interval '1 second' AS created, total AS gross,
       round(total * 0.015)::bigint + 25 AS fee, 'charge' AS category,
       CASE WHEN i % 200 = 1 OR i % 1000 = 2 THEN '' ELSE 'pi_b' || i END AS pi,
       CASE WHEN i % 1000 = 2 THEN '' ELSE 'OC-' || code || '-' || number END AS order_ref
FROM bench_order
UNION ALL
SELECT 'txn_r' || i, at + interval '1 day', -(total / 2), 0, 'refund', 'pi_b' || i, ''
FROM bench_order WHERE i % 50 = 0
UNION ALL
SELECT 'txn_d' || i, at + interval '3 days', -total, 1500, 'dispute', 'pi_b' || i, ''
FROM bench_order WHERE i % 200 = 3
UNION ALL
SELECT 'txn_f' || d, timestamptz '2026-02-01 23:00:00+00' + d * interval '1 day', -200, 0, 'fee', '', ''
FROM generate_series(0, 33) d;

ALTER TABLE bench_row ADD COLUMN payout text, ADD COLUMN payout_at timestamptz;
UPDATE bench_row SET payout_at = date_trunc('day', created) + interval '2 days',
                     payout = 'po_' || to_char(date_trunc('day', created) + interval '2 days', 'YYYYMMDD');

\set stripe_file :out '/stripe.csv'
\set bank_file :out '/bank.xml'
COPY (
    SELECT payout AS automatic_payout_id, to_char(payout_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')
               AS automatic_payout_effective_at_utc,
           txn AS balance_transaction_id, to_char(created AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS created_utc,
           to_char(created AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS available_on_utc, 'eur' AS currency,
           to_char(gross / 100.0, 'FM999999990.00') AS gross, to_char(fee / 100.0, 'FM999999990.00') AS fee,
           to_char((gross - fee) / 100.0, 'FM999999990.00') AS net, category AS reporting_category,
           CASE category WHEN 'charge' THEN 'ch_' WHEN 'refund' THEN 're_' WHEN 'dispute' THEN 'dp_' ELSE '' END
               || CASE WHEN category = 'fee' THEN '' ELSE substr(txn, 6) END AS source_id,
           '' AS charge_id, pi AS payment_intent_id, '' AS customer_facing_amount, '' AS customer_facing_currency,
           order_ref AS "payment_metadata[order_id]", '' AS "refund_metadata[order_id]", '' AS dispute_reason,
           CASE category WHEN 'fee' THEN 'Radar screening' ELSE 'OC Pizza ' || order_ref END AS description,
           '' AS trace_id
    FROM bench_row ORDER BY created, txn
) TO :'stripe_file' WITH (FORMAT csv, HEADER true);

-- One credit per payout, booked on its effective date, as the bank statement shows it.
CREATE TEMPORARY TABLE bench_payout AS
SELECT payout, (payout_at AT TIME ZONE 'Europe/Paris')::date AS booked, sum(gross - fee) AS amount
FROM bench_row GROUP BY payout, payout_at HAVING sum(gross - fee) > 0;

COPY (
    SELECT '<?xml version="1.0" encoding="UTF-8"?>'
        || '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
        || '<GrpHdr><MsgId>BENCH</MsgId><CreDtTm>2026-03-10T06:00:00+01:00</CreDtTm></GrpHdr>'
        || '<Stmt><Id>BENCH-1</Id><CreDtTm>2026-03-10T06:00:00+01:00</CreDtTm>'
        || '<Acct><Id><IBAN>FR7699999000010008532017489</IBAN></Id><Ccy>EUR</Ccy></Acct>'
        || string_agg(
               '<Ntry><Amt Ccy="EUR">' || to_char(amount / 100.0, 'FM999999990.00') || '</Amt>'
               || '<CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>' || booked || '</Dt></BookgDt>'
               || '<ValDt><Dt>' || booked || '</Dt></ValDt><AcctSvcrRef>BNK-' || payout || '</AcctSvcrRef>'
               || '<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>'
               || '<NtryDtls><TxDtls><RltdPties><Dbtr><Nm>STRIPE</Nm></Dbtr></RltdPties>'
               || '<RmtInf><Ustrd>STRIPE ' || payout || '</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>',
               '' ORDER BY booked, payout)
        || '</Stmt></BkToCstmrStmt></Document>'
    FROM bench_payout
) TO :'bank_file' WITH (FORMAT text);

SELECT count(*) AS stripe_rows, count(*) FILTER (WHERE category = 'charge') AS charges,
       (SELECT count(*) FROM bench_payout) AS payouts
FROM bench_row;
