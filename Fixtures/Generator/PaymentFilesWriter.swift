import Domain
import Foundation
import Postgres

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes the files the payment processors, the bank and the shops would have sent for the
/// payments already in the database, so that `ocpizza settle-payments` settles the demo history
/// (design note `docs/design/settle-payments.md` §6; layouts of `../shared/corpus/payments/FORMATS.md`).
///
/// | file | one per | content |
/// |---|---|---|
/// | `stripe-payout-<date>.csv` | Stripe payout day | itemized payout reconciliation (20 columns): the `online_card` captures of two days before (Paris dates), fee 1.5 % + 0.25, one daily `po_…` |
/// | `paypal-stl-<date>.csv` | Pacific day with PayPal captures | Settlement Report STL v009: a T0006 per capture (fee 3.4 % + 0.35), a T0400 at 23:30 sweeping the day's net to the bank, trailers |
/// | `bank-<date>.xml` | bank day, Monday to Friday | camt.053.001.02 of account ``iban``: a credit per Stripe payout and PayPal withdrawal (weekend arrivals on Monday), two supplier debits a week, OPBD/CLBD chained from day to day |
/// | `remittances-<date>.csv` | business date | a row per employee who collected money in person, totals = the collections |
///
/// A file is written once it is due by `to`: a Stripe payout on its payout day, a PayPal report
/// once its withdrawal has happened (Paris date), a bank statement and a remittance on their
/// day. Everything else matches exactly, except a few **deliberate discrepancies** on fixed days
/// before `to`, so the nightly summary shows one of each (``Deliberate``): a stray Stripe charge
/// (`paid_no_order`), a Stripe charge 0.50 above its order (`amount_difference`), a capture left
/// out of the reports (`unpaid_past_due`), a driver 5.00 short (`remittance_difference`), a
/// PayPal withdrawal missing from the bank (`payout_not_in_bank`) and an open Stripe dispute
/// (`disputed`).
///
/// Deterministic: identifiers, fees, times and the few invented figures come from the seed and
/// the payments (``SplitMix64`` keyed by stable hashes), never from the clock, so the same
/// database, seed and dates give byte-identical files.
public struct PaymentFilesWriter: Sendable {
    /// The chain's bank account (made up; valid IBAN key), the one `db seed --demo` declares.
    public static let iban = "FR7699999000010008532017489"

    public let seed: UInt64

    public init(seed: UInt64) {
        self.seed = seed
    }

    /// Writes the payment files for every business date in from...to whose files are due by `to`
    /// (a payout or bank booking after `to` is not written yet), into `directory`, each as a hidden
    /// `.<name>.part` then renamed; a file whose bytes would be identical to one already there (or
    /// already archived — pass the archive root to skip names already archived under it) is left alone.
    /// Deterministic: the same database and seed give byte-identical files. Returns the files written.
    public func write(
        session: PostgresSession, from: LocalDate, to: LocalDate, directory: String, archiveDirectory: String?
    ) throws -> Int {
        guard from <= to else { throw PaymentFilesError("from \(from) is after to \(to)") }
        let data = try Dataset.load(session: session, from: from, to: to)
        let files = Plan(seed: seed, data: data, from: from, to: to).files()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let archived = archiveDirectory.map(Self.archivedNames(under:)) ?? []
        var written = 0
        for file in files where !archived.contains(file.name) {
            if try Self.writeAtomically(file.bytes, directory: directory, fileName: file.name) { written += 1 }
        }
        return written
    }

    /// The names of the files under `root`, at any depth (`var/archive/payments/YYYY/MM/…`).
    static func archivedNames(under root: String) -> Set<String> {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var names: Set<String> = []
        while let path = walker.nextObject() as? String {
            names.insert((path as NSString).lastPathComponent)
        }
        return names
    }

