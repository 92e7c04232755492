/// Exact parsing of an unsigned decimal amount ("8.850", "312,50") into integer minor units.
///
/// Bank and cash-up files carry amounts as text; a `Double` would round them and
/// Foundation's `Decimal(string:)` reads "12abc" as 12, so amounts go through this parser, which
/// refuses anything it does not fully understand. The sign is never in the text here: camt.053
/// gives it in `CdtDbtInd`, and a remittance amount is never negative.
enum DecimalMinorUnits {
    enum Failure: Error, Equatable {
        /// Not digits with at most one decimal separator (or more fraction digits than allowed).
        case notADecimal
        /// A non-zero digit below the currency's minor unit (`12.345` EUR).
        case subunitDigits
        /// More than 18 digits: beyond what any bank or till file holds.
        case tooLarge
    }

    /// Parses `text` (already trimmed) into minor units.
    ///
    /// - Parameters:
    ///   - minorDigits: the currency's minor-unit exponent (2 for EUR, 0 for JPY).
    ///   - maxFractionDigits: how many fraction digits the format allows at all (5 in camt.053,
    ///     whose schema says `fractionDigits 5`; 2 in a remittance). Digits past `minorDigits`
    ///     must be zeros (`8.850` is 885 cents).
    ///   - acceptsComma: whether `,` may separate the fraction (French spreadsheets).
    static func parse(
        _ text: Substring, minorDigits: Int, maxFractionDigits: Int, acceptsComma: Bool
    ) -> Result<Int64, Failure> {
        let bytes = Array(text.utf8)
        let separator = bytes.firstIndex { $0 == UInt8(ascii: ".") || (acceptsComma && $0 == UInt8(ascii: ",")) }
        let integerPart = bytes[..<(separator ?? bytes.endIndex)]
        let fractionPart = separator.map { bytes[($0 + 1)...] } ?? []
        guard !integerPart.isEmpty, integerPart.allSatisfy(isDigit), fractionPart.allSatisfy(isDigit),
            separator == nil || (1...maxFractionDigits).contains(fractionPart.count)
        else { return .failure(.notADecimal) }
        guard integerPart.count + min(fractionPart.count, minorDigits) <= 18 else { return .failure(.tooLarge) }
        var value: Int64 = 0
        for byte in integerPart { value = value * 10 + Int64(byte - UInt8(ascii: "0")) }
        var fraction = Array(fractionPart)
        guard fraction.dropFirst(minorDigits).allSatisfy({ $0 == UInt8(ascii: "0") }) else {
            return .failure(.subunitDigits)
        }
        fraction = Array(fraction.prefix(minorDigits))
        fraction += Array(repeating: UInt8(ascii: "0"), count: minorDigits - fraction.count)
        for byte in fraction { value = value * 10 + Int64(byte - UInt8(ascii: "0")) }
        return .success(value)
    }

    /// ISO 4217 minor-unit exponent: 0 for the currencies without a minor unit, 3 for the
    /// dinars and rials that count thousandths, 2 for all others (EUR, CHF, USD, SEK...).
    static func exponent(ofCurrency code: String) -> Int {
        if zeroDecimalCurrencies.contains(code) { return 0 }
        if threeDecimalCurrencies.contains(code) { return 3 }
        return 2
    }

    private static let zeroDecimalCurrencies: Set<String> = [
        "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF",
        "XOF", "XPF",
    ]
    private static let threeDecimalCurrencies: Set<String> = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"]

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    /// `cents` as a plain decimal in major units ("-434.16"), for messages.
    static func text(_ minorUnits: Int64, minorDigits: Int) -> String {
        let sign = minorUnits < 0 ? "-" : ""
        let digits = String(minorUnits.magnitude)
        guard minorDigits > 0 else { return sign + digits }
        let padded = String(repeating: "0", count: max(0, minorDigits + 1 - digits.count)) + digits
        return sign + padded.dropLast(minorDigits) + "." + padded.suffix(minorDigits)
    }
}
