import Foundation
import Jobs
import Postgres
import TestSupport
import Testing

/// The default business date of `nightly`, and the one-screen summary.
@Suite("Job catalog and summary")
struct JobCatalogTests {
    /// An instant given in UTC.
    static func utc(_ text: String) throws -> Date {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return try #require(formatter.date(from: text), "bad instant \(text)")
    }

    @Test(
        "lastClosedBusinessDate: yesterday after the 04:00 Paris cutoff, the day before until then",
        arguments: [
            // Winter time (UTC+1).
            ("2026-11-22T09:00:00Z", "2026-11-21"),  // 10:00 Paris
            ("2026-11-22T02:30:00Z", "2026-11-20"),  // 03:30 Paris
            ("2026-11-22T02:59:59Z", "2026-11-20"),  // 03:59:59 Paris
            ("2026-11-22T03:00:00Z", "2026-11-21"),  // 04:00 Paris
            ("2026-11-21T23:30:00Z", "2026-11-20"),  // 00:30 Paris, 22 Nov
            // 2026-03-29: 02:00 CET becomes 03:00 CEST.
            ("2026-03-29T00:30:00Z", "2026-03-27"),  // 01:30 CET
            ("2026-03-29T01:30:00Z", "2026-03-27"),  // 03:30 CEST
            ("2026-03-29T01:59:59Z", "2026-03-27"),  // 03:59:59 CEST
            ("2026-03-29T02:00:00Z", "2026-03-28"),  // 04:00 CEST
            ("2026-03-29T03:00:00Z", "2026-03-28"),  // 05:00 CEST (04:00 UTC+1 would say the same)
            ("2026-03-30T01:59:00Z", "2026-03-28"),  // 03:59 CEST, next day
            ("2026-03-30T02:00:00Z", "2026-03-29"),  // 04:00 CEST, the short day closed
            // 2026-10-25: 03:00 CEST becomes 02:00 CET (02:00-03:00 happens twice).
            ("2026-10-25T00:30:00Z", "2026-10-23"),  // 02:30 CEST (first)
            ("2026-10-25T01:30:00Z", "2026-10-23"),  // 02:30 CET (second)
            ("2026-10-25T02:59:59Z", "2026-10-23"),  // 03:59:59 CET
            ("2026-10-25T02:00:00Z", "2026-10-23"),  // 03:00 CET (04:00 in summer time)
            ("2026-10-25T03:00:00Z", "2026-10-24"),  // 04:00 CET
            ("2026-10-26T03:00:00Z", "2026-10-25"),  // 04:00 CET, the long day closed
        ])
    func lastClosedBusinessDate(instant: String, expected: String) throws {
        let date = JobCatalog.lastClosedBusinessDate(now: try Self.utc(instant))
        #expect(date.description == expected, "at \(instant)")
    }

    @Test("the catalog: nine nightly steps in order, names unique, backups and releases run during maintenance")
    func catalog() {
        let names = JobCatalog.nightlySteps.map(\.name)
        #expect(
            names == [
                "import-supplier", "reconcile-stock", "settle-payments", "export-reports", "backup-create",
                "backup-verify", "backup-drill", "backup-prune", "backup-copy-offsite",
            ])
        let all = JobCatalog.nightlySteps + JobCatalog.others
        #expect(Set(all.map(\.name)).count == all.count)
        for entry in all {
            // Backups run during maintenance, and so does nightly, so that its backup steps can run;
            // its other steps are skipped by the runner one by one.
            let expected = entry.name.hasPrefix("backup-") || entry.name == "nightly" || entry.name == "release"
            #expect(entry.runsDuringMaintenance == expected, "\(entry.name)")
            #expect(JobCatalog.entry(named: entry.name)?.name == entry.name)
        }
        #expect(JobCatalog.entry(named: "canary")?.isAvailable == true)
        #expect(JobCatalog.entry(named: "no-such-job") == nil)
    }

    @Test("summary: job, status, exit code, run, date and every count key in full")
    func summary() async throws {
        try await Fixture.withRunner { runner, _, _ in
            let counts = [
                "supplier_invoice_lines_matched_to_ingredients": 1234, "files_rejected": 1, "x": 7,
            ]
            let report = try await runner.run(
                JobRequest(name: "test-summary", businessDate: CalendarDate(year: 2026, month: 11, day: 21))
            ) { _ in JobOutcome(status: .partial, counts: counts, message: "1 file rejected: bad GTIN") }
            let summary = report.summary
            let lines = summary.split(separator: "\n").map(String.init)
            #expect(lines.first?.contains("test-summary") == true, "\(summary)")
            #expect(lines.first?.contains("partial") == true, "\(summary)")
            #expect(lines.first?.contains("exit 65") == true, "\(summary)")
            #expect(summary.contains("#\(report.runID ?? -1)"), "\(summary)")
            #expect(summary.contains("2026-11-21"), "\(summary)")
            #expect(summary.contains("1 file rejected: bad GTIN"), "\(summary)")
            for (key, value) in counts {
                #expect(
                    lines.contains { line in
                        let words = line.split(separator: " ")
                        return words.first.map(String.init) == key && words.last.map(String.init) == "\(value)"
                    }, "no line '\(key) … \(value)' in:\n\(summary)")
            }
            #expect(lines.count <= 24, "more than one screen:\n\(summary)")

            let failed = try await runner.run(JobRequest(name: "test-summary")) { _ in throw Boom() }
            #expect(failed.summary.contains("failed"))
            #expect(failed.summary.contains("exit 70"))
            #expect(failed.summary.contains("supplier file is unreadable"), "\(failed.summary)")
        }
    }
}
