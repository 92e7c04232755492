import Checksums
import Foundation
import Logging
import Postgres
import SupplierDocuments
import Synchronization

/// What happened to one input file (or one held document taken up again), for the summary and
/// `--json`.
public struct SupplierFileResult: Sendable, Codable, Equatable {
    public enum Outcome: String, Sendable, Codable {
        /// Committed: posted to stock, or recorded without stock effect.
        case imported
        /// Committed but waiting for an operator (unknown supplier, shop or item, price jump...).
        case held
        /// The same bytes were imported before: nothing imported, file refused.
        case duplicate
        /// Refused: nothing of it is in the database.
        case rejected
        /// A held document of an earlier run, now complete and posted.
        case released
        /// `--validate-only`: the file reads, validates and adds up (nothing written, not moved).
        case valid
    }

    public var file: String
    public var outcome: Outcome
    public var documentID: Int64?
    public var kind: String?
    public var number: String?
    public var supplier: String?
    /// The document's status: posted, recorded or held.
    public var status: String?
    public var linesPosted: Int
    public var linesHeld: Int
    public var reason: String?
    /// Where the file went (archive/ or rejected/).
    public var movedTo: String?
}

/// A setup problem that stops the whole run before any file (missing schemas): exit 78.
public struct SupplierImportSetupError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// `import-supplier`: supplier e-invoices and despatch advices from the inbox into the stock
/// ledger and purchase prices. Each document commits in its own transaction; a file moves to
/// archive/ only after its commit, or to rejected/ with a reason. Held documents of earlier runs
/// are taken up again first, so mapping an item and re-running is all an operator does.
public final class SupplierImportJob: Sendable {
    /// Files or folders; nil means the inbox, `var/inbox/supplier`.
    public let paths: [String]?
    public let settings: SupplierImportSettings
    public let schemaDirectory: String?
    private let collected = Mutex<[SupplierFileResult]>([])

    public static let folder = "supplier"

    /// Only read, validate and check the arithmetic: no database write, no file moved.
    public let validateOnly: Bool

    public init(
        paths: [String]? = nil, settings: SupplierImportSettings = .init(), schemaDirectory: String? = nil,
        validateOnly: Bool = false
    ) {
        self.validateOnly = validateOnly
        self.paths = paths
        self.settings = settings
        self.schemaDirectory = schemaDirectory
    }

    /// Every file's result, in processing order (held documents taken up again first).
    public var results: [SupplierFileResult] { collected.withLock { $0 } }

    public func run(_ context: JobContext) async throws -> JobOutcome {
        let schemas: SupplierSchemas
        do {
            schemas = try SupplierSchemas(directory: schemaDirectory)
            try schemas.compileAll()
        } catch {
            throw SupplierImportSetupError(description: error.description)
        }
        var settings = self.settings
        settings.runID = context.runID
        let inbox = InboxFiles(varDirectory: context.varDirectory, folder: Self.folder)
        if validateOnly { return try validate(InboxFiles.list(paths ?? [inbox.inbox]), schemas: schemas, context) }
        if paths == nil {
            try? FileManager.default.createDirectory(atPath: inbox.inbox, withIntermediateDirectories: true)
        }
        let files = try InboxFiles.list(paths ?? [inbox.inbox])
        let connection = try await PostgresConnection.connect(conninfo: context.conninfo, logger: context.logger)
        do {
            let outcome = try await importAll(
                files, connection: connection, schemas: schemas, inbox: inbox, settings: settings, context: context)
            await connection.close()
            return outcome
        } catch {
            await connection.close()
            throw error
        }
    }

    /// Held documents first, then every file, each in its own transaction.
    private func importAll(
        _ files: [String], connection: PostgresConnection, schemas: SupplierSchemas, inbox: InboxFiles,
        settings: SupplierImportSettings, context: JobContext
    ) async throws -> JobOutcome {
        let directory = try await connection.withSession { try PartyDirectory.load($0) }
        let items = SupplierItemCache()

        let released = try await connection.withSession { [settings] session in
            try HeldDocuments.retry(session, directory: directory, items: items, settings: settings)
        }
        collected.withLock { $0.append(contentsOf: released) }

        for (index, path) in files.enumerated() {
            try Task.checkCancellation()
            context.progress.update(done: index, total: files.count, unit: "files")
            let result = try await importFile(
                path, connection: connection, schemas: schemas, directory: directory, items: items, inbox: inbox,
                settings: settings)
            context.logger.log(
                level: result.outcome == .rejected || result.outcome == .duplicate ? .warning : .info,
                "supplier file \(result.outcome.rawValue)",
                metadata: [
                    "file": "\(path)", "document.number": "\(result.number ?? "-")",
                    "document.status": "\(result.status ?? "-")", "reason": "\(result.reason ?? "-")",
                ])
            collected.withLock { $0.append(result) }
        }
        inbox.syncAll()
        context.progress.update(done: files.count, total: files.count, unit: "files")
        return Self.outcome(results, files: files.count)
    }

