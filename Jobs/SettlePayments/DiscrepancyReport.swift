import Foundation
import Postgres

/// The accountant's list of open discrepancies as a CSV, `var/reports/settlement/
/// discrepancies-<as-of>.csv` (UTF-8 with a BOM so a French spreadsheet opens it right), written
/// to a temporary name and renamed. Ordered by kind, business date and subject, so the same data
/// gives the same file.
public enum DiscrepancyReport {
    public struct Line: Sendable, Codable, Equatable {
        public var kind: String
        public var shop: String?
        public var businessDate: String?
        public var order: String?
        public var amount: String
        public var currency: String
        public var reason: String
        public var subject: String
        public var openedAt: String
    }

    public static func open(_ session: PostgresSession) throws -> [Line] {
        try session.query(
            """
            SELECT d.kind, s.code AS shop, d.business_date::text AS business_date,
                   CASE WHEN o.id IS NOT NULL THEN s2.code || '-' || o.order_number END AS order_ref,
                   to_char(d.amount_cents / 100.0, 'FM999999990.00') AS amount, d.currency::text AS currency, d.reason,
                   d.subject, to_char(d.opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS opened_at
            FROM settlement_discrepancy d
            LEFT JOIN pizzeria s ON s.id = d.pizzeria_id
            LEFT JOIN customer_order o ON o.id = d.order_id
            LEFT JOIN pizzeria s2 ON s2.id = o.pizzeria_id
            WHERE d.resolved_at IS NULL
            ORDER BY d.kind, d.business_date NULLS FIRST, d.subject
            """
        ).map { row in
            Line(
                kind: try row.decode("kind"), shop: try row.decode("shop"),
                businessDate: try row.decode("business_date"),
                order: try row.decode("order_ref"), amount: try row.decode("amount"),
                currency: try row.decode("currency"),
                reason: try row.decode("reason"), subject: try row.decode("subject"),
                openedAt: try row.decode("opened_at"))
        }
    }

    /// Writes the file and returns its path.
    static func write(_ session: PostgresSession, varDirectory: String, asOf: CalendarDate) throws -> String {
        let lines = try open(session)
        let directory = "\(varDirectory)/reports/settlement"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var text = "\u{FEFF}kind,shop,business_date,order,amount,currency,reason,subject\r\n"
        for line in lines {
            let fields = [
                line.kind, line.shop ?? "", line.businessDate ?? "", line.order ?? "", line.amount, line.currency,
                line.reason, line.subject,
            ]
            text += fields.map(csvField).joined(separator: ",") + "\r\n"
        }
        let path = "\(directory)/discrepancies-\(asOf).csv"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        return path
    }

    static func csvField(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
