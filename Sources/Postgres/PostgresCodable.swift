import FoundationEssentials

/// A Swift value that can be sent as a bind parameter, in PostgreSQL's text format.
public protocol PostgresEncodable: Sendable {
    /// The parameter type sent to the server; ``PostgresType/unspecified`` lets the server infer it.
    static var postgresType: PostgresType { get }
    /// The text representation; `nil` sends SQL NULL.
    var postgresText: String? { get }
}

extension PostgresEncodable {
    public var postgresBind: PostgresBind { PostgresBind(type: Self.postgresType, text: postgresText) }
}

/// A Swift value that can be read from a column in PostgreSQL's text format.
public protocol PostgresDecodable {
    /// Decodes the column's text. `type` is the column's type, so that a mismatch (an `Int`
    /// read from a `text` column) fails with ``PostgresDecodingFailure`` instead of guessing.
    init(postgresText text: PostgresText, type: PostgresType) throws(PostgresDecodingFailure)
    /// What SQL NULL decodes to; `nil` (the default) makes NULL an error.
    static var decodedNull: Self? { get }
}

extension PostgresDecodable {
    public static var decodedNull: Self? { nil }
}

public typealias PostgresCodable = PostgresEncodable & PostgresDecodable

/// The raw bytes of one value as libpq returned them (valid only while its result lives).
public struct PostgresText {
    public let bytes: UnsafeBufferPointer<UInt8>
    public init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }
    public var string: String { String(decoding: bytes, as: UTF8.self) }
}

/// Why one value could not be decoded; ``Row`` turns it into a ``PostgresError`` naming the column.
public struct PostgresDecodingFailure: Error, Sendable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }

    static func mismatch(_ type: PostgresType, _ swiftType: Any.Type) -> PostgresDecodingFailure {
        PostgresDecodingFailure("a \(type) column cannot be decoded as \(swiftType)")
    }
}

// MARK: - Optional

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public static var postgresType: PostgresType { Wrapped.postgresType }
    public var postgresText: String? { self?.postgresText ?? nil }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public init(postgresText text: PostgresText, type: PostgresType) throws(PostgresDecodingFailure) {
        self = try Wrapped(postgresText: text, type: type)
    }
    public static var decodedNull: Self? { .some(nil) }
}

// MARK: - Integers

extension PostgresType {
    fileprivate var isInteger: Bool { self == .int2 || self == .int4 || self == .int8 || self == .oid }
}

/// Parses a decimal integer from ASCII bytes without going through `String`.
private func parseInteger<T: FixedWidthInteger>(
    _ text: PostgresText, type: PostgresType, as _: T.Type
) throws(PostgresDecodingFailure) -> T {
    guard type.isInteger else { throw .mismatch(type, T.self) }
    var bytes = text.bytes[...]
    var negative = false
    if let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
        negative = first == UInt8(ascii: "-")
        bytes = bytes.dropFirst()
    }
    guard !bytes.isEmpty else { throw PostgresDecodingFailure("empty integer") }
    var value: T = 0
    for byte in bytes {
        guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else {
            throw PostgresDecodingFailure("'\(text.string)' is not an integer")
        }
        let digit = T(byte - UInt8(ascii: "0"))
        let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
        let (next, overflow2) =
            negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
        guard !overflow1, !overflow2 else {
            throw PostgresDecodingFailure("\(text.string) does not fit in \(T.self)")
        }
        value = next
    }
    return value
}

extension Int: PostgresCodable {
    public static var postgresType: PostgresType { .int8 }
    public var postgresText: String? { String(self) }
    public init(postgresText text: PostgresText, type: PostgresType) throws(PostgresDecodingFailure) {
        self = try parseInteger(text, type: type, as: Int.self)
    }
}

extension Int64: PostgresCodable {
    public static var postgresType: PostgresType { .int8 }
    public var postgresText: String? { String(self) }
    public init(postgresText text: PostgresText, type: PostgresType) throws(PostgresDecodingFailure) {
        self = try parseInteger(text, type: type, as: Int64.self)
    }
}

extension Int32: PostgresCodable {
    public static var postgresType: PostgresType { .int4 }
    public var postgresText: String? { String(self) }
    public init(postgresText text: PostgresText, type: PostgresType) throws(PostgresDecodingFailure) {
        self = try parseInteger(text, type: type, as: Int32.self)
    }
}

extension Int16: PostgresCodable {
    public static var postgresType: PostgresType { .int2 }
    public var postgresText: String? { String(self) }
    public init(postgresText text: PostgresText, type: PostgresType) throws(PostgresDecodingFailure) {
        self = try parseInteger(text, type: type, as: Int16.self)
    }
}

// MARK: - Text, bool, floating point

extension String: PostgresCodable {
    /// Sent as `unknown`, so the server reads it as whatever the context needs (text, an enum, a date...).
    public static var postgresType: PostgresType { .unspecified }
    public var postgresText: String? { self }
    public init(postgresText text: PostgresText, type: PostgresType) throws(PostgresDecodingFailure) {
        // Textual types, plus user-defined types (enums, domains, extensions such as citext).
        guard type.isTextual || type.rawValue >= 16384 else { throw .mismatch(type, String.self) }
        self = text.string
    }
}

extension Bool: PostgresCodable {
    public static var postgresType: PostgresType { .bool }
    public var postgresText: String? { self ? "t" : "f" }
    public init(postgresText text: PostgresText, type: PostgresType) throws(PostgresDecodingFailure) {
        guard type == .bool else { throw .mismatch(type, Bool.self) }
        switch text.bytes.first {
        case UInt8(ascii: "t"): self = true
        case UInt8(ascii: "f"): self = false
        default: throw PostgresDecodingFailure("'\(text.string)' is not a boolean")
        }
    }
}

