import Foundation
import Postgres
import Reports

/// The time spent in queries during one run (used on one thread: the read transaction's).
final class QueryClock {
    var elapsed: Duration = .zero
}

/// What one page covers: some shops (one, or the whole chain) and a range of business dates,
/// with the ranges it is compared with.
struct ReportScope: Sendable {
    var shops: [Int64]
    var from: CalendarDate
    var to: CalendarDate
    /// The range of the same length just before.
    var previousFrom: CalendarDate
    var previousTo: CalendarDate
    /// Day reports: the same weekday a week before.
    var lastWeekDay: CalendarDate?
}

/// The SQL of the reports. Every query reads what the other jobs wrote (orders and their events,
/// reconcile-stock's and settle-payments' results, the job and backup records), filters on
/// `pizzeria_id = ANY(shops)` and a business-date range (the indexes the night jobs use), and
/// orders its rows totally, so the same data gives the same files.
struct ReportQueries {
    let session: PostgresSession
    let scope: ReportScope
    /// Where the time spent in the database adds up (the benchmark compares it with the job's).
    let clock: QueryClock

    /// Runs one query, timed.
    func run(_ sql: SQL, file: String = #fileID, line: Int = #line) throws -> QueryResult {
        let started = ContinuousClock.now
        defer { clock.elapsed += ContinuousClock.now - started }
        return try session.query(sql, file: file, line: line)
    }

    /// Headline figures of a range: closed orders, revenue incl. and excl. VAT, cancellations.
    struct Headline: Sendable, Equatable {
        var orders: Int64
        var revenueTTC: Int64
        var revenueHT: Int64
        var cancelled: Int64
        var averageTicket: Int64 { orders == 0 ? 0 : (revenueTTC + orders / 2) / orders }
    }

    func headline(from: CalendarDate, to: CalendarDate) throws -> Headline {
        let row = try run(
            """
            SELECT count(*) FILTER (WHERE fulfilment_status IN ('delivered', 'collected')) AS orders,
                   coalesce(sum(total_ttc_cents) FILTER (WHERE fulfilment_status IN ('delivered', 'collected')), 0)::bigint
                       AS ttc,
                   coalesce(sum(total_ht_cents) FILTER (WHERE fulfilment_status IN ('delivered', 'collected')), 0)::bigint
                       AS ht,
                   count(*) FILTER (WHERE fulfilment_status = 'cancelled') AS cancelled
            FROM customer_order
            WHERE pizzeria_id = ANY(\(scope.shops)) AND business_date BETWEEN \(from) AND \(to)
            """
        ).first
        return Headline(
            orders: try row?.decode("orders") ?? 0, revenueTTC: try row?.decode("ttc") ?? 0,
            revenueHT: try row?.decode("ht") ?? 0, cancelled: try row?.decode("cancelled") ?? 0)
    }

    /// Revenue per business date of the range (a bar per day).
    func revenueByDay() throws -> [(day: String, cents: Int64)] {
        try run(
            """
            SELECT d::date::text AS day, coalesce(sum(o.total_ttc_cents), 0)::bigint AS cents
            FROM generate_series(\(scope.from)::date, \(scope.to)::date, interval '1 day') d
            LEFT JOIN customer_order o ON o.pizzeria_id = ANY(\(scope.shops)) AND o.business_date = d::date
                 AND o.fulfilment_status IN ('delivered', 'collected')
            GROUP BY d ORDER BY d
            """
        ).map { (try $0.decode("day"), try $0.decode("cents")) }
    }

    /// Revenue per local hour of the order (the shop's own clock).
    func revenueByHour() throws -> [(hour: Int, cents: Int64, orders: Int64)] {
        try run(
            """
            SELECT extract(hour FROM o.placed_at AT TIME ZONE p.timezone)::int AS hour,
                   sum(o.total_ttc_cents)::bigint AS cents, count(*) AS orders
            FROM customer_order o JOIN pizzeria p ON p.id = o.pizzeria_id
            WHERE o.pizzeria_id = ANY(\(scope.shops)) AND o.business_date BETWEEN \(scope.from) AND \(scope.to)
              AND o.fulfilment_status IN ('delivered', 'collected')
            GROUP BY 1 ORDER BY 1
            """
        ).map { (Int(try $0.decode("hour", as: Int32.self)), try $0.decode("cents"), try $0.decode("orders")) }
    }