    /// `--validate-only`: what an operator runs on a new supplier's sample files, and what the
    /// benchmark compares with `xmllint --stream --schema`.
    private func validate(_ files: [String], schemas: SupplierSchemas, _ context: JobContext) throws -> JobOutcome {
        var invalid = 0
        for (index, path) in files.enumerated() {
            try Task.checkCancellation()
            context.progress.update(done: index, total: files.count, unit: "files")
            var result = SupplierFileResult(file: path, outcome: .valid, linesPosted: 0, linesHeld: 0)
            do {
                var arithmetic: DocumentArithmetic?
                let read = try SupplierDocumentReader.read(file: path, schemas: schemas) { line, header in
                    if arithmetic == nil { arithmetic = DocumentArithmetic(file: path, kind: header.kind) }
                    try arithmetic?.add(line)
                }
                if read.header.kind != .despatchAdvice, !read.header.profileHasNoLines {
                    try (arithmetic ?? DocumentArithmetic(file: path, kind: read.header.kind)).finish(
                        read.settlement, currency: read.header.currency)
                }
                result.kind = read.header.kind.rawValue
                result.number = read.header.number
                result.supplier = read.header.seller.name
            } catch {
                result.outcome = .rejected
                result.reason = "\(error)"
                invalid += 1
            }
            collected.withLock { $0.append(result) }
        }
        return JobOutcome(
            status: invalid > 0 ? .partial : .ok, counts: ["files": files.count, "files_invalid": invalid],
            message: "validate only: nothing written, no file moved")
    }

    static func outcome(_ results: [SupplierFileResult], files: Int) -> JobOutcome {
        func count(_ outcome: SupplierFileResult.Outcome) -> Int { results.filter { $0.outcome == outcome }.count }
        let refused = count(.rejected) + count(.duplicate)
        let held = results.filter { $0.outcome == .held }.count
        let counts = [
            "files": files, "documents_imported": count(.imported), "documents_held": held,
            "documents_released": count(.released), "files_duplicate": count(.duplicate),
            "files_rejected": count(.rejected), "lines_posted": results.reduce(0) { $0 + $1.linesPosted },
            "lines_held": results.reduce(0) { $0 + $1.linesHeld },
        ]
        var notes: [String] = []
        if refused > 0 { notes.append("\(refused) file(s) refused: see var/rejected/\(folder)/*.reason.txt") }
        if held > 0 { notes.append("\(held) document(s) held: ocpizza supplier-documents list --held") }
        return JobOutcome(
            status: refused > 0 ? .partial : .ok, counts: counts,
            message: notes.isEmpty ? nil : notes.joined(separator: "; "))
    }

