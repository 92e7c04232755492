import Domain
import Foundation
import PropertyBased
import Testing

/// A random exact decimal: up to 12 significant digits, 0 to 6 decimals, either sign.
let decimals = zip(Gen.int64(in: -999_999_999_999...999_999_999_999), Gen.int(in: 0...6)).map { significand, scale in
    Decimal(significand) / pow(Decimal(10), scale)
}

/// Every code that converts on its own.
let convertibleCodes = UnitCode.all.filter { !$0.isPackaging }

@Suite struct UnitCodeTests {
    @Test(arguments: [
        ("KGM", "1000", BaseUnit.gram), ("GRM", "1", .gram), ("MGM", "0.001", .gram), ("TNE", "1000000", .gram),
        ("HGM", "100", .gram), ("DTN", "100000", .gram), ("LBR", "453.59237", .gram), ("ONZ", "28.349523125", .gram),
        ("LTR", "1000", .millilitre), ("MLT", "1", .millilitre), ("CLT", "10", .millilitre),
        ("DLT", "100", .millilitre), ("HLT", "100000", .millilitre), ("MTQ", "1000000", .millilitre),
        ("H87", "1", .piece), ("C62", "1", .piece), ("EA", "1", .piece), ("NAR", "1", .piece), ("DZN", "12", .piece),
        ("PR", "2", .piece),
    ])
    func convertsByExactFactors(code: String, factor: String, unit: BaseUnit) throws {
        let unitCode = try UnitCode(code)
        #expect(unitCode.conversion == .base(factor: dec(factor), unit: unit))
        #expect(try unitCode.baseQuantity(of: 1, ingredientUnit: unit) == Quantity(value: dec(factor), unit: unit))
    }

    @Test func convertsDocumentQuantities() throws {
        #expect(try UnitCode.baseQuantity(of: dec("2.5"), unitCode: "KGM", ingredientUnit: .gram).value == 2500)
        #expect(try UnitCode.baseQuantity(of: dec("75"), unitCode: "CLT", ingredientUnit: .millilitre).value == 750)
        #expect(try UnitCode.baseQuantity(of: dec("0.33"), unitCode: "LTR", ingredientUnit: .millilitre).value == 330)
        #expect(try UnitCode.baseQuantity(of: dec("250"), unitCode: "MGM", ingredientUnit: .gram).value == dec("0.25"))
        #expect(try UnitCode.baseQuantity(of: 2, unitCode: "DZN", ingredientUnit: .piece).value == 24)
        #expect(try UnitCode.baseQuantity(of: 1, unitCode: " kgm ", ingredientUnit: .gram).value == 1000)
        // 0.1 + 0.2 kg is exactly 300 g: no binary floating point anywhere.
        let sum = try UnitCode.kilogram.baseQuantity(of: dec("0.1") + dec("0.2"), ingredientUnit: .gram)
        #expect(sum.value == 300)
    }

