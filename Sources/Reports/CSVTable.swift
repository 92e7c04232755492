/// A table of a report as CSV for a French spreadsheet: UTF-8 with a byte-order mark (without it
/// Excel reads the accents as Windows-1252), `;` between fields and decimal commas (the list
/// separator and decimal mark of a French locale: with `,` every line lands in one column), CRLF,
/// quotes only where a field needs them.
public struct CSVTable: Sendable, Equatable {
    public var name: String
    public var header: [String]
    public var rows: [[String]]

    public init(name: String, header: [String], rows: [[String]]) {
        self.name = name
        self.header = header
        self.rows = rows
    }

    public var bytes: [UInt8] {
        var text = ""
        for row in [header] + rows {
            text += row.map(Self.field).joined(separator: ";") + "\r\n"
        }
        return [0xEF, 0xBB, 0xBF] + Array(text.utf8)
    }

    static func field(_ value: String) -> String {
        guard value.contains(where: { $0 == ";" || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
