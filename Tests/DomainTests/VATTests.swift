import Domain
import Foundation
import PropertyBased
import Testing

/// A random document line: a price up to 60 €, a quantity from −2 (a return) to 12, a French rate.
let documentLines = zip(
    Gen.int64(in: 0...6000), Gen.int(in: -2...12), Gen.int(in: 0..<VATRate.frenchRates.count)
).map { cents, quantity, rate in
    VATLine(amount: Money(cents: cents) * quantity, rate: VATRate.frenchRates[rate])
}

@Suite struct VATTests {
    @Test func knowsTheFrenchRates() throws {
        #expect(VATRate.frenchRates.map(\.basisPoints) == [0, 210, 550, 1000, 2000])
        #expect(VATRate.reduced.percent == dec("5.5"))
        #expect(try VATRate(percent: dec("5.5")) == .reduced)
        #expect(try VATRate(percent: 20) == .standard)
        #expect(try VATRate(basisPoints: 210) == .superReduced)
        #expect(VATRate.reduced.description == "5.5 %")
        #expect(VATRate.reduced.fraction == dec("0.055"))
        #expect(try VATRate(fraction: dec("0.0550")) == .reduced)
        #expect(throws: DomainError.self) { try VATRate(fraction: dec("0.05555")) }
        for percent in ["-1", "100.01", "5.555"] {
            let error = #expect(throws: DomainError.self) { try VATRate(percent: dec(percent)) }
            #expect(error?.code == .invalidVATRate, "\(percent)")
        }
        let data = try JSONEncoder().encode(VATRate.reduced)
        #expect(String(decoding: data, as: UTF8.self) == "5.5")
        #expect(try JSONDecoder().decode(VATRate.self, from: data) == .reduced)
    }

    @Test func extractsIncludedVATHalfUp() {
        #expect(VATRate.intermediate.vat(includedIn: Money(cents: 1100)) == Money(cents: 100))
        #expect(VATRate.standard.vat(includedIn: Money(cents: 1200)) == Money(cents: 200))
        // 10,55 € at 5.5 %: 0.55 € exactly.
        #expect(VATRate.reduced.vat(includedIn: Money(cents: 1055)) == Money(cents: 55))
        // 12,50 € at 10 %: 113.636... cents → 114.
        #expect(VATRate.intermediate.vat(includedIn: Money(cents: 1250)) == Money(cents: 114))
        #expect(VATRate.intermediate.vat(includedIn: Money(cents: -1250)) == Money(cents: -114))
        // 0,21 € at 5.5 %: 1.0948 cents → 1; 0,29 € at 20 %: 4.8333 → 5; 0,11 € at 10 %: exactly 1.
        #expect(VATRate.reduced.vat(includedIn: Money(cents: 21)) == Money(cents: 1))
        #expect(VATRate.standard.vat(includedIn: Money(cents: 29)) == Money(cents: 5))
        #expect(VATRate.intermediate.vat(includedIn: Money(cents: 11)) == Money(cents: 1))
        #expect(VATRate.zero.vat(includedIn: Money(cents: 999)) == .zero)
        // An exact half (x.5 cents) rounds away from zero: 5 cents HT at 10 % bear 0.5 cent → 1.
        #expect(VATRate.intermediate.vat(dueOn: Money(cents: 5)) == Money(cents: 1))
        #expect(VATRate.intermediate.vat(dueOn: Money(cents: -5)) == Money(cents: -1))
        #expect(VATRate.reduced.vat(dueOn: Money(cents: 1000)) == Money(cents: 55))
    }

    @Test func computesVATOncePerRateOnTheDocument() throws {
        // Three 1,05 € items at 5.5 %: per line 0.0547 € → 0,05 € each (0,15 €), on the total
        // 3,15 € → 0.1642 € → 0,16 €. The document policy gives 0,16 €.
        let lines = try [
            VATLine(unitPrice: Money(cents: 105), quantity: 1, rate: .reduced),
            VATLine(unitPrice: Money(cents: 105), quantity: 1, rate: .reduced),
            VATLine(unitPrice: Money(cents: 105), quantity: 1, rate: .reduced),
            VATLine(unitPrice: Money(cents: 1250), quantity: 2, rate: .intermediate),
            VATLine(unitPrice: Money(cents: 450), quantity: 1, rate: .standard),
            VATLine(unitPrice: Money(cents: -200), quantity: 1, rate: .intermediate),
        ]
        let breakdown = try VATBreakdown(lines: lines, basis: .includingVAT)
        #expect(breakdown.rates.map(\.rate) == [.reduced, .intermediate, .standard])
        let reduced = try #require(breakdown.total(for: .reduced))
        #expect([reduced.ttc, reduced.vat, reduced.ht] == [Money(cents: 315), Money(cents: 16), Money(cents: 299)])
        let intermediate = try #require(breakdown.total(for: .intermediate))
        // 23,00 € TTC at 10 %: 2.0909 € → 2,09 €.
        #expect([intermediate.ttc, intermediate.vat, intermediate.ht] == [2300, 209, 2091].map { Money(cents: $0) })
        let standard = try #require(breakdown.total(for: .standard))
        #expect([standard.ttc, standard.vat, standard.ht] == [450, 75, 375].map { Money(cents: $0) })
        #expect(breakdown.ttc == Money(cents: 3065))
        #expect(breakdown.vat == Money(cents: 300))
        #expect(breakdown.ht == Money(cents: 2765))
        #expect(breakdown.total(for: .zero) == nil)
        #expect(breakdown.basis == .includingVAT)
    }

