import Foundation
import Jobs
import Migrations
import Postgres
import TestSupport
import Testing

/// A tiny chain for the settlement scenarios: shop PAR11 (Europe/Paris, cutoff 04:00), a driver
/// and a cashier, one customer, the chain's bank account, and orders inserted with their payments
/// as the ordering endpoint would have left them. Files are written by the tests as text, so every
/// figure of a scenario is visible in the test itself.
struct SettlementChain {
    static let iban = "FR7699999000010008532017489"
    static let driver = "karim.ouali@ocpizza.test"
    static let cashier = "ines.martin@ocpizza.test"

    let conninfo: String
    let varDirectory: String
    let runner: JobRunner
    let shopID: Int64

    /// A database of its own with the chain (a copy of one migrated template: migrating a fresh
    /// database per test would cost each scenario seconds of CPU the other suites need), a `var`
    /// folder of its own.
    static func with(_ body: (SettlementChain) async throws -> Void) async throws {
        let template = try await Self.template.name()
        try await TestDatabase.withDatabase(template: template) { conninfo, _ in
            try await Fixture.withVarDirectory { varDirectory in
                let runner = JobRunner(
                    conninfo: conninfo, varDirectory: varDirectory, logger: TestDatabase.logger,
                    exitCode: Fixture.exitCode)
                let shopID = try await Fixture.withConnection(conninfo) { connection in
                    try await connection.withSession { session in
                        try session.queryValue("SELECT id FROM pizzeria WHERE code = 'PAR11'", as: Int64.self) ?? 0
                    }
                }
                try await body(
                    SettlementChain(conninfo: conninfo, varDirectory: varDirectory, runner: runner, shopID: shopID))
            }
        }
    }

    private static let template = TemplateDatabase(prefix: "ocpizza_settlement_template") { conninfo in
        try await Migrator().migrate(conninfo: conninfo, logger: TestDatabase.logger)
        try await Fixture.withConnection(conninfo) { connection in
            try await connection.withSession { session in
                try session.execute(
                    "INSERT INTO address (line1, postcode, city) VALUES ('11 rue Oberkampf', '75011', 'Paris')")
                let shop =
                    try session.queryValue(
                        """
                        INSERT INTO pizzeria (code, name, address_id, opened_on)
                        SELECT 'PAR11', 'OC Pizza Oberkampf', id, '2020-01-01' FROM address RETURNING id
                        """, as: Int64.self) ?? 0
                try session.execute(
                    """
                    INSERT INTO employee (pizzeria_id, role, full_name, email) VALUES
                        (\(shop), 'driver', 'Karim Ouali', \(driver)),
                        (\(shop), 'order_taker', 'Inès Martin', \(cashier))
                    """)
                try session.execute("INSERT INTO customer (phone, full_name) VALUES ('+33612345678', 'Client')")
                try session.execute(
                    "INSERT INTO bank_account (iban, label) VALUES (\(iban), 'OC Pizza — compte courant')")
            }
        }
    }

