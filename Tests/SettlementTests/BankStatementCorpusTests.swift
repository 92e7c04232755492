import Domain
import Foundation
import Settlement
import Testing

/// Every camt.053 statement of the shared corpus reads, with the figures of the design note's
/// §2.2 table (checked by hand against the XML): version, schema verdict, statements, booked
/// entries, transactions after the batch split, credits and debits per currency, and the
/// warnings (schema deviation, balance and summary checks, batches).
@Suite struct BankStatementCorpusTests {
    /// `../shared/corpus/payments` beside the repository, else `$OCPIZZA_SHARED_DIR/corpus/payments`.
    static let corpus: String = {
        let beside = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../../shared/corpus/payments").standardized.path
        if FileManager.default.fileExists(atPath: beside) { return beside }
        if let shared = ProcessInfo.processInfo.environment["OCPIZZA_SHARED_DIR"], !shared.isEmpty {
            return shared + "/corpus/payments"
        }
        return beside
    }()

    static func read(_ file: String) throws -> BankStatementFile {
        try BankStatementReader().read(path: corpus + "/camt053/" + file, name: file)
    }

    /// The §2.2 columns of one file.
    struct Figures: Equatable, CustomStringConvertible {
        var version: String
        var schemaValid: Bool?
        var statements: Int
        var entries: Int
        var entriesWithReference: Int
        var transactions: Int
        /// "EUR 1/885": per currency, count and Σ cents of credit entries (then debit entries).
        var credits: [String]
        var debits: [String]
        /// Entries booked as a batch (split on TxDtls, or declared by Btch/NbOfTxs).
        var batched: Int
        var reversals: Int
        var warnings: [String]

        init(_ file: BankStatementFile) {
            let entries = file.statements.flatMap(\.entries)
            func totals(_ selected: [BankEntry]) -> [String] {
                Dictionary(grouping: selected, by: \.currency).sorted { $0.key < $1.key }.map { currency, group in
                    "\(currency) \(group.count)/\(group.reduce(0) { $0 + $1.amountCents.magnitude })"
                }
            }
            version = file.version
            schemaValid = file.schemaValid
            statements = file.statements.count
            self.entries = entries.count
            entriesWithReference = entries.count { $0.accountServicerReference != nil }
            transactions = entries.reduce(0) { $0 + $1.transactions.count }
            credits = totals(entries.filter { $0.amountCents > 0 })
            debits = totals(entries.filter { $0.amountCents < 0 })
            batched =
                entries.count { $0.transactions.count > 1 }
                + file.warnings.count { $0.code == "batch_without_details" }
            reversals = entries.count(where: \.isReversal)
            warnings = file.warnings.map(\.code)
        }

        init(
            version: String, schemaValid: Bool?, statements: Int, entries: Int, entriesWithReference: Int,
            transactions: Int, credits: [String], debits: [String], batched: Int, reversals: Int, warnings: [String]
        ) {
            self.version = version
            self.schemaValid = schemaValid
            self.statements = statements
            self.entries = entries
            self.entriesWithReference = entriesWithReference
            self.transactions = transactions
            self.credits = credits
            self.debits = debits
            self.batched = batched
            self.reversals = reversals
            self.warnings = warnings
        }

        var description: String {
            "v\(version) valid=\(schemaValid.map(String.init) ?? "nil") stmts=\(statements) entries=\(entries) "
                + "(\(entriesWithReference) ref) txs=\(transactions) credits=\(credits) debits=\(debits) "
                + "batched=\(batched) reversals=\(reversals) warnings=\(warnings)"
        }
    }

