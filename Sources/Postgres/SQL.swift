/// A query whose values travel as bind parameters, never inside the text.
///
/// Built with string interpolation: each interpolated value becomes `$n` in the text and a
/// parameter beside it.
///
///     let sql: SQL = "SELECT name FROM shop WHERE code = \(code) AND opened_on <= \(today)"
///     // text: SELECT name FROM shop WHERE code = $1 AND opened_on <= $2
///
/// Identifiers that cannot be parameters (schema or table names) go through
/// `\(identifier: name)`, which quotes them. Raw text only through the loudly named
/// `\(unsafeRaw: text)` and ``init(unsafeSQL:)``, for SQL the program itself wrote.
public struct SQL: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// The query text, with `$1`, `$2`, ... placeholders.
    public private(set) var text: String
    /// The parameters, in placeholder order.
    public private(set) var binds: [PostgresBind]

    /// A query written by the program itself, with no parameters.
    public init(unsafeSQL text: String) {
        self.text = text
        self.binds = []
    }

    public init(stringLiteral value: String) {
        self.text = value
        self.binds = []
    }

    public init(stringInterpolation: StringInterpolation) {
        self.text = stringInterpolation.text
        self.binds = stringInterpolation.binds
    }

    /// Shows the text only: bound values may be personal data and never go to logs.
    public var description: String { text }

    public struct StringInterpolation: StringInterpolationProtocol {
        var text = ""
        var binds: [PostgresBind] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            text.reserveCapacity(literalCapacity + interpolationCount * 3)
            binds.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) {
            text += literal
        }

        /// A value, sent as a bind parameter.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value) {
            binds.append(value.postgresBind)
            text += "$\(binds.count)"
        }

        /// An optional value: `nil` is sent as SQL NULL.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            binds.append(value.postgresBind)
            text += "$\(binds.count)"
        }

        /// An identifier (schema, table, column), double-quoted with embedded quotes doubled.
        public mutating func appendInterpolation(identifier: String) {
            text += SQL.quoteIdentifier(identifier)
        }

        /// Raw SQL text written by the program. Never pass input from outside the program here.
        public mutating func appendInterpolation(unsafeRaw raw: String) {
            text += raw
        }
    }

    /// Quotes an identifier the way `quote_ident` does, unconditionally.
    public static func quoteIdentifier(_ identifier: String) -> String {
        var quoted = "\""
        for character in identifier {
            if character == "\"" { quoted += "\"\"" } else { quoted.append(character) }
        }
        return quoted + "\""
    }
}

/// One bind parameter in PostgreSQL's text format.
public struct PostgresBind: Sendable, Equatable {
    /// The parameter type sent to the server; ``PostgresType/unspecified`` lets it infer.
    public var type: PostgresType
    /// The text representation, or `nil` for SQL NULL.
    public var text: String?

    public init(type: PostgresType, text: String?) {
        self.type = type
        self.text = text
    }
}

/// Builds libpq `key=value` connection strings, quoting each value as libpq requires
/// (single quotes, with `\` and `'` backslash-escaped), so paths with spaces or quotes work.
public enum ConnectionString {
    public static func keyValue(_ pairs: KeyValuePairs<String, String>) -> String {
        pairs.map { "\($0.key)=\(quote($0.value))" }.joined(separator: " ")
    }

    public static func quote(_ value: String) -> String {
        var quoted = "'"
        for character in value {
            if character == "\\" || character == "'" { quoted.append("\\") }
            quoted.append(character)
        }
        return quoted + "'"
    }
}
