import CLibPQ

extension ConnectionString {
    /// The same connection (host, port, user, TLS, password, everything libpq parsed) to another
    /// database on that server: how a backup reaches its scratch database, and how `pg_restore`
    /// is pointed at a target. Works for URIs and `key=value` strings alike; an empty string
    /// (libpq's environment) becomes `dbname=<database>`.
    ///
    /// Returns nil when libpq cannot parse `conninfo`.
    public static func replacingDatabase(in conninfo: String, with database: String) -> String? {
        guard !conninfo.isEmpty else { return keyValue(["dbname": database]) }
        var message: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &message) else {
            if let message { PQfreemem(message) }
            return nil
        }
        defer { PQconninfoFree(options) }
        var pairs: [(String, String)] = []
        var option = options
        while let keyword = option.pointee.keyword {
            let key = String(cString: keyword)
            if key != "dbname", let value = option.pointee.val {
                pairs.append((key, String(cString: value)))
            }
            option += 1
        }
        pairs.append(("dbname", database))
        return pairs.map { "\($0.0)=\(quote($0.1))" }.joined(separator: " ")
    }

    /// The database name a connection string names, if it names one (else libpq's default applies).
    public static func databaseName(in conninfo: String) -> String? {
        guard !conninfo.isEmpty else { return nil }
        var message: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &message) else {
            if let message { PQfreemem(message) }
            return nil
        }
        defer { PQconninfoFree(options) }
        var option = options
        while let keyword = option.pointee.keyword {
            if String(cString: keyword) == "dbname", let value = option.pointee.val { return String(cString: value) }
            option += 1
        }
        return nil
    }
}