    @Test func computesSupplierDocumentsFromNetAmounts() throws {
        let lines = [
            VATLine(amount: Money(cents: 4500), rate: .reduced),
            VATLine(amount: Money(cents: 1999), rate: .reduced),
            VATLine(amount: Money(cents: 12_000), rate: .standard),
        ]
        let breakdown = try VATBreakdown(lines: lines, basis: .excludingVAT)
        let reduced = try #require(breakdown.total(for: .reduced))
        // 64,99 € HT at 5.5 %: 3.57445 € → 3,57 €.
        #expect([reduced.ht, reduced.vat, reduced.ttc] == [6499, 357, 6856].map { Money(cents: $0) })
        #expect(breakdown.ht == Money(cents: 18_499))
        #expect(breakdown.vat == Money(cents: 357 + 2400))
        #expect(breakdown.ttc == breakdown.ht + breakdown.vat)
    }

    @Test func emptyDocumentsAndOverflow() throws {
        let empty = try VATBreakdown(lines: [], basis: .includingVAT)
        #expect(empty.rates.isEmpty && empty.ttc == .zero && empty.ht == .zero && empty.vat == .zero)
        let huge = [
            VATLine(amount: Money(cents: .max), rate: .standard), VATLine(amount: Money(cents: 1), rate: .standard),
        ]
        let error = #expect(throws: DomainError.self) { try VATBreakdown(lines: huge, basis: .includingVAT) }
        #expect(error?.code == .amountOverflow)
        #expect(throws: DomainError.self) { try VATBreakdown(lines: [huge[0]], basis: .excludingVAT) }
        #expect(throws: DomainError.self) { try VATLine(unitPrice: Money(cents: .max), quantity: 2, rate: .zero) }
        #expect(PriceBasis.allCases.map(\.rawValue) == ["ttc", "ht"])
    }

    @Test func pricesIncludingVATAddUpForRandomDocuments() async {
        await propertyCheck(count: 500, input: documentLines.array(of: 0...40)) { lines in
            let breakdown = try VATBreakdown(lines: lines, basis: .includingVAT)
            #expect(breakdown.ttc == lines.map(\.amount).sum())
            #expect(breakdown.ht + breakdown.vat == breakdown.ttc)
            #expect(Set(breakdown.rates.map(\.rate)) == Set(lines.map(\.rate)))
            for total in breakdown.rates {
                #expect(total.ht + total.vat == total.ttc)
                #expect(total.ttc == lines.filter { $0.rate == total.rate }.map(\.amount).sum())
                // The VAT is the rate's exact share of TTC, rounded: within half a cent.
                let bp = Int128(total.rate.basisPoints)
                let deviation = Int128(total.vat.cents) * (10_000 + bp) - Int128(total.ttc.cents) * bp
                #expect(deviation.magnitude * 2 <= (10_000 + bp).magnitude)
            }
        }
    }

    @Test func pricesExcludingVATAddUpForRandomDocuments() async {
        await propertyCheck(count: 500, input: documentLines.array(of: 0...40)) { lines in
            let breakdown = try VATBreakdown(lines: lines, basis: .excludingVAT)
            #expect(breakdown.ht == lines.map(\.amount).sum())
            #expect(breakdown.ht + breakdown.vat == breakdown.ttc)
            for total in breakdown.rates {
                #expect(total.ht + total.vat == total.ttc)
                let deviation =
                    Int128(total.vat.cents) * 10_000 - Int128(total.ht.cents) * Int128(total.rate.basisPoints)
                #expect(deviation.magnitude * 2 <= 10_000)
            }
        }
    }

    @Test func aCreditNoteMirrorsItsInvoice() async {
        await propertyCheck(count: 300, input: documentLines.array(of: 1...20)) { lines in
            let invoice = try VATBreakdown(lines: lines, basis: .includingVAT)
            let credit = try VATBreakdown(
                lines: lines.map { VATLine(amount: -$0.amount, rate: $0.rate) }, basis: .includingVAT)
            #expect(credit.ttc == -invoice.ttc)
            #expect(credit.vat == -invoice.vat)
            #expect(credit.ht == -invoice.ht)
        }
    }
}
