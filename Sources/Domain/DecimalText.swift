import Foundation

/// A strictly parsed decimal literal: an optional sign, digits, and optionally one decimal
/// separator followed by digits.
///
/// Foundation's `Decimal(string:)` is lenient (it reads "12abc" as 12 and "1,5" as 1), which would
/// silently turn a malformed supplier file into wrong numbers. Amounts and quantities therefore go
/// through this parser, which refuses anything it does not fully understand.
struct DecimalText: Sendable {
    /// Which characters may separate the integer part from the fraction.
    enum Separators {
        /// Only the dot, as in machine formats ("12.50").
        case dot
        /// The dot or the French comma ("12,50").
        case dotOrComma
    }

    var isNegative: Bool
    /// The integer digits, without grouping, at least one digit.
    var integerDigits: Substring
    /// The fraction digits, possibly empty.
    var fractionDigits: Substring

    /// Characters accepted between groups of three integer digits ("1 234,50"): space, no-break
    /// space and narrow no-break space, the three that French formatting uses.
    static let groupingCharacters: Set<Character> = [" ", "\u{00A0}", "\u{202F}"]

    /// Parses `text` (already trimmed) or returns `nil` when it is not a plain decimal literal.
    ///
    /// - Parameters:
    ///   - separators: which decimal separators are accepted.
    ///   - allowsGrouping: whether the integer part may be grouped by threes with spaces.
    static func parse(_ text: Substring, separators: Separators, allowsGrouping: Bool) -> DecimalText? {
        var rest = text
        var isNegative = false
        if let first = rest.first, first == "-" || first == "+" {
            isNegative = first == "-"
            rest = rest.dropFirst()
        }
        let separatorIndex = rest.firstIndex { $0 == "." || (separators == .dotOrComma && $0 == ",") }
        let integerPart = separatorIndex.map { rest[..<$0] } ?? rest
        let fractionPart = separatorIndex.map { rest[rest.index(after: $0)...] } ?? ""
        if separatorIndex != nil && fractionPart.isEmpty { return nil }
        guard fractionPart.allSatisfy(\.isASCIIDigit) else { return nil }
        guard let integerDigits = ungrouped(integerPart, allowsGrouping: allowsGrouping) else { return nil }
        return DecimalText(isNegative: isNegative, integerDigits: integerDigits, fractionDigits: fractionPart)
    }

    /// Removes grouping from the integer part, checking that groups are 1-3 digits then 3 digits.
    private static func ungrouped(_ part: Substring, allowsGrouping: Bool) -> Substring? {
        guard !part.isEmpty else { return nil }
        if part.allSatisfy(\.isASCIIDigit) { return part }
        guard allowsGrouping else { return nil }
        let groups = part.split(omittingEmptySubsequences: false) { groupingCharacters.contains($0) }
        guard let head = groups.first, (1...3).contains(head.count),
            groups.dropFirst().allSatisfy({ $0.count == 3 }),
            groups.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) })
        else { return nil }
        return Substring(groups.joined())
    }

    /// Created once: building a Locale per number was a measurable share of a large import.
    private static let posix = Locale(identifier: "en_US_POSIX")

    /// The exact `Decimal` value, or `nil` when it needs more than the 38 significant digits
    /// a `Decimal` holds exactly.
    var decimal: Decimal? {
        // Fast path for up to 18 digits (every price, quantity and amount of a document): exact
        // integer arithmetic, no string parsing. Decimal(string:) was a tenth of a large import.
        let digitCount = integerDigits.utf8.count + fractionDigits.utf8.count
        if digitCount <= 18 {
            var value: UInt64 = 0
            for byte in integerDigits.utf8 { value = value * 10 + UInt64(byte - 0x30) }
            for byte in fractionDigits.utf8 { value = value * 10 + UInt64(byte - 0x30) }
            return Decimal(
                sign: isNegative && value != 0 ? .minus : .plus, exponent: -fractionDigits.utf8.count,
                significand: Decimal(value))
        }
        let significant = (integerDigits + fractionDigits).drop { $0 == "0" }
        guard significant.count <= 38 else { return nil }
        let canonical = (isNegative ? "-" : "") + integerDigits + (fractionDigits.isEmpty ? "" : "." + fractionDigits)
        return Decimal(string: canonical, locale: Self.posix)
    }
}

extension Character {
    /// `0`...`9` only: `isNumber` would also accept other scripts' digits and fractions.
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

/// Integer and `Decimal` rounding shared by money, quantities and VAT.
enum Rounding {
    /// `numerator / denominator` rounded HALF-UP: to the nearest integer, and away from zero on
    /// an exact half (2.5 → 3, −2.5 → −3). The denominator must be positive.
    static func divideHalfUp(_ numerator: Int128, by denominator: Int128) -> Int128 {
        precondition(denominator > 0, "divideHalfUp needs a positive denominator")
        let quotient = numerator / denominator
        let remainder = numerator % denominator
        guard remainder.magnitude * 2 >= denominator.magnitude else { return quotient }
        return numerator < 0 ? quotient - 1 : quotient + 1
    }

    /// `numerator / denominator` rounded towards +∞. The denominator must be positive.
    static func divideUp(_ numerator: Int128, by denominator: Int128) -> Int128 {
        precondition(denominator > 0, "divideUp needs a positive denominator")
        let quotient = numerator / denominator
        return numerator % denominator > 0 ? quotient + 1 : quotient
    }

    /// `value` rounded HALF-UP (away from zero on .5) to `places` decimals.
    ///
    /// Foundation's `.plain` mode is exactly this rule.
    static func halfUp(_ value: Decimal, places: Int) -> Decimal {
        var input = value
        var output = Decimal()
        NSDecimalRound(&output, &input, places, .plain)
        return output
    }

    /// `value` rounded towards +∞ to `places` decimals (a ceiling).
    ///
    /// Built on the half-up result, which is within half a unit of `value`: if it fell below,
    /// the ceiling is one unit above it, otherwise it is the ceiling already.
    static func up(_ value: Decimal, places: Int) -> Decimal {
        let nearest = halfUp(value, places: places)
        guard nearest < value else { return nearest }
        return nearest + Decimal(sign: .plus, exponent: -places, significand: 1)
    }
}

extension Decimal {
    /// Rounded HALF-UP (away from zero on an exact half: 2.5 → 3, −2.5 → −3) to `places`
    /// decimals: the product's one rounding rule, for amounts, prices and quantities alike.
    public func roundedHalfUp(places: Int) -> Decimal { Rounding.halfUp(self, places: places) }

    /// Parses a machine-format decimal exactly ("12.50", "-3.3333", "+7", "5." and ".5" as XML
    /// Schema's `xs:decimal` allows), or returns nil. No grouping, no comma, no exponent, at most
    /// 38 significant digits: a supplier file's numbers are never guessed.
    public init?(exactly text: some StringProtocol) {
        var trimmed = Substring(text).trimmingWhitespace()
        if trimmed.hasSuffix(".") { trimmed = trimmed.dropLast() }
        var literal = String(trimmed)
        if let dot = literal.firstIndex(of: "."), literal[literal.startIndex..<dot].allSatisfy({ "+-".contains($0) }) {
            literal.insert("0", at: dot)
        }
        guard let parsed = DecimalText.parse(Substring(literal), separators: .dot, allowsGrouping: false),
            let value = parsed.decimal
        else { return nil }
        self = value
    }
}
