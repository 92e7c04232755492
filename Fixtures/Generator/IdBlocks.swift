import Postgres

/// Identity values reserved in blocks from a table's own sequence, so that rows can reference
/// each other (an order line its order, a capture its authorisation) before they are copied.
///
/// COPY writes the identity columns it is given (like `INSERT ... OVERRIDING SYSTEM VALUE`), and
/// the values come from the column's sequence (`nextval`), so they never collide with rows that
/// other sessions insert meanwhile. Unused values at the end are a gap, as after any rollback.
struct IdBlock {
    let sequence: String
    private var next: Int64 = 0
    private var end: Int64 = 0
    private var spare: [Int64] = []
    private var blockSize = 1024

    /// The identity sequence of `table`.`id`.
    init(table: String, session: PostgresSession) throws {
        guard
            let name = try session.queryValue(
                "SELECT pg_get_serial_sequence(\(table), 'id')", as: String?.self) ?? nil
        else { throw DemoChainError.notSeeded("no identity sequence for \(table)") }
        sequence = name
    }

    /// The next reserved id, reserving a new block when the current one is used up.
    mutating func take(_ session: PostgresSession) throws -> Int64 {
        if next < end {
            defer { next += 1 }
            return next
        }
        if let id = spare.popLast() { return id }
        try reserve(session)
        return try take(session)
    }

    /// Reserves `blockSize` values in one statement; contiguous unless another session drew from
    /// the sequence at the same moment, in which case the values are kept one by one.
    private mutating func reserve(_ session: PostgresSession) throws {
        let count = blockSize
        blockSize = min(blockSize * 2, 65_536)
        let row = try session.query(
            """
            SELECT min(v) AS low, max(v) AS high FROM (
                SELECT nextval(\(sequence)::regclass) AS v FROM generate_series(1, \(count))) s
            """
        ).first
        guard let row else { return }
        let low = try row.decode("low", as: Int64.self)
        let high = try row.decode("high", as: Int64.self)
        if high - low + 1 == Int64(count) {
            next = low
            end = high + 1
        } else {
            // Interleaved with another session: re-draw the values individually.
            spare = try session.query(
                "SELECT nextval(\(sequence)::regclass) AS v FROM generate_series(1, \(count)) ORDER BY v DESC"
            ).map { try $0.decode("v", as: Int64.self) }
        }
    }
}

/// The id blocks of every table the generator writes with explicit ids.
struct IdBlocks {
    var order: IdBlock
    var line: IdBlock
    var payment: IdBlock
    var document: IdBlock
    var documentLine: IdBlock
    var count: IdBlock
    var countLine: IdBlock
    var waste: IdBlock
    var event: IdBlock
    var movement: IdBlock
    var customer: IdBlock
    var address: IdBlock

    init(session: PostgresSession) throws {
        order = try IdBlock(table: "customer_order", session: session)
        line = try IdBlock(table: "order_line", session: session)
        payment = try IdBlock(table: "payment", session: session)
        document = try IdBlock(table: "supplier_document", session: session)
        documentLine = try IdBlock(table: "supplier_document_line", session: session)
        count = try IdBlock(table: "stock_count", session: session)
        countLine = try IdBlock(table: "stock_count_line", session: session)
        waste = try IdBlock(table: "waste_log", session: session)
        event = try IdBlock(table: "order_event", session: session)
        movement = try IdBlock(table: "stock_movement", session: session)
        customer = try IdBlock(table: "customer", session: session)
        address = try IdBlock(table: "address", session: session)
    }
}
