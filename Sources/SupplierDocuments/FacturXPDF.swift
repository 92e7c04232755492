import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Takes the CII invoice out of a Factur-X / ZUGFeRD / XRechnung PDF.
///
/// Factur-X arrives as a PDF/A-3 with the CII XML embedded as a file attachment (FIELDS.md §6,
/// pitfall 8). PDF is a large, often damaged and sometimes hostile format, so it is read by the
/// maintained `qpdf` tool in a separate process — a crash, a hang or a memory blow-up stays in
/// that process, which runs under a timeout and an output cap — and not by a parser of our own.
public enum FacturXPDF {
    /// The attachment names, in order of preference, that carry the invoice: Factur-X 1.0 and
    /// ZUGFeRD 2.x, then ZUGFeRD 1.0/2.0 (`ZUGFeRD-invoice.xml` too: compared ignoring case), then
    /// XRechnung embedded in a PDF. ZUGFeRD 1.0 content is refused later, by the format check.
    static let invoiceAttachmentNames = ["factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml"]

    /// The most `qpdf --json` may write: the attachment list is small; more means something is off.
    static let attachmentListLimit = 16 << 20

    /// True when the file starts with "%PDF-" (reads only the first bytes).
    ///
    /// A cheap sniff to route a supplier file to the PDF path; it says nothing about whether the
    /// PDF can be read (``extractXML(fromPDF:qpdfPath:maximumBytes:timeout:)`` finds that out).
    public static func isPDF(path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let magic = Array("%PDF-".utf8)
        var header = [UInt8](repeating: 0, count: magic.count)
        var filled = 0
        while filled < header.count {
            let count = header.withUnsafeMutableBytes { buffer in
                read(fd, buffer.baseAddress! + filled, buffer.count - filled)
            }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return false }
            filled += count
        }
        return header == magic
    }

    /// The embedded invoice XML: attachment name (as in the PDF) and bytes.
    ///
    /// Lists the attachments with `qpdf --json --json-key=attachments` (structured, so a name
    /// containing " -> " or a line break cannot confuse it; plain `--json` works with qpdf 10 and
    /// 11), picks, ignoring case, `factur-x.xml`, then `zugferd-invoice.xml`, then `xrechnung.xml`
    /// — matching the attachment key or its file names (/UF, /F), since generators disagree on
    /// which one carries the conventional name — and extracts it with `qpdf --show-attachment=<key>`.
    /// The name returned is the one that matched, spelled as in the PDF.
    ///
    /// - Parameters:
    ///   - qpdfPath: the qpdf executable; nil looks for `qpdf` on PATH.
    ///   - maximumBytes: the largest attachment accepted; a bigger one is refused, not read whole.
    ///   - timeout: the time allowed to all qpdf runs together; past it qpdf is killed.
    /// - Throws: ``SupplierDocumentError`` with code `.pdf`, its message written for the operator
    ///   (`.io` when the file cannot even be opened).
    public static func extractXML(
        fromPDF path: String, qpdfPath: String? = nil, maximumBytes: Int = 64 << 20,
        timeout: Duration = .seconds(60)
    ) throws(SupplierDocumentError) -> (name: String, bytes: [UInt8]) {
        func failure(_ message: String) -> SupplierDocumentError { SupplierDocumentError(.pdf, file: path, message) }

        // A file that cannot be opened is not a PDF problem: say why, as for any supplier file.
        // O_NONBLOCK: a FIFO dropped among the supplier files must not block the open.
        let probe = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard probe >= 0 else {
            throw SupplierDocumentError(.io, file: path, "cannot be read: \(String(cString: strerror(errno)))")
        }
        close(probe)

        let missing = failure(
            "this machine cannot read PDF files (qpdf is missing): install qpdf, or ask the supplier to send "
                + "the Factur-X XML itself")
        guard let qpdf = ChildProcess.findExecutable(qpdfPath ?? "qpdf") else { throw missing }

        let pdfArgument = qpdfFileArgument(path)
        let deadline = ContinuousClock.now + timeout

        func runQPDF(_ arguments: [String], stdoutLimit: Int) throws(SupplierDocumentError) -> ChildProcess.Outcome {
            let outcome: ChildProcess.Outcome
            do {
                outcome = try ChildProcess.run(
                    qpdf, arguments, stdoutLimit: stdoutLimit, timeout: max(deadline - .now, .zero))
            } catch {
                if error.code == ENOENT { throw missing }
                throw failure("cannot run qpdf (\(error)): check the qpdf installation on this machine")
            }
            if outcome.timedOut {
                throw failure(
                    "qpdf did not finish reading this PDF within \(timeout) and was stopped: the file may be "
                        + "damaged; ask the supplier to send the Factur-X XML itself")
            }
            if let signal = outcome.signal, !outcome.stdoutLimitExceeded {
                throw failure(
                    "qpdf was stopped by signal \(signal) while reading this PDF: ask the supplier to send the "
                        + "Factur-X XML itself")
            }
            return outcome
        }

        // 1. The attachment list. Exit status 3 means "succeeded with warnings" (a repaired file).
        let listing = try runQPDF(["--json", "--json-key=attachments", pdfArgument], stdoutLimit: attachmentListLimit)
        if listing.stdoutLimitExceeded {
            throw failure("qpdf described this PDF's attachments in more than \(attachmentListLimit) bytes: refused")
        }
        guard listing.exitStatus == 0 || listing.exitStatus == 3 else {
            var message = "this file is not a readable PDF"
            if !isPDF(path: path) { message += " (it does not start with %PDF-)" }
            if let line = firstErrorLine(listing.stderrText, path: path) { message += ": qpdf says \"\(line)\"" }
            throw failure(message + "; ask the supplier to send the invoice again, or the Factur-X XML itself")
        }
        guard let attachments = parseAttachments(listing.stdout) else {
            throw failure("qpdf's list of the attachments of this PDF could not be read: check the qpdf installation")
        }

        // 2. The invoice among them.
        guard let (key, name) = invoiceAttachment(in: attachments) else {
            let found = attachments.isEmpty ? "none" : attachments.map { "'\($0.key)'" }.joined(separator: ", ")
            throw failure(
                "this PDF carries no Factur-X invoice (no attachment named factur-x.xml, zugferd-invoice.xml or "
                    + "xrechnung.xml; attachments found: \(found)): ask the supplier to send the Factur-X XML itself")
        }

        // 3. Its bytes, never more than maximumBytes of them.
        let extraction = try runQPDF(["--show-attachment=\(key)", pdfArgument], stdoutLimit: maximumBytes)
        if extraction.stdoutLimitExceeded {
            throw failure(
                "the embedded \(name) is larger than \(maximumBytes) bytes: refused; ask the supplier to check "
                    + "the invoice")
        }
        guard extraction.exitStatus == 0 || extraction.exitStatus == 3 else {
            var message = "qpdf could not extract the embedded \(name)"
            if let line = firstErrorLine(extraction.stderrText, path: path) { message += ": qpdf says \"\(line)\"" }
            throw failure(message + "; ask the supplier to send the Factur-X XML itself")
        }
        guard !extraction.stdout.isEmpty else {
            throw failure("the embedded \(name) is empty: ask the supplier to send the Factur-X XML itself")
        }
        return (name, extraction.stdout)
    }

    // MARK: - Implementation

    /// One embedded file: its key in the PDF's EmbeddedFiles name tree (what `--show-attachment`
    /// wants) and the file names it declares (preferred name, /UF, /F).
    struct Attachment: Equatable {
        var key: String
        var fileNames: [String]
    }

    /// The attachments in `qpdf --json --json-key=attachments` output (JSON version 1 or 2), sorted
    /// by key so the choice does not depend on dictionary order; nil when it is not that JSON.
    static func parseAttachments(_ json: [UInt8]) -> [Attachment]? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any],
            let attachments = object["attachments"] as? [String: Any]
        else { return nil }
        return attachments.keys.sorted().map { key in
            let entry = attachments[key] as? [String: Any] ?? [:]
            var fileNames: [String] = []
            if let preferred = entry["preferredname"] as? String { fileNames.append(preferred) }
            if let names = entry["names"] as? [String: Any] {
                for nameKey in ["/UF", "/F"] + names.keys.sorted() {
                    if let name = names[nameKey] as? String, !fileNames.contains(name) { fileNames.append(name) }
                }
            }
            return Attachment(key: key, fileNames: fileNames)
        }
    }

    /// The attachment holding the invoice and the name that matched: the preferred names in order,
    /// each looked for first among the keys, then among the declared file names.
    static func invoiceAttachment(in attachments: [Attachment]) -> (key: String, name: String)? {
        for wanted in invoiceAttachmentNames {
            if let match = attachments.first(where: { $0.key.lowercased() == wanted }) {
                return (match.key, match.key)
            }
            for attachment in attachments {
                if let name = attachment.fileNames.first(where: { $0.lowercased() == wanted }) {
                    return (attachment.key, name)
                }
            }
        }
        return nil
    }

    /// `path` as a qpdf argument: qpdf reads one starting with "-" as an option and one starting
    /// with "@" as a file of arguments; "./" keeps such a relative file name a file name.
    static func qpdfFileArgument(_ path: String) -> String {
        path.hasPrefix("-") || path.hasPrefix("@") ? "./" + path : path
    }

    /// The line of qpdf's standard error that explains a failure: its fatal "qpdf: …" line (the
    /// first lines are often warnings such as "file is damaged" that say less), else the first
    /// line; without the "qpdf: " and file name prefixes, which the error already carries.
    static func firstErrorLine(_ stderr: String, path: String) -> String? {
        let lines = stderr.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        guard var line = lines.first(where: { $0.hasPrefix("qpdf: ") }) ?? lines.first else { return nil }
        if line.hasPrefix("qpdf: ") { line.removeFirst("qpdf: ".count) }
        for prefix in [path + ": ", "./" + path + ": ", "open " + path + ": ", "open ./" + path + ": "]
        where line.hasPrefix(prefix) {
            line.removeFirst(prefix.count)
            break
        }
        return line.count > 300 ? String(line.prefix(300)) + "…" : line
    }
}