    /// Inserts order `number` of PAR11 paid by `method`; online payments are authorised and
    /// captured at `at` with `reference` (PayPal: the authorisation gets `authorisation`),
    /// in-person ones collected at `at` by `collector`. Returns the order id.
    @discardableResult
    func order(
        _ number: Int, total: Int64, method: String = "online_card", at: String, reference: String? = nil,
        authorisation: String? = nil, collector: String = driver
    ) async throws -> Int64 {
        try await sql { session in
            let delivery = method == "cash_on_delivery" || method == "card_on_delivery"
            let inPerson = !(method == "online_card" || method == "paypal")
            let processor: String? = method == "online_card" ? "stripe" : method == "paypal" ? "paypal" : nil
            let orderID =
                try session.queryValue(
                    """
                    INSERT INTO customer_order (
                        pizzeria_id, order_number, customer_id, channel, fulfilment_mode, delivery_address,
                        fulfilment_status, payment_status, payment_method, placed_at, business_date, idempotency_key,
                        request_hash, total_ttc_cents, total_ht_cents, total_vat_cents)
                    SELECT \(shopID), \(number), (SELECT min(id) FROM customer), 'web',
                           CASE WHEN \(delivery) THEN 'delivery' ELSE 'pickup' END,
                           CASE WHEN \(delivery) THEN '{"line1": "1 rue", "postcode": "75011", "city": "Paris"}'::jsonb END,
                           CASE WHEN \(delivery) THEN 'delivered' ELSE 'collected' END,
                           CASE WHEN \(inPerson) THEN 'collected' ELSE 'captured' END, \(method),
                           \(at)::timestamptz - interval '30 minutes',
                           ocpizza_business_date(\(shopID), \(at)::timestamptz), 'order-' || \(number),
                           repeat('0', 64), \(total), \(total) - \(total) / 11, \(total) / 11
                    RETURNING id
                    """, as: Int64.self) ?? 0
            if inPerson {
                try session.execute(
                    """
                    INSERT INTO payment (pizzeria_id, order_id, method, status, amount_cents, occurred_at, business_date,
                                         employee_id)
                    SELECT \(shopID), \(orderID), \(method), 'collected', \(total), \(at)::timestamptz,
                           ocpizza_business_date(\(shopID), \(at)::timestamptz), id
                    FROM employee WHERE email = \(collector)
                    """)
            } else {
                let authorised = authorisation ?? reference
                try session.execute(
                    """
                    WITH a AS (
                        INSERT INTO payment (pizzeria_id, order_id, method, status, amount_cents, processor,
                                             processor_reference, occurred_at, business_date)
                        VALUES (\(shopID), \(orderID), \(method), 'authorised', \(total), \(processor), \(authorised),
                                \(at)::timestamptz - interval '20 minutes',
                                ocpizza_business_date(\(shopID), \(at)::timestamptz))
                        RETURNING id)
                    INSERT INTO payment (pizzeria_id, order_id, parent_payment_id, method, status, amount_cents, processor,
                                         processor_reference, occurred_at, business_date)
                    SELECT \(shopID), \(orderID), a.id, \(method), 'captured', \(total), \(processor), \(reference),
                           \(at)::timestamptz, ocpizza_business_date(\(shopID), \(at)::timestamptz)
                    FROM a
                    """)
            }
            return orderID
        }
    }

    /// Writes `files` (name → content) into a fresh folder and settles them, judged at `asOf`.
    func settle(_ files: [(String, String)], asOf: String) async throws -> (JobRunReport, SettlePaymentsJob) {
        let folder = varDirectory + "/incoming-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (name, content) in files {
            try Data(content.utf8).write(to: URL(fileURLWithPath: folder + "/" + name))
        }
        return try await settle(paths: [folder], asOf: asOf)
    }

    func settle(paths: [String], asOf: String) async throws -> (JobRunReport, SettlePaymentsJob) {
        let date = try #require(CalendarDate(iso8601: asOf))
        let job = SettlePaymentsJob(paths: paths, asOf: date)
        let report = try await runner.run(JobRequest(name: "settle-payments", businessDate: date), work: job.run)
        return (report, job)
    }

    func sql<T: Sendable>(_ body: @escaping @Sendable (PostgresSession) throws -> T) async throws -> T {
        try await Fixture.withConnection(conninfo) { connection in try await connection.withSession(body) }
    }

    /// The first column of every row, as text.
    func strings(_ query: SQL) async throws -> [String] {
        try await sql { session in try session.query(query).map { try $0.decode(0, as: String.self) } }
    }

    func int(_ query: SQL) async throws -> Int64 {
        try await sql { session in try session.queryValue(query, as: Int64.self) ?? 0 }
    }

    func paymentStatus(_ number: Int) async throws -> String {
        try await strings("SELECT payment_status FROM customer_order WHERE order_number = \(number)").first ?? "-"
    }

    /// Open discrepancies as "kind subject-order amount", sorted.
    func openDiscrepancies() async throws -> [String] {
        try await strings(
            """
            SELECT d.kind || ' ' || coalesce('#' || o.order_number, d.subject) || ' ' || d.amount_cents
            FROM settlement_discrepancy d LEFT JOIN customer_order o ON o.id = d.order_id
            WHERE d.resolved_at IS NULL
            """
        ).sorted()
    }

    /// The payment events of order `number`, "from>to", oldest first.
    func paymentEvents(_ number: Int) async throws -> [String] {
        try await strings(
            """
            SELECT e.from_status || '>' || e.to_status FROM order_event e JOIN customer_order o ON o.id = e.order_id
            WHERE o.order_number = \(number) AND e.kind = 'payment' ORDER BY e.at, e.id
            """)
    }
}

/// Stripe payout reconciliation rows, in the columns FORMATS.md recommends OC Pizza requests.
struct StripeReport {
    static let header =
        "automatic_payout_id,automatic_payout_effective_at_utc,balance_transaction_id,created_utc,available_on_utc,"
        + "currency,gross,fee,net,reporting_category,source_id,charge_id,payment_intent_id,customer_facing_amount,"
        + "customer_facing_currency,payment_metadata[order_id],refund_metadata[order_id],dispute_reason,description,"
        + "trace_id"
    var rows: [String] = []
    var lineEnd = "\n"

