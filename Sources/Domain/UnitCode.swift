import Foundation

/// How a unit code relates to the base units.
public enum UnitConversion: Hashable, Sendable {
    /// One of the unit is exactly `factor` of `unit` (KGM: 1000 g; CLT: 10 ml; DZN: 12 pieces).
    case base(factor: Decimal, unit: BaseUnit)
    /// A package (box, case, bag, XPP...) with no size of its own: converting it needs the
    /// supplier item's pack size.
    case packaging
}

/// A known UN/ECE Recommendation 20 unit code, or a Recommendation 21 package code (`X` + code),
/// as EN 16931 invoices and despatch advices carry them.
///
/// Only the codes in the module's table exist; anything else is refused with
/// ``DomainError/Code/unknownUnitCode``, never guessed. Factors are exact decimals (no `Double`
/// anywhere), so conversions are exact. The table follows `shared/corpus/einvoice/FIELDS.md` §7,
/// with one deliberate difference: `XPP` (Rec 21 "piece") is a packaging code here, like every
/// other `X` code, because what one "package piece" holds depends on the supplier item.
///
/// `Codable` as the bare code string ("KGM"); decoding refuses unknown codes.
public struct UnitCode: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The code as written in documents ("KGM", "XBX").
    public let code: String
    /// An English name for people ("kilogram").
    public let name: String
    /// How the code converts to a base unit.
    public let conversion: UnitConversion

    private init(_ code: String, _ name: String, _ conversion: UnitConversion) {
        self.code = code
        self.name = name
        self.conversion = conversion
    }

    /// Looks up a code, ignoring surrounding whitespace and letter case ("kgm" is KGM).
    ///
    /// - Throws: ``DomainError/Code/unknownUnitCode`` when the code is not in the table. Legacy
    ///   codes such as "KG" or "PCE" are unknown too; map them first with
    ///   ``standardCode(forLegacyCode:)`` and log the mapping.
    public init(_ code: String) throws(DomainError) {
        // Fast path: documents write the code as it should be ("KGM"), once per line.
        if let known = UnitCode.byCode[code] {
            self = known
            return
        }
        let normalized = code.trimmingCharacters(in: .whitespaces).uppercased()
        guard let known = UnitCode.byCode[normalized] else {
            throw DomainError(.unknownUnitCode, "unknown UN/ECE unit code", context: ["code": code])
        }
        self = known
    }

    public init(from decoder: any Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(code)
    }

    public var description: String { code }

    /// Whether the code is a package that needs a pack size to convert.
    public var isPackaging: Bool { conversion == .packaging }

    // MARK: Mass (base unit g)
    public static let kilogram = UnitCode("KGM", "kilogram", .base(factor: 1000, unit: .gram))
    public static let gram = UnitCode("GRM", "gram", .base(factor: 1, unit: .gram))
    public static let hectogram = UnitCode("HGM", "hectogram", .base(factor: 100, unit: .gram))
    public static let decitonne = UnitCode("DTN", "decitonne (quintal)", .base(factor: 100_000, unit: .gram))
    public static let tonne = UnitCode("TNE", "tonne", .base(factor: 1_000_000, unit: .gram))
    public static let milligram = UnitCode("MGM", "milligram", .base(factor: exact(1, exponent: -3), unit: .gram))
    public static let pound = UnitCode("LBR", "pound", .base(factor: exact(45_359_237, exponent: -5), unit: .gram))
    public static let ounce = UnitCode(
        "ONZ", "ounce", .base(factor: exact(28_349_523_125, exponent: -9), unit: .gram))

    // MARK: Volume (base unit ml)
    public static let litre = UnitCode("LTR", "litre", .base(factor: 1000, unit: .millilitre))
    public static let millilitre = UnitCode("MLT", "millilitre", .base(factor: 1, unit: .millilitre))
    public static let centilitre = UnitCode("CLT", "centilitre", .base(factor: 10, unit: .millilitre))
    public static let decilitre = UnitCode("DLT", "decilitre", .base(factor: 100, unit: .millilitre))
    public static let hectolitre = UnitCode("HLT", "hectolitre", .base(factor: 100_000, unit: .millilitre))
    public static let cubicMetre = UnitCode("MTQ", "cubic metre", .base(factor: 1_000_000, unit: .millilitre))

    // MARK: Count (base unit piece)
    public static let one = UnitCode("C62", "one", .base(factor: 1, unit: .piece))
    public static let piece = UnitCode("H87", "piece", .base(factor: 1, unit: .piece))
    public static let each = UnitCode("EA", "each", .base(factor: 1, unit: .piece))
    public static let numberOfArticles = UnitCode("NAR", "number of articles", .base(factor: 1, unit: .piece))
    public static let dozen = UnitCode("DZN", "dozen", .base(factor: 12, unit: .piece))
    public static let pair = UnitCode("PR", "pair", .base(factor: 2, unit: .piece))

    // MARK: Packaging (Rec 21 codes, need a pack size)
    public static let box = UnitCode("XBX", "box", .packaging)
    public static let carton = UnitCode("XCT", "carton", .packaging)
    public static let `case` = UnitCode("XCS", "case", .packaging)
    public static let crate = UnitCode("XCR", "crate", .packaging)
    public static let package = UnitCode("XPK", "package", .packaging)
    public static let packet = UnitCode("XPA", "packet", .packaging)
    public static let bag = UnitCode("XBG", "bag", .packaging)
    public static let sack = UnitCode("XSA", "sack", .packaging)
    public static let bucket = UnitCode("XBJ", "bucket", .packaging)
    public static let jar = UnitCode("XJR", "jar", .packaging)
    public static let can = UnitCode("XCA", "can", .packaging)
    public static let tin = UnitCode("XTN", "tin", .packaging)
    public static let bottle = UnitCode("XBO", "bottle", .packaging)
    public static let keg = UnitCode("XKG", "keg", .packaging)
    public static let barrel = UnitCode("XBA", "barrel", .packaging)
    public static let tray = UnitCode("XPU", "tray", .packaging)
    public static let pallet = UnitCode("XPX", "pallet", .packaging)
    public static let packagePiece = UnitCode("XPP", "piece (package)", .packaging)

    /// Every known code, in the order of the table above.
    public static let all: [UnitCode] = [
        kilogram, gram, hectogram, decitonne, tonne, milligram, pound, ounce,
        litre, millilitre, centilitre, decilitre, hectolitre, cubicMetre,
        one, piece, each, numberOfArticles, dozen, pair,
        box, carton, `case`, crate, package, packet, bag, sack, bucket, jar, can, tin, bottle, keg, barrel, tray,
        pallet, packagePiece,
    ]

    private static let byCode: [String: UnitCode] = Dictionary(uniqueKeysWithValues: all.map { ($0.code, $0) })

    /// Codes that legacy supplier systems send although EN 16931 rejects them (rule BR-CL-23),
    /// with the standard code they stand for.
    public static let legacyCodes: [String: String] = [
        "KG": "KGM", "L": "LTR", "PCE": "H87", "PC": "H87", "PK": "XPK", "CT": "XCT", "BX": "XBX",
        "CS": "XCS", "CA": "XCA",
    ]

    /// The standard code a legacy code stands for ("KG" → "KGM", "PCE" → "H87"), or `nil`.
    ///
    /// Kept apart from ``init(_:)`` on purpose: the importer maps such codes explicitly and logs
    /// each mapping, instead of the module accepting them silently.
    public static func standardCode(forLegacyCode code: String) -> String? {
        legacyCodes[code] ?? legacyCodes[code.trimmingCharacters(in: .whitespaces).uppercased()]
    }

    /// `significand × 10^exponent`, built exactly (a `Double` literal would not be).
    private static func exact(_ significand: Int, exponent: Int) -> Decimal {
        Decimal(sign: .plus, exponent: exponent, significand: Decimal(significand))
    }
}
