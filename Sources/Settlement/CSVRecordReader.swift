import CSV
import Foundation

/// Reads a CSV file record by record for the settlement readers, in bounded memory, with
/// CSV.swift (`yaslab/CSV.swift`) doing the parsing: quoted fields, doubled quotes, delimiters and
/// line ends inside quotes, LF, CR and CRLF.
///
/// What this type adds around it, because CSV.swift does not do it (measured here):
/// - **Chunks.** The file is read 4 MiB at a time and each chunk is cut after its last line end
///   that is outside quotes (an even number of `"` since the chunk's start, which is a record
///   start), so a record never straddles two parsers. Each chunk goes to `CSVReader(string:)`:
///   CSV.swift's stream reader decodes through two layers of type-erased iterators and reports
///   the end of every file on Linux as `CSVError.cannotReadFile`; from a string it reads about
///   twice as fast and has nothing to misreport.
/// - **UTF-8 is checked** per chunk before parsing (`invalid_utf8`, with the record number):
///   CSV.swift's stream reader stops at a bad byte as if the file ended there.
/// - **Record numbers**: one per record, a quoted line end excepted, as a person counts them.
/// - A UTF-8 byte-order mark at the start of the file is skipped.
///
/// A blank line is a record with one empty field (callers skip it). CSV.swift never reports bad
/// quoting (`"ab"c`): the readers validate every field they use instead, and a quote left open
/// at the end of the file is refused here. Create and drain it inside one function: CSV.swift's
/// reader is a class that is not Sendable.
struct CSVRecordReader {
    /// The file name used in errors.
    let name: String
    /// The number of the record last returned (1 = the first record of the file).
    private(set) var recordNumber = 0

    private let delimiter: Unicode.Scalar
    private let handle: FileHandle?
    private let chunkSize: Int
    /// Bytes read from the file and not parsed yet (the tail after the last complete record).
    private var pending: [UInt8] = []
    private var reachedEnd = false
    private var atStartOfFile = true
    /// The parser of the current chunk.
    private var parser: CSVReader?

    static let comma = UInt8(ascii: ",")
    private static let quote = UInt8(ascii: "\"")
    private static let lineFeed = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")

    /// Opens `path` for reading.
    init(path: String, name: String, delimiter: UInt8 = comma, chunkSize: Int = 4 << 20) throws(SettlementFileError) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw SettlementFileError("unreadable", file: name, message: "cannot open \(path)")
        }
        self.name = name
        self.delimiter = Unicode.Scalar(delimiter)
        self.handle = handle
        self.chunkSize = chunkSize
    }

    /// Reads records from bytes already in memory (the detector's 64 KiB prefix). When the bytes
    /// are not the whole file, the record they end in the middle of is not returned.
    init(bytes: [UInt8], isWholeFile: Bool, name: String, delimiter: UInt8 = comma) {
        self.name = name
        self.delimiter = Unicode.Scalar(delimiter)
        self.handle = nil
        self.chunkSize = 0
        self.reachedEnd = true
        if isWholeFile {
            self.pending = bytes
        } else {
            // Keep the complete records only; a prefix cut inside a multi-byte character or a
            // quoted field must not look like a malformed file.
            let cut = Self.endOfLastCompleteRecord(in: bytes[...]) ?? 0
            self.pending = Array(bytes[..<cut])
        }
    }

    /// Replaces `fields` with the next record's fields; false at the end of the file.
    mutating func next(into fields: inout [String]) throws(SettlementFileError) -> Bool {
        while true {
            if let parser, let row = parser.next() {
                recordNumber += 1
                fields = row
                return true
            }
            parser = nil
            guard let text = try nextChunk() else { return false }
            do {
                parser = try CSVReader(string: text, hasHeaderRow: false, trimFields: false, delimiter: delimiter)
            } catch {
                throw SettlementFileError("unreadable", file: name, record: recordNumber + 1, message: "\(error)")
            }
        }
    }

    /// The next run of complete records as text, or nil at the end of the file.
    private mutating func nextChunk() throws(SettlementFileError) -> String? {
        while true {
            if atStartOfFile, pending.count >= 3 || reachedEnd {
                if pending.starts(with: [0xEF, 0xBB, 0xBF]) { pending.removeFirst(3) }
                atStartOfFile = false
            }
            if reachedEnd {
                guard !pending.isEmpty else { return nil }
                if Self.quoteCountIsOdd(pending[...]) {
                    throw SettlementFileError(
                        "malformed_row", file: name, record: recordNumber + 1,
                        message: "a quoted field is not closed before the end of the file")
                }
                let bytes = pending
                pending = []
                return try decoded(bytes[...])
            }
            if !atStartOfFile, let cut = Self.endOfLastCompleteRecord(in: pending[...]), cut > 0 {
                let text = try decoded(pending[..<cut])
                pending.removeFirst(cut)
                return text
            }
            try readMore()
        }
    }

    private mutating func readMore() throws(SettlementFileError) {
        guard let handle else {
            reachedEnd = true
            return
        }
        let data: Data?
        do { data = try handle.read(upToCount: chunkSize) } catch {
            throw SettlementFileError("unreadable", file: name, message: "cannot read: \(error.localizedDescription)")
        }
        guard let data, !data.isEmpty else {
            reachedEnd = true
            return
        }
        pending.append(contentsOf: data)
    }

    private func decoded(_ bytes: ArraySlice<UInt8>) throws(SettlementFileError) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        // Name the record: count the line ends before the first byte that is not UTF-8.
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        var lineEnds = 0
        while case .scalarValue(let scalar) = decoder.decode(&iterator) {
            if scalar == "\n" { lineEnds += 1 }
        }
        throw SettlementFileError(
            "invalid_utf8", file: name, record: recordNumber + lineEnds + 1, message: "the text is not valid UTF-8")
    }

    /// The index just after the last line end outside quotes, scanning from a record start.
    static func endOfLastCompleteRecord(in bytes: ArraySlice<UInt8>) -> Int? {
        var insideQuotes = false
        var last: Int?
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == quote {
                insideQuotes.toggle()
            } else if !insideQuotes, byte == lineFeed {
                last = index + 1
            } else if !insideQuotes, byte == carriageReturn, index + 1 < bytes.endIndex, bytes[index + 1] != lineFeed {
                last = index + 1
            }
            index += 1
        }
        return last.map { $0 - bytes.startIndex }
    }

    static func quoteCountIsOdd(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.reduce(false) { $1 == quote ? !$0 : $0 }
    }
}
