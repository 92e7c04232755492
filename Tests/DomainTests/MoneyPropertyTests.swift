import Domain
import Foundation
import PropertyBased
import Testing

/// Amounts up to ±10 000 billion euros: far beyond any shop, far from `Int64` overflow when added.
let amounts = Gen.int64(in: -1_000_000_000_000_000...1_000_000_000_000_000).map { Money(cents: $0) }

@Suite struct MoneyPropertyTests {
    @Test func machineTextParsesBack() async {
        await propertyCheck(count: 500, input: amounts) { amount throws in
            #expect(try Money(parsing: amount.machineText) == amount)
        }
    }

    @Test func frenchTextParsesBack() async {
        await propertyCheck(count: 500, input: amounts) { amount throws in
            #expect(try Money(parsing: amount.frenchText) == amount)
        }
    }

    @Test func frenchCommaAndDotParseAlike() async {
        await propertyCheck(count: 300, input: amounts) { amount throws in
            let comma = amount.machineText.replacingOccurrences(of: ".", with: ",")
            #expect(try Money(parsing: comma) == amount)
        }
    }

    @Test func additionIsCommutativeAndAssociative() async {
        await propertyCheck(count: 500, input: amounts, amounts, amounts) { a, b, c in
            #expect(a + b == b + a)
            #expect((a + b) + c == a + (b + c))
            #expect(a + .zero == a)
            #expect(a + -a == .zero)
            #expect(a - b == a + -b)
            #expect([a, b, c].sum() == a + b + c)
        }
    }

    @Test func multiplicationIsRepeatedAddition() async {
        await propertyCheck(count: 300, input: amounts, Gen.int(in: -50...50)) { amount, quantity throws in
            let repeated = Money.sum(Array(repeating: quantity < 0 ? -amount : amount, count: abs(quantity)))
            #expect(amount * quantity == repeated)
            #expect(try amount.multiplied(by: quantity) == repeated)
        }
    }

    @Test func decimalRoundingAgreesWithTextRounding() async {
        // A random amount with 3 or 4 decimals, as a supplier line might compute it.
        let tenThousandths = Gen.int64(in: -10_000_000_000...10_000_000_000)
        await propertyCheck(count: 500, input: tenThousandths) { value in
            let euros = Decimal(value) / 10_000
            let fromText = try Money(parsing: "\(euros)", excessDecimals: .roundHalfUp)
            #expect(try Money(roundingHalfUp: euros) == fromText)
            // HALF-UP: within half a cent, and the exact half goes away from zero.
            let error = euros * 100 - Decimal(fromText.cents)
            #expect(abs(error) <= Decimal(string: "0.5")!)
            if abs(error) == Decimal(string: "0.5")! { #expect((error < 0) == (euros > 0)) }
        }
    }

    @Test func allocationNeverLosesOrInventsACent() async {
        let weights = Gen.int64(in: 0...1_000_000).array(of: 1...20).filter { $0.contains { $0 > 0 } }
        await propertyCheck(count: 500, input: amounts, weights) { total, weights in
            let parts = try total.allocated(byWeights: weights)
            #expect(parts.count == weights.count)
            #expect(parts.sum() == total)
            let totalWeight = Int128(weights.reduce(0, +))
            for (part, weight) in zip(parts, weights) {
                // Each part is within one cent of its exact share total × weight / Σweights.
                let deviation = Int128(part.cents) * totalWeight - Int128(total.cents) * Int128(weight)
                #expect(deviation.magnitude < totalWeight.magnitude)
                #expect(weight == 0 ? part == .zero : (part.cents == 0 || part.isNegative == total.isNegative))
            }
        }
    }

    @Test func splitPartsDifferByAtMostOneCent() async {
        await propertyCheck(count: 300, input: amounts, Gen.int(in: 1...50)) { total, count in
            let parts = try total.split(into: count)
            #expect(parts.sum() == total)
            let cents = parts.map(\.cents)
            #expect((cents.max() ?? 0) - (cents.min() ?? 0) <= 1)
        }
    }
}