    func salesByShop() throws -> ReportTable {
        try table(
            "sales-by-shop", "Sales by shop",
            ["shop", "orders", "revenue incl. VAT", "revenue excl. VAT", "average ticket"],
            """
            SELECT p.code, count(o.id) AS orders, coalesce(sum(o.total_ttc_cents), 0)::bigint AS ttc,
                   coalesce(sum(o.total_ht_cents), 0)::bigint AS ht,
                   CASE WHEN count(o.id) > 0 THEN round(sum(o.total_ttc_cents)::numeric / count(o.id))::bigint END AS ticket
            FROM pizzeria p
            LEFT JOIN customer_order o ON o.pizzeria_id = p.id AND o.business_date BETWEEN \(scope.from) AND \(scope.to)
                 AND o.fulfilment_status IN ('delivered', 'collected')
            WHERE p.id = ANY(\(scope.shops))
            GROUP BY p.code ORDER BY ttc DESC, p.code
            """
        ) { row in
            [
                .text(try row.decode("code")), .count(try row.decode("orders")), .cents(try row.decode("ttc")),
                .cents(try row.decode("ht")),
                try row.decode("ticket", as: Int64?.self).map(ReportValue.cents) ?? .missing,
            ]
        }
    }

    /// Revenue per product, best first (the page shows the top and the bottom five).
    func salesByProduct() throws -> ReportTable {
        try table(
            "sales-by-product", "Sales by product", ["product", "category", "units", "revenue incl. VAT", "share"],
            """
            WITH lines AS (
                SELECT pr.sku, pr.name, c.name AS category, sum(l.quantity)::bigint AS units,
                       sum(l.line_total_ttc_cents)::bigint AS ttc
                FROM customer_order o
                JOIN order_line l ON l.order_id = o.id AND l.pizzeria_id = o.pizzeria_id
                JOIN product pr ON pr.id = l.product_id
                JOIN product_category c ON c.id = pr.category_id
                WHERE o.pizzeria_id = ANY(\(scope.shops)) AND o.business_date BETWEEN \(scope.from) AND \(scope.to)
                  AND o.fulfilment_status IN ('delivered', 'collected')
                GROUP BY pr.sku, pr.name, c.name)
            SELECT name || ' (' || sku || ')' AS product, category, units, ttc,
                   round(ttc * 1000.0 / nullif(sum(ttc) OVER (), 0))::bigint AS share
            FROM lines ORDER BY ttc DESC, sku
            """
        ) { row in
            [
                .text(try row.decode("product")), .text(try row.decode("category")), .count(try row.decode("units")),
                .cents(try row.decode("ttc")), .percentTenths(try row.decode("share", as: Int64?.self)),
            ]
        }
    }

    func salesByCategoryAndChannel() throws -> [ReportTable] {
        let category = try table(
            "sales-by-category", "Sales by category", ["category", "units", "revenue incl. VAT", "revenue excl. VAT"],
            """
            SELECT c.name, sum(l.quantity)::bigint AS units, sum(l.line_total_ttc_cents)::bigint AS ttc,
                   sum(l.line_total_ttc_cents - round(l.line_total_ttc_cents * l.vat_rate / (1 + l.vat_rate)))::bigint AS ht
            FROM customer_order o
            JOIN order_line l ON l.order_id = o.id AND l.pizzeria_id = o.pizzeria_id
            JOIN product pr ON pr.id = l.product_id
            JOIN product_category c ON c.id = pr.category_id
            WHERE o.pizzeria_id = ANY(\(scope.shops)) AND o.business_date BETWEEN \(scope.from) AND \(scope.to)
              AND o.fulfilment_status IN ('delivered', 'collected')
            GROUP BY c.name, c.sort_order ORDER BY ttc DESC, c.name
            """
        ) { row in
            [
                .text(try row.decode("name")), .count(try row.decode("units")), .cents(try row.decode("ttc")),
                .cents(try row.decode("ht")),
            ]
        }
        let channel = try table(
            "sales-by-channel", "Sales by channel",
            ["channel", "fulfilment", "orders", "revenue incl. VAT", "average ticket"],
            """
            SELECT channel, fulfilment_mode, count(*) AS orders, sum(total_ttc_cents)::bigint AS ttc,
                   round(avg(total_ttc_cents))::bigint AS ticket
            FROM customer_order
            WHERE pizzeria_id = ANY(\(scope.shops)) AND business_date BETWEEN \(scope.from) AND \(scope.to)
              AND fulfilment_status IN ('delivered', 'collected')
            GROUP BY 1, 2 ORDER BY ttc DESC, 1, 2
            """
        ) { row in
            [
                .text(try row.decode("channel")), .text(try row.decode("fulfilment_mode")),
                .count(try row.decode("orders")), .cents(try row.decode("ttc")), .cents(try row.decode("ticket")),
            ]
        }
        return [category, channel]
    }

