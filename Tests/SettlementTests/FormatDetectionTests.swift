import Foundation
import Settlement
import Testing

/// Formats are told by content, never by name (design note §1).
@Suite struct FormatDetectionTests {
    static func detect(_ text: String) throws -> SettlementFormat {
        try detect(Array(text.utf8))
    }

    static func detect(_ bytes: [UInt8]) throws -> SettlementFormat {
        try ProcessorTestFiles.withFile(bytes) { path in
            try SettlementFormatDetector.detect(path: path, name: "inbox/file.csv")
        }
    }

    static func refusal(_ text: String) -> SettlementFileError? {
        do {
            _ = try detect(text)
            return nil
        } catch {
            return error as? SettlementFileError
        }
    }

    static let corpusFormats: [(String, SettlementFormat)] = [
        ("stripe/hledger_stripe_balance_change_from_activity.csv", .stripeActivity),
        ("paypal/stl/smashpig_stl.csv", .paypalSTL),
        ("paypal/stl/smashpig_stl_brl_refund.csv", .paypalSTL),
        ("paypal/stl/smashpig_stl_chargeback_reversal.csv", .paypalTRR),
        ("paypal/stl/smashpig_stl_chargeback_with_fee.csv", .paypalTRR),
        ("paypal/stl/smashpig_stl_currency_convert.csv", .paypalSTL),
        ("paypal/stl/smashpig_stl_dr_payment.csv", .paypalSTL),
        ("paypal/stl/smashpig_stl_payout_currency_convert.csv", .paypalSTL),
        ("paypal/trr/smashpig_trr_dr_payment.csv", .paypalTRR),
        ("paypal/trr/smashpig_trr_express_checkout_donation.csv", .paypalTRR),
        ("paypal/trr/smashpig_trr_express_checkout_donation_denied.csv", .paypalTRR),
        ("paypal/trr/smashpig_trr_express_checkout_recurring_donation.csv", .paypalTRR),
        ("paypal/trr/smashpig_trr_express_checkout_recurring_refund.csv", .paypalTRR),
        ("paypal/trr/smashpig_trr_express_checkout_refund.csv", .paypalTRR),
        ("paypal/trr/smashpig_trr_express_with_non_data_rows.csv", .paypalTRR),
        ("paypal/trr/smashpig_trr_give_lively.csv", .paypalTRR),
        ("paypal/trr/smashpig_trr_giving_fund.csv", .paypalTRR),
        ("paypal/trr/smashpig_trr_grant.csv", .paypalTRR),
        ("paypal/trr/smashpig_trr_gravy_donation.csv", .paypalTRR),
        ("paypal/trr/smashpig_trr_void.csv", .paypalTRR),
        ("paypal/activity-download/oca_activity_en.csv", .paypalActivity),
        ("paypal/activity-download/oca_statement_en.csv", .paypalActivity),
        ("paypal/activity-download/oca_statement_es.csv", .paypalActivity),
        ("camt053/genkgo_camt053.v2.five.decimals.xml", .camt053),
        ("camt053/genkgo_camt053.v2.minimal.xml", .camt053),
        ("camt053/genkgo_camt053.v2.multi.statement.xml", .camt053),
        ("camt053/genkgo_camt053.v8.xml", .camt053),
        ("camt053/oca_test-camt053-txdtls.xml", .camt053),
        ("camt053/oca_test-camt053.xml", .camt053),
        ("camt053/viafintech_valid_example.xml", .camt053),
        ("camt053/viafintech_valid_example_v8.xml", .camt053),
        ("camt053/viafintech_valid_example_with_batch.xml", .camt053),
        ("camt053/viafintech_valid_example_with_datetime.xml", .camt053),
    ]

    @Test(arguments: corpusFormats)
    func corpusFile(_ relative: String, _ format: SettlementFormat) throws {
        let path = ProcessorTestFiles.corpus(relative)
        #expect(try SettlementFormatDetector.detect(path: path, name: relative) == format)
    }

    @Test func stripeReportsByTheirColumns() throws {
        let activity = "balance_transaction_id,created_utc,available_on_utc,currency,gross,fee,net,reporting_category"
        #expect(try Self.detect(activity + "\n") == .stripeActivity)
        #expect(try Self.detect("automatic_payout_id," + activity + "\n") == .stripePayoutReconciliation)
        // Quoted, with a BOM and CRLF, as a Dashboard download may be.
        let quoted =
            "\u{FEFF}\"automatic_payout_id\",\"Balance_Transaction_ID\",\"currency\",\"gross\",\"fee\","
            + "\"net\",\"reporting_category\",\"created\"\r\n"
        #expect(try Self.detect(quoted) == .stripePayoutReconciliation)
    }

    @Test func payPalReportsByTheirRecords() throws {
        let header = "\"CH\",\"Transaction ID\",\"Transaction Event Code\",\"Transactional Status\"\n"
        #expect(try Self.detect(header) == .paypalTRR)
        #expect(try Self.detect("\"RH\",2026/01/07 02:05:05 -0800,\"A\",\"X\",009,\n" + header) == .paypalSTL)
        #expect(try Self.detect("CH,Transaction ID,Transaction Event Code,Fee Amount\n") == .paypalSTL)
        #expect(Self.refusal("\"CH\",\"Transaction ID\",\"Amount\"\n")?.code == "unknown_format")
    }

    @Test func remittanceWithCommasOrSemicolons() throws {
        let columns = [
            "shop", "business_date", "employee", "shift_start", "shift_end", "cash_counted",
            "card_terminal_total",
        ]
        #expect(try Self.detect(columns.joined(separator: ",") + "\nPAR11,2026-03-14\n") == .remittance)
        #expect(
            try Self.detect("\u{FEFF}" + columns.joined(separator: ";") + "\r\nPAR11;2026-03-14\r\n") == .remittance)
    }

    @Test func camtByTheRootNamespace() throws {
        let prolog = "<?xml version=\"1.0\"?>\n<!-- a comment with <Document> -->\n"
        let camt = prolog + "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.10\"><BkToCstmrStmt/>"
        #expect(try Self.detect(camt) == .camt053)
        let prefixed = "\u{FEFF}  <ns:Document xmlns:ns='urn:iso:std:iso:20022:tech:xsd:camt.053.001.02'>"
        #expect(try Self.detect(prefixed) == .camt053)
        let pain = "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pain.001.001.03\">"
        let error = Self.refusal(pain)
        #expect(error?.code == "unknown_format")
        #expect(error?.record == nil)
    }

    @Test func unknownCSVIsRefusedQuotingItsStart() throws {
        let text = "date;label;amount\n2026-03-14;" + String(repeating: "x", count: 200) + "\n"
        let error = try #require(Self.refusal(text))
        #expect(error.code == "unknown_format")
        #expect(error.record == 1)
        #expect(error.file == "inbox/file.csv")
        #expect(error.message.contains("date;label;amount\\n2026-03-14;xxx"))
        #expect(!error.message.contains(String(repeating: "x", count: 80)))  // 80 bytes, not the whole line
        #expect(Self.refusal("")?.code == "unknown_format")
        #expect(Self.refusal("\u{FEFF}\n\n")?.code == "unknown_format")
    }

    @Test func detectionLooksAtContentNotTheName() throws {
        // A PayPal header whose CH record comes after 64 KiB of something else is not detected.
        let padding = String(repeating: "\"SH\",\"" + String(repeating: "p", count: 1000) + "\"\n", count: 70)
        #expect(
            Self.refusal(padding + "\"CH\",\"Transaction ID\",\"Transaction Event Code\"\n")?.code == "unknown_format")
    }
}
