import Foundation
import XML

/// Why one pass over a camt.053 file stopped: the XML layer's error (its kind decides between the
/// tolerant second pass and a refusal) or a refusal of the content itself.
enum Camt053PassFailure: Error {
    case xml(XMLError)
    case content(SettlementFileError)
}

/// Streams the statements out of one camt.053 document.
///
/// Elements are matched by local name and by their path inside the innermost open `Stmt`, `Bal`,
/// `Ntry` or `TxDtls`, never by prefix or namespace: versions 02, 04, 08 and 10 differ in where a
/// few elements sit (`Sts` text vs `Sts/Cd`, `Dbtr/Nm` vs `Dbtr/Pty/Nm`, `TxDtls/Amt`) and the
/// paths below list both forms. Unknown elements are skipped, so a newer version still reads.
/// Memory holds the records being built, never the document tree.
struct Camt053Parser {
    let file: String
    private(set) var statements: [BankStatement] = []
    private(set) var warnings: [FileWarning] = []

    /// One open element: its local name, line, `Ccy` attribute (on amounts) and text so far.
    private struct Frame {
        let name: String
        let line: Int
        let currency: String?
        var text = ""
    }

    private var stack: [Frame] = []
    // The open drafts, each with the stack index of its element.
    private var statement: (draft: Camt053StatementDraft, index: Int)?
    private var balance: (draft: Camt053BalanceDraft, index: Int)?
    private var entry: (draft: Camt053EntryDraft, index: Int)?
    private var transaction: (draft: Camt053TransactionDraft, index: Int)?

    init(file: String) { self.file = file }

    /// Reads the whole document; on failure the statements read so far are not to be used.
    mutating func read(_ reader: XMLStreamReader) throws(Camt053PassFailure) {
        do {
            while let node = try reader.next() {
                switch node {
                case .startElement:
                    let name = reader.localName
                    open(
                        Frame(
                            name: name, line: reader.line,
                            currency: name.hasSuffix("Amt") ? reader.attribute("Ccy") : nil))
                    // `<BkTxCd/>` has no end element: close it at once.
                    if reader.isEmptyElement { try close() }
                case .text:
                    if !stack.isEmpty { stack[stack.count - 1].text += reader.text }
                case .endElement:
                    try close()
                }
            }
        } catch let error as XMLError {
            throw .xml(error)
        } catch let error as SettlementFileError {
            throw .content(error)
        } catch {
            throw .content(SettlementFileError("unreadable_file", file: file, message: "\(error)"))
        }
    }

    private mutating func open(_ frame: Frame) {
        let parent = stack.last?.name
        stack.append(frame)
        let index = stack.count - 1
        switch (frame.name, parent) {
        case ("Stmt", "BkToCstmrStmt"):
            statement = (Camt053StatementDraft(line: frame.line), index)
        case ("Bal", "Stmt") where statement?.index == index - 1:
            balance = (Camt053BalanceDraft(line: frame.line), index)
        case ("Ntry", "Stmt") where statement?.index == index - 1:
            entry = (Camt053EntryDraft(line: frame.line), index)
        case ("TxDtls", "NtryDtls") where entry?.index == index - 2:
            transaction = (Camt053TransactionDraft(line: frame.line), index)
        default:
            break
        }
    }

    /// Handles the end of the innermost open element, then pops it.
    private mutating func close() throws(SettlementFileError) {
        defer { stack.removeLast() }
        let index = stack.count - 1
        // Containers carry no text (whitespace between elements is not reported) and an empty
        // leaf says nothing: only the draft elements themselves matter then.
        if stack[index].text.isEmpty, index != transaction?.index, index != balance?.index, index != entry?.index,
            index != statement?.index
        {
            return
        }
        // Only the indexes are bound here: binding a draft would copy its arrays on every leaf.
        if let open = transaction?.index, index >= open {
            if index == open, let finished = transaction?.draft {
                transaction = nil
                entry?.draft.transactions.append(finished)
            } else {
                let (path, value) = leaf(after: open)
                transaction?.draft.take(path, value)
            }
        } else if let open = balance?.index, index >= open {
            if index == open, let finished = balance?.draft {
                balance = nil
                try statement?.draft.add(finished, file: file)
            } else {
                let (path, value) = leaf(after: open)
                balance?.draft.take(path, value)
            }
        } else if let open = entry?.index, index >= open {
            if index == open, let finished = entry?.draft {
                entry = nil
                try statement?.draft.add(finished, file: file, warnings: &warnings)
            } else {
                let (path, value) = leaf(after: open)
                entry?.draft.take(path, value)
            }
        } else if let open = statement?.index, index >= open {
            if index == open, let finished = statement?.draft {
                statement = nil
                statements.append(try finished.finish(file: file, warnings: &warnings))
            } else {
                let (path, value) = leaf(after: open)
                statement?.draft.take(path, value)
            }
        }
    }

    /// The current element's path below the draft element at `index` (`Refs/EndToEndId`), and its
    /// trimmed text, `Ccy` and line.
    private func leaf(after index: Int) -> (String, Camt053Value) {
        let frame = stack[stack.count - 1]
        let path = stack[(index + 1)...].lazy.map(\.name).joined(separator: "/")
        let value = Camt053Value(text: Self.trimmed(frame.text), currency: frame.currency, line: frame.line)
        return (path, value)
    }

    /// `text` without surrounding ASCII whitespace (Foundation's trimming costs more than the
    /// rest of the parse on Linux; XML whitespace is ASCII).
    private static func trimmed(_ text: String) -> String {
        let bytes = text.utf8
        guard let first = bytes.firstIndex(where: { !isXMLSpace($0) }) else { return "" }
        guard let last = bytes.lastIndex(where: { !isXMLSpace($0) }) else { return "" }
        if first == bytes.startIndex && last == bytes.index(before: bytes.endIndex) { return text }
        return String(text[first...last])
    }

    private static func isXMLSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }
}

/// The trimmed text of a leaf element, with its `Ccy` attribute and line.
struct Camt053Value {
    var text: String
    var currency: String?
    var line: Int

    /// The text, nil when empty.
    var nonEmpty: String? { text.isEmpty ? nil : text }
}
