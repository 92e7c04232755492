import Foundation
import Postgres
import TestSupport
import Testing

/// `ocpizza export-reports` through the binary on a fixed demo history (seed 11, three days to
/// 2026-03-15, reconciled): the files, a golden page, figures against independent SQL, libxml2's
/// HTML parser on every page, byte-identical re-runs, and headless Chromium rendering the chain.
@Suite("Export reports through the binary", .serialized)
struct ExportReportsCommandTests {
    static let day = "2026-03-15"
    /// `OCPIZZA_RECORD_GOLDEN=1 scripts/test --filter ExportReports` rewrites the golden page.
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Golden/PAR11-day-2026-03-15.html")

    @Test("the demo's day: pages, CSV, golden file, figures to the cent, well-formed, deterministic, rendered")
    func demoDay() async throws {
        try await SupplierFlowSupport.withFlow { flow in
            let generate = try await flow.run(
                "demo", "generate", "--shops", "6", "--days", "3", "--seed", "11", "--end-date", Self.day,
                timeout: .seconds(600))
            try #require(generate.status == 0, "\(generate)")
            let reconcile = try await flow.run("reconcile-stock", "--date", Self.day)
            try #require(reconcile.status == 0, "\(reconcile)")
            let export = try await flow.run("export-reports", "--date", Self.day, "--json")
            try #require(export.status == 0, "\(export)")
            let folder = flow.directory + "/var/reports/day/\(Self.day)"
            let pages = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".html") }
                .sorted()
            #expect(pages.contains("chain.html") && pages.contains("PAR11.html"), "\(pages)")
            #expect(FileManager.default.fileExists(atPath: flow.directory + "/var/reports/index.html"))

            // Headline figures against independent SQL.
            let expected = try await flow.rows(
                """
                SELECT sum(total_ttc_cents)::text FROM customer_order
                WHERE business_date = \(Self.day)::date AND fulfilment_status IN ('delivered', 'collected')
                """)
            let result = try #require(export.json?["result"] as? [String: Any], "\(export)")
            #expect("\(result["revenueCents"] ?? "-")" == (expected.first ?? nil), "\(result)")
            let csv = try Data(contentsOf: URL(fileURLWithPath: folder + "/csv/chain-sales-by-shop.csv"))
            #expect(Array(csv.prefix(3)) == [0xEF, 0xBB, 0xBF])
            let perShop = try await flow.rows(
                """
                SELECT p.code || ';' || count(o.id) || ';' || replace(to_char(coalesce(sum(o.total_ttc_cents), 0) / 100.0,
                       'FM9999999990.00'), '.', ',')
                FROM pizzeria p JOIN customer_order o ON o.pizzeria_id = p.id AND o.business_date = \(Self.day)::date
                     AND o.fulfilment_status IN ('delivered', 'collected')
                GROUP BY p.code ORDER BY p.code
                """)
            let csvLines = String(decoding: csv.dropFirst(3), as: UTF8.self).split(separator: "\r\n").dropFirst()
                .map { $0.split(separator: ";").prefix(3).joined(separator: ";") }.sorted()
            #expect(csvLines == perShop.compactMap { $0 }.sorted())

            // libxml2's HTML parser on every page ("Tag ... invalid" is its HTML 4 view of HTML 5
            // and SVG elements, not a structural error).
            for page in pages + ["../../index.html"] {
                let lint = try await OCPizzaBinary.runTool(
                    "xmllint", ["--html", "--noout", folder + "/" + page], timeout: .seconds(300))
                let problems = lint.stderrLines.filter { $0.contains("error") && !$0.contains("invalid") }
                #expect(problems.isEmpty, "\(page): \(lint.stderr)")
            }

            // The same data gives the same bytes.
            let before = try pages.map { try Data(contentsOf: URL(fileURLWithPath: folder + "/" + $0)) }
            let again = try await flow.run("export-reports", "--date", Self.day)
            #expect(again.status == 0)
            let after = try pages.map { try Data(contentsOf: URL(fileURLWithPath: folder + "/" + $0)) }
            #expect(before == after)

            // The golden shop page.
            let page = try Data(contentsOf: URL(fileURLWithPath: folder + "/PAR11.html"))
            if ProcessInfo.processInfo.environment["OCPIZZA_RECORD_GOLDEN"] == "1" {
                try page.write(to: Self.golden)
            }
            let golden = try Data(contentsOf: Self.golden)
            #expect(page == golden, "PAR11.html differs from \(Self.golden.path)")

            // REPORTS_DATABASE_URL: the pages read the replica (here an empty migrated database),
            // the job run is still recorded in the main one.
            try await TestDatabase.withDatabase { replica, _ in
                let migrate = try await OCPizzaBinary.run(
                    ["db", "migrate"], in: flow.directory, environment: ["DATABASE_URL": replica])
                try #require(migrate.status == 0, "\(migrate)")
                let fromReplica = try await OCPizzaBinary.run(
                    ["export-reports", "--date", Self.day, "--out", flow.directory + "/replica-reports", "--json"],
                    in: flow.directory, environment: ["DATABASE_URL": flow.conninfo, "REPORTS_DATABASE_URL": replica])
                #expect(fromReplica.status == 0, "\(fromReplica)")
                let replicaResult = try #require(fromReplica.json?["result"] as? [String: Any], "\(fromReplica)")
                #expect(replicaResult["revenueCents"] as? Int == 0 && replicaResult["orders"] as? Int == 0)
            }

            // Headless Chromium renders the chain page: a screenshot that is not blank, the charts in the DOM.
            let shot = flow.directory + "/chain.png"
            let chromium = try await OCPizzaBinary.runTool(
                "chromium",
                [
                    "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1280,2400",
                    "--screenshot=\(shot)", "file://\(folder)/chain.html",
                ], timeout: .seconds(300))
            let png = try Data(contentsOf: URL(fileURLWithPath: shot))
            #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "\(chromium)")
            // A blank 1280 × 2400 page compresses to a few kilobytes; text, tables and bars do not.
            #expect(png.count > 40_000, "\(png.count) bytes: \(chromium)")
            let dom = try await OCPizzaBinary.runTool(
                "chromium",
                ["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", "file://\(folder)/chain.html"],
                timeout: .seconds(300))
            #expect(dom.stdout.components(separatedBy: "<svg class=\"chart\"").count > 2, "\(dom.stderr)")
            #expect(dom.stdout.contains("Revenue incl. VAT"))
        }
    }
}
