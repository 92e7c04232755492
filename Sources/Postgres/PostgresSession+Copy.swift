import CLibPQ
import Glibc

/// Buffers rows for `COPY ... FROM STDIN` and sends them in 64 KiB chunks.
///
/// Write raw bytes in the COPY's format (``write(_:)-(String)``), or rows in the text format with
/// ``writeRow(_:)``, which escapes each field and writes `\N` for NULL.
public struct CopyInWriter: ~Copyable {
    /// 64 KiB per `PQputCopyData` was measured fastest here (256 KiB was ~8 % slower).
    static let chunkSize = 64 * 1024
    private let session: PostgresSession
    private var buffer: [UInt8]
    private let query: String
    private let file: String
    private let line: Int

    init(session: PostgresSession, query: String, file: String, line: Int) {
        self.session = session
        self.query = query
        self.file = file
        self.line = line
        self.buffer = []
        buffer.reserveCapacity(Self.chunkSize + 4096)
    }

    public mutating func write(_ string: String) throws {
        buffer.append(contentsOf: string.utf8)
        if buffer.count >= Self.chunkSize { try flush() }
    }

    public mutating func write(bytes: some Sequence<UInt8>) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.chunkSize { try flush() }
    }

    /// One row in COPY's text format (tab-separated, `\N` for NULL, backslash escapes).
    public mutating func writeRow(_ fields: [String?]) throws {
        for (index, field) in fields.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: "\t")) }
            guard let field else {
                buffer.append(UInt8(ascii: "\\"))
                buffer.append(UInt8(ascii: "N"))
                continue
            }
            for byte in field.utf8 {
                switch byte {
                case UInt8(ascii: "\\"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case UInt8(ascii: "\t"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                case UInt8(ascii: "\n"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case UInt8(ascii: "\r"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                default: buffer.append(byte)
                }
            }
        }
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= Self.chunkSize { try flush() }
    }

    mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        let status = buffer.withUnsafeBufferPointer { pointer in
            pointer.withMemoryRebound(to: CChar.self) { chars in
                PQputCopyData(session.handle, chars.baseAddress, Int32(chars.count))
            }
        }
        buffer.removeAll(keepingCapacity: true)
        guard status == 1 else {
            throw PostgresError(
                code: session.isBroken ? .connectionLost : .copyFailed,
                message: PostgresSession.lastErrorMessage(session.handle), query: query, file: file, line: line)
        }
    }
}

extension PostgresSession {
    /// Runs `COPY ... FROM STDIN` and feeds it what `produce` writes. Returns the rows copied.
    ///
    /// If `produce` throws, the COPY is aborted (nothing is loaded) and its error rethrown. A row
    /// the server refuses fails the whole COPY with the server's SQLSTATE (e.g. `22P02`), and the
    /// session stays usable.
    @discardableResult
    public func copyIn(
        _ sql: SQL, file: String = #fileID, line: Int = #line, _ produce: (inout CopyInWriter) throws -> Void
    ) throws -> Int {
        try startCopy(sql, expecting: PGRES_COPY_IN, file: file, line: line)
        var writer = CopyInWriter(session: self, query: sql.text, file: file, line: line)
        do {
            try produce(&writer)
            try writer.flush()
        } catch {
            PQputCopyEnd(handle, "aborted by the client")
            _ = try? finishCopy(query: sql.text, file: file, line: line)
            // A broken connection outranks whatever the producer reported: it means exit 69.
            if isBroken { throw connectionError(query: sql.text, file: file, line: line) }
            throw error
        }
        guard PQputCopyEnd(handle, nil) == 1 else {
            throw PostgresError(
                code: isBroken ? .connectionLost : .copyFailed, message: Self.lastErrorMessage(handle), query: sql.text,
                file: file, line: line)
        }
        return try finishCopy(query: sql.text, file: file, line: line)
    }

