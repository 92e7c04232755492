/// The order reference OC Pizza writes into processor metadata and invoice fields:
/// `OC-<shop code>-<order number>` (design note §3.2, matching rule 2).
///
/// The same as the regular expression `OC-([A-Z0-9][A-Z0-9-]{1,15})-([0-9]{1,9})`, searched
/// anywhere in the text, leftmost match first, with a greedy shop part: shop codes may contain
/// hyphens, so `OC-PAR-0007-12` is shop `PAR-0007`, order 12. Written by hand because a
/// `Regex` per row costs more than the rest of the row.
public enum OrderReference {
    /// The shop code and order number of the first reference in `text`, or nil.
    public static func parse(_ text: String) -> (shop: String, number: Int)? {
        guard let found = find(in: text) else { return nil }
        return (found.shop, found.number)
    }

    /// The first reference in `text`: the matched text, its shop code and its order number.
    static func find(in text: String) -> (text: String, shop: String, number: Int)? {
        let bytes = Array(text.utf8)
        var start = 0
        while start + 3 <= bytes.count {
            if bytes[start] == UInt8(ascii: "O"), bytes[start + 1] == UInt8(ascii: "C"),
                bytes[start + 2] == UInt8(ascii: "-"), let match = match(bytes, shopStart: start + 3)
            {
                let shop = String(decoding: bytes[(start + 3)..<match.shopEnd], as: UTF8.self)
                let digits = bytes[(match.shopEnd + 1)..<match.end]
                let number = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
                return (String(decoding: bytes[start..<match.end], as: UTF8.self), shop, number)
            }
            start += 1
        }
        return nil
    }

    private static let longestShop = 16

    /// Tries the longest shop part first, as the greedy `{1,15}` does, then backs off.
    private static func match(_ bytes: [UInt8], shopStart: Int) -> (shopEnd: Int, end: Int)? {
        guard shopStart < bytes.count, isUpperAlphanumeric(bytes[shopStart]) else { return nil }
        var runEnd = shopStart + 1
        while runEnd < bytes.count, runEnd - shopStart < longestShop,
            isUpperAlphanumeric(bytes[runEnd]) || bytes[runEnd] == UInt8(ascii: "-")
        {
            runEnd += 1
        }
        var shopEnd = runEnd
        while shopEnd - shopStart >= 2 {
            if shopEnd < bytes.count, bytes[shopEnd] == UInt8(ascii: "-") {
                var end = shopEnd + 1
                while end < bytes.count, end - shopEnd - 1 < 9, isDigit(bytes[end]) { end += 1 }
                if end > shopEnd + 1 { return (shopEnd, end) }
            }
            shopEnd -= 1
        }
        return nil
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private static func isUpperAlphanumeric(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte >= 0x41 && byte <= 0x5A)
    }
}
