import FoundationEssentials

/// One-dimensional arrays in PostgreSQL's text format: `{1,2,NULL,"a b"}`.
public protocol PostgresArrayElement: PostgresEncodable {
    /// The array type whose elements are `Self`, e.g. `int8[]` for `Int`.
    static var postgresArrayType: PostgresType { get }
}

extension Int: PostgresArrayElement { public static var postgresArrayType: PostgresType { .int8Array } }
extension Int64: PostgresArrayElement { public static var postgresArrayType: PostgresType { .int8Array } }
extension Int32: PostgresArrayElement { public static var postgresArrayType: PostgresType { .int4Array } }
extension Int16: PostgresArrayElement { public static var postgresArrayType: PostgresType { .int2Array } }
extension String: PostgresArrayElement { public static var postgresArrayType: PostgresType { .textArray } }
extension Bool: PostgresArrayElement { public static var postgresArrayType: PostgresType { .boolArray } }
extension Double: PostgresArrayElement { public static var postgresArrayType: PostgresType { .float8Array } }
extension CalendarDate: PostgresArrayElement { public static var postgresArrayType: PostgresType { .dateArray } }
extension JSONB: PostgresArrayElement { public static var postgresArrayType: PostgresType { .jsonbArray } }

extension Optional: PostgresArrayElement where Wrapped: PostgresArrayElement {
    public static var postgresArrayType: PostgresType { Wrapped.postgresArrayType }
}

extension Array: PostgresEncodable where Element: PostgresArrayElement {
    public static var postgresType: PostgresType { Element.postgresArrayType }

    public var postgresText: String? {
        var text = "{"
        for (index, element) in enumerated() {
            if index > 0 { text += "," }
            guard let elementText = element.postgresText else {
                text += "NULL"
                continue
            }
            // Always quote: it is correct for every element and avoids the NULL/empty/space corner cases.
            text += "\""
            for character in elementText {
                if character == "\"" || character == "\\" { text += "\\" }
                text.append(character)
            }
            text += "\""
        }
        return text + "}"
    }
}

extension Array: PostgresDecodable where Element: PostgresDecodable {
    public init(postgresText text: PostgresText, type: PostgresType) throws(PostgresDecodingFailure) {
        guard let elementType = type.arrayElement else { throw .mismatch(type, [Element].self) }
        let items = try parsePostgresArray(text.bytes)
        var result: [Element] = []
        result.reserveCapacity(items.count)
        for (position, item) in items.enumerated() {
            guard let item else {
                guard let null = Element.decodedNull else {
                    throw PostgresDecodingFailure("array element \(position + 1) is NULL; decode as [\(Element.self)?]")
                }
                result.append(null)
                continue
            }
            let element = try item.withUnsafeBufferPointer { buffer throws(PostgresDecodingFailure) in
                try Element(postgresText: PostgresText(bytes: buffer), type: elementType)
            }
            result.append(element)
        }
        self = result
    }
}

/// Splits a one-dimensional array literal into its elements' bytes (`nil` for NULL).
func parsePostgresArray(_ bytes: UnsafeBufferPointer<UInt8>) throws(PostgresDecodingFailure) -> [[UInt8]?] {
    let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\"), comma = UInt8(ascii: ",")
    let open = UInt8(ascii: "{"), close = UInt8(ascii: "}")
    var index = 0
    // Arrays with non-default lower bounds start with "[2:3]=".
    if bytes.first == UInt8(ascii: "[") {
        guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else {
            throw PostgresDecodingFailure("malformed array")
        }
        index = equals + 1
    }
    guard index < bytes.count, bytes[index] == open, bytes.last == close else {
        throw PostgresDecodingFailure("malformed array")
    }
    index += 1
    let end = bytes.count - 1
    var items: [[UInt8]?] = []
    if index == end { return items }
    if bytes[index] == open { throw PostgresDecodingFailure("multi-dimensional arrays are not supported") }
    while index <= end {
        var item: [UInt8] = []
        var quoted = false
        if bytes[index] == quote {
            quoted = true
            index += 1
            while index < end, bytes[index] != quote {
                if bytes[index] == backslash { index += 1 }
                guard index < end else { break }
                item.append(bytes[index])
                index += 1
            }
            guard index < end, bytes[index] == quote else {
                throw PostgresDecodingFailure("unterminated quote in array")
            }
            index += 1
        } else {
            while index < end, bytes[index] != comma {
                if bytes[index] == backslash { index += 1 }
                guard index < end else { break }
                item.append(bytes[index])
                index += 1
            }
        }
        let isNull = !quoted && item == Array("NULL".utf8)
        items.append(isNull ? nil : item)
        guard index < end else { break }
        guard bytes[index] == comma else { throw PostgresDecodingFailure("malformed array") }
        index += 1
    }
    return items
}

extension Decimal: PostgresArrayElement { public static var postgresArrayType: PostgresType { .numericArray } }
extension UUID: PostgresArrayElement { public static var postgresArrayType: PostgresType { .uuidArray } }
extension Date: PostgresArrayElement { public static var postgresArrayType: PostgresType { .timestamptzArray } }
