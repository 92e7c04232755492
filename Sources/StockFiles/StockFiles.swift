import CSV
import Domain
import Foundation

/// A stock count sheet or waste log refused, with the file and the line (1 = the header).
public struct StockFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Machine code: `not_utf8`, `missing_column`, `malformed_row`, `bad_quantity`, `bad_unit`, ...
    public var code: String
    public var file: String
    public var line: Int?
    public var message: String

    public init(_ code: String, file: String, line: Int? = nil, message: String) {
        self.code = code
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        "\(file)\(line.map { " line \($0)" } ?? ""): \(code): \(message)"
    }
}

/// One row of a count sheet or a waste log, checked for shape (the database checks the rest:
/// that the shop, the ingredient or product exist, and that the unit fits the ingredient).
public struct StockFileRow: Sendable, Equatable {
    /// The line in the file (1 = the header).
    public var line: Int
    public var shop: String
    /// ISO 8601 local time with or without an offset, `2026-03-14T23:40:00+01:00` or
    /// `2026-03-14 23:40`; without one it is the shop's own wall-clock time.
    public var at: String
    /// Ingredient SKU (count, waste) or product SKU (waste of made pizzas).
    public var item: String
    /// As written, exact.
    public var quantity: Decimal
    /// A UN/ECE Rec 20 code (KGM, GRM, LTR, MLT, CLT, H87, C62) or a plain unit (kg, g, l, ml, cl, piece).
    public var unit: UnitCode
    /// Waste only: expired, dropped, burnt, remake, staff_meal, other.
    public var reason: String?
    public var note: String?
}

/// Reads the two stock files of the inbox (formats in the README, "Stock counts and waste"):
///
///     shop,counted_at,ingredient,quantity,unit                (var/inbox/counts/, one count per file)
///     shop,at,item,quantity,unit,reason[,note]                (var/inbox/waste/)
///
/// The header names the columns (any order, letter case ignored; `sku` for `ingredient`, `item`
/// for either). `,` or `;` separates fields (the header tells which); with `;` a decimal comma
/// is accepted. UTF-8 with or without a byte-order mark, LF or CRLF. Parsing goes through
/// CSV.swift; these files are a few hundred lines, so they are read whole.
public enum StockFileReader {
    public enum Kind: String, Sendable { case count, waste }

    public static let wasteReasons: Set<String> = ["expired", "dropped", "burnt", "remake", "staff_meal", "other"]

