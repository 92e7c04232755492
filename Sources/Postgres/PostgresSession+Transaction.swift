/// Transaction isolation levels, as in `BEGIN ISOLATION LEVEL ...`.
public enum IsolationLevel: String, Sendable {
    case readCommitted = "READ COMMITTED"
    case repeatableRead = "REPEATABLE READ"
    case serializable = "SERIALIZABLE"
}

extension PostgresSession {
    /// Runs `body` inside `BEGIN ... COMMIT`; any error thrown by `body` rolls everything back
    /// and is rethrown unchanged. Nested calls are refused: use ``savepoint(file:line:_:)`` inside.
    public func transaction<T>(
        isolation: IsolationLevel = .readCommitted, readOnly: Bool = false,
        file: String = #fileID, line: Int = #line, _ body: (PostgresSession) throws -> T
    ) throws -> T {
        guard !isInTransaction else {
            throw PostgresError(
                code: .invalidUsage, message: "a transaction is already open on this session; use a savepoint",
                file: file, line: line)
        }
        let mode = readOnly ? " READ ONLY" : ""
        try executeScript("BEGIN ISOLATION LEVEL \(isolation.rawValue)\(mode)", file: file, line: line)
        let value: T
        do {
            value = try body(self)
        } catch {
            rollbackQuietly(file: file, line: line)
            throw error
        }
        // A statement that failed inside the body, its error swallowed, leaves the transaction
        // aborted: the server would answer COMMIT with ROLLBACK, silently losing the body's work.
        if isInFailedTransaction {
            rollbackQuietly(file: file, line: line)
            throw PostgresError(
                code: .server,
                message: "the transaction was aborted by an earlier failed statement; nothing was committed",
                sqlState: .inFailedSQLTransaction, file: file, line: line)
        }
        let commandTag: String
        do {
            commandTag = try query("COMMIT", file: file, line: line).commandTag
        } catch {
            rollbackQuietly(file: file, line: line)
            throw error
        }
        guard commandTag == "COMMIT" else {
            throw PostgresError(
                code: .server, message: "COMMIT was answered with \(commandTag); nothing was committed",
                sqlState: .inFailedSQLTransaction, file: file, line: line)
        }
        return value
    }

    /// Runs `body` inside a savepoint of the current transaction: an error rolls back to the
    /// savepoint (the outer transaction stays usable) and is rethrown.
    public func savepoint<T>(
        file: String = #fileID, line: Int = #line, _ body: (PostgresSession) throws -> T
    ) throws -> T {
        guard isInTransaction else {
            throw PostgresError(
                code: .invalidUsage, message: "a savepoint needs an open transaction", file: file, line: line)
        }
        let name = SQL.quoteIdentifier(nextSavepointName())
        try executeScript("SAVEPOINT \(name)", file: file, line: line)
        do {
            let value = try body(self)
            try executeScript("RELEASE SAVEPOINT \(name)", file: file, line: line)
            return value
        } catch {
            if !isBroken {
                try? executeScriptEvenIfInterrupted(
                    "ROLLBACK TO SAVEPOINT \(name); RELEASE SAVEPOINT \(name)", file: file, line: line)
            }
            throw error
        }
    }

    private func rollbackQuietly(file: String, line: Int) {
        guard !isBroken, isInTransaction else { return }
        do {
            try executeScriptEvenIfInterrupted("ROLLBACK", file: file, line: line)
        } catch {
            // The body's error is the one that matters; a failed ROLLBACK means the connection
            // broke, which the caller will see on its next use.
            logger.debug("rollback failed", metadata: ["db.error": "\(error)"])
        }
    }
}
