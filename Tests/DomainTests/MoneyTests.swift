import Domain
import Foundation
import Testing

@Suite struct MoneyTests {
    @Test(
        arguments: [
            ("12.50", 1250), ("12,50", 1250), ("-0.05", -5), ("+3", 300), ("7", 700), ("0.5", 50),
            ("0,05", 5), (" 12.5 ", 1250), ("12,50 €", 1250), ("12,50\u{00A0}€", 1250), ("1 234,50 €", 123_450),
            ("1\u{202F}234\u{202F}567,89\u{00A0}€", 123_456_789), ("-1\u{202F}234,00\u{00A0}€", -123_400),
            ("12.500", 1250), ("0", 0), ("-0", 0), ("92233720368547758.07", Int64.max),
            ("-92233720368547758.08", Int64.min),
        ] as [(String, Int64)])
    func parsesExactAmounts(text: String, cents: Int64) throws {
        #expect(try Money(parsing: text) == Money(cents: cents))
    }

    @Test(arguments: [
        "", " ", "€", "abc", "12abc", "12.", ".5", ",5", "1.2.3", "1,234.50", "1.234,50", "12 34", "1 2345",
        "--1", "+-1", "- 1", "1e3", "0x10", "١٢", "12.5x", "12,50 EUR",
    ])
    func refusesMalformedText(text: String) {
        #expect(throws: DomainError.self) { try Money(parsing: text) }
        do {
            _ = try Money(parsing: text)
        } catch {
            #expect(error.code == .invalidAmount)
        }
    }

    @Test func refusesFractionsOfACentUnlessRoundingIsAsked() throws {
        let error = #expect(throws: DomainError.self) { try Money(parsing: "12.505") }
        #expect(error?.code == .tooManyDecimals)
        #expect(try Money(parsing: "12.505", excessDecimals: .roundHalfUp) == Money(cents: 1251))
        #expect(try Money(parsing: "12.5049", excessDecimals: .roundHalfUp) == Money(cents: 1250))
        #expect(try Money(parsing: "-0.005", excessDecimals: .roundHalfUp) == Money(cents: -1))
        #expect(try Money(parsing: "-0.0049", excessDecimals: .roundHalfUp) == Money(cents: 0))
        #expect(try Money(parsing: "0,999", excessDecimals: .roundHalfUp) == Money(cents: 100))
    }

    @Test func refusesAmountsBeyondInt64Cents() {
        for text in ["92233720368547758.08", "-92233720368547758.09", "100000000000000000000"] {
            let error = #expect(throws: DomainError.self) { try Money(parsing: text) }
            #expect(error?.code == .amountOverflow)
        }
    }

    @Test(
        arguments: [
            (1250, "12.50", "12,50\u{00A0}€"), (-5, "-0.05", "-0,05\u{00A0}€"), (0, "0.00", "0,00\u{00A0}€"),
            (100, "1.00", "1,00\u{00A0}€"), (123_456, "1234.56", "1\u{202F}234,56\u{00A0}€"),
            (-123_456_789, "-1234567.89", "-1\u{202F}234\u{202F}567,89\u{00A0}€"),
            (100_000, "1000.00", "1\u{202F}000,00\u{00A0}€"), (99_999, "999.99", "999,99\u{00A0}€"),
        ] as [(Int64, String, String)])
    func formats(cents: Int64, machine: String, french: String) {
        let amount = Money(cents: cents)
        #expect(amount.machineText == machine)
        #expect(amount.frenchText == french)
        #expect(amount.description == machine + " EUR")
    }

    @Test func formatsTheExtremes() throws {
        #expect(Money(cents: .min).machineText == "-92233720368547758.08")
        #expect(Money(cents: .max).machineText == "92233720368547758.07")
        #expect(try Money(parsing: Money(cents: .min).frenchText) == Money(cents: .min))
    }

    @Test func roundsDecimalsHalfUpAwayFromZero() throws {
        let cases: [(String, Int64)] = [
            ("1.005", 101), ("-1.005", -101), ("1.004999", 100), ("0.125", 13), ("-0.125", -13),
            ("2.5", 250), ("0.001", 0), ("-0.001", 0), ("12.345", 1235), ("1234567890123.455", 123_456_789_012_346),
        ]
        for (text, cents) in cases {
            let euros = try #require(Decimal(string: text))
            #expect(try Money(roundingHalfUp: euros) == Money(cents: cents), "\(text)")
        }
        #expect(try Money(exactly: Decimal(string: "12.5")!) == Money(cents: 1250))
        let error = #expect(throws: DomainError.self) { try Money(exactly: Decimal(string: "12.505")!) }
        #expect(error?.code == .tooManyDecimals)
        #expect(throws: DomainError.self) { try Money(roundingHalfUp: Decimal(string: "1e30")!) }
        #expect(throws: DomainError.self) { try Money(roundingHalfUp: .nan) }
        #expect(Money(cents: -1234).euros == Decimal(string: "-12.34")!)
        #expect(try Money(euros: 12) == Money(cents: 1200))
        #expect(throws: DomainError.self) { try Money(euros: .max) }
    }

