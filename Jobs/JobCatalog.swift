import Domain
import Foundation
import Postgres

/// The jobs this product knows, in nightly order, and whether this build has them yet.
///
/// A step that is not built is listed as "not available", never faked: `nightly` and
/// `jobs status` say so. The issues that build each job give it its `work` here.
public enum JobCatalog {
    public struct Entry: Sendable {
        public var name: String
        public var summary: String
        /// How often a healthy schedule runs it: a last success older than this (plus
        /// ``overdueGrace``) makes it overdue in `jobs status`.
        public var expectedEvery: Duration
        public var runsDuringMaintenance: Bool
        /// The work, or nil while the job is not built (or when the command layer runs it itself).
        public var work: (@Sendable (JobContext) async throws -> JobOutcome)?
        /// Whether this build can run the job.
        public var isAvailable: Bool

        init(
            name: String, summary: String, expectedEvery: Duration, runsDuringMaintenance: Bool,
            work: (@Sendable (JobContext) async throws -> JobOutcome)? = nil, isAvailable: Bool? = nil
        ) {
            self.name = name
            self.summary = summary
            self.expectedEvery = expectedEvery
            self.runsDuringMaintenance = runsDuringMaintenance
            self.work = work
            self.isAvailable = isAvailable ?? (work != nil)
        }
    }

    public static let overdueGrace: Duration = .seconds(2 * 3600)

    /// The nightly pipeline, in the order `nightly` runs it.
    public static let nightlySteps: [Entry] = [
        Entry(
            name: "import-supplier", summary: "supplier e-invoices into stock and purchase prices",
            expectedEvery: .seconds(86_400), runsDuringMaintenance: false,
            work: { context in try await SupplierImportJob().run(context) }),
        Entry(
            name: "reconcile-stock", summary: "actual vs theoretical usage, availability, reorder suggestions",
            expectedEvery: .seconds(86_400), runsDuringMaintenance: false,
            work: { context in try await ReconcileStockJob().run(context) }),
        Entry(
            name: "settle-payments", summary: "Stripe, PayPal, bank statements and cash matched to orders",
            expectedEvery: .seconds(86_400), runsDuringMaintenance: false,
            work: { context in try await SettlePaymentsJob().run(context) }),
        Entry(
            name: "export-reports", summary: "manager reports, HTML and CSV", expectedEvery: .seconds(86_400),
            runsDuringMaintenance: false, work: ExportReportsJob.nightly),
        Entry(
            name: "backup-create", summary: "pg_dump into the backup catalogue", expectedEvery: .seconds(86_400),
            runsDuringMaintenance: true, work: BackupJobs.nightlyCreate),
        Entry(
            name: "backup-verify", summary: "re-hash the newest backup and read it whole",
            expectedEvery: .seconds(86_400), runsDuringMaintenance: true, work: BackupJobs.nightlyVerify),
        Entry(
            name: "backup-drill", summary: "restore the newest backup into a scratch database and check it",
            expectedEvery: .seconds(86_400), runsDuringMaintenance: true, work: BackupJobs.nightlyDrill),
        Entry(
            name: "backup-prune", summary: "apply the retention plan", expectedEvery: .seconds(86_400),
            runsDuringMaintenance: true, work: BackupJobs.nightlyPrune),
        Entry(
            name: "backup-copy-offsite", summary: "copy the newest backup and the weekly tier off-site",
            expectedEvery: .seconds(86_400), runsDuringMaintenance: true, work: BackupJobs.nightlyCopyOffsite),
    ]

    /// Jobs that are not steps of the nightly pipeline.
    public static let others: [Entry] = [
        // nightly itself goes on during maintenance so that its backup steps run; each step
        // applies the flag for itself (the others are recorded as skipped).
        Entry(
            name: "nightly", summary: "the whole pipeline for one business date", expectedEvery: .seconds(86_400),
            runsDuringMaintenance: true, isAvailable: true),
        Entry(
            name: "canary", summary: "holds its lock and heartbeats: checks cron, locks and monitoring end to end",
            expectedEvery: .seconds(86_400), runsDuringMaintenance: false, isAvailable: true),
        // Backup operations run by hand: never overdue.
        Entry(
            name: "backup-restore", summary: "restore a backup into another database or over production",
            expectedEvery: .seconds(100 * 365 * 86_400), runsDuringMaintenance: true, isAvailable: true),
        Entry(
            name: "backup-copy-db", summary: "copy one database into another",
            expectedEvery: .seconds(100 * 365 * 86_400),
            runsDuringMaintenance: true, isAvailable: true),
        Entry(
            name: "backup-delete", summary: "delete one backup", expectedEvery: .seconds(100 * 365 * 86_400),
            runsDuringMaintenance: true, isAvailable: true),
        Entry(
            name: "release", summary: "maintenance on, pre-release backup, migrate, maintenance off",
            expectedEvery: .seconds(100 * 365 * 86_400), runsDuringMaintenance: true, isAvailable: true),
        Entry(
            name: "demo-generate", summary: "order history for the demo chain (ocpizza demo)",
            expectedEvery: .seconds(100 * 365 * 86_400), runsDuringMaintenance: false, isAvailable: true),
    ]

    public static func entry(named name: String) -> Entry? {
        (nightlySteps + others).first { $0.name == name }
    }

    /// The chain's calendar for the nightly pipeline: Europe/Paris, day cutoff 04:00.
    public static let chainCalendar = BusinessCalendar(
        timeZone: TimeZone(identifier: "Europe/Paris") ?? .gmt,
        dayCutoff: (try? TimeOfDay(hour: 4, minute: 0)) ?? .midnight)

    /// The business date `nightly` works on by default: the one that closed most recently in
    /// the chain's time zone, i.e. "yesterday" after the 04:00 cutoff.
    public static func lastClosedBusinessDate(now: Date = Date()) -> CalendarDate {
        CalendarDate(chainCalendar.previousBusinessDate(asOf: now))
    }
}

extension CalendarDate {
    /// The database's `date` for a domain date (the two modules cannot see each other).
    public init(_ date: LocalDate) {
        guard let value = CalendarDate(year: date.year, month: date.month, day: date.day) else {
            preconditionFailure("\(date) is a valid LocalDate, so it is a valid CalendarDate")
        }
        self = value
    }
}

extension LocalDate {
    /// The domain date for a database `date`: the inverse of `CalendarDate(_: LocalDate)`.
    init(_ date: CalendarDate) {
        guard let value = try? LocalDate(year: date.year, month: date.month, day: date.day) else {
            preconditionFailure("\(date) is a valid CalendarDate, so it is a valid LocalDate")
        }
        self = value
    }
}
