import Foundation

/// Tells a settlement file's format from its content, never its name (design note §1).
public enum SettlementFormatDetector {
    /// How much of the file is looked at: enough for PayPal's RH/FH/SH rows before the CH header.
    static let prefixLength = 64 * 1024

    /// Reads at most the first 64 KiB (a UTF-8 BOM skipped): `<` first → XML, camt.053 when the
    /// root `Document` is in a `urn:iso:std:iso:20022:tech:xsd:camt.053.001.` namespace; otherwise
    /// CSV, by its first record(s): Stripe (`balance_transaction_id`, `currency`, `gross`, `fee`,
    /// `net`, `reporting_category`, and `automatic_payout_id` for a payout reconciliation),
    /// PayPal STL/TRR (RH/FH/SH/CH records), PayPal activity download (localised header), or a
    /// remittance (`shop`, `employee`, `shift_start`, `shift_end`, `cash_counted`,
    /// `card_terminal_total`, separated by `,` or `;`).
    ///
    /// - Throws: ``SettlementFileError`` `unknown_format` quoting the first 80 bytes, or `unreadable`.
    public static func detect(path: String, name: String) throws(SettlementFileError) -> SettlementFormat {
        let (prefix, isWholeFile) = try readPrefix(path: path, name: name)
        var bytes = prefix[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        let firstVisible = bytes.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        guard let firstVisible else {
            throw SettlementFileError("unknown_format", file: name, message: "the file is empty")
        }
        if firstVisible == UInt8(ascii: "<") {
            if XMLRootScan.isCamt053(String(decoding: bytes, as: UTF8.self)) { return .camt053 }
            throw unknown(bytes, name: name, record: nil, what: "XML whose root is not a camt.053 Document")
        }
        if let format = csvFormat(Array(bytes), isWholeFile: isWholeFile, name: name) { return format }
        throw unknown(bytes, name: name, record: 1, what: "a CSV header of no settlement format")
    }

    private static func csvFormat(_ bytes: [UInt8], isWholeFile: Bool, name: String) -> SettlementFormat? {
        func records(delimiter: Unicode.Scalar) -> CSVRecordReader {
            CSVRecordReader(bytes: bytes, isWholeFile: isWholeFile, name: name, delimiter: UInt8(ascii: delimiter))
        }
        var header: [String] = []
        var commaRecords = records(delimiter: ",")
        guard (try? commaRecords.next(into: &header)) == true else { return nil }
        let first = ColumnIndex.folded(header.first?.replacingOccurrences(of: "\u{FEFF}", with: "") ?? "")
        if ["rh", "fh", "sh", "ch"].contains(first) { return payPalReport(records(delimiter: ",")) }
        let columns = Set(header.map(ColumnIndex.folded))
        if columns.isSuperset(of: ["balance_transaction_id", "currency", "gross", "fee", "net", "reporting_category"]) {
            return columns.contains("automatic_payout_id") ? .stripePayoutReconciliation : .stripeActivity
        }
        if PayPalActivityLanguage.of(header: header) != nil { return .paypalActivity }
        let remittance: Set = ["shop", "employee", "shift_start", "shift_end", "cash_counted", "card_terminal_total"]
        if columns.isSuperset(of: remittance) { return .remittance }
        var semicolonHeader: [String] = []
        var semicolonRecords = records(delimiter: ";")
        if (try? semicolonRecords.next(into: &semicolonHeader)) == true,
            Set(semicolonHeader.map(ColumnIndex.folded)).isSuperset(of: remittance)
        {
            return .remittance
        }
        return nil
    }

    /// RH version 008 is a TRR, 009 an STL; without RH (or another version) the CH row decides:
    /// only the TRR has `Transactional Status`.
    private static func payPalReport(_ records: CSVRecordReader) -> SettlementFormat? {
        var records = records
        var fields: [String] = []
        var version: String?
        while (try? records.next(into: &fields)) == true {
            let type = ColumnIndex.folded(fields.first?.replacingOccurrences(of: "\u{FEFF}", with: "") ?? "")
            if type == "rh" { version = RecordCheck.value(fields, 4) }
            guard type == "ch" else { continue }
            let columns = Set(fields.map(ColumnIndex.folded))
            guard columns.contains("transaction event code") else { return nil }
            switch version {
            case "008": return .paypalTRR
            case "009": return .paypalSTL
            default: return columns.contains("transactional status") ? .paypalTRR : .paypalSTL
            }
        }
        return nil
    }

    private static func readPrefix(path: String, name: String) throws(SettlementFileError) -> ([UInt8], Bool) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw SettlementFileError("unreadable", file: name, message: "cannot open \(path)")
        }
        defer { try? handle.close() }
        do {
            let prefix = try handle.read(upToCount: prefixLength) ?? Data()
            let more = prefix.count == prefixLength ? try handle.read(upToCount: 1) ?? Data() : Data()
            return ([UInt8](prefix), more.isEmpty)
        } catch {
            throw SettlementFileError("unreadable", file: name, message: "read error: \(error.localizedDescription)")
        }
    }

    private static func unknown(
        _ bytes: ArraySlice<UInt8>, name: String, record: Int?, what: String
    ) -> SettlementFileError {
        let quoted = String(decoding: bytes.prefix(80), as: UTF8.self).debugDescription
        return SettlementFileError("unknown_format", file: name, record: record, message: "\(what): \(quoted)")
    }
}

