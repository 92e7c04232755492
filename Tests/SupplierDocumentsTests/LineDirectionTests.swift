import Foundation
import SupplierDocuments
import Testing

/// A line with `quantity` and, when given, `amount` (exact decimals from text).
private func directionLine(_ quantity: String, _ amount: String?) -> SupplierDocumentLine {
    let posix = Locale(identifier: "en_US_POSIX")
    var line = SupplierDocumentLine(
        position: 20, fileLine: 321, quantity: Decimal(string: quantity, locale: posix)!, unitCode: "C62")
    line.lineID = "20"
    line.netAmount = amount.map { Decimal(string: $0, locale: posix)! }
    return line
}

@Suite struct LineDirectionTests {
    /// (kind, quantity, amount) → (movement, quantity magnitude, flagged).
    static let table: [(SupplierDocumentKind, String, String?, LineDirection.Movement, Decimal, Bool)] = [
        // Invoice: the amount sign decides, the quantity only when the amount says nothing.
        (.invoice, "2", "19.90", .receipt, 2, false),
        (.invoice, "-2", "-19.90", .return, 2, false),
        (.invoice, "6", "-109.98", .return, 6, true),  // FRITUUR VET 10 KG RETOUR (cen example 1, line 20)
        (.invoice, "-3", "5.00", .receipt, 3, true),
        (.invoice, "-4", nil, .return, 4, false),  // kosit_01.20a: a negative quantity
        (.invoice, "4", nil, .receipt, 4, false),
        (.invoice, "-4", "0", .return, 4, false),  // returned free goods
        (.invoice, "2", "0", .receipt, 2, false),  // free goods
        (.invoice, "0", "-5.00", .receipt, 0, false),  // a price correction: nothing moves
        // Credit note: positive amounts send goods back; a negative line brings them in again.
        (.creditNote, "2", "19.90", .return, 2, false),
        (.creditNote, "-2", "-19.90", .receipt, 2, false),
        (.creditNote, "6", "-109.98", .receipt, 6, true),
        (.creditNote, "-3", "5.00", .return, 3, true),
        (.creditNote, "-4", nil, .receipt, 4, false),
        (.creditNote, "0", "5.00", .receipt, 0, false),
        // Despatch advice: always goods in.
        (.despatchAdvice, "5", nil, .receipt, 5, false),
        (.despatchAdvice, "0", nil, .receipt, 0, false),
        (.despatchAdvice, "5", "-10.00", .receipt, 5, false),
    ]

    @Test func followsTheDirectionTable() throws {
        for (kind, quantity, amount, movement, magnitude, flagged) in Self.table {
            let direction = try LineDirection.of(directionLine(quantity, amount), kind: kind, file: "f.xml")
            let expected = LineDirection(movement: movement, quantity: magnitude, signDisagreement: flagged)
            #expect(direction == expected, "\(kind) quantity \(quantity) amount \(amount ?? "none")")
        }
    }

    @Test func frituurReturnIsFlagged() throws {
        let direction = try LineDirection.of(directionLine("6", "-109.98"), kind: .invoice, file: "f.xml")
        #expect(direction.movement == .return)
        #expect(direction.quantity == 6)
        #expect(direction.signDisagreement)
    }

    @Test func negativeDespatchQuantityIsRefused() {
        let error = #expect(throws: SupplierDocumentError.self) {
            try LineDirection.of(directionLine("-1", nil), kind: .despatchAdvice, file: "desadv.xml")
        }
        #expect(error?.code == .badValue)
        #expect(error?.file == "desadv.xml")
        #expect(error?.line == 321)
        #expect(error?.message == "line 20 (id '20'): a despatch advice line has a negative delivered quantity (-1)")
    }

    @Test func movementCodesAsItsName() throws {
        #expect(LineDirection.Movement.return.rawValue == "return")
        let data = try JSONEncoder().encode(LineDirection.Movement.receipt)
        #expect(String(decoding: data, as: UTF8.self) == "\"receipt\"")
    }
}
