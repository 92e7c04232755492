import Foundation
import Postgres
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `ocpizza import-supplier` through the built binary against a real PostgreSQL: the public
/// EN 16931 corpus of `../shared/corpus/einvoice`, a MINIMUM-profile invoice, hostile and broken
/// inputs, duplicates and number conflicts, Factur-X PDFs, and a run stopped between its commit
/// and the move of the file.
///
/// Input files are copied into the scratch folder's `var/inbox/supplier` (the job moves what it
/// reads; the shared corpus is never touched).
@Suite("Supplier import: corpus, hostile inputs, duplicates, Factur-X PDF, interrupted run")
struct SupplierImportCorpusTests {
    typealias Support = SupplierCorpusSupport

    // MARK: 1. The corpus

    @Test("corpus: 4 files rejected with file and line, the 29 others held (unknown supplier), no stock moved")
    func corpusOutcomes() async throws {
        let files = try Support.corpusFiles()
        try #require(files.count == 33, "expected the 33 corpus documents, found \(files.count)")
        try await Support.withWorkspace(seedDemo: true) { workspace in
            try await workspace.expectNoCorpusSellerKnown(files)
            for file in files { try workspace.put(file) }

            let result = try await workspace.importSupplier()
            #expect(result.status == 65, "\(result)")
            let results = try Support.fileResults(result)
            #expect(results.count == 33, "\(result)")

            let expectedRejections: [String: [String]] = [
                "cen_CII_example8.xml": ["line 3", "15.24", "167.64"],
                "cen_ubl-tc434-example2.xml": ["line 1", "2 × 1273.00", "1273.00"],
                "oasis_UBL-CreditNote-2.1-Example.xml": ["charge", "VAT category"],
                "oasis_UBL-Invoice-2.1-Example.xml": ["line 1", "1273.00"],
            ]
            let rejected = Set(results.filter { $0.value["outcome"] as? String == "rejected" }.keys)
            #expect(rejected == Set(expectedRejections.keys), "\(result)")
            for (name, fragments) in expectedRejections {
                let reason = try workspace.rejectionReason(name)
                let location = try #require(Support.ReasonLocation(reason, fileName: name), "\(name): \(reason)")
                let line = try #require(location.line, "no line in the reason of \(name): \(reason)")
                let fileLines = try Support.lineCount(of: files.first { $0.lastPathComponent == name })
                #expect(line > 0 && line <= fileLines, "\(name): line \(line) of \(fileLines): \(reason)")
                for fragment in fragments {
                    #expect(location.message.contains(fragment), "\(name): '\(fragment)' missing: \(reason)")
                }
                #expect(results[name]?["reason"] as? String == reason.trimmingCharacters(in: .newlines))
                #expect(!FileManager.default.fileExists(atPath: workspace.inbox + "/" + name))
            }

            // Every other file: held for its unknown seller, with all its lines stored.
            let rows = try await workspace.documentRows()
            #expect(rows.count == 29, "\(rows)")
            for file in files where expectedRejections[file.lastPathComponent] == nil {
                let name = file.lastPathComponent
                #expect(results[name]?["outcome"] as? String == "held", "\(name): \(results[name] ?? [:])")
                #expect(results[name]?["status"] as? String == "held", "\(name)")
                let row = try #require(rows[name], "no supplier_document row for \(name)")
                #expect(row.status == "held" && row.holdReason == "unknown_supplier", "\(name): \(row)")
                #expect(row.supplierID == nil, "\(name): \(row)")
                #expect(row.format == Support.expectedFormat(file), "\(name): \(row)")
                #expect(row.kind == Support.expectedKind(file), "\(name): \(row)")
                let lines = try Support.documentLineCount(file)
                #expect(
                    row.lineCount == lines && row.storedLines == lines, "\(name): \(lines) lines in the file, \(row)")
                let archived = try #require(results[name]?["movedTo"] as? String, "\(name)")
                #expect(archived.hasPrefix(workspace.varDirectory + "/archive/supplier/"), "\(archived)")
                #expect(FileManager.default.fileExists(atPath: archived), "\(archived)")
            }
            #expect(rows["fnfe_Facture_FR_MINIMUM.factur-x.xml"]?.lineCount == 0)
            #expect(rows["fnfe_Facture_FR_BASICWL.factur-x.xml"]?.lineCount == 0)
            #expect(try await workspace.count("stock_movement") == 0)
            #expect(try await workspace.count("purchase_price") == 0)
            let leftInInbox = try workspace.inboxNames()
            #expect(leftInInbox.isEmpty, "\(leftInInbox)")

            let counts = result.json?["run"].flatMap { ($0 as? [String: Any])?["counts"] as? [String: Any] } ?? [:]
            #expect(counts["files"] as? Int == 33, "\(result)")
            #expect(counts["files_rejected"] as? Int == 4, "\(result)")
            #expect(counts["documents_held"] as? Int == 29, "\(result)")
            #expect(counts["lines_posted"] as? Int == 0, "\(result)")
        }
    }

    // MARK: 2. MINIMUM profile

    @Test("MINIMUM profile of a known supplier: recorded, 0 lines, 0 movements, 'carries no lines' (exit 0)")
    func minimumProfile() async throws {
        let file = try Support.corpusFile("cii/fnfe_Facture_FR_MINIMUM.factur-x.xml")
        try await Support.withWorkspace { workspace in
            try await workspace.execute(
                "INSERT INTO supplier (name, siren, vat_id) VALUES ('Au bon moulin', '999999998', 'FR11999999998')")
            let supplierID = try await workspace.value("SELECT id::text FROM supplier WHERE siren = '999999998'")
            try workspace.put(file)

            let result = try await workspace.importSupplier()
            #expect(result.status == 0, "\(result)")
            let entry = try #require(try Support.fileResults(result)[file.lastPathComponent], "\(result)")
            #expect(entry["outcome"] as? String == "imported", "\(result)")
            #expect(entry["status"] as? String == "recorded", "\(result)")
            #expect(entry["number"] as? String == "FA-2017-0010", "\(result)")
            #expect(entry["supplier"] as? String == "Au bon moulin", "\(result)")
            #expect(entry["linesPosted"] as? Int == 0 && entry["linesHeld"] as? Int == 0, "\(result)")
            let reason = entry["reason"] as? String ?? ""
            #expect(reason.contains("carries no lines"), "\(reason)")
            #expect(reason.contains("nothing posted"), "\(reason)")

            let rows = try await workspace.documentRows()
            let row = try #require(rows[file.lastPathComponent], "\(rows)")
            #expect(row.status == "recorded" && row.holdReason == nil, "\(row)")
            #expect(row.supplierID == supplierID, "\(row)")
            #expect(row.lineCount == 0 && row.storedLines == 0, "\(row)")
            #expect(row.statusReason?.contains("carries no lines") == true, "\(row)")
            #expect(try await workspace.count("stock_movement") == 0)
            #expect(try await workspace.count("purchase_price") == 0)
        }
    }

    // MARK: 3. Hostile and broken inputs

    @Test(
        "hostile or broken file beside a valid one: refused with file and line, no row, the valid one held (exit 65)",
        arguments: SupplierCorpusSupport.HostileInput.allCases)
    func hostileInput(_ input: SupplierCorpusSupport.HostileInput) async throws {
        let valid = try Support.corpusFile("ubl-invoice/cen_ubl-tc434-example5.xml")
        try await Support.withWorkspace { workspace in
            // An external DTD points at a port that listens here: a fetch would show as a connection.
            let listener = input == .externalDTD ? try Support.Listener() : nil
            defer { listener?.close() }
            let hostile = try input.make(dtdPort: listener?.port ?? 9)
            try workspace.write(hostile.bytes, as: input.fileName)
            try workspace.put(valid)
            let before = try await workspace.count("supplier_document")
            #expect(before == 0)

            // A hostile file must not make the run hang or balloon: it finishes well within the
            // timeout (no timing assertion beyond that: the suite runs on busy machines).
            let result = try await workspace.importSupplier(timeout: .seconds(600))
            #expect(!result.timedOut, "\(input): \(result)")
            #expect(result.status == 65, "\(result)")

            let results = try Support.fileResults(result)
            #expect(results[input.fileName]?["outcome"] as? String == "rejected", "\(result)")
            #expect(results[valid.lastPathComponent]?["outcome"] as? String == "held", "\(result)")

            let reason = try workspace.rejectionReason(input.fileName)
            let location = try #require(Support.ReasonLocation(reason, fileName: input.fileName), "\(reason)")
            let line = try #require(location.line, "no line in the reason: \(reason)")
            #expect(line > 0, "\(reason)")
            if let exact = hostile.line { #expect(line == exact, "\(reason)") }
            for fragment in hostile.reasonFragments {
                #expect(location.message.contains(fragment), "'\(fragment)' missing: \(reason)")
            }
            #expect(!reason.contains("root:"), "the reason leaks a local file: \(reason)")

            let rows = try await workspace.documentRows()
            #expect(Set(rows.keys) == [valid.lastPathComponent], "\(rows)")
            #expect(rows[input.fileName] == nil)
            #expect(rows[valid.lastPathComponent]?.storedLines == 3, "\(rows)")
            #expect(try await workspace.count("supplier_document_line") == 3)
            let leftInInbox = try workspace.inboxNames()
            #expect(leftInInbox.isEmpty, "\(leftInInbox)")
            if let listener { #expect(!listener.wasContacted(), "the importer fetched the external DTD") }
        }
    }

    // MARK: 4. Duplicates and conflicts

    @Test("same bytes under another name: duplicate; same number and seller in CII then UBL: conflict")
    func duplicateAndConflict() async throws {
        let cii = try Support.corpusFile("cii/cen_CII_example1.xml")
        let ubl = try Support.corpusFile("ubl-invoice/cen_ubl-tc434-example1.xml")
        try await Support.withWorkspace { workspace in
            // The document says NL8200.98.395.B.01; the supplier table keeps the compact form.
            try await workspace.execute("INSERT INTO supplier (name, vat_id) VALUES ('De Koksmaat', 'NL820098395B01')")
            let supplierID = try await workspace.value("SELECT id::text FROM supplier WHERE vat_id = 'NL820098395B01'")

            try workspace.put(cii)
            let first = try await workspace.importSupplier()
            #expect(first.status == 0, "\(first)")
            let firstEntry = try #require(try Support.fileResults(first)[cii.lastPathComponent], "\(first)")
            #expect(firstEntry["outcome"] as? String == "held", "\(first)")
            #expect(firstEntry["supplier"] as? String == "De Koksmaat", "\(first)")
            let documentID = try #require(firstEntry["documentID"] as? Int, "\(first)")
            let rows = try await workspace.documentRows()
            let row = try #require(rows[cii.lastPathComponent], "\(rows)")
            #expect(row.supplierID == supplierID, "the VAT id did not match the supplier: \(row)")
            // Known seller, unknown items: held for its lines, not for its supplier.
            #expect(row.status == "held" && row.holdReason == "held_lines", "\(row)")

            // The same bytes under another name.
            let copy = "cen_CII_example1-resent.xml"
            try workspace.put(cii, as: copy)
            let duplicate = try await workspace.importSupplier()
            #expect(duplicate.status == 65, "\(duplicate)")
            #expect(try Support.fileResults(duplicate)[copy]?["outcome"] as? String == "duplicate", "\(duplicate)")
            let duplicateReason = try workspace.rejectionReason(copy)
            #expect(Support.ReasonLocation(duplicateReason, fileName: copy) != nil, "\(duplicateReason)")
            #expect(duplicateReason.contains("duplicate"), "\(duplicateReason)")
            #expect(duplicateReason.contains(cii.lastPathComponent), "\(duplicateReason)")
            #expect(duplicateReason.contains("#\(documentID)"), "\(duplicateReason)")
            #expect(try await workspace.count("supplier_document") == 1)

            // The same invoice 12115118 of the same seller, in UBL: other bytes, same number.
            try workspace.put(ubl)
            let conflict = try await workspace.importSupplier()
            #expect(conflict.status == 65, "\(conflict)")
            #expect(try Support.fileResults(conflict)[ubl.lastPathComponent]?["outcome"] as? String == "rejected")
            let conflictReason = try workspace.rejectionReason(ubl.lastPathComponent)
            #expect(Support.ReasonLocation(conflictReason, fileName: ubl.lastPathComponent) != nil, "\(conflictReason)")
            #expect(conflictReason.contains("conflict"), "\(conflictReason)")
            #expect(conflictReason.contains("12115118"), "\(conflictReason)")
            #expect(conflictReason.contains(cii.lastPathComponent), "\(conflictReason)")
            #expect(conflictReason.contains("#\(documentID)"), "\(conflictReason)")

            let after = try await workspace.documentRows()
            #expect(Set(after.keys) == [cii.lastPathComponent], "\(after)")
            #expect(after[cii.lastPathComponent]?.id == String(documentID), "\(after)")
            #expect(after[cii.lastPathComponent]?.status == "held", "\(after)")
            #expect(after[cii.lastPathComponent]?.storedLines == 20, "\(after)")
            #expect(try await workspace.count("supplier_document_line") == 20)
            let leftInInbox = try workspace.inboxNames()
            #expect(leftInInbox.isEmpty, "\(leftInInbox)")
        }
    }

    // MARK: 5. Factur-X PDF

    @Test(
        "Factur-X PDF (qpdf attachment factur-x.xml): held for its unknown seller, format facturx",
        .enabled(if: SupplierCorpusSupport.hasQPDF))
    func facturXPDF() async throws {
        let xml = try Support.corpusFile("cii/fnfe_Facture_FR_EN16931.factur-x.xml")
        try await Support.withWorkspace { workspace in
            let pdf = workspace.scratch.path + "/facture-FA-2017-0010.pdf"
            try Support.qpdf([
                "--empty", "--add-attachment", xml.path, "--key=factur-x.xml", "--mimetype=text/xml", "--", pdf,
            ])
            try workspace.put(URL(fileURLWithPath: pdf))

            let result = try await workspace.importSupplier()
            #expect(result.status == 0, "\(result)")
            let entry = try #require(try Support.fileResults(result)["facture-FA-2017-0010.pdf"], "\(result)")
            #expect(entry["outcome"] as? String == "held", "\(result)")
            #expect(entry["number"] as? String == "FA-2017-0010", "\(result)")
            let rows = try await workspace.documentRows()
            let row = try #require(rows["facture-FA-2017-0010.pdf"], "\(rows)")
            #expect(row.format == "facturx", "\(row)")
            #expect(row.status == "held" && row.holdReason == "unknown_supplier", "\(row)")
            #expect(row.lineCount == 3 && row.storedLines == 3, "\(row)")
            #expect(try await workspace.count("stock_movement") == 0)
        }
    }

    @Test(
        "a PDF without attachment: rejected, the reason asks for the Factur-X XML",
        .enabled(if: SupplierCorpusSupport.hasQPDF))
    func pdfWithoutAttachment() async throws {
        try await Support.withWorkspace { workspace in
            let pdf = workspace.scratch.path + "/scan.pdf"
            try Support.qpdf(["--empty", pdf])
            try workspace.put(URL(fileURLWithPath: pdf))

            let result = try await workspace.importSupplier()
            #expect(result.status == 65, "\(result)")
            #expect(try Support.fileResults(result)["scan.pdf"]?["outcome"] as? String == "rejected", "\(result)")
            let reason = try workspace.rejectionReason("scan.pdf")
            #expect(Support.ReasonLocation(reason, fileName: "scan.pdf") != nil, "\(reason)")
            #expect(reason.contains("Factur-X XML"), "\(reason)")
            #expect(try await workspace.count("supplier_document") == 0)
        }
    }

    // MARK: 6. Stopped between commit and move

    @Test("committed but not moved (killed before the move): the re-run archives it, no second row (exit 0)")
    func interruptedBeforeTheMove() async throws {
        let file = try Support.corpusFile("cii/cen_CII_example2.xml")
        try await Support.withWorkspace { workspace in
            try workspace.put(file)
            let first = try await workspace.importSupplier()
            #expect(first.status == 0, "\(first)")
            let firstEntry = try #require(try Support.fileResults(first)[file.lastPathComponent], "\(first)")
            let archived = try #require(firstEntry["movedTo"] as? String, "\(first)")
            let documentID = try #require(firstEntry["documentID"] as? Int, "\(first)")

            // What a kill after the commit and before the rename leaves: the file still in the inbox.
            try FileManager.default.removeItem(atPath: archived)
            try workspace.put(file)

            let rerun = try await workspace.importSupplier()
            #expect(rerun.status == 0, "\(rerun)")
            let entry = try #require(try Support.fileResults(rerun)[file.lastPathComponent], "\(rerun)")
            #expect(entry["outcome"] as? String == "held", "\(rerun)")
            let reason = entry["reason"] as? String ?? ""
            #expect(reason.contains("already committed by an interrupted run"), "\(rerun)")
            #expect(entry["documentID"] as? Int == documentID, "\(rerun)")
            #expect(entry["movedTo"] as? String == archived, "\(rerun)")
            #expect(FileManager.default.fileExists(atPath: archived))
            #expect(try workspace.inboxNames().isEmpty)
            #expect(!FileManager.default.fileExists(atPath: workspace.rejected), "something was refused")
            #expect(try await workspace.count("supplier_document") == 1)
            #expect(try await workspace.count("supplier_document_line") == 5)
        }
    }
}

/// Helpers of ``SupplierImportCorpusTests`` (kept here, under one name, so as not to clash with
/// other suites of the module).
enum SupplierCorpusSupport {
    static let hasQPDF = FileManager.default.isExecutableFile(atPath: "/usr/bin/qpdf")

    /// `../shared/corpus/einvoice` beside the package.
    static var corpusRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("shared/corpus/einvoice")
    }

    static func corpusFile(_ relative: String) throws -> URL {
        let url = corpusRoot.appendingPathComponent(relative)
        try #require(FileManager.default.fileExists(atPath: url.path), "the shared corpus is missing: \(url.path)")
        return url
    }

    /// The XML files of cii/, ubl-invoice/ and ubl-despatch/, by name.
    static func corpusFiles() throws -> [URL] {
        var files: [URL] = []
        for folder in ["cii", "ubl-invoice", "ubl-despatch"] {
            let directory = corpusRoot.appendingPathComponent(folder)
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            files += names.filter { $0.hasSuffix(".xml") }.map { directory.appendingPathComponent($0) }
        }
        return files.sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    static func expectedFormat(_ file: URL) -> String {
        file.deletingLastPathComponent().lastPathComponent == "cii" ? "cii" : "ubl"
    }

    static func expectedKind(_ file: URL) -> String {
        if file.deletingLastPathComponent().lastPathComponent == "ubl-despatch" { return "despatch_advice" }
        let creditNotes: Set = [
            "cen_ubl-tc434-creditnote1.xml", "fnfe_Avoir_FR_type381_BASIC.factur-x.xml",
            "mustang_testout-ZF2PushCreditNote.xml",
        ]
        return creditNotes.contains(file.lastPathComponent) ? "credit_note" : "invoice"
    }

    /// The document lines of a UBL or CII file, counted on its text.
    static func documentLineCount(_ file: URL) throws -> Int {
        let text = try String(contentsOf: file, encoding: .utf8)
        let line =
            /<(?:[A-Za-z0-9]+:)?(?:InvoiceLine|CreditNoteLine|DespatchLine|IncludedSupplyChainTradeLineItem)[\s>]/
        return text.matches(of: line).count
    }

    static func lineCount(of file: URL?) throws -> Int {
        let file = try #require(file)
        return try Data(contentsOf: file).reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
    }

    /// The 1-based line of the first occurrence of `needle` in `bytes`.
    static func line(of needle: String, in bytes: [UInt8]) -> Int? {
        let pattern = Array(needle.utf8)
        guard pattern.count <= bytes.count else { return nil }
        for start in 0...(bytes.count - pattern.count)
        where bytes[start..<start + pattern.count].elementsEqual(pattern) {
            return bytes[..<start].reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
        }
        return nil
    }

    // MARK: Workspace

    /// One test's database and scratch folder, the binary run in it with `DATABASE_URL`.
    struct Workspace: Sendable {
        var conninfo: String
        var scratch: ScratchDirectory

        var varDirectory: String { scratch.path + "/var" }
        var inbox: String { varDirectory + "/inbox/supplier" }
        var rejected: String { varDirectory + "/rejected/supplier" }

        func run(_ arguments: [String], timeout: Duration = .seconds(600)) async throws -> CommandResult {
            try await OCPizzaBinary.run(
                arguments, in: scratch.path, environment: ["DATABASE_URL": conninfo], timeout: timeout)
        }

        /// `ocpizza import-supplier --json` on the default inbox.
        func importSupplier(timeout: Duration = .seconds(600)) async throws -> CommandResult {
            try await run(["import-supplier", "--json"], timeout: timeout)
        }

        /// Copies `file` into the inbox (never moves it: it may be the shared corpus).
        func put(_ file: URL, as name: String? = nil) throws {
            try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: file.path, toPath: inbox + "/" + (name ?? file.lastPathComponent))
        }

        func write(_ bytes: [UInt8], as name: String) throws {
            try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: inbox + "/" + name))
        }

        func inboxNames() throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: inbox).sorted()
        }

        /// The refused file is in rejected/ and its reason beside it: returns the reason.
        func rejectionReason(_ name: String) throws -> String {
            let moved = rejected + "/" + name
            try #require(FileManager.default.fileExists(atPath: moved), "\(name) is not in \(rejected)")
            try #require(!FileManager.default.fileExists(atPath: inbox + "/" + name), "\(name) is still in the inbox")
            return try String(contentsOfFile: moved + ".reason.txt", encoding: .utf8)
        }

        func execute(_ sql: SQL) async throws { try await E2E.execute(sql, conninfo: conninfo) }

        func value(_ sql: SQL) async throws -> String? { try await E2E.query(sql, conninfo: conninfo).first ?? nil }

        func count(_ table: String) async throws -> Int {
            Int(try await value("SELECT count(*)::text FROM \(identifier: table)") ?? "") ?? -1
        }

        /// Every `supplier_document` row, by file name.
        func documentRows() async throws -> [String: DocumentRow] {
            let rows = try await E2E.query(
                """
                SELECT concat_ws(E'\\t', id, file_name, format, kind, status, coalesce(hold_reason, '-'),
                    coalesce(supplier_id::text, '-'), line_count,
                    (SELECT count(*) FROM supplier_document_line l WHERE l.document_id = d.id),
                    coalesce(status_reason, '-'))
                FROM supplier_document d ORDER BY id
                """, conninfo: conninfo)
            var byName: [String: DocumentRow] = [:]
            for text in rows.compactMap({ $0 }) {
                let fields = text.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                guard fields.count == 10 else { continue }
                func optional(_ value: String) -> String? { value == "-" ? nil : value }
                byName[fields[1]] = DocumentRow(
                    id: fields[0], format: fields[2], kind: fields[3], status: fields[4],
                    holdReason: optional(fields[5]), supplierID: optional(fields[6]), lineCount: Int(fields[7]) ?? -1,
                    storedLines: Int(fields[8]) ?? -1, statusReason: optional(fields[9]))
            }
            return byName
        }

        /// No corpus seller may match a supplier of the database (the demo chain's are French
        /// food wholesalers): checked on the VAT ids of the database's suppliers.
        func expectNoCorpusSellerKnown(_ files: [URL]) async throws {
            #expect(try await count("supplier") > 0, "the demo chain has no supplier")
            let vatIDs = try await E2E.query("SELECT vat_id FROM supplier WHERE vat_id IS NOT NULL", conninfo: conninfo)
            for file in files {
                let text = try String(contentsOf: file, encoding: .utf8)
                for vat in vatIDs.compactMap({ $0 }) {
                    #expect(!text.contains(vat), "\(file.lastPathComponent) names demo supplier VAT \(vat)")
                }
            }
        }
    }

    struct DocumentRow: Sendable, CustomStringConvertible {
        var id: String
        var format: String
        var kind: String
        var status: String
        var holdReason: String?
        var supplierID: String?
        var lineCount: Int
        var storedLines: Int
        var statusReason: String?

        var description: String {
            "#\(id) \(format) \(kind) \(status) hold=\(holdReason ?? "-") supplier=\(supplierID ?? "-") "
                + "lines=\(lineCount)/\(storedLines) \(statusReason ?? "")"
        }
    }

    /// A fresh database (migrated, and seeded with the demo chain when asked) and scratch folder.
    static func withWorkspace(seedDemo: Bool = false, _ body: (Workspace) async throws -> Void) async throws {
        try await E2E.withDatabase { conninfo, _, scratch in
            let workspace = Workspace(conninfo: conninfo, scratch: scratch)
            let migrate = try await workspace.run(["db", "migrate"])
            try #require(migrate.status == 0, "\(migrate)")
            if seedDemo {
                let seed = try await workspace.run(["db", "seed", "--demo"], timeout: .seconds(300))
                try #require(seed.status == 0, "\(seed)")
            }
            try await body(workspace)
        }
    }

    /// The `files` of an `import-supplier --json` output, by file name.
    static func fileResults(_ result: CommandResult) throws -> [String: [String: Any]] {
        let files = try #require(result.json?["files"] as? [[String: Any]], "no JSON files list: \(result)")
        var byName: [String: [String: Any]] = [:]
        for file in files {
            guard let path = file["file"] as? String else { continue }
            byName[(path as NSString).lastPathComponent] = file
        }
        return byName
    }

    /// `<path>:<line>[:<column>]: <message>` (or `<path>: <message>`) of a reason file, whose path
    /// must be the refused file's.
    struct ReasonLocation: Sendable {
        var path: String
        var line: Int?
        var column: Int?
        var message: String

        init?(_ reason: String, fileName: String) {
            let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
            guard let range = reason.range(of: fileName + ":") else { return nil }
            path = String(reason[..<range.upperBound].dropLast())
            guard path == fileName || path.hasSuffix("/" + fileName) else { return nil }
            var rest = reason[range.upperBound...]
            func number() -> Int? {
                let digits = rest.prefix { $0.isASCII && $0.isNumber }
                guard !digits.isEmpty, rest.dropFirst(digits.count).first == ":" else { return nil }
                rest = rest.dropFirst(digits.count + 1)
                return Int(digits)
            }
            line = number()
            column = line == nil ? nil : number()
            message = rest.trimmingCharacters(in: .whitespaces)
        }
    }

    // MARK: Hostile inputs

    /// A file written for the hostile-input test, and what its reason must say.
    struct HostileFile: Sendable {
        var bytes: [UInt8]
        /// The exact line the reason must give, when it is certain.
        var line: Int?
        var reasonFragments: [String]
    }

    enum HostileInput: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case billionLaughs, externalEntity, externalDTD, truncated, latin1, wrongRoot, zugferd1, schemaInvalid,
            wrongTotals

        var testDescription: String { rawValue }
        var fileName: String { "hostile-\(rawValue).xml" }

        /// The corpus invoice most inputs start from (UBL, invoice 12115118).
        static func baseInvoice() throws -> String {
            try String(contentsOf: try corpusFile("ubl-invoice/cen_ubl-tc434-example1.xml"), encoding: .utf8)
        }

        /// The base invoice with `doctype` right after its XML declaration, and `note` at the start
        /// of its first note.
        static func withDoctype(_ doctype: String, note: String = "") throws -> String {
            let base = try baseInvoice()
            let declaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            try #require(base.hasPrefix(declaration))
            let body = String(base.dropFirst(declaration.count))
            try #require(body.contains("<cbc:Note>"))
            let noted = body.replacing("<cbc:Note>", with: "<cbc:Note>" + note, maxReplacements: 1)
            return declaration + doctype + "\n" + noted
        }

        func make(dtdPort: UInt16) throws -> HostileFile {
            switch self {
            case .billionLaughs:
                var entities = "<!ENTITY lol0 \"lol\">\n"
                for level in 1...9 {
                    entities += "<!ENTITY lol\(level) \"\(String(repeating: "&lol\(level - 1);", count: 10))\">\n"
                }
                let text = try Self.withDoctype("<!DOCTYPE Invoice [\n\(entities)]>", note: "&lol9;")
                return HostileFile(bytes: Array(text.utf8), reasonFragments: ["DTD"])
            case .externalEntity:
                let text = try Self.withDoctype(
                    "<!DOCTYPE Invoice [\n<!ENTITY xxe SYSTEM \"file:///etc/passwd\">\n]>", note: "&xxe;")
                return HostileFile(bytes: Array(text.utf8), reasonFragments: ["DTD"])
            case .externalDTD:
                let text = try Self.withDoctype("<!DOCTYPE Invoice SYSTEM \"http://127.0.0.1:\(dtdPort)/hostile.dtd\">")
                return HostileFile(bytes: Array(text.utf8), reasonFragments: ["DTD"])
            case .truncated:
                let base = Array(try Self.baseInvoice().utf8)
                let cut = Array(base.prefix(base.count / 2))
                let lastLine = cut.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
                return HostileFile(bytes: cut, line: lastLine, reasonFragments: [])
            case .latin1:
                // Declared UTF-8 (as in the corpus), written in ISO-8859-1: 'à' is the byte 0xE0.
                let text = try String(
                    contentsOf: try corpusFile("cii/fnfe_Facture_FR_EN16931.factur-x.xml"), encoding: .utf8)
                let data = try #require(text.replacing("€", with: "EUR").data(using: .isoLatin1))
                let bytes = [UInt8](data)
                try #require(text.hasPrefix("<?xml version='1.0' encoding='UTF-8'?>"))
                let first = try #require(bytes.firstIndex { $0 >= 0x80 })
                let line = bytes[..<first].reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
                return HostileFile(bytes: bytes, line: line, reasonFragments: [])
            case .wrongRoot:
                let text = """
                    <?xml version="1.0" encoding="UTF-8"?>
                    <Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"
                      xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
                      <cbc:ID>PO-1</cbc:ID>
                    </Order>

                    """
                return HostileFile(bytes: Array(text.utf8), reasonFragments: ["Order", "not a supported"])
            case .zugferd1:
                let text = """
                    <?xml version="1.0" encoding="UTF-8"?>
                    <rsm:CrossIndustryDocument xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0"
                      xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12">
                      <rsm:HeaderExchangedDocument><ram:ID>471102</ram:ID></rsm:HeaderExchangedDocument>
                    </rsm:CrossIndustryDocument>

                    """
                return HostileFile(bytes: Array(text.utf8), reasonFragments: ["ZUGFeRD 1.0"])
            case .schemaInvalid:
                let base = try Self.baseInvoice()
                try #require(base.contains("    <cbc:IssueDate>"))
                let text = base.replacing(
                    "    <cbc:IssueDate>", with: "    <cbc:Surprise>not in UBL</cbc:Surprise>\n    <cbc:IssueDate>",
                    maxReplacements: 1)
                let bytes = Array(text.utf8)
                return HostileFile(
                    bytes: bytes, line: Self.lineOf("<cbc:Surprise>", in: bytes), reasonFragments: ["Surprise"])
            case .wrongTotals:
                let base = try Self.baseInvoice()
                let payable = "<cbc:PayableAmount currencyID=\"EUR\">250.33</cbc:PayableAmount>"
                try #require(base.contains(payable))
                let text = base.replacing(payable, with: payable.replacing("250.33", with: "350.33"))
                return HostileFile(bytes: Array(text.utf8), reasonFragments: ["250.33", "350.33"])
            }
        }

        static func lineOf(_ needle: String, in bytes: [UInt8]) -> Int? {
            SupplierCorpusSupport.line(of: needle, in: bytes)
        }
    }

    /// A TCP listener on 127.0.0.1 (an ephemeral port) that only records whether anyone connected.
    final class Listener: Sendable {
        let descriptor: Int32
        let port: UInt16

        init() throws {
            let socketType = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
            let descriptor = socket(AF_INET, socketType, 0)
            guard descriptor >= 0 else { throw SpawnError("socket: \(String(cString: strerror(errno)))") }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard bound == 0, listen(descriptor, 8) == 0 else {
                Glibc.close(descriptor)
                throw SpawnError("bind/listen: \(String(cString: strerror(errno)))")
            }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
            }
            self.descriptor = descriptor
            self.port = UInt16(bigEndian: address.sin_port)
        }

        /// Whether a connection is waiting to be accepted.
        func wasContacted() -> Bool {
            let accepted = accept(descriptor, nil, nil)
            guard accepted >= 0 else { return false }
            Glibc.close(accepted)
            return true
        }

        func close() { Glibc.close(descriptor) }
    }

    // MARK: qpdf

    /// Runs `/usr/bin/qpdf arguments` and requires it to succeed (exit 0, or 3: warnings).
    static func qpdf(_ arguments: [String]) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = (["/usr/bin/qpdf"] + arguments).map { strdup($0) }
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, "/usr/bin/qpdf", &actions, nil, argv + [nil], environ)
        guard spawned == 0 else { throw SpawnError("cannot run qpdf: \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw SpawnError("waitpid: \(String(cString: strerror(errno)))") }
        }
        let exitCode = status & 0x7f == 0 ? (status >> 8) & 0xff : -1
        guard exitCode == 0 || exitCode == 3 else { throw SpawnError("qpdf \(arguments) failed (\(status))") }
    }
}
