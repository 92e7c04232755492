extension Money {
    /// What parsing does with digits beyond the cent ("12.505").
    public enum ExcessDecimals: Sendable, Hashable {
        /// Refuse the amount with ``DomainError/Code/tooManyDecimals`` unless the extra digits are
        /// zeros ("12.500" is exactly 12,50 € and is accepted). The default: no silent rounding.
        case refuse
        /// Round to the cent HALF-UP (away from zero on an exact half): "12.505" → 12,51 €,
        /// "-0.005" → −0,01 €.
        case roundHalfUp
    }

    /// Parses an amount in euros written with a dot or a French comma.
    ///
    /// Accepted: an optional `-` or `+`, at least one integer digit, optionally grouped by threes
    /// with spaces (" ", U+00A0 or U+202F, as ``frenchText`` writes them), then optionally `.` or `,`
    /// and at least one digit; surrounding whitespace and a trailing `€` are ignored. So "12.50",
    /// "12,50", "-0.05", "1 234,50 €" and "7" are amounts; "12.", ".5", "1.234,50", "12abc" are not.
    ///
    /// - Parameter excessDecimals: what to do with digits beyond the cent; refused by default.
    /// - Throws: ``DomainError/Code/invalidAmount``, ``DomainError/Code/tooManyDecimals``,
    ///   ``DomainError/Code/amountOverflow``.
    public init(parsing text: String, excessDecimals: ExcessDecimals = .refuse) throws(DomainError) {
        var trimmed = Substring(text).trimmingWhitespace()
        if trimmed.last == "€" { trimmed = trimmed.dropLast().trimmingWhitespace() }
        guard let literal = DecimalText.parse(trimmed, separators: .dotOrComma, allowsGrouping: true) else {
            throw DomainError(.invalidAmount, "not an amount in euros", context: ["text": text])
        }
        let integerDigits = literal.integerDigits.drop { $0 == "0" }
        guard integerDigits.count <= 19 else { throw Money.overflowError(operation: "parsing") }
        var cents: Int128 = 0
        for digit in integerDigits { cents = cents * 10 + Int128(digit.wholeNumberValue ?? 0) }
        let fraction = Array(literal.fractionDigits)
        for place in 0..<2 {
            cents = cents * 10 + Int128(place < fraction.count ? fraction[place].wholeNumberValue ?? 0 : 0)
        }
        let excess = fraction.dropFirst(2)
        if excess.contains(where: { $0 != "0" }) {
            switch excessDecimals {
            case .refuse:
                throw DomainError(
                    .tooManyDecimals, "an amount in euros has at most 2 decimals", context: ["text": text])
            case .roundHalfUp:
                // HALF-UP only looks at the first dropped digit: 5 or more rounds the magnitude up.
                if let first = excess.first, let value = first.wholeNumberValue, value >= 5 { cents += 1 }
            }
        }
        if literal.isNegative { cents = -cents }
        guard let exact = Int64(exactly: cents) else { throw Money.overflowError(operation: "parsing") }
        self.init(cents: exact)
    }

    /// The machine form: a dot, exactly 2 decimals, a leading `-` when negative, no grouping and
    /// no currency ("12.50", "-0.05", "0.00"). Used in CSV files, JSON and logs; parses back.
    public var machineText: String {
        let (euros, cents) = digits
        return (isNegative ? "-" : "") + euros + "." + cents
    }

    /// The French form for people: a comma, exactly 2 decimals, thousands grouped with a narrow
    /// no-break space (U+202F) and a no-break space (U+00A0) before `€`, as French typography and
    /// CLDR's `fr` locale write them ("12,50 €", "-0,05 €", "1 234 567,89 €"). The no-break spaces
    /// keep an amount on one line in HTML reports. Parses back with ``init(parsing:excessDecimals:)``.
    public var frenchText: String {
        let (euros, cents) = digits
        var grouped = ""
        for (offset, digit) in euros.enumerated() {
            if offset > 0 && (euros.count - offset) % 3 == 0 { grouped.append("\u{202F}") }
            grouped.append(digit)
        }
        return (isNegative ? "-" : "") + grouped + "," + cents + "\u{00A0}€"
    }

    /// The unsigned euro digits and the two cent digits, safe for `Int64.min`.
    private var digits: (euros: String, cents: String) {
        let magnitude = cents.magnitude
        let centDigits = String(magnitude % 100)
        return (String(magnitude / 100), centDigits.count == 1 ? "0" + centDigits : centDigits)
    }
}

extension Money: CustomStringConvertible {
    /// The machine form followed by the currency code ("12.50 EUR"), for logs and debugging.
    public var description: String { machineText + " " + Money.currencyCode }
}

extension Substring {
    /// The substring without leading and trailing whitespace (including no-break spaces).
    func trimmingWhitespace() -> Substring {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map(index(after:)) ?? start
        return self[start..<Swift.max(start, end)]
    }
}
