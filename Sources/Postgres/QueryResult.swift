import CLibPQ

/// The rows of one query, owning libpq's `PGresult` (freed in `deinit`).
///
/// Not Sendable: decode what you need inside the session closure and return plain values.
public final class QueryResult: Sequence {
    let handle: OpaquePointer
    let query: String
    /// Number of rows returned.
    public let count: Int
    /// The columns, in order.
    public let columns: [Column]
    private let indexByName: [String: Int]

    public struct Column: Sendable, Equatable {
        public var name: String
        public var type: PostgresType
    }

    init(handle: OpaquePointer, query: String) {
        self.handle = handle
        self.query = query
        self.count = Int(PQntuples(handle))
        let columnCount = Int(PQnfields(handle))
        var columns: [Column] = []
        var indexByName: [String: Int] = [:]
        for index in 0..<columnCount {
            let name = String(cString: PQfname(handle, Int32(index)))
            columns.append(Column(name: name, type: PostgresType(rawValue: PQftype(handle, Int32(index)))))
            if indexByName[name] == nil { indexByName[name] = index }
        }
        self.columns = columns
        self.indexByName = indexByName
    }

    deinit { PQclear(handle) }

    /// Rows affected by an INSERT, UPDATE, DELETE, MERGE, COPY or SELECT, as the server reported.
    public var affectedRows: Int { Int(String(cString: PQcmdTuples(handle))) ?? 0 }

    /// The command tag the server answered, e.g. `INSERT 0 1`, `COMMIT` or `ROLLBACK`.
    public var commandTag: String { String(cString: PQcmdStatus(handle)) }

    public subscript(row: Int) -> Row { Row(result: self, index: row) }

    public var first: Row? { count > 0 ? self[0] : nil }

    public func makeIterator() -> AnyIterator<Row> {
        var next = 0
        return AnyIterator {
            guard next < self.count else { return nil }
            defer { next += 1 }
            return self[next]
        }
    }

    func columnIndex(_ name: String) -> Int? { indexByName[name] }
}

/// One row of a ``QueryResult``. Decode columns by name or position:
///
///     let id = try row.decode("id", as: Int.self)
///     let note = try row.decode("note", as: String?.self)   // NULL → nil
public struct Row {
    let result: QueryResult
    public let index: Int

    public func decode<T: PostgresDecodable>(
        _ column: String, as type: T.Type = T.self, file: String = #fileID, line: Int = #line
    ) throws -> T {
        guard let columnIndex = result.columnIndex(column) else {
            var error = PostgresError(
                code: .decoding, message: "the result has no column \"\(column)\"", query: result.query,
                file: file, line: line)
            error.column = column
            throw error
        }
        return try decode(columnIndex, as: type, file: file, line: line)
    }

    public func decode<T: PostgresDecodable>(
        _ column: Int, as type: T.Type = T.self, file: String = #fileID, line: Int = #line
    ) throws -> T {
        guard column >= 0, column < result.columns.count else {
            throw PostgresError(
                code: .decoding, message: "the result has \(result.columns.count) columns, not \(column + 1)",
                query: result.query, file: file, line: line)
        }
        let info = result.columns[column]
        let handle = result.handle
        let rowIndex = Int32(index), columnIndex = Int32(column)
        if PQgetisnull(handle, rowIndex, columnIndex) == 1 {
            guard let null = T.decodedNull else {
                throw decodingError(
                    info, "is NULL; decode it as \(T.self)? to accept NULL", file: file, line: line)
            }
            return null
        }
        let length = Int(PQgetlength(handle, rowIndex, columnIndex))
        let pointer = UnsafeRawPointer(PQgetvalue(handle, rowIndex, columnIndex)!)
        let bytes = UnsafeBufferPointer(start: pointer.assumingMemoryBound(to: UInt8.self), count: length)
        do {
            return try T(postgresText: PostgresText(bytes: bytes), type: info.type)
        } catch {
            throw decodingError(info, "cannot be decoded as \(T.self): \(error.reason)", file: file, line: line)
        }
    }

    /// True when the column is SQL NULL. A column the result does not have is an error (a typo
    /// must not read as NULL).
    public func isNull(_ column: String, file: String = #fileID, line: Int = #line) throws -> Bool {
        guard let columnIndex = result.columnIndex(column) else {
            var error = PostgresError(
                code: .decoding, message: "the result has no column \"\(column)\"", query: result.query, file: file,
                line: line)
            error.column = column
            throw error
        }
        return PQgetisnull(result.handle, Int32(index), Int32(columnIndex)) == 1
    }

    private func decodingError(
        _ column: QueryResult.Column, _ problem: String, file: String, line: Int
    ) -> PostgresError {
        var error = PostgresError(
            code: .decoding, message: "column \"\(column.name)\" \(problem)", query: result.query, file: file,
            line: line)
        error.column = column.name
        return error
    }
}