    private func importFile(
        _ path: String, connection: PostgresConnection, schemas: SupplierSchemas, directory: PartyDirectory,
        items: SupplierItemCache, inbox: InboxFiles, settings: SupplierImportSettings
    ) async throws -> SupplierFileResult {
        let fileName = (path as NSString).lastPathComponent
        var result = SupplierFileResult(file: path, outcome: .rejected, linesPosted: 0, linesHeld: 0)
        let sha256: String
        do { sha256 = try SHA256Digest.hex(ofFile: path) } catch {
            return try refuse(result, path: path, reason: "\(path): cannot read: \(error)", inbox: inbox)
        }
        if let earlier = try await connection.withSession({ try EarlierImport.find(sha256: sha256, in: $0) }) {
            result.documentID = earlier.id
            result.number = earlier.number
            result.status = earlier.status
            if earlier.fileName == fileName, !inbox.isArchived(fileName, receivedAt: earlier.receivedAt) {
                // Committed by a run that stopped before moving the file: finish the move.
                result.outcome = earlier.status == "held" ? .held : .imported
                result.reason = "already committed by an interrupted run; file archived now"
                result.movedTo = try inbox.archive(path, at: earlier.receivedAt)
                return result
            }
            result.outcome = .duplicate
            return try refuse(
                result, path: path,
                reason:
                    "\(path): duplicate: the same file was imported as \(earlier.fileName) (document #\(earlier.id), "
                    + "\(earlier.kind) \(earlier.number), \(earlier.status)); nothing imported",
                inbox: inbox)
        }
        do {
            let outcome = try await connection.withSession { session in
                try session.transaction { session in
                    try Self.importDocument(
                        path: path, fileName: fileName, sha256: sha256, session: session, schemas: schemas,
                        directory: directory, items: items, settings: settings)
                }
            }
            result = outcome
            result.file = path
            result.movedTo = try inbox.archive(path)
            return result
        } catch let error as SupplierDocumentError {
            return try refuse(result, path: path, reason: error.description, inbox: inbox)
        } catch let error as PostgresError where error.isDataError {
            return try refuse(
                result, path: path, reason: "\(path): refused by the database: \(error.message)", inbox: inbox)
        }
    }

    private func refuse(
        _ result: SupplierFileResult, path: String, reason: String, inbox: InboxFiles
    ) throws
        -> SupplierFileResult
    {
        var refused = result
        refused.reason = reason
        refused.movedTo = try inbox.reject(path, reason: reason)
        return refused
    }

    /// Reads, checks, resolves and writes one document: runs inside its transaction.
    static func importDocument(
        path: String, fileName: String, sha256: String, session: PostgresSession, schemas: SupplierSchemas,
        directory: PartyDirectory, items: SupplierItemCache, settings: SupplierImportSettings
    ) throws -> SupplierFileResult {
        let importer = DocumentImport(
            session: session, file: path, fileName: fileName, sha256: sha256, directory: directory, items: items,
            settings: settings)
        let read: ReadDocument
        if FacturXPDF.isPDF(path: path) {
            let attachment = try FacturXPDF.extractXML(fromPDF: path)
            read = try SupplierDocumentReader.read(
                bytes: attachment.bytes, name: "\(path)#\(attachment.name)", fromPDF: true, schemas: schemas
            ) { line, header in try importer.accept(line, header: header) }
        } else {
            read = try SupplierDocumentReader.read(file: path, schemas: schemas) { line, header in
                try importer.accept(line, header: header)
            }
        }
        let (document, disposition) = try importer.finish(read)
        return SupplierFileResult(
            file: path, outcome: disposition.status == "held" ? .held : .imported, documentID: document.id,
            kind: read.header.kind.rawValue, number: read.header.number,
            supplier: document.supplier?.name ?? read.header.seller.name, status: disposition.status,
            linesPosted: disposition.posts ? importer.stockLines : 0, linesHeld: importer.linesHeld,
            reason: disposition.note)
    }
}

/// A document already imported from the same bytes.
struct EarlierImport: Sendable {
    var id: Int64
    var fileName: String
    var kind: String
    var number: String
    var status: String
    var receivedAt: Date

    static func find(sha256: String, in session: PostgresSession) throws -> EarlierImport? {
        guard
            let row = try session.query(
                """
                SELECT id, file_name, kind, number, status, received_at FROM supplier_document
                WHERE file_sha256 = \(sha256)
                """
            ).first
        else { return nil }
        return EarlierImport(
            id: try row.decode("id"), fileName: try row.decode("file_name"), kind: try row.decode("kind"),
            number: try row.decode("number"), status: try row.decode("status"),
            receivedAt: try row.decode("received_at"))
    }
}

extension InboxFiles {
    /// Whether a file of this name is already in the archive of the month it was received.
    func isArchived(_ name: String, receivedAt: Date) -> Bool {
        FileManager.default.fileExists(atPath: archive(for: receivedAt) + "/" + name)
    }
}

extension PostgresError {
    /// A value the schema refuses (class 22 data exception, class 23 integrity constraint): the
    /// input is wrong, not the database. Such a file is refused; anything else fails the run.
    var isDataError: Bool {
        guard let state = sqlState?.rawValue else { return false }
        return state.hasPrefix("22") || state.hasPrefix("23")
    }
}