extension Double: PostgresCodable {
    public static var postgresType: PostgresType { .float8 }
    public var postgresText: String? {
        if isNaN { return "NaN" }
        if isInfinite { return self < 0 ? "-Infinity" : "Infinity" }
        return "\(self)"
    }
    public init(postgresText text: PostgresText, type: PostgresType) throws(PostgresDecodingFailure) {
        guard type == .float8 || type == .float4 || type.isInteger else { throw .mismatch(type, Double.self) }
        guard let value = Double(text.string) else {
            throw PostgresDecodingFailure("'\(text.string)' is not a number")
        }
        self = value
    }
}

// MARK: - Decimal (numeric)

extension Decimal: PostgresCodable {
    public static var postgresType: PostgresType { .numeric }
    public var postgresText: String? { isNaN ? "NaN" : description }

    /// Decodes `numeric` (and integer columns) exactly. A value Decimal cannot hold exactly
    /// (more than 38 significant digits, an exponent outside -128...127, infinity) is an error,
    /// never a silent rounding.
    public init(postgresText text: PostgresText, type: PostgresType) throws(PostgresDecodingFailure) {
        guard type == .numeric || type.isInteger else { throw .mismatch(type, Decimal.self) }
        let string = text.string
        if string == "NaN" {
            self = .nan
            return
        }
        guard let shape = Decimal.literalShape(string) else {
            throw PostgresDecodingFailure("'\(string.prefix(40))' cannot be represented as Decimal")
        }
        guard shape.significantDigits <= 38, (-128...127).contains(shape.exponent) else {
            throw PostgresDecodingFailure(
                "numeric value has \(shape.significantDigits) significant digits and exponent \(shape.exponent); "
                    + "Decimal holds at most 38 digits and exponents -128...127 exactly")
        }
        guard let value = Decimal(string: string) else {
            throw PostgresDecodingFailure("'\(string.prefix(40))' is not a number")
        }
        self = value
    }

    /// For a plain decimal literal (no exponent): its significant digits once leading and
    /// trailing zeros are dropped, and the power of ten of its last significant digit.
    /// `1200` → (2, 2); `0.0120` → (2, -3); `0` → (1, 0). Nil if it is not such a literal.
    static func literalShape(_ literal: String) -> (significantDigits: Int, exponent: Int)? {
        var digits: [UInt8] = []
        var integerDigits = 0
        var sawPoint = false
        for (index, byte) in literal.utf8.enumerated() {
            switch byte {
            case UInt8(ascii: "-"), UInt8(ascii: "+"):
                guard index == 0 else { return nil }
            case UInt8(ascii: "."):
                guard !sawPoint else { return nil }
                sawPoint = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digits.append(byte)
                if !sawPoint { integerDigits += 1 }
            default:
                return nil
            }
        }
        guard !digits.isEmpty else { return nil }
        guard let first = digits.firstIndex(where: { $0 != UInt8(ascii: "0") }),
            let last = digits.lastIndex(where: { $0 != UInt8(ascii: "0") })
        else { return (1, 0) }
        return (last - first + 1, integerDigits - 1 - last)
    }
}

// MARK: - UUID, bytea, JSON

extension UUID: PostgresCodable {
    public static var postgresType: PostgresType { .uuid }
    public var postgresText: String? { uuidString.lowercased() }
    public init(postgresText text: PostgresText, type: PostgresType) throws(PostgresDecodingFailure) {
        guard type == .uuid || type.isTextual else { throw .mismatch(type, UUID.self) }
        guard let value = UUID(uuidString: text.string) else {
            throw PostgresDecodingFailure("'\(text.string)' is not a UUID")
        }
        self = value
    }
}

extension Data: PostgresCodable {
    public static var postgresType: PostgresType { .bytea }
    public var postgresText: String? {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = [UInt8(ascii: "\\"), UInt8(ascii: "x")]
        out.reserveCapacity(2 + count * 2)
        for byte in self {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
    public init(postgresText text: PostgresText, type: PostgresType) throws(PostgresDecodingFailure) {
        guard type == .bytea else { throw .mismatch(type, Data.self) }
        let bytes = text.bytes
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "\\"), bytes[1] == UInt8(ascii: "x"),
            bytes.count % 2 == 0
        else { throw PostgresDecodingFailure("bytea is not in hex format (bytea_output = hex)") }
        func nibble(_ byte: UInt8) throws(PostgresDecodingFailure) -> UInt8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
            default: throw PostgresDecodingFailure("invalid hex digit in bytea")
            }
        }
        var data = Data(capacity: (bytes.count - 2) / 2)
        var index = 2
        while index < bytes.count {
            data.append(try nibble(bytes[index]) << 4 | nibble(bytes[index + 1]))
            index += 2
        }
        self = data
    }
}

/// A `jsonb` value, kept as its JSON text; ``decode(_:)`` turns it into a `Decodable` type.
public struct JSONB: PostgresCodable, Hashable {
    public var text: String

    public init(text: String) { self.text = text }

    /// Encodes a value with sorted keys, so that equal values give equal text.
    public init(encoding value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        self.text = String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    public func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(text.utf8))
    }

    public static var postgresType: PostgresType { .jsonb }
    public var postgresText: String? { text }
    public init(postgresText text: PostgresText, type: PostgresType) throws(PostgresDecodingFailure) {
        guard type == .jsonb || type == .json else { throw .mismatch(type, JSONB.self) }
        self.text = text.string
    }
}