    @Test func packagingNeedsThePackSize() throws {
        let case15kg = Quantity(value: 15_000, unit: .gram)
        #expect(try UnitCode.case.baseQuantity(of: 3, ingredientUnit: .gram, packSize: case15kg).value == 45_000)
        #expect(
            try UnitCode("XPP").baseQuantity(of: 5, ingredientUnit: .piece, packSize: .init(value: 1, unit: .piece))
                .value == 5)
        for code in ["XBX", "XCS", "XPK", "XPP", "XBG", "XSA"] {
            #expect(try UnitCode(code).isPackaging)
            let error = #expect(throws: DomainError.self) {
                try UnitCode.baseQuantity(of: 1, unitCode: code, ingredientUnit: .gram)
            }
            #expect(error?.code == .packSizeRequired)
            #expect(error?.context["code"] == code)
        }
        let wrongUnit = #expect(throws: DomainError.self) {
            try UnitCode.box.baseQuantity(of: 1, ingredientUnit: .millilitre, packSize: case15kg)
        }
        #expect(wrongUnit?.code == .dimensionMismatch)
        let emptyPack = #expect(throws: DomainError.self) {
            try UnitCode.box.baseQuantity(of: 1, ingredientUnit: .gram, packSize: .zero(.gram))
        }
        #expect(emptyPack?.code == .invalidPackSize)
    }

    @Test func countCodesCountPacksOfWeighedIngredients() throws {
        // "2 EA of PATAT FRITES 10KG" (FIELDS.md §7): 20 000 g.
        let bag = Quantity(value: 10_000, unit: .gram)
        #expect(try UnitCode.each.baseQuantity(of: 2, ingredientUnit: .gram, packSize: bag).value == 20_000)
        #expect(try UnitCode.dozen.baseQuantity(of: 1, ingredientUnit: .gram, packSize: bag).value == 120_000)
        let error = #expect(throws: DomainError.self) { try UnitCode.each.baseQuantity(of: 2, ingredientUnit: .gram) }
        #expect(error?.code == .packSizeRequired)
        // For an ingredient counted in pieces, a count is taken literally and the pack size is unused.
        #expect(
            try UnitCode.each.baseQuantity(of: 6, ingredientUnit: .piece, packSize: .init(value: 30, unit: .piece))
                .value == 6)
    }

    @Test func refusesOtherDimensions() {
        let cases: [(String, BaseUnit)] = [("KGM", .millilitre), ("LTR", .gram), ("GRM", .piece), ("MTQ", .piece)]
        for (code, unit) in cases {
            let error = #expect(throws: DomainError.self) {
                try UnitCode.baseQuantity(
                    of: 1, unitCode: code, ingredientUnit: unit, packSize: .init(value: 1, unit: unit))
            }
            #expect(error?.code == .dimensionMismatch, "\(code) for \(unit)")
            #expect(error?.context["ingredient_unit"] == unit.rawValue)
        }
    }

    @Test func refusesUnknownCodesWithoutGuessing() {
        for code in ["", "KG", "PCE", "L", "XYZ", "XZZ", "MTR", "KWH", "DAY", "kilogram"] {
            let error = #expect(throws: DomainError.self) { try UnitCode(code) }
            #expect(error?.code == .unknownUnitCode, "\(code)")
        }
        #expect(throws: DomainError.self) { try JSONDecoder().decode(UnitCode.self, from: Data("\"KG\"".utf8)) }
    }

    @Test func mapsLegacyCodesOnlyOnRequest() throws {
        #expect(UnitCode.standardCode(forLegacyCode: "KG") == "KGM")
        #expect(UnitCode.standardCode(forLegacyCode: "pce") == "H87")
        #expect(UnitCode.standardCode(forLegacyCode: "KGM") == nil)
        for (legacy, standard) in UnitCode.legacyCodes { #expect(try UnitCode(standard).code == standard, "\(legacy)") }
    }

    @Test func tableIsConsistent() throws {
        #expect(Set(UnitCode.all.map(\.code)).count == UnitCode.all.count)
        for code in UnitCode.all {
            #expect(try UnitCode(code.code) == code)
            #expect(code.isPackaging == code.code.hasPrefix("X"))
            let data = try JSONEncoder().encode(code)
            #expect(String(decoding: data, as: UTF8.self) == "\"\(code.code)\"")
            #expect(try JSONDecoder().decode(UnitCode.self, from: data) == code)
        }
    }

    @Test func convertingThereAndBackIsIdentity() async {
        let codes = Gen.int(in: 0..<convertibleCodes.count).map { convertibleCodes[$0] }
        await propertyCheck(count: 500, input: decimals, codes) { value, code in
            guard case .base(_, let unit) = code.conversion else { return }
            let base = try code.baseQuantity(of: value, ingredientUnit: unit)
            #expect(try code.value(of: base) == value)
        }
    }

    @Test func kilogramsToGramsAndBack() async {
        await propertyCheck(count: 500, input: decimals) { kilograms in
            let grams = try UnitCode.kilogram.baseQuantity(of: kilograms, ingredientUnit: .gram)
            #expect(grams.value == kilograms * 1000)
            #expect(try UnitCode.kilogram.value(of: grams) == kilograms)
            let viaMilligrams = try UnitCode.milligram.value(of: grams)
            #expect(try UnitCode.milligram.baseQuantity(of: viaMilligrams, ingredientUnit: .gram) == grams)
        }
    }

    @Test func packagingThereAndBackIsIdentity() async {
        let packSizes = Gen.int64(in: 1...100_000).map { Quantity(value: Decimal($0), unit: .gram) }
        await propertyCheck(count: 300, input: decimals, packSizes) { packs, packSize in
            let base = try UnitCode.box.baseQuantity(of: packs, ingredientUnit: .gram, packSize: packSize)
            #expect(base.value == packs * packSize.value)
            #expect(try UnitCode.box.value(of: base, packSize: packSize) == packs)
        }
    }

    @Test func sumOfConvertedIsConvertedSum() async {
        let codes = Gen.int(in: 0..<convertibleCodes.count).map { convertibleCodes[$0] }
        await propertyCheck(count: 300, input: decimals.array(of: 0...20), codes) { values, code in
            guard case .base(_, let unit) = code.conversion else { return }
            let converted = try values.map { try code.baseQuantity(of: $0, ingredientUnit: unit) }
            let sumOfConverted = try Quantity.sum(converted, unit: unit)
            let convertedSum = try code.baseQuantity(of: values.reduce(0, +), ingredientUnit: unit)
            #expect(sumOfConverted == convertedSum)
        }
    }
}