    func cancellations() throws -> ReportTable {
        try table(
            "cancellations", "Cancellations and their reasons", ["reason", "orders", "value incl. VAT"],
            """
            SELECT coalesce(e.reason, '(none)') AS reason, count(*) AS orders, sum(o.total_ttc_cents)::bigint AS ttc
            FROM customer_order o
            JOIN order_event e ON e.order_id = o.id AND e.pizzeria_id = o.pizzeria_id
                 AND e.kind = 'fulfilment' AND e.to_status = 'cancelled'
            WHERE o.pizzeria_id = ANY(\(scope.shops)) AND o.business_date BETWEEN \(scope.from) AND \(scope.to)
            GROUP BY 1 ORDER BY orders DESC, 1
            """, emptyNote: "No cancellation."
        ) { row in
            [.text(try row.decode("reason")), .count(try row.decode("orders")), .cents(try row.decode("ttc"))]
        }
    }

    /// Minutes from placed to ready and to delivered, median and 90th percentile, per shop, and
    /// the deliveries later than promised (or than 45 minutes when no time was promised).
    func service() throws -> ReportTable {
        try table(
            "service", "Service times (minutes)",
            [
                "shop", "orders", "to ready p50", "to ready p90", "to delivered p50", "to delivered p90",
                "late deliveries",
            ],
            """
            WITH times AS (
                SELECT o.pizzeria_id, o.id, o.placed_at, o.promised_at,
                       min(e.at) FILTER (WHERE e.to_status = 'ready') AS ready_at,
                       min(e.at) FILTER (WHERE e.to_status = 'delivered') AS delivered_at
                FROM customer_order o
                JOIN order_event e ON e.order_id = o.id AND e.pizzeria_id = o.pizzeria_id AND e.kind = 'fulfilment'
                WHERE o.pizzeria_id = ANY(\(scope.shops)) AND o.business_date BETWEEN \(scope.from) AND \(scope.to)
                  AND o.fulfilment_status IN ('delivered', 'collected')
                GROUP BY o.pizzeria_id, o.id, o.placed_at, o.promised_at)
            SELECT p.code, count(*) AS orders,
                   round(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM ready_at - placed_at) / 60))::bigint AS r50,
                   round(percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM ready_at - placed_at) / 60))::bigint AS r90,
                   round(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM delivered_at - placed_at) / 60))::bigint AS d50,
                   round(percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM delivered_at - placed_at) / 60))::bigint AS d90,
                   count(*) FILTER (WHERE delivered_at > coalesce(promised_at, placed_at + interval '45 minutes')) AS late
            FROM times JOIN pizzeria p ON p.id = times.pizzeria_id
            GROUP BY p.code ORDER BY p.code
            """
        ) { row in
            [
                .text(try row.decode("code")), .count(try row.decode("orders")),
                try Self.minutes(row, "r50"), try Self.minutes(row, "r90"), try Self.minutes(row, "d50"),
                try Self.minutes(row, "d90"), .count(try row.decode("late")),
            ]
        }
    }

    static func minutes(_ row: Row, _ column: String) throws -> ReportValue {
        try row.decode(column, as: Int64?.self).map(ReportValue.count) ?? .missing
    }

    /// Runs `sql` and maps its rows into a table.
    func table(
        _ name: String, _ title: String, _ columns: [String], _ sql: SQL, emptyNote: String = "Nothing.",
        _ map: (Row) throws -> [ReportValue]
    ) throws -> ReportTable {
        ReportTable(
            name: name, title: title, columns: columns, rows: try run(sql).map(map), emptyNote: emptyNote)
    }
}
