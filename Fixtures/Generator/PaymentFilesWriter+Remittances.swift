import Domain
import Foundation

/// The shops' cash-up sheets (design note §3.5): one file per business date, a row per employee
/// who collected money in person that day (a driver's round, a cashier's till), from a minute
/// before the first collection to a minute after the last, counted to the cent, but for the
/// deliberate shortfall.
extension PaymentFilesWriter {
    static let remittanceColumns = [
        "shop", "business_date", "shift", "employee", "shift_start", "shift_end", "cash_counted",
        "card_terminal_total", "card_slips", "received_by", "note",
    ]
}

extension PaymentFilesWriter.Plan {
    /// The shifts of from...to per business date, in date order.
    func remittanceDays() -> [(LocalDate, [Writer.Shift])] {
        var byDay: [LocalDate: [Writer.Shift]] = [:]
        for shift in data.shifts where shift.key.date >= from && shift.key.date <= to {
            byDay[shift.key.date, default: []].append(shift)
        }
        return byDay.keys.sorted().map { day in
            (
                day,
                byDay[day, default: []].sorted {
                    ($0.key.shop, $0.start, $0.key.employee) < ($1.key.shop, $1.start, $1.key.employee)
                }
            )
        }
    }

    func remittanceCSV(_ shifts: [Writer.Shift]) -> [UInt8] {
        var text = Writer.remittanceColumns.joined(separator: ",") + "\n"
        for shift in shifts {
            let cash = shift.cash - (shift.key == deliberate.shortShift ? Writer.Deliberate.shortCash : 0)
            let fields = [
                shift.key.shop, shift.key.date.isoString, shift.role == "driver" ? "delivery" : "till",
                shift.key.employee, FileClock.isoText(shift.start, in: shift.zone),
                FileClock.isoText(shift.end, in: shift.zone),
                Writer.euros(cash), Writer.euros(shift.card), String(shift.slips), shift.receivedBy ?? "", "",
            ]
            text += fields.map(Writer.csvField).joined(separator: ",") + "\n"
        }
        return Array(text.utf8)
    }
}
