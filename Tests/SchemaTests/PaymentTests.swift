import Foundation
import Postgres
import Testing

/// Payments, refunds, processor and bank data, matches and cash-ups (0008).
@Suite struct PaymentTests {
    static func payment(
        _ base: Base, order: Int?, method: String = "online_card", status: String = "captured",
        processor: String? = "stripe", reference: String? = "pi_3PxQ2mLkdIwHu7ix0TxY1aBc", amount: Int = 1050,
        parent: Int? = nil, suffix: String = ""
    ) -> SQL {
        """
        INSERT INTO payment (pizzeria_id, order_id, parent_payment_id, method, status, amount_cents, processor,
            processor_reference, occurred_at, business_date)
        VALUES (\(base.shop), \(order), \(parent), \(method), \(status), \(amount), \(processor), \(reference),
            '2026-05-12 19:43+02', '2026-05-12')\(unsafeRaw: suffix)
        """
    }

    @Test func paymentsAreAppendOnlyAndKnownOncePerProcessorReference() async throws {
        try await withMigratedDatabase { session, base in
            let order = try insertOrder(session, base, key: "pay", method: "online_card")
            let authorised = try #require(
                try session.queryValue(
                    Self.payment(base, order: order, status: "authorised", suffix: " RETURNING id"), as: Int.self))
            try session.execute(Self.payment(base, order: order, parent: authorised))
            expectRefused(
                .uniqueViolation, constraint: "payment_processor_reference_key", session,
                Self.payment(base, order: order, parent: authorised))
            expectRefused(appendOnlyViolation, session, "UPDATE payment SET amount_cents = 1")
            expectRefused(appendOnlyViolation, session, "DELETE FROM payment")
            expectRefused(appendOnlyViolation, session, "TRUNCATE payment CASCADE")
            // Paid online, but the order was never created: kept, to be refunded.
            try session.execute(Self.payment(base, order: nil, reference: "pi_orphan"))
            expectRefused(
                .checkViolation, constraint: "payment_order_unless_processor", session,
                Self.payment(
                    base, order: nil, method: "cash_on_delivery", status: "collected", processor: nil, reference: nil))
            expectRefused(
                .checkViolation, constraint: "payment_processor_fits_method", session,
                Self.payment(base, order: order, method: "paypal", reference: "pi_x"))
            expectRefused(
                .checkViolation, constraint: "payment_status_fits_method", session,
                Self.payment(base, order: order, status: "collected", reference: "pi_y"))
            expectRefused(
                .checkViolation, constraint: "payment_void_has_parent", session,
                Self.payment(base, order: order, status: "voided", reference: "pi_z"))
            expectRefused(
                .checkViolation, constraint: "payment_amount_positive", session,
                Self.payment(base, order: order, reference: "pi_w", amount: 0))
            let cash = try insertOrder(session, base, key: "cash", mode: "delivery", method: "cash_on_delivery")
            let collect = Self.payment(
                base, order: cash, method: "cash_on_delivery", status: "collected", processor: nil, reference: nil)
            try session.execute(collect)
            expectRefused(.uniqueViolation, constraint: "payment_in_person_key", session, collect)
        }
    }

    @Test func refundsNeverExceedWhatWasTakenAndAreAppendOnly() async throws {
        try await withMigratedDatabase { session, base in
            let order = try insertOrder(session, base, key: "refund", method: "online_card")
            let authorised = try #require(
                try session.queryValue(
                    Self.payment(base, order: order, status: "authorised", suffix: " RETURNING id"), as: Int.self))
            let captured = try #require(
                try session.queryValue(
                    Self.payment(base, order: order, parent: authorised, suffix: " RETURNING id"), as: Int.self))
            func refund(_ payment: Int, _ amount: Int, _ reference: String) -> SQL {
                """
                INSERT INTO refund (pizzeria_id, payment_id, order_id, amount_cents, reason, processor,
                    processor_reference, occurred_at, business_date)
                VALUES (\(base.shop), \(payment), \(order), \(amount), 'burnt pizza', 'stripe', \(reference),
                    '2026-05-13 12:00+02', '2026-05-13')
                """
            }
            expectRefused(
                .checkViolation, constraint: "refund_of_taken_money", session, refund(authorised, 100, "re_1"))
            try session.execute(refund(captured, 600, "re_2"))
            expectRefused(
                .uniqueViolation, constraint: "refund_processor_processor_reference_key", session,
                refund(captured, 100, "re_2"))
            expectRefused(.checkViolation, constraint: "refund_within_payment", session, refund(captured, 451, "re_3"))
            try session.execute(refund(captured, 450, "re_4"))
            expectRefused(appendOnlyViolation, session, "UPDATE refund SET amount_cents = 1")
            expectRefused(appendOnlyViolation, session, "DELETE FROM refund")
        }
    }

    @Test func processorTransactionsAreImportedOnceAndNetIsGrossMinusFee() async throws {
        try await withMigratedDatabase { session, _ in
            func transaction(
                _ processor: String, _ id: String, code: String?, type: String = "charge", net: Int = 2930
            )
                -> SQL
            {
                """
                INSERT INTO processor_transaction (processor, transaction_id, event_code, type, gross_cents, fee_cents,
                    net_cents, currency, occurred_at, payout_id, source_file_sha256)
                VALUES (\(processor), \(id), \(code), \(type), 3000, 70, \(net), 'EUR', '2026-05-12 17:43Z',
                    'po_1PyAbc', \(fakeSHA256("5")))
                """
            }
            try session.execute(transaction("stripe", "txn_1PxQ2m", code: nil))
            expectRefused(
                .uniqueViolation, constraint: "processor_transaction_key", session,
                transaction("stripe", "txn_1PxQ2m", code: nil))
            // PayPal: the transaction id is unique together with the T-code.
            try session.execute(transaction("paypal", "9GS80322M2516532K", code: "T0006"))
            try session.execute(transaction("paypal", "9GS80322M2516532K", code: "T1108", type: "fee"))
            expectRefused(
                .uniqueViolation, constraint: "processor_transaction_key", session,
                transaction("paypal", "9GS80322M2516532K", code: "T0006"))
            expectRefused(
                .checkViolation, constraint: "processor_transaction_net", session,
                transaction("stripe", "txn_2", code: nil, net: 3000))
            expectRefused(
                .checkViolation, constraint: "processor_transaction_type_known", session,
                transaction("stripe", "txn_3", code: nil, type: "chargeback"))
            expectRefused(appendOnlyViolation, session, "UPDATE processor_transaction SET payout_id = NULL")
            expectRefused(appendOnlyViolation, session, "DELETE FROM processor_transaction")
        }
    }

    @Test func payoutsBankEntriesAndTheirMatchesAreUnique() async throws {
        try await withMigratedDatabase { session, _ in
            let payout: SQL = """
                INSERT INTO payout (processor, payout_id, amount_cents, currency, arrival_date, source_file_sha256)
                VALUES ('stripe', 'po_1PyAbc', 184250, 'EUR', '2026-05-14', \(fakeSHA256("6")))
                """
            try session.execute(payout)
            expectRefused(.uniqueViolation, constraint: "payout_processor_payout_id_key", session, payout)
            func entry(_ key: String, amount: Int = 184250) -> SQL {
                """
                INSERT INTO bank_statement_entry (account_iban, booking_date, value_date, amount_cents, entry_key,
                    counterparty_name, source_file_sha256)
                VALUES ('FR7630006000011234567890189', '2026-05-14', '2026-05-14', \(amount), \(key), 'STRIPE',
                    \(fakeSHA256("7")))
                """
            }
            try session.execute(entry("2026051400042"))
            try session.execute(entry("2026051400043"))
            expectRefused(.uniqueViolation, constraint: "bank_statement_entry_key", session, entry("2026051400042"))
            expectRefused(
                .checkViolation, constraint: "bank_statement_entry_amount_not_zero", session,
                entry("2026051400044", amount: 0))
            try session.execute(
                """
                INSERT INTO payout_bank_match (payout_id, bank_statement_entry_id, rule)
                SELECT p.id, e.id, 'amount_and_date' FROM payout p, bank_statement_entry e WHERE e.entry_key = '2026051400042'
                """)
            expectRefused(
                .uniqueViolation, session,
                """
                INSERT INTO payout_bank_match (payout_id, bank_statement_entry_id, rule)
                SELECT p.id, e.id, 'amount_and_date' FROM payout p, bank_statement_entry e WHERE e.entry_key = '2026051400043'
                """)
        }
    }

    @Test func oneRemittancePerShiftOfAnEmployee() async throws {
        try await withMigratedDatabase { session, base in
            func remittance(_ from: String, _ to: String) -> SQL {
                """
                INSERT INTO shift_remittance (pizzeria_id, employee_id, shift_started_at, shift_ended_at, business_date,
                    cash_counted_cents, card_terminal_total_cents)
                VALUES (\(base.shop), \(base.driver), \(from)::timestamptz, \(to)::timestamptz, '2026-05-12', 18450, 6230)
                """
            }
            try session.execute(remittance("2026-05-12 11:00+02", "2026-05-12 15:00+02"))
            try session.execute(remittance("2026-05-12 18:00+02", "2026-05-12 23:30+02"))
            expectRefused(
                .exclusionViolation, constraint: "shift_remittance_no_overlap", session,
                remittance("2026-05-12 14:00+02", "2026-05-12 19:00+02"))
            expectRefused(
                .checkViolation, constraint: "shift_remittance_shift_period", session,
                remittance("2026-05-13 18:00+02", "2026-05-13 17:00+02"))
        }
    }
}