    /// Writes `.<name>.part` next to the target and renames it over the target, so the importer
    /// (which skips hidden and `.part` files) never sees half a file; false when the target
    /// already holds these bytes.
    static func writeAtomically(_ bytes: [UInt8], directory: String, fileName: String) throws -> Bool {
        let path = directory + "/" + fileName
        if let existing = FileManager.default.contents(atPath: path), existing.elementsEqual(bytes) { return false }
        let temporary = directory + "/." + fileName + ".part"
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: temporary))
        } catch {
            throw PaymentFilesError("cannot write \(temporary): \(error)")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw PaymentFilesError("cannot rename \(temporary) to \(path): \(reason)")
        }
        return true
    }
}

/// Why the payment files could not be written.
public struct PaymentFilesError: Error, CustomStringConvertible, Sendable {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}

// MARK: - The plan: every file of the period, built in memory

extension PaymentFilesWriter {
    /// One output file.
    struct File {
        var name: String
        var bytes: [UInt8]
    }

    /// The deliberate discrepancies: which payment, shift or withdrawal each one touches.
    struct Deliberate {
        /// A captured Stripe payment left out of every report (`unpaid_past_due`).
        var unpaidPaymentID: Int64?
        /// A Stripe payment whose charge is 0.50 above the order (`amount_difference`).
        var overchargedPaymentID: Int64?
        /// A Stripe payment disputed (chargeback, fee 15.00) and never reversed (`disputed`).
        var disputedPaymentID: Int64?
        var disputedAt: Int64 = 0
        /// A charge with no order (`paid_no_order`), outside opening hours, no reference.
        var strayAt: Int64?
        var strayAmount: Int64 = 0
        /// A driver's shift whose cash is 5.00 short (`remittance_difference`).
        var shortShift: Shift.Key?
        /// The Pacific date of a PayPal withdrawal the bank statement leaves out (`payout_not_in_bank`).
        var unbankedWithdrawal: LocalDate?

        static let overcharge: Int64 = 50
        static let disputeFee: Int64 = 1_500
        static let shortCash: Int64 = 500
    }

    /// Builds the files of from...to from the loaded payments.
    struct Plan {
        typealias Writer = PaymentFilesWriter
        typealias FileClock = PaymentFilesWriter.FileClock

        let seed: UInt64
        let data: Dataset
        let from: LocalDate
        let to: LocalDate
        let deliberate: Deliberate

        init(seed: UInt64, data: Dataset, from: LocalDate, to: LocalDate) {
            self.seed = seed
            self.data = data
            self.from = from
            self.to = to
            deliberate = Self.chooseDeliberate(seed: seed, data: data, to: to)
        }

        func files() -> [File] {
            let stripe = stripePayouts()
            let paypal = paypalDays()
            var files: [File] = []
            for payout in stripe where payout.day >= from && payout.day <= to {
                files.append(File(name: "stripe-payout-\(payout.day).csv", bytes: stripeCSV(payout)))
            }
            // Only days whose withdrawal (23:30 Pacific, the next morning in Paris) is done by `to`.
            for day in paypal where day.date >= from {
                files.append(File(name: "paypal-stl-\(day.date).csv", bytes: paypalSTL(day)))
            }
            for statement in bankStatements(stripe: stripe, paypal: paypal) where statement.date >= from {
                files.append(File(name: "bank-\(statement.date).xml", bytes: camt053(statement)))
            }
            for (date, shifts) in remittanceDays() {
                files.append(File(name: "remittances-\(date).csv", bytes: remittanceCSV(shifts)))
            }
            return files
        }

