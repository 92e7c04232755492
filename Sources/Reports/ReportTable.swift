/// One cell of a report table: typed, so that the page formats it for people and the CSV for a
/// spreadsheet, from the same value.
public enum ReportValue: Sendable, Equatable {
    case text(String)
    case count(Int64)
    case cents(Int64)
    /// A percentage in tenths (125 = 12,5 %); nil when there is nothing to compare with.
    case percentTenths(Int64?)
    /// A quantity in thousandths of a base unit (1 500 = 1,5 g).
    case milli(Int64)
    case missing

    /// As shown on the page.
    public var display: String {
        switch self {
        case .text(let text): text
        case .count(let value): ReportFormat.integer(value)
        case .cents(let value): ReportFormat.euros(value)
        case .percentTenths(let value): ReportFormat.percent(tenths: value)
        case .milli(let value): ReportFormat.grouped(value, decimals: 3)
        case .missing: "–"
        }
    }

    /// As written in the CSV file.
    public var csv: String {
        switch self {
        case .text(let text): text
        case .count(let value): String(value)
        case .cents(let value): ReportFormat.csvEuros(value)
        case .percentTenths(let value): value.map { ReportFormat.plain($0, decimals: 1) } ?? ""
        case .milli(let value): ReportFormat.plain(value, decimals: 3)
        case .missing: ""
        }
    }

    public var isNumeric: Bool {
        switch self {
        case .text, .missing: false
        default: true
        }
    }
}

/// A table of a report: its file name (`sales-by-product` → `sales-by-product.csv`), its title,
/// its columns and rows, in the order the query gave them (every query orders totally).
public struct ReportTable: Sendable, Equatable {
    public var name: String
    public var title: String
    public var columns: [String]
    public var rows: [[ReportValue]]
    /// Shown under the title when the table is empty.
    public var emptyNote: String

    public init(name: String, title: String, columns: [String], rows: [[ReportValue]], emptyNote: String = "Nothing.") {
        self.name = name
        self.title = title
        self.columns = columns
        self.rows = rows
        self.emptyNote = emptyNote
    }

    public var csv: CSVTable {
        CSVTable(name: name, header: columns, rows: rows.map { $0.map(\.csv) })
    }

    /// What the templates read.
    public var context: [String: Any] {
        [
            "name": name, "title": title, "columns": columns, "empty": rows.isEmpty, "emptyNote": emptyNote,
            "rows": rows.map { row in
                ["cells": row.map { ["text": $0.display, "numeric": $0.isNumeric] as [String: Any] }] as [String: Any]
            },
        ]
    }
}