    @Test func doesExactArithmetic() {
        let pizza = Money(cents: 1250)
        let drink = Money(cents: 350)
        #expect(pizza + drink == Money(cents: 1600))
        #expect(pizza - drink == Money(cents: 900))
        #expect(drink - pizza == Money(cents: -900))
        #expect(-pizza == Money(cents: -1250))
        #expect(pizza * 3 == Money(cents: 3750))
        #expect(3 * pizza == Money(cents: 3750))
        #expect(pizza * -2 == Money(cents: -2500))
        #expect([pizza, drink, drink].sum() == Money(cents: 1950))
        #expect([Money]().sum() == .zero)
        #expect(Money.sum([pizza, -pizza]) == .zero)
        #expect(drink < pizza)
        #expect((-pizza).magnitude == pizza)
        #expect((-pizza).isNegative && !pizza.isNegative)
        // 0.1 + 0.2 is exactly 0.3 in cents, unlike in floating point.
        #expect(Money(cents: 10) + Money(cents: 20) == Money(cents: 30))
    }

    @Test func checkedArithmeticThrowsOnOverflow() throws {
        let top = Money(cents: .max)
        #expect(throws: DomainError.self) { try top.adding(Money(cents: 1)) }
        #expect(throws: DomainError.self) { try Money(cents: .min).subtracting(Money(cents: 1)) }
        #expect(throws: DomainError.self) { try top.multiplied(by: 2) }
        #expect(throws: DomainError.self) { try Money.checkedSum([top, top]) }
        #expect(try top.adding(Money(cents: -1)) == Money(cents: .max - 1))
        #expect(try Money(cents: 250).multiplied(by: 4) == Money(cents: 1000))
        do {
            _ = try top.adding(top)
        } catch DomainError.Code.amountOverflow {
            // Codes are usable as catch patterns.
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func codesAsBareCents() throws {
        let data = try JSONEncoder().encode([Money(cents: 1250), Money(cents: -5)])
        #expect(String(decoding: data, as: UTF8.self) == "[1250,-5]")
        #expect(try JSONDecoder().decode([Money].self, from: data) == [Money(cents: 1250), Money(cents: -5)])
    }

    @Test func splitsWithoutLosingACent() throws {
        #expect(try Money(cents: 1000).split(into: 3) == [334, 333, 333].map { Money(cents: $0) })
        #expect(try Money(cents: -1000).split(into: 3) == [-334, -333, -333].map { Money(cents: $0) })
        #expect(try Money(cents: 2).split(into: 4) == [1, 1, 0, 0].map { Money(cents: $0) })
        #expect(try Money(cents: 0).split(into: 2) == [.zero, .zero])
        let error = #expect(throws: DomainError.self) { try Money(cents: 100).split(into: 0) }
        #expect(error?.code == .invalidAllocation)
    }

    @Test func allocatesByLargestRemainder() throws {
        // 100,00 € over 1/3, 1/3, 1/3 with weights 1, 1, 1 → one extra cent to the first.
        #expect(
            try Money(cents: 10_000).allocated(byWeights: [1, 1, 1]) == [3334, 3333, 3333].map { Money(cents: $0) })
        // Remainders 0.5, 0.3, 0.2 of a cent → the largest remainder gets the leftover cent.
        #expect(try Money(cents: 10).allocated(byWeights: [5, 3, 2]) == [5, 3, 2].map { Money(cents: $0) })
        #expect(try Money(cents: 1).allocated(byWeights: [2, 5, 3]) == [0, 1, 0].map { Money(cents: $0) })
        #expect(try Money(cents: 7).allocated(byWeights: [0, 1, 0]) == [0, 7, 0].map { Money(cents: $0) })
        let discount = Money(cents: -500)
        let lines = [Money(cents: 1250), Money(cents: 350), Money(cents: 900)]
        let parts = try discount.allocated(proportionallyTo: lines)
        #expect(parts.sum() == discount)
        #expect(parts == [-250, -70, -180].map { Money(cents: $0) })
        for weights: [Int64] in [[], [0, 0], [1, -1]] {
            let error = #expect(throws: DomainError.self) { try Money(cents: 100).allocated(byWeights: weights) }
            #expect(error?.code == .invalidAllocation)
        }
        let huge = try Money(cents: .max).allocated(byWeights: [.max, .max, 1])
        #expect(huge.sum() == Money(cents: .max))
    }
}