    /// Runs `COPY ... FROM STDIN` with the content of a file, read in 64 KiB chunks.
    @discardableResult
    public func copyIn(_ sql: SQL, fromFile path: String, file: String = #fileID, line: Int = #line) throws -> Int {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw PostgresError(
                code: .copyFailed, message: "cannot open \(path): \(String(cString: strerror(errno)))",
                query: sql.text, file: file, line: line)
        }
        defer { close(descriptor) }
        return try copyIn(sql, file: file, line: line) { writer in
            var chunk = [UInt8](repeating: 0, count: CopyInWriter.chunkSize)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count == 0 { break }
                guard count > 0 else {
                    if errno == EINTR { continue }
                    throw PostgresError(
                        code: .copyFailed, message: "cannot read \(path): \(String(cString: strerror(errno)))",
                        query: sql.text, file: file, line: line)
                }
                try writer.write(bytes: chunk[0..<count])
            }
        }
    }

    /// Runs `COPY ... TO STDOUT`, handing each chunk (one row in text and CSV formats) to
    /// `consume`. Returns the rows copied. If `consume` throws, the COPY is cancelled on the
    /// server and the error rethrown.
    @discardableResult
    public func copyOut(
        _ sql: SQL, file: String = #fileID, line: Int = #line, _ consume: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> Int {
        try startCopy(sql, expecting: PGRES_COPY_OUT, file: file, line: line)
        var consumerError: (any Error)?
        while true {
            var pointer: UnsafeMutablePointer<CChar>?
            let length = PQgetCopyData(handle, &pointer, 0)
            if length == -1 { break }
            guard length >= 0, let pointer else {
                // -2: the connection failed mid-COPY; the result below carries the reason.
                break
            }
            defer { PQfreemem(pointer) }
            guard consumerError == nil else { continue }  // draining after a cancel
            do {
                try consume(UnsafeRawBufferPointer(start: pointer, count: Int(length)))
            } catch {
                consumerError = error
                sendCancelRequest()
            }
        }
        if let consumerError {
            _ = try? finishCopy(query: sql.text, file: file, line: line)
            throw consumerError
        }
        return try finishCopy(query: sql.text, file: file, line: line)
    }

    private func startCopy(_ sql: SQL, expecting status: ExecStatusType, file: String, line: Int) throws {
        try checkInterrupted(query: sql.text, file: file, line: line)
        let result = withOptionalCStringArray(sql.binds.map(\.text)) { values in
            PQexecParams(
                handle, sql.text, Int32(sql.binds.count), sql.binds.map { Oid($0.type.rawValue) }, values, nil, nil, 0)
        }
        guard let result else { throw connectionError(query: sql.text, file: file, line: line) }
        defer { PQclear(result) }
        guard PQresultStatus(result) == status else {
            if PQresultStatus(result) == PGRES_FATAL_ERROR {
                throw serverError(result, query: sql.text, file: file, line: line)
            }
            throw PostgresError(
                code: .invalidUsage, message: "the statement is not a COPY in the expected direction",
                query: sql.text, file: file, line: line)
        }
    }

    /// Reads results until libpq has none left; returns the row count or throws the COPY's error.
    private func finishCopy(query: String, file: String, line: Int) throws -> Int {
        var rows = 0
        var failure: PostgresError?
        while let result = PQgetResult(handle) {
            defer { PQclear(result) }
            switch PQresultStatus(result) {
            case PGRES_COMMAND_OK:
                rows = Int(String(cString: PQcmdTuples(result))) ?? 0
            case PGRES_COPY_IN:
                // Still in COPY IN state after an end request: should not happen; stop feeding.
                PQputCopyEnd(handle, "aborted by the client")
            case PGRES_COPY_OUT:
                continue
            default:
                if failure == nil { failure = serverError(result, query: query, file: file, line: line) }
            }
        }
        if var failure {
            if failure.code == .server || failure.code == .cancelled, isBroken { failure.code = .connectionLost }
            if failure.code == .server { failure.code = .copyFailed }
            throw failure
        }
        if isBroken { throw connectionError(query: query, file: file, line: line) }
        return rows
    }

    /// Asks the server to cancel what this session is running (used to stop a COPY TO early).
    func sendCancelRequest() {
        guard let cancel = PQgetCancel(handle) else { return }
        defer { PQfreeCancel(cancel) }
        var errorBuffer = [CChar](repeating: 0, count: 256)
        _ = PQcancel(cancel, &errorBuffer, Int32(errorBuffer.count))
    }
}