/// A cheap look at an XML prefix: the root element's name and namespace, without an XML parser
/// (the prolog, comments and a DOCTYPE are skipped; the schema check comes later, in the reader).
enum XMLRootScan {
    static let camt053Namespace = "urn:iso:std:iso:20022:tech:xsd:camt.053.001."

    static func isCamt053(_ text: String) -> Bool {
        guard let (name, attributes) = rootElement(text) else { return false }
        let parts = name.split(separator: ":", maxSplits: 1)
        let (prefix, local) = parts.count == 2 ? (String(parts[0]), String(parts[1])) : ("", name)
        let namespace = attributes[prefix.isEmpty ? "xmlns" : "xmlns:" + prefix]
        return local == "Document" && namespace?.hasPrefix(camt053Namespace) == true
    }

    /// The first element's tag name and attributes.
    static func rootElement(_ text: String) -> (String, [String: String])? {
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "<") {
            rest = rest[rest.index(after: open)...]
            if rest.hasPrefix("?") {
                guard let end = rest.range(of: "?>") else { return nil }
                rest = rest[end.upperBound...]
            } else if rest.hasPrefix("!--") {
                guard let end = rest.range(of: "-->") else { return nil }
                rest = rest[end.upperBound...]
            } else if rest.hasPrefix("!") {
                // <!DOCTYPE …> with an optional [internal subset].
                var depth = 0
                guard
                    let end = rest.firstIndex(where: { character in
                        if character == "[" { depth += 1 } else if character == "]" { depth -= 1 }
                        return character == ">" && depth == 0
                    })
                else { return nil }
                rest = rest[rest.index(after: end)...]
            } else {
                guard let close = rest.firstIndex(of: ">") else { return nil }
                return tag(rest[..<close])
            }
        }
        return nil
    }

    private static func tag(_ text: Substring) -> (String, [String: String]) {
        let name = String(text.prefix { !$0.isWhitespace && $0 != "/" })
        var attributes: [String: String] = [:]
        var rest = text.dropFirst(name.count)
        while let equals = rest.firstIndex(of: "=") {
            let key = rest[..<equals].trimmingCharacters(in: .whitespacesAndNewlines)
            var value = rest[rest.index(after: equals)...].drop { $0.isWhitespace }
            guard let quote = value.first, quote == "\"" || quote == "'" else { break }
            value = value.dropFirst()
            guard let end = value.firstIndex(of: quote) else { break }
            attributes[key] = String(value[..<end])
            rest = value[value.index(after: end)...]
        }
        return (name, attributes)
    }
}