        /// Fixed days before `to`, so the discrepancies are recent enough for the summary and old
        /// enough to be due: each searches its day, then up to a week earlier, for a candidate.
        static func chooseDeliberate(seed: UInt64, data: Dataset, to: LocalDate) -> Deliberate {
            var deliberate = Deliberate()
            func pick<T>(_ kind: String, _ target: Int, _ candidates: (LocalDate) -> [T]) -> T? {
                for back in 0..<7 {
                    let day = to.adding(days: -(target + back))
                    if let origin = data.origin, day < origin { return nil }
                    let found = candidates(day)
                    if !found.isEmpty {
                        var random = SplitMix64(seed: seed, StableHash.fnv1a("deliberate"), StableHash.fnv1a(kind))
                        return found[random.below(found.count)]
                    }
                }
                return nil
            }
            func stripeCaptures(on day: LocalDate, excluding: [Int64?]) -> [StripeCapture] {
                data.stripe.filter {
                    FileClock.date(of: $0.at, in: FileClock.paris) == day && !excluding.contains($0.paymentID)
                }
            }
            deliberate.unpaidPaymentID = pick("unpaid", 5) { stripeCaptures(on: $0, excluding: []) }?.paymentID
            deliberate.overchargedPaymentID =
                pick("overcharged", 4) { stripeCaptures(on: $0, excluding: [deliberate.unpaidPaymentID]) }?.paymentID
            deliberate.disputedPaymentID =
                pick("disputed", 6) {
                    stripeCaptures(on: $0, excluding: [deliberate.unpaidPaymentID, deliberate.overchargedPaymentID])
                }?.paymentID
            deliberate.disputedAt = FileClock.instant(to.adding(days: -3), 10, 17, 0, in: FileClock.paris)
            // Before opening (shops open at 11:30): no capture within the 30 minutes of rule 3.
            deliberate.strayAt = FileClock.instant(to.adding(days: -3), 9, 40, 12, in: FileClock.paris)
            var random = SplitMix64(seed: seed, StableHash.fnv1a("stray-amount"))
            deliberate.strayAmount = 1_500 + Int64(random.below(2_500))
            deliberate.shortShift =
                pick("short", 2) { day in
                    data.shifts.filter { $0.key.date == day && $0.role == "driver" && $0.cash >= Deliberate.shortCash }
                }?.key
            let withdrawalDays = Set(data.paypal.map { FileClock.date(of: $0.at, in: FileClock.pacific) })
            deliberate.unbankedWithdrawal = pick("unbanked", 6) { withdrawalDays.contains($0) ? [$0] : [] }
            return deliberate
        }

        /// A deterministic generator for one thing (`kind`, `key`).
        func random(_ kind: String, _ key: String) -> SplitMix64 {
            SplitMix64(seed: seed, StableHash.fnv1a(kind), StableHash.fnv1a(key))
        }

        /// `count` characters from `alphabet`, the same for the same (kind, key) and seed.
        func token(_ kind: String, _ key: String, _ count: Int, _ alphabet: Token = .mixed) -> String {
            var generator = random(kind, key)
            let characters = alphabet.characters
            return String((0..<count).map { _ in characters[generator.below(characters.count)] })
        }
    }

    enum Token {
        case mixed, upper, digits

        private static let mixedCharacters = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        private static let upperCharacters = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        private static let digitCharacters = Array("0123456789")

        var characters: [Character] {
            switch self {
            case .mixed: Self.mixedCharacters
            case .upper: Self.upperCharacters
            case .digits: Self.digitCharacters
            }
        }
    }
}

// MARK: - Shared text helpers

extension PaymentFilesWriter {
    /// Instants (seconds since 1970) in the zones the files use, with integer arithmetic only.
    enum FileClock {
        // Both identifiers are in every tz database; a missing one is a broken installation.
        static let paris = TimeZone(identifier: "Europe/Paris")!
        static let pacific = TimeZone(identifier: "America/Los_Angeles")!
        static let utc = TimeZone(identifier: "UTC")!
        static let epochDate = (try? LocalDate(year: 1970, month: 1, day: 1))!

        struct Civil {
            var date: LocalDate
            var hour, minute, second: Int
            /// Seconds east of UTC.
            var offset: Int
        }

