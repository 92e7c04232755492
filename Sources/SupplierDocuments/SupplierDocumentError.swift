import XML

/// Why a supplier file is refused: which file, where in it, and what is wrong.
///
/// The one error type of the module. Its ``description`` is what goes into the
/// `<file>.reason.txt` written beside a refused file, so it is written for the operator.
public struct SupplierDocumentError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Code: String, Sendable, Codable {
        /// Not well-formed XML, a bad encoding, a truncated file.
        case malformed
        /// A DTD, an entity, anything hostile the hardened parser refuses.
        case hostile
        /// Root element and namespace name no supported document (incl. ZUGFeRD 1.0).
        case unsupportedFormat = "unsupported_format"
        /// Not valid against the official XSD.
        case schemaInvalid = "schema_invalid"
        /// Valid XML but a field the import needs is missing or unreadable (a date, a number).
        case missingField = "missing_field"
        case badValue = "bad_value"
        /// Line amounts, totals or VAT do not add up.
        case arithmetic
        /// A PDF without a Factur-X attachment, or one the extractor cannot read.
        case pdf
        /// The file could not be read at all.
        case io
    }

    public var code: Code
    public var file: String
    /// 1-based line in the file, 0 when not known.
    public var line: Int
    /// 1-based column, 0 when not known.
    public var column: Int
    public var message: String

    public init(_ code: Code, file: String, line: Int = 0, column: Int = 0, _ message: String) {
        self.code = code
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `file:line:column: message`, leaving out what is unknown.
    public var description: String {
        var location = file
        if line > 0 { location += ":\(line)" }
        if line > 0, column > 0 { location += ":\(column)" }
        return "\(location): \(message)"
    }

    /// An XML error from reading a document.
    public init(_ error: XMLError) {
        let code: Code =
            switch error.kind {
            case .malformed: .malformed
            case .hostile: .hostile
            case .invalid: .schemaInvalid
            case .unreadable: .io
            }
        self.init(code, file: error.file, line: error.line, column: error.column, error.message)
    }
}
