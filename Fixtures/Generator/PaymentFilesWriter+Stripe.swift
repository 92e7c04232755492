import Domain
import Foundation

/// Stripe's itemized payout reconciliation report (`payout_reconciliation.itemized.5`, the 20
/// columns FORMATS.md §1.3 recommends): one file per daily automatic payout, no payout row (the
/// report has none: the payout is known by `automatic_payout_id`, its amount is the sum of `net`).
extension PaymentFilesWriter {
    static let stripeColumns = [
        "automatic_payout_id", "automatic_payout_effective_at_utc", "balance_transaction_id", "created_utc",
        "available_on_utc", "currency", "gross", "fee", "net", "reporting_category", "source_id", "charge_id",
        "payment_intent_id", "customer_facing_amount", "customer_facing_currency", "payment_metadata[order_id]",
        "refund_metadata[order_id]", "dispute_reason", "description", "trace_id",
    ]

    /// One balance transaction.
    struct StripeLine {
        var created: Int64
        var transaction: String
        var category: String
        var gross: Int64
        var fee: Int64
        var source: String
        var charge: String
        var intent: String
        var orderReference: String?
        var disputeReason: String?
        var description: String

        var net: Int64 { gross - fee }
    }

    /// A daily payout: the lines whose funds became available that day (two days after their
    /// Paris date), leaving Stripe at 06:00 UTC and reaching the bank the same day.
    struct StripePayout {
        var day: LocalDate
        var id: String
        var trace: String
        var lines: [StripeLine]

        var net: Int64 { lines.reduce(0) { $0 + $1.net } }
    }
}

extension PaymentFilesWriter.Plan {
    /// Every payout up to `to` (all of them: the bank's balances chain back to the first day).
    func stripePayouts() -> [Writer.StripePayout] {
        var lines: [Writer.StripeLine] = []
        for capture in data.stripe where capture.paymentID != deliberate.unpaidPaymentID {
            let gross =
                capture.amount
                + (capture.paymentID == deliberate.overchargedPaymentID ? Writer.Deliberate.overcharge : 0)
            lines.append(
                Writer.StripeLine(
                    created: capture.at, transaction: "txn_" + token("stripe-txn", capture.intent, 24),
                    category: "charge", gross: gross, fee: Writer.stripeFee(gross), source: charge(of: capture.intent),
                    charge: charge(of: capture.intent), intent: capture.intent, orderReference: capture.orderReference,
                    description: "OC Pizza \(capture.shop), commande \(capture.orderNumber)"))
            if capture.paymentID == deliberate.disputedPaymentID {
                let dispute = "du_" + token("stripe-dispute", capture.intent, 24)
                lines.append(
                    Writer.StripeLine(
                        created: deliberate.disputedAt, transaction: "txn_" + token("stripe-txn", dispute, 24),
                        category: "dispute", gross: -capture.amount, fee: Writer.Deliberate.disputeFee, source: dispute,
                        charge: charge(of: capture.intent), intent: capture.intent,
                        orderReference: capture.orderReference, disputeReason: "fraudulent",
                        description: "Chargeback withdrawal for \(charge(of: capture.intent))"))
            }
        }
        if let at = deliberate.strayAt {
            let intent = "pi_" + token("stripe-stray", String(at), 24)
            lines.append(
                Writer.StripeLine(
                    created: at, transaction: "txn_" + token("stripe-txn", intent, 24), category: "charge",
                    gross: deliberate.strayAmount, fee: Writer.stripeFee(deliberate.strayAmount),
                    source: charge(of: intent), charge: charge(of: intent), intent: intent, orderReference: nil,
                    description: "Paiement en ligne"))
        }
        var byDay: [LocalDate: [Writer.StripeLine]] = [:]
        for line in lines {
            let day = FileClock.date(of: line.created, in: FileClock.paris).adding(days: 2)
            if day <= to { byDay[day, default: []].append(line) }
        }
        return byDay.keys.sorted().map { day in
            Writer.StripePayout(
                day: day, id: "po_" + token("stripe-payout", day.isoString, 24),
                trace: "STRP" + token("stripe-trace", day.isoString, 16, .upper),
                lines: byDay[day, default: []].sorted { ($0.created, $0.transaction) < ($1.created, $1.transaction) })
        }
    }

    /// The charge object behind a PaymentIntent (`ch_…`), the same wherever it is named.
    func charge(of intent: String) -> String {
        "ch_" + token("stripe-charge", intent, 24)
    }

    func stripeCSV(_ payout: Writer.StripePayout) -> [UInt8] {
        let effective = FileClock.instant(payout.day, 6, 0, 0, in: FileClock.utc)
        let available = FileClock.instant(payout.day, 0, 0, 0, in: FileClock.utc)
        var text = Writer.stripeColumns.joined(separator: ",") + "\n"
        for line in payout.lines {
            let fields = [
                payout.id, FileClock.stripeText(effective), line.transaction, FileClock.stripeText(line.created),
                FileClock.stripeText(available), "eur", Writer.euros(line.gross), Writer.euros(line.fee),
                Writer.euros(line.net), line.category, line.source, line.charge, line.intent, Writer.euros(line.gross),
                "eur", line.orderReference ?? "", "", line.disputeReason ?? "", line.description, payout.trace,
            ]
            text += fields.map(Writer.csvField).joined(separator: ",") + "\n"
        }
        return Array(text.utf8)
    }
}
