import Domain
import Foundation
import Postgres
import Settlement

/// Writes the shifts of a remittance CSV (a driver's or cashier's cash-up): all rows or none.
/// The shop is its code, the employee an e-mail or id; a shift time without an offset is read in
/// the shop's zone; the business date must be the one the shift started in. The same shift again
/// with the same figures is known; with other figures, or overlapping another shift of the
/// employee, the file is refused.
struct RemittanceImport {
    let session: PostgresSession
    let path: String
    let sha256: String

    func run(_ rows: [RemittanceRow]) throws -> ImportedFileCounts {
        var counts = ImportedFileCounts()
        for row in rows {
            counts.rowsRead += 1
            if try insert(row) { counts.rowsImported += 1 } else { counts.rowsKnown += 1 }
        }
        return counts
    }

    private func refuse(_ row: RemittanceRow, _ code: String, _ message: String) -> SettlementFileError {
        SettlementFileError(code, file: path, record: row.record, message: message)
    }

    private func insert(_ row: RemittanceRow) throws -> Bool {
        guard
            let shop = try session.query(
                "SELECT id, timezone FROM pizzeria WHERE code = \(row.shopCode)"
            ).first
        else { throw refuse(row, "unknown_shop", "no shop with code \(row.shopCode)") }
        let shopID: Int64 = try shop.decode("id")
        let zone: String = try shop.decode("timezone")
        let employee = try resolveEmployee(row.employee, row: row, field: "employee")
        let receivedBy = try row.receivedBy.map { try resolveEmployee($0, row: row, field: "received_by") }
        let start = try instant(row.shiftStart, zone: zone)
        let end = try instant(row.shiftEnd, zone: zone)
        guard end > start else { throw refuse(row, "bad_shift", "the shift ends before it starts") }
        guard
            let businessDate = try session.queryValue(
                "SELECT ocpizza_business_date(\(shopID), \(start))", as: CalendarDate.self)
        else { throw refuse(row, "unknown_shop", "no business date for shop \(row.shopCode)") }
        guard businessDate == CalendarDate(row.businessDate) else {
            throw refuse(
                row, "bad_business_date",
                "business_date \(row.businessDate) but a shift starting at \(start.formatted(.iso8601)) belongs to "
                    + "business date \(businessDate)")
        }
        let inserted = try session.query(
            """
            INSERT INTO shift_remittance (
                pizzeria_id, employee_id, shift_started_at, shift_ended_at, business_date, cash_counted_cents,
                card_terminal_total_cents, received_by, remitted_at, note, shift_label, card_slips, source_file_sha256)
            VALUES (\(shopID), \(employee), \(start), \(end), \(businessDate), \(row.cashCountedCents),
                    \(row.cardTerminalTotalCents), \(receivedBy), \(end), \(row.note), \(row.shiftLabel),
                    \(row.cardSlips), \(sha256))
            ON CONFLICT (employee_id, shift_started_at) DO NOTHING
            RETURNING id
            """)
        if inserted.first != nil { return true }
        let same = try session.queryValue(
            """
            SELECT coalesce(bool_and(shift_ended_at = \(end) AND cash_counted_cents = \(row.cashCountedCents)
                                     AND card_terminal_total_cents = \(row.cardTerminalTotalCents)), false)
            FROM shift_remittance WHERE employee_id = \(employee) AND shift_started_at = \(start)
            """, as: Bool.self)
        guard same == true else {
            throw refuse(
                row, "conflicting_remittance",
                "the shift of \(row.employee) starting \(start.formatted(.iso8601)) was remitted before with other "
                    + "figures: nothing imported")
        }
        return false
    }

    private func resolveEmployee(_ text: String, row: RemittanceRow, field: String) throws -> Int64 {
        let byID = Int64(text)
        let found = try session.query(
            """
            SELECT id FROM employee
            WHERE (\(byID)::bigint IS NOT NULL AND id = \(byID)) OR lower(email) = lower(\(text))
            """)
        guard let match = found.first, found.count == 1 else {
            throw refuse(row, "unknown_employee", "\(field): no employee with e-mail or id \(text)")
        }
        return try match.decode("id")
    }

    private func instant(_ time: RemittanceTime, zone: String) throws -> Date {
        switch time {
        case .instant(let date, _): return date
        case .local(let date, let hour, let minute, let second, _):
            let wall = String(format: "%@ %02d:%02d:%02d", date.isoString, hour, minute, second)
            guard
                let instant = try session.queryValue("SELECT (\(wall)::timestamp AT TIME ZONE \(zone))", as: Date.self)
            else { throw SettlementFileError("bad_time", file: path, message: "cannot place \(wall) in \(zone)") }
            return instant
        }
    }
}
