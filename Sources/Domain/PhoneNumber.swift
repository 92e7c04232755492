/// A customer's phone number in E.164 form (`+33612345678`), the key customers are found by.
///
/// Channels send numbers the way people type them: `06 12 34 56 78`, `06.12.34.56.78`,
/// `+33 6 12 34 56 78`, `0033612345678`, `+33 (0)6 12 34 56 78`. A national number (a leading
/// 0 and ten digits) is taken as French, the chain's country; anything else needs its `+`
/// country code. Spaces, dots, dashes, slashes and parentheses are ignored.
public struct PhoneNumber: Hashable, Sendable, CustomStringConvertible {
    /// `+` and 7 to 15 digits, the first not 0 (what the `customer_phone_e164` constraint checks).
    public let e164: String

    public var description: String { e164 }

    /// - Throws: ``DomainError/Code/invalidPhoneNumber`` when the text is not a phone number.
    public init(_ text: String) throws(DomainError) {
        var digits = ""
        var international = false
        let scalars = Array(text.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            switch scalar {
            case "0"..."9":
                digits.unicodeScalars.append(scalar)
            case "+" where digits.isEmpty && !international:
                international = true
            case "(" where index + 2 < scalars.count && scalars[index + 1] == "0" && scalars[index + 2] == ")":
                // "+33 (0)6 ...": the national trunk prefix written beside the country code.
                index += 2
            case " ", ".", "-", "/", "(", ")", "\u{A0}":
                break
            default:
                throw Self.invalid(text, "unexpected character '\(scalar)'")
            }
            index += 1
        }
        if !international && digits.hasPrefix("00") {
            international = true
            digits.removeFirst(2)
        }
        if !international {
            guard digits.count == 10, digits.hasPrefix("0"), digits.dropFirst().first != "0" else {
                throw Self.invalid(text, "a national number has 10 digits starting with 0; else write +<country code>")
            }
            digits = "33" + digits.dropFirst()
        } else if digits.hasPrefix("330") {
            digits = "33" + digits.dropFirst(3)  // +33 06..., a common slip
        }
        guard (7...15).contains(digits.count), digits.first != "0" else {
            throw Self.invalid(text, "an international number has 7 to 15 digits after +, the first not 0")
        }
        e164 = "+" + digits
    }

    private static func invalid(_ text: String, _ reason: String) -> DomainError {
        DomainError(.invalidPhoneNumber, "'\(text)' is not a phone number: \(reason)", context: ["value": text])
    }
}
