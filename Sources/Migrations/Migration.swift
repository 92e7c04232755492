/// One versioned schema change: a SQL file shipped inside the binary.
public struct Migration: Sendable, Equatable {
    /// The number at the start of the file name (`0007_orders.sql` → 7); migrations apply in this order.
    public let version: Int
    /// The file name without version and extension (`orders`).
    public let name: String
    /// The SQL, run as one script inside one transaction.
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// Builds a migration from a file name such as `0007_orders.sql`; nil if the name has no version.
    public init?(fileName: String, sql: String) {
        guard fileName.hasSuffix(".sql") else { return nil }
        let stem = fileName.dropLast(4)
        let digits = stem.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let version = Int(digits) else { return nil }
        var rest = stem.dropFirst(digits.count)
        if rest.first == "_" || rest.first == "-" { rest = rest.dropFirst() }
        self.init(version: version, name: String(rest), sql: sql)
    }

    /// `0007_orders`, as operators see it in `db status`.
    public var label: String {
        let digits = String(version)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits + "_" + name
    }
}