        static func offset(at instant: Int64, in zone: TimeZone) -> Int {
            zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant)))
        }

        static func civil(_ instant: Int64, in zone: TimeZone) -> Civil {
            let offset = offset(at: instant, in: zone)
            let wall = instant + Int64(offset)
            let days = wall >= 0 ? wall / 86_400 : (wall - 86_399) / 86_400
            let second = Int(wall - days * 86_400)
            return Civil(
                date: epochDate.adding(days: Int(days)), hour: second / 3_600, minute: second / 60 % 60,
                second: second % 60, offset: offset)
        }

        static func date(of instant: Int64, in zone: TimeZone) -> LocalDate {
            civil(instant, in: zone).date
        }

        /// The instant a wall clock in `zone` reads the given time (times in a spring-forward gap
        /// are never asked for: the files use 00:00, 06:00, 09:40, 10:17, 22:00 and 23:30).
        static func instant(_ date: LocalDate, _ hour: Int, _ minute: Int, _ second: Int, in zone: TimeZone) -> Int64 {
            let wall = Int64(epochDate.days(until: date)) * 86_400 + Int64(hour * 3_600 + minute * 60 + second)
            let guess = wall - Int64(offset(at: wall, in: zone))
            return wall - Int64(offset(at: guess, in: zone))
        }

        static func pad(_ value: Int, _ width: Int = 2) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }

        /// `2026-11-18 07:12:45` (Stripe's `*_utc` columns).
        static func stripeText(_ instant: Int64) -> String {
            let c = civil(instant, in: utc)
            return "\(c.date) \(pad(c.hour)):\(pad(c.minute)):\(pad(c.second))"
        }

        /// `2026/11/18 04:12:33 -0800` (PayPal, in the reporting window's zone).
        static func paypalText(_ instant: Int64) -> String {
            let c = civil(instant, in: pacific)
            let date = "\(pad(c.date.year, 4))/\(pad(c.date.month))/\(pad(c.date.day))"
            let sign = c.offset < 0 ? "-" : "+"
            let minutes = abs(c.offset) / 60
            return
                "\(date) \(pad(c.hour)):\(pad(c.minute)):\(pad(c.second)) \(sign)\(pad(minutes / 60))\(pad(minutes % 60))"
        }

        /// `2026-11-18T19:42:10+01:00` (ISO 8601 with the zone's offset).
        static func isoText(_ instant: Int64, in zone: TimeZone) -> String {
            let c = civil(instant, in: zone)
            let sign = c.offset < 0 ? "-" : "+"
            let minutes = abs(c.offset) / 60
            return
                "\(c.date)T\(pad(c.hour)):\(pad(c.minute)):\(pad(c.second))\(sign)\(pad(minutes / 60)):\(pad(minutes % 60))"
        }

        /// The next Monday-to-Friday date on or after `date` (the bank books weekend arrivals on Monday).
        static func bankDay(onOrAfter date: LocalDate) -> LocalDate {
            switch date.isoWeekday {
            case 6: date.adding(days: 2)
            case 7: date.adding(days: 1)
            default: date
            }
        }
    }

    /// Cents as a decimal with two digits: `1234` → `12.34`, `-5` → `-0.05`.
    static func euros(_ cents: Int64) -> String {
        let magnitude = cents.magnitude
        return (cents < 0 ? "-" : "") + String(magnitude / 100) + "." + FileClock.pad(Int(magnitude % 100))
    }

    /// A CSV field, quoted only when it must be (RFC 4180).
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Stripe's fee: 1.5 % + 0.25, half-up to the cent (30.00 → 0.70, 24.50 → 0.62).
    static func stripeFee(_ gross: Int64) -> Int64 {
        (gross * 15 + 500) / 1_000 + 25
    }

    /// PayPal's fee: 3.4 % + 0.35, half-up to the cent.
    static func paypalFee(_ gross: Int64) -> Int64 {
        (gross * 34 + 500) / 1_000 + 35
    }
}
