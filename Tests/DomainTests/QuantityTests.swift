import Domain
import Foundation
import Testing

/// A `Decimal` from its exact text, for readable expectations.
func dec(_ text: String) -> Decimal {
    guard let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) else {
        preconditionFailure("bad decimal literal in a test: \(text)")
    }
    return value
}

@Suite struct QuantityTests {
    @Test func baseUnitsHaveTheDatabaseSpellings() {
        #expect(BaseUnit.allCases.map(\.rawValue) == ["g", "ml", "piece"])
    }

    @Test func addsExactly() throws {
        let a = Quantity(value: dec("0.1"), unit: .gram)
        let b = Quantity(value: dec("0.2"), unit: .gram)
        #expect(try a.adding(b) == Quantity(value: dec("0.3"), unit: .gram))
        #expect(try a.subtracting(b) == Quantity(value: dec("-0.1"), unit: .gram))
        #expect(-a == Quantity(value: dec("-0.1"), unit: .gram))
        #expect(a.multiplied(by: 3) == Quantity(value: dec("0.3"), unit: .gram))
        #expect(try Quantity.sum([a, b, a], unit: .gram).value == dec("0.4"))
        #expect(try Quantity.sum([], unit: .millilitre) == .zero(.millilitre))
        #expect(try a.isLess(than: b))
        #expect(Quantity(value: dec("1.0"), unit: .piece) == Quantity(value: 1, unit: .piece))
        #expect(Quantity(value: -1, unit: .piece).isNegative)
        #expect(Quantity.zero(.gram).isZero)
        #expect(Quantity(value: dec("2.5"), unit: .gram).description == "2.5 g")
    }

    @Test func refusesToMixUnits() {
        let grams = Quantity(value: 100, unit: .gram)
        let millilitres = Quantity(value: 100, unit: .millilitre)
        let error = #expect(throws: DomainError.self) { try grams.adding(millilitres) }
        #expect(error?.code == .unitMismatch)
        #expect(error?.context["left"] == "g")
        #expect(error?.context["right"] == "ml")
        #expect(throws: DomainError.self) { try grams.subtracting(millilitres) }
        #expect(throws: DomainError.self) { try Quantity.sum([grams, millilitres], unit: .gram) }
        #expect(throws: DomainError.self) { try Quantity.sum([grams], unit: .piece) }
        #expect(throws: DomainError.self) { try grams.isLess(than: millilitres) }
    }

    @Test func parsesPlainDecimalsOnly() throws {
        #expect(try Quantity(parsing: "2.5", unit: .gram).value == dec("2.5"))
        #expect(try Quantity(parsing: " -0.125 ", unit: .millilitre).value == dec("-0.125"))
        #expect(try Quantity(parsing: "250", unit: .piece).value == 250)
        for text in ["", "2,5", "12abc", "1e3", "1 000", ".5", "5.", "NaN", String(repeating: "9", count: 39)] {
            let error = #expect(throws: DomainError.self) { try Quantity(parsing: text, unit: .gram) }
            #expect(error?.code == .invalidQuantity, "\(text)")
        }
    }

    @Test func roundsHalfUpForDisplay() {
        let cases: [(String, Int, String)] = [
            ("2.345", 2, "2.35"), ("-2.345", 2, "-2.35"), ("2.344", 2, "2.34"), ("0.5", 0, "1"), ("-0.5", 0, "-1"),
            ("1234.5678", 1, "1234.6"),
        ]
        for (value, places, expected) in cases {
            #expect(Quantity(value: dec(value), unit: .gram).roundedHalfUp(places: places).value == dec(expected))
        }
    }

    @Test func roundsUpToWholePacksForPurchasing() throws {
        let pack = Quantity(value: 1000, unit: .gram)
        #expect(try Quantity(value: 2001, unit: .gram).wholePacks(ofSize: pack) == 3)
        #expect(try Quantity(value: 2000, unit: .gram).wholePacks(ofSize: pack) == 2)
        #expect(try Quantity(value: dec("0.001"), unit: .gram).wholePacks(ofSize: pack) == 1)
        #expect(try Quantity(value: 0, unit: .gram).wholePacks(ofSize: pack) == 0)
        #expect(try Quantity(value: -500, unit: .gram).wholePacks(ofSize: pack) == 0)
        let eggs = Quantity(value: 30, unit: .piece)
        #expect(try Quantity(value: 61, unit: .piece).roundedUp(toPacksOf: eggs) == Quantity(value: 90, unit: .piece))
        let odd = Quantity(value: dec("2.5"), unit: .millilitre)
        #expect(try Quantity(value: 10, unit: .millilitre).wholePacks(ofSize: odd) == 4)
        #expect(try Quantity(value: 1, unit: .gram).wholePacks(ofSize: Quantity(value: 3, unit: .gram)) == 1)
        let zeroPack = #expect(throws: DomainError.self) { try eggs.wholePacks(ofSize: .zero(.piece)) }
        #expect(zeroPack?.code == .invalidPackSize)
        let otherUnit = #expect(throws: DomainError.self) { try eggs.wholePacks(ofSize: pack) }
        #expect(otherUnit?.code == .unitMismatch)
    }

    @Test func codesWithExactValues() throws {
        let quantity = Quantity(value: dec("0.125"), unit: .millilitre)
        let data = try JSONEncoder().encode(quantity)
        #expect(try JSONDecoder().decode(Quantity.self, from: data) == quantity)
    }
}