    /// One row; amounts in euros as Stripe writes them ("30.00"), net = gross − fee.
    mutating func add(
        _ category: String, txn: String, created: String, gross: String, fee: String = "0.00",
        pi: String = "", source: String = "", order: String = "", payout: String = "", payoutAt: String = "",
        description: String = ""
    ) {
        let net = Self.cents(gross) - Self.cents(fee)
        let netText = (net < 0 ? "-" : "") + String(format: "%d.%02d", abs(net) / 100, abs(net) % 100)
        let fields = [
            payout, payoutAt, txn, created, created, "eur", gross, fee, netText, category, source, "", pi, "", "",
            order, "", "", description, "",
        ]
        rows.append(fields.map(Self.quoted).joined(separator: ","))
    }

    var text: String { ([Self.header] + rows).joined(separator: lineEnd) + lineEnd }

    static func quoted(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func cents(_ text: String) -> Int64 {
        let negative = text.hasPrefix("-")
        let parts = text.trimmingCharacters(in: CharacterSet(charactersIn: "-")).split(separator: ".")
        let value = (Int64(parts[0]) ?? 0) * 100 + (parts.count > 1 ? Int64(parts[1]) ?? 0 : 0)
        return negative ? -value : value
    }
}

/// A camt.053.001.02 statement of the chain's account with the given booked entries.
struct BankStatementText {
    struct Entry {
        var amount: String
        var credit = true
        var bookingDate: String
        var reference: String
        var debtor: String = "STRIPE"
        var info: String = ""
        /// Amounts of a batch's transactions (TxDtls), if any.
        var batch: [String] = []
        var batchCountWithoutDetails: Int?
    }

    var id: String
    var entries: [Entry]

    var text: String {
        let body = entries.map { entry -> String in
            let details: String
            if !entry.batch.isEmpty {
                details = entry.batch.enumerated().map { index, amount in
                    """
                    <TxDtls><Refs><AcctSvcrRef>\(entry.reference)-\(index + 1)</AcctSvcrRef></Refs>\
                    <AmtDtls><TxAmt><Amt Ccy="EUR">\(amount)</Amt></TxAmt></AmtDtls>\
                    <RltdPties><Dbtr><Nm>\(entry.debtor)</Nm></Dbtr></RltdPties>\
                    <RmtInf><Ustrd>\(entry.info)</Ustrd></RmtInf></TxDtls>
                    """
                }.joined()
            } else {
                details = """
                    <TxDtls><RltdPties><Dbtr><Nm>\(entry.debtor)</Nm></Dbtr></RltdPties>\
                    <RmtInf><Ustrd>\(entry.info.isEmpty ? "-" : entry.info)</Ustrd></RmtInf></TxDtls>
                    """
            }
            let batch = entry.batchCountWithoutDetails.map { "<Btch><NbOfTxs>\($0)</NbOfTxs></Btch>" } ?? ""
            return """
                <Ntry><Amt Ccy="EUR">\(entry.amount)</Amt><CdtDbtInd>\(entry.credit ? "CRDT" : "DBIT")</CdtDbtInd>\
                <Sts>BOOK</Sts><BookgDt><Dt>\(entry.bookingDate)</Dt></BookgDt><ValDt><Dt>\(entry.bookingDate)</Dt></ValDt>\
                <AcctSvcrRef>\(entry.reference)</AcctSvcrRef><BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd>\
                <SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd><NtryDtls>\(batch.isEmpty ? "" : batch)\
                \(entry.batchCountWithoutDetails == nil ? details : "")</NtryDtls>\
                \(entry.info.isEmpty ? "" : "<AddtlNtryInf>\(entry.info)</AddtlNtryInf>")</Ntry>
                """
        }.joined(separator: "\n")
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
            <BkToCstmrStmt><GrpHdr><MsgId>\(id)</MsgId><CreDtTm>2026-03-20T06:00:00+01:00</CreDtTm></GrpHdr>
            <Stmt><Id>\(id)</Id><CreDtTm>2026-03-20T06:00:00+01:00</CreDtTm>
            <Acct><Id><IBAN>\(SettlementChain.iban)</IBAN></Id><Ccy>EUR</Ccy></Acct>
            \(body)
            </Stmt></BkToCstmrStmt></Document>

            """
    }
}