    public static func read(path: String, name: String, kind: Kind) throws(StockFileError) -> [StockFileRow] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StockFileError("unreadable", file: name, message: "cannot read \(path)")
        }
        return try read(bytes: [UInt8](data), name: name, kind: kind)
    }

    public static func read(bytes: [UInt8], name: String, kind: Kind) throws(StockFileError) -> [StockFileRow] {
        var content = bytes[...]
        if content.starts(with: [0xEF, 0xBB, 0xBF]) { content = content.dropFirst(3) }
        guard let text = String(validating: content, as: UTF8.self) else {
            throw StockFileError("not_utf8", file: name, message: "the file is not UTF-8 text")
        }
        let headerLine = text.prefix { $0 != "\n" && $0 != "\r" }
        let semicolon = headerLine.contains(";")
        let records: [[String]]
        do {
            let reader = try CSVReader(string: text, hasHeaderRow: false, delimiter: semicolon ? ";" : ",")
            records = Array(reader)
        } catch {
            throw StockFileError("malformed_csv", file: name, message: "\(error)")
        }
        guard let header = records.first, header.contains(where: { !$0.isEmpty }) else {
            throw StockFileError("empty", file: name, message: "no header line")
        }
        let columns = try Columns(header: header, kind: kind, file: name)
        var rows: [StockFileRow] = []
        for (index, record) in records.enumerated().dropFirst() {
            let line = index + 1
            if record.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            rows.append(try columns.row(record, line: line, kind: kind, decimalComma: semicolon, file: name))
        }
        guard !rows.isEmpty else { throw StockFileError("empty", file: name, message: "no data line") }
        if kind == .count {
            let first = rows[0]
            if let other = rows.first(where: { $0.shop != first.shop || $0.at != first.at }) {
                throw StockFileError(
                    "mixed_counts", file: name, line: other.line,
                    message: "a count file holds one count: \(other.shop) at \(other.at) differs from line "
                        + "\(first.line) (\(first.shop) at \(first.at))")
            }
            var seen: [String: Int] = [:]
            for row in rows {
                if let earlier = seen.updateValue(row.line, forKey: row.item) {
                    throw StockFileError(
                        "duplicate_item", file: name, line: row.line,
                        message: "\(row.item) is already counted on line \(earlier)")
                }
            }
        }
        return rows
    }

    /// Where each field is, from the header.
    private struct Columns {
        var shop: Int
        var at: Int
        var item: Int
        var quantity: Int
        var unit: Int
        var reason: Int?
        var note: Int?

        init(header: [String], kind: Kind, file: String) throws(StockFileError) {
            let names = header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            func find(_ candidates: [String]) throws(StockFileError) -> Int {
                guard let index = names.firstIndex(where: candidates.contains) else {
                    throw StockFileError(
                        "missing_column", file: file, line: 1,
                        message: "no \(candidates[0]) column (header: \(header.joined(separator: ",")))")
                }
                return index
            }
            shop = try find(["shop"])
            at = try find(kind == .count ? ["counted_at", "at"] : ["at", "occurred_at"])
            item = try find(kind == .count ? ["ingredient", "sku", "item"] : ["item", "ingredient", "product", "sku"])
            quantity = try find(["quantity"])
            unit = try find(["unit"])
            if kind == .waste {
                reason = try find(["reason"])
                note = names.firstIndex(of: "note")
            }
        }

        func row(
            _ record: [String], line: Int, kind: Kind, decimalComma: Bool, file: String
        ) throws(StockFileError) -> StockFileRow {
            func field(_ index: Int, _ name: String) throws(StockFileError) -> String {
                let value = index < record.count ? record[index].trimmingCharacters(in: .whitespaces) : ""
                guard !value.isEmpty else {
                    throw StockFileError("malformed_row", file: file, line: line, message: "\(name) is empty")
                }
                return value
            }
            let shop = try field(self.shop, "shop").uppercased()
            let at = try field(self.at, "the time")
            guard StockFileReader.isTimestamp(at) else {
                throw StockFileError(
                    "bad_time", file: file, line: line,
                    message: "\(at) is not a time like 2026-03-14T23:40:00+01:00 or 2026-03-14 23:40")
            }
            let item = try field(self.item, "the item").uppercased()
            let quantityText = try field(self.quantity, "quantity")
            guard
                let quantity = Decimal(
                    exactly: decimalComma ? quantityText.replacingOccurrences(of: ",", with: ".") : quantityText),
                kind == .count ? quantity >= 0 : quantity > 0
            else {
                throw StockFileError(
                    "bad_quantity", file: file, line: line,
                    message: "\(quantityText) is not a \(kind == .count ? "quantity ≥ 0" : "positive quantity")")
            }
            let unitText = try field(self.unit, "unit")
            guard let unit = StockFileReader.unit(unitText), !unit.isPackaging else {
                throw StockFileError(
                    "bad_unit", file: file, line: line,
                    message:
                        "\(unitText) is not a unit of mass, volume or count (KGM, GRM, LTR, MLT, H87, kg, g, l, ml, piece)"
                )
            }
            var row = StockFileRow(line: line, shop: shop, at: at, item: item, quantity: quantity, unit: unit)
            if let reasonIndex = reason {
                let reason = try field(reasonIndex, "reason").lowercased()
                guard StockFileReader.wasteReasons.contains(reason) else {
                    throw StockFileError(
                        "bad_reason", file: file, line: line,
                        message:
                            "\(reason) is not one of \(StockFileReader.wasteReasons.sorted().joined(separator: ", "))")
                }
                row.reason = reason
                if let note, note < record.count, !record[note].isEmpty { row.note = record[note] }
            }
            return row
        }
    }

    /// A UN/ECE code, or the plain units people type.
    static func unit(_ text: String) -> UnitCode? {
        let aliases: [String: UnitCode] = [
            "g": .gram, "kg": .kilogram, "ml": .millilitre, "l": .litre, "cl": .centilitre, "piece": .piece,
            "pieces": .piece, "pc": .piece, "pcs": .piece, "portion": .piece, "portions": .piece,
        ]
        if let alias = aliases[text.lowercased()] { return alias }
        return try? UnitCode(text)
    }

    /// `YYYY-MM-DD[T ]HH:MM[:SS[.fff]]` with an optional `Z` or `±HH:MM` (PostgreSQL reads it;
    /// this only keeps anything else out).
    static func isTimestamp(_ text: String) -> Bool {
        text.wholeMatch(of: /\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)?/) != nil
    }
}
