import Foundation

/// How figures are written on the pages (French conventions, whatever the machine's locale) and
/// in the CSV files (the same, so that a French spreadsheet reads numbers as numbers). Pure and
/// locale-free: the same figure always gives the same bytes.
public enum ReportFormat {
    /// U+202F NARROW NO-BREAK SPACE, the French thousands separator (and before € and %).
    public static let thinSpace = "\u{202F}"

    /// `1 234,56 €` from cents; `−12,00 €` with a true minus sign.
    public static func euros(_ cents: Int64) -> String {
        grouped(cents, decimals: 2) + thinSpace + "€"
    }

    /// `1 234` from an integer.
    public static func integer(_ value: Int64) -> String { grouped(value, decimals: 0) }

    /// `12,5 %` from a percentage in tenths (125 = 12,5 %), rounded by the caller; `–` for nil
    /// (no base to compare with).
    public static func percent(tenths value: Int64?) -> String {
        guard let value else { return "–" }
        return grouped(value, decimals: 1) + thinSpace + "%"
    }

    /// A CSV cell for an amount: `1234,56` (no grouping: a spreadsheet parses it).
    public static func csvEuros(_ cents: Int64) -> String { plain(cents, decimals: 2) }

    /// A CSV cell for a number with `decimals` implied decimals: `-1234,56` (no grouping: a
    /// spreadsheet parses it).
    public static func plain(_ value: Int64, decimals: Int) -> String {
        digits(value, decimals: decimals, separator: "", minus: "-")
    }

    /// `1 234,56` with narrow no-break spaces and a true minus sign, for people.
    static func grouped(_ value: Int64, decimals: Int) -> String {
        digits(value, decimals: decimals, separator: thinSpace, minus: "\u{2212}")
    }

    /// `value` with `decimals` implied decimals, a comma before them, `separator` between groups
    /// of three digits.
    static func digits(_ value: Int64, decimals: Int, separator: String, minus: String) -> String {
        var scale: UInt64 = 1
        for _ in 0..<decimals { scale *= 10 }
        let magnitude = value.magnitude
        let whole = String(magnitude / scale)
        var groups: [Substring] = []
        var end = whole.endIndex
        while end > whole.startIndex {
            let start = whole.index(end, offsetBy: -3, limitedBy: whole.startIndex) ?? whole.startIndex
            groups.insert(whole[start..<end], at: 0)
            end = start
        }
        var text = groups.joined(separator: separator)
        if decimals > 0 {
            let fraction = String(magnitude % scale)
            text += "," + String(repeating: "0", count: decimals - fraction.count) + fraction
        }
        return (value < 0 ? minus : "") + text
    }

    /// Escapes text for HTML and SVG (the templates escape `{{value}}` themselves; this is for
    /// the charts, which are built as SVG text).
    public static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