    static let expected: [String: Figures] = [
        "genkgo_camt053.v2.minimal.xml": Figures(
            version: "02", schemaValid: true, statements: 1, entries: 1, entriesWithReference: 0, transactions: 1,
            credits: ["EUR 1/885"], debits: [], batched: 0, reversals: 0,
            warnings: ["balance_not_checkable"]),  // OPBD in EUR, CLBD in SEK on purpose
        "genkgo_camt053.v2.multi.statement.xml": Figures(
            version: "02", schemaValid: true, statements: 2, entries: 2, entriesWithReference: 0, transactions: 2,
            credits: ["EUR 1/885"], debits: ["EUR 1/700"], batched: 0, reversals: 0, warnings: []),
        "genkgo_camt053.v2.five.decimals.xml": Figures(
            version: "02", schemaValid: true, statements: 1, entries: 1, entriesWithReference: 0, transactions: 1,
            credits: ["EUR 1/885"], debits: [], batched: 0, reversals: 0,
            warnings: ["statement_balance_mismatch"]),
        "genkgo_camt053.v8.xml": Figures(
            version: "08", schemaValid: true, statements: 1, entries: 1, entriesWithReference: 1, transactions: 1,
            credits: ["EUR 1/885"], debits: [], batched: 0, reversals: 0,
            warnings: ["transaction_amount_ignored", "balance_not_checkable"]),
        "viafintech_valid_example.xml": Figures(
            version: "02", schemaValid: false, statements: 1, entries: 4, entriesWithReference: 4, transactions: 5,
            credits: ["EUR 1/100"], debits: ["EUR 3/1100"], batched: 1, reversals: 0,
            warnings: ["schema_deviation"]),
        "viafintech_valid_example_with_batch.xml": Figures(
            version: "02", schemaValid: false, statements: 1, entries: 3, entriesWithReference: 3, transactions: 3,
            credits: ["EUR 2/768800"], debits: ["EUR 1/475374"], batched: 1, reversals: 0,
            warnings: ["schema_deviation", "batch_without_details", "statement_balance_mismatch", "summary_mismatch"]),
        "viafintech_valid_example_v8.xml": Figures(
            version: "08", schemaValid: false, statements: 1, entries: 3, entriesWithReference: 3, transactions: 3,
            credits: ["CHF 2/56325"], debits: ["EUR 1/2097"], batched: 0, reversals: 0,
            warnings: ["schema_deviation", "foreign_currency", "balance_not_checkable"]),
        "viafintech_valid_example_with_datetime.xml": Figures(
            version: "10", schemaValid: nil, statements: 1, entries: 1, entriesWithReference: 0, transactions: 1,
            credits: ["USD 1/19586"], debits: [], batched: 0, reversals: 0,
            warnings: ["no_schema", "summary_mismatch"]),
        "oca_test-camt053.xml": Figures(
            version: "02", schemaValid: true, statements: 1, entries: 3, entriesWithReference: 0, transactions: 4,
            credits: ["EUR 1/140531"], debits: ["EUR 2/141830"], batched: 1, reversals: 1,
            warnings: ["statement_balance_mismatch"]),
        "oca_test-camt053-txdtls.xml": Figures(
            version: "04", schemaValid: false, statements: 1, entries: 1, entriesWithReference: 1, transactions: 2,
            credits: ["CHF 1/348300"], debits: [], batched: 1, reversals: 0, warnings: ["schema_deviation"]),
    ]

