import DemoChain
import Postgres
import TestSupport
import Testing

/// The generated history looks like a pizzeria's: two services, busy weekends, a few cancellations,
/// every channel, mode and payment method.
@Suite struct PatternTests {
    @Test func ordersFollowThePatternsOfAPizzeria() async throws {
        try await withDemoChain { conninfo in
            // Two full weeks: Monday 2026-11-09 to Sunday 2026-11-22... ending on Saturday the 21st.
            try await generate(conninfo, shops: 5, days: 14)
            try await withSession(conninfo) { session throws in
                let perShop = try session.query(
                    """
                    SELECT p.code,
                        count(*) FILTER (WHERE h IN (12, 19, 20)) AS peaks,
                        count(*) FILTER (WHERE h IN (15, 16)) AS afternoon,
                        count(*) FILTER (WHERE h = 12) AS noon, count(*) FILTER (WHERE h = 11) AS eleven,
                        count(*) FILTER (WHERE h = 20) AS eight, count(*) FILTER (WHERE h = 22) AS ten
                    FROM (SELECT pizzeria_id, extract(hour FROM placed_at AT TIME ZONE 'Europe/Paris') AS h
                          FROM customer_order) o
                    JOIN pizzeria p ON p.id = o.pizzeria_id GROUP BY p.code
                    """)
                #expect(perShop.count == 5)
                for row in perShop {
                    let code = try row.decode("code", as: String.self)
                    let count = { (column: String) throws -> Int in try row.decode(column, as: Int.self) }
                    let (peaks, afternoon) = (try count("peaks"), try count("afternoon"))
                    #expect(peaks > 500, "\(code)")
                    #expect(peaks > afternoon, "\(code)")
                    #expect(try count("noon") > count("eleven"), "\(code)")
                    #expect(try count("eight") > count("ten"), "\(code)")
                }
                let weekdays = try session.query(
                    """
                    SELECT p.code,
                        (avg(n) FILTER (WHERE dow IN (5, 6)))::float8 AS weekend,
                        (avg(n) FILTER (WHERE dow BETWEEN 1 AND 4))::float8 AS week
                    FROM (SELECT pizzeria_id, business_date, extract(isodow FROM business_date) AS dow, count(*) AS n
                          FROM customer_order GROUP BY 1, 2) d
                    JOIN pizzeria p ON p.id = d.pizzeria_id GROUP BY p.code
                    """)
                for row in weekdays {
                    let weekend = try row.decode("weekend", as: Double.self)
                    let week = try row.decode("week", as: Double.self)
                    let code = try row.decode("code", as: String.self)
                    #expect(weekend > week * 1.2, "\(code): \(weekend) vs \(week)")
                }
                let orders = try session.int("SELECT count(*) FROM customer_order")
                let cancelled = try session.int(
                    "SELECT count(*) FROM customer_order WHERE fulfilment_status = 'cancelled'")
                #expect(cancelled > 0)
                #expect(Double(cancelled) < Double(orders) * 0.10)
                #expect(
                    try session.int(
                        "SELECT count(*) FROM order_event WHERE to_status = 'cancelled' AND (reason IS NULL OR reason = '')"
                    )
                        == 0)
                let present = { (column: String) throws -> Set<String> in
                    Set(
                        try session.query("SELECT DISTINCT \(identifier: column) AS v FROM customer_order").map {
                            try $0.decode("v", as: String.self)
                        })
                }
                #expect(try present("channel") == ["web", "phone", "counter"])
                #expect(try present("fulfilment_mode") == ["delivery", "pickup"])
                #expect(
                    try present("payment_method") == [
                        "online_card", "paypal", "card_on_delivery", "cash_on_delivery", "counter_card", "counter_cash",
                    ])
                #expect(try session.int("SELECT count(*) FROM order_line_modifier") > 0)
                // Monday is a closed day in Montreuil.
                #expect(
                    try session.int(
                        """
                        SELECT count(*) FROM customer_order o JOIN pizzeria p ON p.id = o.pizzeria_id
                        WHERE p.code = 'MONTREUIL' AND extract(isodow FROM o.business_date) = 1
                        """) == 0)
                // Stock: deliveries, weekly approved counts, a few waste entries a day.
                #expect(try session.int("SELECT count(*) FROM stock_count WHERE status = 'approved'") >= 10)
                #expect(try session.int("SELECT count(*) FROM supplier_document WHERE status = 'posted'") > 20)
                let waste = try session.int("SELECT count(*) FROM waste_log")
                #expect(waste >= 5 * 14 && waste <= 5 * 14 * 6)
                #expect(
                    try session.int("SELECT count(DISTINCT reason) FROM waste_log") >= 4)
            }
        }
    }
}
