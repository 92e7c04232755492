import Domain
import Foundation
import Postgres

/// What the files are made of, read from the database in a few set-based queries: the online
/// captures (all of them: a bank statement's opening balance chains back to the first day), the
/// shifts of the period with their collections, and suppliers' names for the bank debits.
extension PaymentFilesWriter {
    struct StripeCapture {
        var paymentID: Int64
        /// Seconds since 1970 of the capture.
        var at: Int64
        var amount: Int64
        /// The PaymentIntent (`pi_…`), on the authorisation and the capture alike.
        var intent: String
        var shop: String
        var orderNumber: Int64

        var orderReference: String { "OC-\(shop)-\(orderNumber)" }
    }

    struct PayPalCapture {
        var paymentID: Int64
        var at: Int64
        var amount: Int64
        /// The capture's id (the report's Transaction ID).
        var capture: String
        /// The authorisation's id (the report's PayPal Reference ID).
        var authorisation: String
        var shop: String
        var orderNumber: Int64

        var orderReference: String { "OC-\(shop)-\(orderNumber)" }
    }

    /// One employee's collections in person during one business date of one shop.
    struct Shift {
        struct Key: Hashable {
            var shop: String
            var date: LocalDate
            var employee: String
        }

        var key: Key
        var zone: TimeZone
        var role: String
        /// One minute before the first collection and after the last (within the business day).
        var start: Int64
        var end: Int64
        var cash: Int64
        var card: Int64
        var slips: Int
        var receivedBy: String?
    }

    struct Dataset {
        var stripe: [StripeCapture] = []
        var paypal: [PayPalCapture] = []
        /// The shifts of business dates from...to.
        var shifts: [Shift] = []
        var suppliers: [String] = []
        /// The first business date with a payment: where the bank statements' balances start.
        var origin: LocalDate?

        static func load(session: PostgresSession, from: LocalDate, to: LocalDate) throws -> Dataset {
            var data = Dataset()
            // Nothing after `to` can be due: captures up to the end of the next day are enough.
            let until = FileClock.instant(to.adding(days: 2), 0, 0, 0, in: FileClock.paris)
            for row in try session.query(
                """
                SELECT c.id, floor(extract(epoch FROM c.occurred_at))::bigint AS at, c.amount_cents,
                       c.processor_reference, s.code, o.order_number
                FROM payment c
                JOIN customer_order o ON o.id = c.order_id
                JOIN pizzeria s ON s.id = c.pizzeria_id
                WHERE c.processor = 'stripe' AND c.status = 'captured' AND c.currency = 'EUR'
                  AND c.occurred_at < to_timestamp(\(until))
                ORDER BY c.occurred_at, c.id
                """)
            {
                data.stripe.append(
                    StripeCapture(
                        paymentID: try row.decode("id"), at: try row.decode("at"),
                        amount: try row.decode("amount_cents"),
                        intent: try row.decode("processor_reference"), shop: try row.decode("code"),
                        orderNumber: try row.decode("order_number")))
            }
            for row in try session.query(
                """
                SELECT c.id, floor(extract(epoch FROM c.occurred_at))::bigint AS at, c.amount_cents,
                       c.processor_reference AS capture,
                       coalesce(a.processor_reference, c.processor_reference) AS authorisation,
                       s.code, o.order_number
                FROM payment c
                LEFT JOIN payment a ON a.id = c.parent_payment_id
                JOIN customer_order o ON o.id = c.order_id
                JOIN pizzeria s ON s.id = c.pizzeria_id
                WHERE c.processor = 'paypal' AND c.status = 'captured' AND c.currency = 'EUR'
                  AND c.occurred_at < to_timestamp(\(until))
                ORDER BY c.occurred_at, c.id
                """)
            {
                data.paypal.append(
                    PayPalCapture(
                        paymentID: try row.decode("id"), at: try row.decode("at"),
                        amount: try row.decode("amount_cents"),
                        capture: try row.decode("capture"), authorisation: try row.decode("authorisation"),
                        shop: try row.decode("code"), orderNumber: try row.decode("order_number")))
            }
            data.shifts = try loadShifts(session: session, from: from, to: to)
            data.suppliers = try session.query("SELECT name FROM supplier ORDER BY name").map { try $0.decode("name") }
            if let origin = try session.queryValue(
                "SELECT min(business_date)::text FROM payment WHERE business_date <= \(to.isoString)::date",
                as: String?.self) ?? nil
            {
                data.origin = try LocalDate(iso: origin)
            }
            return data
        }

        /// Collections in person grouped by shop, business date of the collection and employee;
        /// the shift runs from a minute before the first to a minute after the last, kept inside
        /// the business day (the remittance's business date is the one its start falls in).
        static func loadShifts(session: PostgresSession, from: LocalDate, to: LocalDate) throws -> [Shift] {
            var shifts: [Shift] = []
            for row in try session.query(
                """
                WITH collected AS (
                    SELECT p.pizzeria_id, p.employee_id, p.method, p.amount_cents, p.occurred_at,
                           ocpizza_business_date(p.pizzeria_id, p.occurred_at) AS day
                    FROM payment p
                    WHERE p.status = 'collected' AND p.employee_id IS NOT NULL AND p.currency = 'EUR'
                      AND p.business_date BETWEEN \(from.isoString)::date - 1 AND \(to.isoString)::date + 1)
                SELECT s.code, s.timezone, c.day::text AS day, coalesce(e.email, e.id::text) AS employee, e.role,
                       coalesce(sum(c.amount_cents) FILTER (WHERE c.method IN ('cash_on_delivery', 'counter_cash')), 0)::bigint
                           AS cash,
                       coalesce(sum(c.amount_cents) FILTER (WHERE c.method IN ('card_on_delivery', 'counter_card')), 0)::bigint
                           AS card,
                       count(*) FILTER (WHERE c.method IN ('card_on_delivery', 'counter_card'))::int AS slips,
                       floor(extract(epoch FROM greatest(min(c.occurred_at) - interval '1 minute',
                                                         (c.day + s.day_cutoff) AT TIME ZONE s.timezone)))::bigint
                           AS started,
                       ceil(extract(epoch FROM least(max(c.occurred_at) + interval '1 minute',
                                                     (c.day + 1 + s.day_cutoff) AT TIME ZONE s.timezone)))::bigint
                           AS ended,
                       (SELECT m.email FROM employee m
                        WHERE m.pizzeria_id = s.id AND m.role = 'manager' AND m.email IS NOT NULL
                        ORDER BY m.id LIMIT 1) AS received_by
                FROM collected c
                JOIN pizzeria s ON s.id = c.pizzeria_id
                JOIN employee e ON e.id = c.employee_id
                WHERE c.day BETWEEN \(from.isoString)::date AND \(to.isoString)::date
                GROUP BY s.id, s.code, s.timezone, s.day_cutoff, c.day, e.id, e.email, e.role
                ORDER BY c.day, s.code, started, employee
                """)
            {
                let zoneName: String = try row.decode("timezone")
                guard let zone = TimeZone(identifier: zoneName) else {
                    throw PaymentFilesError("unknown time zone \(zoneName)")
                }
                shifts.append(
                    Shift(
                        key: Shift.Key(
                            shop: try row.decode("code"), date: try LocalDate(iso: try row.decode("day")),
                            employee: try row.decode("employee")),
                        zone: zone, role: try row.decode("role"), start: try row.decode("started"),
                        end: try row.decode("ended"), cash: try row.decode("cash"), card: try row.decode("card"),
                        slips: try row.decode("slips"), receivedBy: try row.decode("received_by")))
            }
            return shifts
        }
    }
}