    @Test func corpusIsThere() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.corpus + "/camt053")
            .filter { $0.hasSuffix(".xml") }
        #expect(Set(files) == Set(Self.expected.keys))
    }

    @Test(arguments: expected.keys.sorted())
    func corpusFileHasItsFigures(_ file: String) throws {
        #expect(Figures(try Self.read(file)) == Self.expected[file])
    }

    @Test func minimalStatementFields() throws {
        let statement = try #require(try Self.read("genkgo_camt053.v2.minimal.xml").statements.first)
        #expect(statement.statementID == "253EURNL26VAYB8060476890")
        #expect(statement.sequenceNumber == "12312")
        #expect(statement.accountIBAN == "NL26VAYB8060476890")
        #expect(statement.accountCurrency == "EUR")
        // The OPBD is in EUR, the CLBD in SEK: only the closing balance's currency is kept.
        #expect(statement.balanceCurrency == "SEK")
        #expect(statement.closingBalanceCents == -2700)
        #expect(statement.openingBalanceCents == nil)
        let entry = try #require(statement.entries.first)
        #expect(entry.entryKey == "auto:C885:1")
        #expect(entry.bookingDate == (try LocalDate(iso: "2014-12-31")))
        #expect(entry.valueDate == (try LocalDate(iso: "2015-01-02")))
        #expect(entry.bankTransactionCode == "544")
        #expect(entry.line == 90)
        #expect(
            entry.transactions == [
                BankTransaction(
                    position: 1, amountCents: 885, currency: "EUR", counterpartyName: "NAME NAME",
                    counterpartyIBAN: "NL56AGDH9619008421", remittanceInfo: "4654654654654654",
                    bankTransactionCode: "544")
            ])
    }

    @Test func fiveDecimalsAreExactAndTheBalanceIsFiveCentsOff() throws {
        let file = try Self.read("genkgo_camt053.v2.five.decimals.xml")
        let statement = try #require(file.statements.first)
        #expect(statement.openingBalanceCents == 1815)
        #expect(statement.closingBalanceCents == 2705)
        #expect(statement.entries.map(\.amountCents) == [885])
        #expect(file.warnings.first?.message.contains("difference 0.05 (5 minor units)") == true)
    }

    @Test func version8ReadsStatusCodeDateTimeAndNestedParty() throws {
        let file = try Self.read("genkgo_camt053.v8.xml")
        let statement = try #require(file.statements.first)
        #expect(statement.accountIBAN == nil)
        #expect(statement.accountOther == "NL26VAYB8060476890")
        let entry = try #require(statement.entries.first)
        #expect(entry.entryKey == "AAAASESS-FP-CN_98765/01")
        // BookgDt/DtTm 2014-12-31T13:15:00+01:00: the instant, and its Paris date.
        #expect(entry.bookedAt == Date(timeIntervalSince1970: 1_420_028_100))
        #expect(entry.bookingDate == (try LocalDate(iso: "2014-12-31")))
        #expect(entry.bankTransactionCode == "PMNT/RCDT/BOOK")
        let transaction = try #require(entry.transactions.first)
        // The single TxDtls says `0 SEK`: ignored, the entry's 8.85 EUR is the transaction.
        #expect(transaction.amountCents == 885)
        #expect(transaction.currency == "EUR")
        #expect(transaction.endToEndID == "MUELL/FINP/RA12345")
        #expect(transaction.counterpartyName == "NAME NAME")
        #expect(file.warnings.first { $0.code == "transaction_amount_ignored" }?.record == 141)
    }

    @Test func schemaDeviationsWarnWithTheirLine() throws {
        let lines = try [
            "viafintech_valid_example.xml", "viafintech_valid_example_with_batch.xml",
            "viafintech_valid_example_v8.xml", "oca_test-camt053-txdtls.xml",
        ].map { try Self.read($0).warnings.first { $0.code == "schema_deviation" }?.record }
        #expect(lines == [62, 143, 119, 106])
    }

    @Test func batchesSplitOnTheirTransactionAmounts() throws {
        let viafintech = try Self.read("viafintech_valid_example.xml").statements[0].entries[3]
        #expect(viafintech.amountCents == -600)
        #expect(viafintech.transactions.map(\.amountCents) == [-350, -250])
        #expect(viafintech.transactions.map(\.counterpartyName) == ["Testkonto Nummer 1", "Testkonto Nummer 1"])
        #expect(viafintech.transactions.map(\.endToEndID) == ["STZV-EtE27122013-11:02-1", "STZV-EtE27122013-11:02-2"])

        let swiss = try Self.read("oca_test-camt053-txdtls.xml").statements[0].entries[0]
        #expect(swiss.transactions.map(\.amountCents) == [218_700, 129_600])
        // Both TxDtls share one AcctSvcrRef: it is a reference, not a key.
        #expect(swiss.transactions.map(\.reference) == ["123456CHCAFEBABE", "123456CHCAFEBABE"])
        #expect(
            swiss.transactions.map(\.remittanceInfo) == ["302388292000011111111111111", "302388292000022222222222222"])
        #expect(swiss.transactions.map(\.bankTransactionCode) == ["PMNT/RCDT/AUTT", "PMNT/RCDT/AUTT"])
        #expect(swiss.bankTransactionCode == "PMNT/RCDT/VCOM")
    }

    @Test func returnedDirectDebitIsAReversalDebit() throws {
        let file = try Self.read("oca_test-camt053.xml")
        let entries = file.statements[0].entries
        #expect(entries.map(\.entryKey) == ["auto:D75425:1", "auto:D66405:1", "auto:C140531:1"])
        #expect(entries[1].isReversal)
        #expect(entries[1].transactions.map(\.amountCents) == [-56405, -10000])
        let mismatch = try #require(file.warnings.first { $0.code == "statement_balance_mismatch" })
        #expect(mismatch.message.contains("difference -434.16 (-43416 minor units)"))
    }

    @Test func batchWithoutDetailsIsOneTransaction() throws {
        let file = try Self.read("viafintech_valid_example_with_batch.xml")
        let statement = file.statements[0]
        // OPBD wins over PRCD (both 7329.80 here).
        #expect(statement.openingBalanceCents == 732_980)
        #expect(statement.entries[0].transactions.map(\.amountCents) == [-475_374])
        #expect(
            file.warnings.first { $0.code == "statement_balance_mismatch" }?.message.contains("1277414 minor") == true)
        #expect(file.warnings.first { $0.code == "summary_mismatch" }?.message.contains("says 35") == true)
    }

    @Test func wiseStatementWithDateTimeAndNoSchema() throws {
        let file = try Self.read("viafintech_valid_example_with_datetime.xml")
        let statement = file.statements[0]
        #expect(statement.accountOther == "11111111")
        #expect(statement.accountCurrency == "USD")
        #expect(statement.openingBalanceCents == nil)
        #expect(statement.closingBalanceCents == 60680)
        let entry = statement.entries[0]
        #expect(entry.entryKey == "auto:C19586:1")
        #expect(entry.entryReference == "Test Buchung")
        #expect(entry.bookingDate == (try LocalDate(iso: "2023-06-21")))
        let bookedAt = try #require(entry.bookedAt)
        #expect(abs(bookedAt.timeIntervalSince1970 - 1_687_350_933.115965) < 0.000_001)
        #expect(entry.bankTransactionCode == "TRANSFER-123456789")
    }
}
