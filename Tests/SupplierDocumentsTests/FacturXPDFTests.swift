import Foundation
import Testing

@testable import SupplierDocuments

#if canImport(Glibc)
import Glibc
#endif

/// The PDFs are made at test time by qpdf itself, in a fresh temporary folder, so no binary
/// fixture lives in the repository and each test says exactly what its PDF contains.
@Suite struct FacturXPDFTests {
    static let qpdf = "/usr/bin/qpdf"
    static let hasQPDF = FileManager.default.isExecutableFile(atPath: qpdf)

    /// A real Factur-X EN 16931 invoice from the shared corpus when it is there (read, never
    /// copied into the repository), else a small CII document, so the test also runs without it.
    static func invoiceXML() throws -> [UInt8] {
        let corpus = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("shared/corpus/einvoice/cii/fnfe_Facture_FR_EN16931.factur-x.xml")
        if let data = FileManager.default.contents(atPath: corpus.path) { return Array(data) }
        return Array(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" \
            xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100">
            <rsm:ExchangedDocument><ram:ID>FA-2024-0042 – crème</ram:ID><ram:TypeCode>380</ram:TypeCode>
            </rsm:ExchangedDocument></rsm:CrossIndustryInvoice>

            """.utf8)
    }

    // MARK: Extraction

    @Test(.enabled(if: hasQPDF))
    func extractsFacturXByteForByte() throws {
        try withScratch { folder in
            let xml = try Self.invoiceXML()
            let pdf = try folder.pdf(attachments: [("factur-x.xml", nil, xml)])
            #expect(FacturXPDF.isPDF(path: pdf))
            let extracted = try FacturXPDF.extractXML(fromPDF: pdf)
            #expect(extracted.name == "factur-x.xml")
            #expect(extracted.bytes == xml)
        }
    }

    @Test(.enabled(if: hasQPDF))
    func extractsOlderZUGFeRDNameIgnoringCase() throws {
        try withScratch { folder in
            let xml = try Self.invoiceXML()
            let lower = try folder.pdf(attachments: [("zugferd-invoice.xml", nil, xml)], named: "lower.pdf")
            #expect(try FacturXPDF.extractXML(fromPDF: lower).name == "zugferd-invoice.xml")
            let mixed = try folder.pdf(attachments: [("ZUGFeRD-invoice.xml", nil, xml)], named: "mixed.pdf")
            let extracted = try FacturXPDF.extractXML(fromPDF: mixed)
            #expect(extracted.name == "ZUGFeRD-invoice.xml")
            #expect(extracted.bytes == xml)
        }
    }

    @Test(.enabled(if: hasQPDF))
    func prefersFacturXOverXRechnungAndOtherFiles() throws {
        try withScratch { folder in
            let pdf = try folder.pdf(attachments: [
                ("xrechnung.xml", nil, Array("<xrechnung/>".utf8)),
                ("logo.png", nil, [0x89, 0x50, 0x4e, 0x47]),
                ("Factur-X.xml", nil, Array("<factur-x/>".utf8)),
            ])
            let extracted = try FacturXPDF.extractXML(fromPDF: pdf)
            #expect(extracted.name == "Factur-X.xml")
            #expect(extracted.bytes == Array("<factur-x/>".utf8))
        }
    }

    /// Some generators give the embedded file a key of their own and the conventional name only
    /// as its file name (/F, /UF).
    @Test(.enabled(if: hasQPDF))
    func findsTheInvoiceByFileNameWhenTheKeyDiffers() throws {
        try withScratch { folder in
            let xml = try Self.invoiceXML()
            let pdf = try folder.pdf(attachments: [("Attachment 1", "factur-x.xml", xml)])
            let extracted = try FacturXPDF.extractXML(fromPDF: pdf)
            #expect(extracted.name == "factur-x.xml")
            #expect(extracted.bytes == xml)
        }
    }

    /// qpdf reads "-x" as an option and "@x" as a file of arguments.
    @Test func fileNamesStartingWithADashOrAnAtSignStayFileNames() {
        #expect(FacturXPDF.qpdfFileArgument("-invoice.pdf") == "./-invoice.pdf")
        #expect(FacturXPDF.qpdfFileArgument("@invoice.pdf") == "./@invoice.pdf")
        #expect(FacturXPDF.qpdfFileArgument("in/-invoice.pdf") == "in/-invoice.pdf")
        #expect(FacturXPDF.qpdfFileArgument("/in/@invoice.pdf") == "/in/@invoice.pdf")
    }

    // MARK: Refusals

    @Test(.enabled(if: hasQPDF))
    func aPDFWithOnlyAnUnrelatedAttachmentListsIt() throws {
        try withScratch { folder in
            let pdf = try folder.pdf(attachments: [("delivery-note.txt", nil, Array("3 x mozzarella".utf8))])
            let error = try #require(throws: SupplierDocumentError.self) { try FacturXPDF.extractXML(fromPDF: pdf) }
            #expect(error.code == .pdf)
            #expect(error.file == pdf)
            #expect(error.message.contains("'delivery-note.txt'"))
            #expect(error.message.contains("send the Factur-X XML"))
        }
    }

    @Test(.enabled(if: hasQPDF))
    func aPDFWithoutAttachmentsSaysNone() throws {
        try withScratch { folder in
            let pdf = try folder.pdf(attachments: [])
            #expect(FacturXPDF.isPDF(path: pdf))
            let error = try #require(throws: SupplierDocumentError.self) { try FacturXPDF.extractXML(fromPDF: pdf) }
            #expect(error.code == .pdf)
            #expect(error.message.contains("attachments found: none"))
            #expect(error.message.contains("send the Factur-X XML"))
        }
    }

    @Test(.enabled(if: hasQPDF))
    func aFileThatIsNotAPDFIsRefused() throws {
        try withScratch { folder in
            let path = try folder.file("invoice.pdf", Array("Bonjour, voici la facture.\n".utf8))
            #expect(!FacturXPDF.isPDF(path: path))
            let error = try #require(throws: SupplierDocumentError.self) { try FacturXPDF.extractXML(fromPDF: path) }
            #expect(error.code == .pdf)
            #expect(error.message.contains("not a readable PDF"))
            #expect(error.message.contains("does not start with %PDF-"))
            #expect(error.message.contains("qpdf says"))
        }
    }

    @Test(.enabled(if: hasQPDF))
    func aTruncatedPDFIsRefused() throws {
        try withScratch { folder in
            let pdf = try folder.pdf(attachments: [("factur-x.xml", nil, try Self.invoiceXML())])
            let whole = try #require(FileManager.default.contents(atPath: pdf))
            let truncated = try folder.file("truncated.pdf", Array(whole.prefix(200)))
            #expect(FacturXPDF.isPDF(path: truncated))
            let error = try #require(throws: SupplierDocumentError.self) {
                try FacturXPDF.extractXML(fromPDF: truncated)
            }
            #expect(error.code == .pdf)
            #expect(error.message.contains("not a readable PDF: qpdf says \""))
        }
    }

    @Test(.enabled(if: hasQPDF))
    func anAttachmentOverTheSizeLimitIsRefused() throws {
        try withScratch { folder in
            let pdf = try folder.pdf(attachments: [("factur-x.xml", nil, try Self.invoiceXML())])
            let error = try #require(throws: SupplierDocumentError.self) {
                try FacturXPDF.extractXML(fromPDF: pdf, maximumBytes: 10)
            }
            #expect(error.code == .pdf)
            #expect(error.message.contains("larger than 10 bytes"))
            #expect(error.message.contains("refused"))
        }
    }

    @Test func aMissingQPDFSaysSo() throws {
        try withScratch { folder in
            let path = try folder.file("invoice.pdf", Array("%PDF-1.7\n".utf8))
            let error = try #require(throws: SupplierDocumentError.self) {
                try FacturXPDF.extractXML(fromPDF: path, qpdfPath: folder.path + "/no-such-dir/qpdf")
            }
            #expect(error.code == .pdf)
            #expect(
                error.message
                    == "this machine cannot read PDF files (qpdf is missing): install qpdf, or ask the supplier to "
                    + "send the Factur-X XML itself")
        }
    }

    @Test func aFileThatCannotBeOpenedIsAnIOError() throws {
        try withScratch { folder in
            let path = folder.path + "/vanished.pdf"
            #expect(!FacturXPDF.isPDF(path: path))
            let error = try #require(throws: SupplierDocumentError.self) { try FacturXPDF.extractXML(fromPDF: path) }
            #expect(error.code == .io)
            #expect(error.message.contains("No such file"))
        }
    }

    /// A stand-in qpdf that never answers, and one that leaves a grandchild holding its output
    /// open: both are killed at the deadline, and the call returns an error instead of hanging.
    @Test(arguments: ["exec sleep 600", "sleep 600 & sleep 600"])
    func aHungQPDFIsKilledAtTheTimeout(script: String) throws {
        try withScratch { folder in
            let pdf = try folder.file("invoice.pdf", Array("%PDF-1.7\n".utf8))
            let fake = try folder.script("qpdf", script)
            let start = ContinuousClock.now
            let error = try #require(throws: SupplierDocumentError.self) {
                try FacturXPDF.extractXML(fromPDF: pdf, qpdfPath: fake, timeout: .milliseconds(300))
            }
            // Far below the 600 s the fake qpdf would take if it were not killed.
            #expect(ContinuousClock.now - start < .seconds(120))
            #expect(error.code == .pdf)
            #expect(error.message.contains("did not finish"))
        }
    }

    @Test func aQPDFKilledBySignalIsAnError() throws {
        try withScratch { folder in
            let pdf = try folder.file("invoice.pdf", Array("%PDF-1.7\n".utf8))
            let fake = try folder.script("qpdf", "kill -9 $$")
            let error = try #require(throws: SupplierDocumentError.self) {
                try FacturXPDF.extractXML(fromPDF: pdf, qpdfPath: fake)
            }
            #expect(error.code == .pdf)
            #expect(error.message.contains("signal 9"))
        }
    }

    // MARK: The child-process runner

    /// Megabytes on both pipes at once: a runner that read them one after the other would
    /// deadlock on the full stderr pipe.
    @Test func childProcessDrainsStdoutAndStderrTogether() throws {
        let outcome = try ChildProcess.run(
            "/bin/sh", ["-c", "head -c 3000000 /dev/zero >&2; head -c 5000000 /dev/zero; echo done >&2"],
            stdoutLimit: 8 << 20, stderrLimit: 1 << 20, timeout: .seconds(300))
        #expect(outcome.exitStatus == 0)
        #expect(!outcome.timedOut)
        #expect(outcome.stdout.count == 5_000_000)
        #expect(outcome.stderr.count == 1 << 20)
    }

    @Test func childProcessIsKilledPastTheStdoutLimit() throws {
        let outcome = try ChildProcess.run("/bin/cat", ["/dev/zero"], stdoutLimit: 1000, timeout: .seconds(300))
        #expect(outcome.stdoutLimitExceeded)
        #expect(outcome.stdout.count == 1000)
        #expect(outcome.signal == SIGKILL)
    }

    @Test func childProcessPassesArgumentsWithoutAShell() throws {
        let outcome = try ChildProcess.run(
            "/bin/echo", ["$HOME", "a b", "; rm -rf /"], stdoutLimit: 1000, timeout: .seconds(300))
        #expect(String(decoding: outcome.stdout, as: UTF8.self) == "$HOME a b ; rm -rf /\n")
    }

    @Test func childProcessInheritsNoStrayDescriptors() throws {
        let stray = open("/dev/null", O_RDONLY)  // deliberately without O_CLOEXEC
        defer { close(stray) }
        let outcome = try ChildProcess.run(
            "/bin/sh", ["-c", "ls /proc/self/fd"], stdoutLimit: 1000, timeout: .seconds(300))
        let descriptors = String(decoding: outcome.stdout, as: UTF8.self).split(separator: "\n")
        #expect(!descriptors.contains(Substring(String(stray))))
    }

    @Test func childProcessFindsExecutablesOnAPath() throws {
        #expect(ChildProcess.findExecutable("sh", searchPath: "/nonexistent:/bin") == "/bin/sh")
        #expect(ChildProcess.findExecutable("no-such-tool-here", searchPath: "/bin:/usr/bin") == nil)
        #expect(ChildProcess.findExecutable("/bin/sh") == "/bin/sh")
        #expect(throws: ChildProcess.StartError.self) {
            try ChildProcess.run("/nonexistent/tool", [], stdoutLimit: 10, timeout: .seconds(5))
        }
    }
}

// MARK: - Scratch folder

// Nested in the suite: other suites of this test target may have helpers of the same name.
extension FacturXPDFTests {
    /// A fresh temporary folder, removed by ``withScratch(_:)`` whatever the test does.
    struct ScratchFolder {
        let path: String

        /// Writes `bytes` to `name` in the folder; returns its path.
        func file(_ name: String, _ bytes: [UInt8]) throws -> String {
            let path = self.path + "/" + name
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            return path
        }

        /// An executable /bin/sh script (a stand-in for qpdf).
        func script(_ name: String, _ body: String) throws -> String {
            let path = try file(name, Array("#!/bin/sh\n\(body)\n".utf8))
            chmod(path, 0o755)
            return path
        }

        /// A PDF made by qpdf with the given attachments: (key, file name or nil for the key, bytes).
        func pdf(
            attachments: [(key: String, fileName: String?, bytes: [UInt8])], named name: String = "invoice.pdf"
        ) throws -> String {
            var arguments = ["--empty"]
            for (index, attachment) in attachments.enumerated() {
                let content = try file("attachment-\(index)", attachment.bytes)
                arguments += [
                    "--add-attachment", content, "--key=\(attachment.key)",
                    "--filename=\(attachment.fileName ?? attachment.key)", "--mimetype=text/xml", "--",
                ]
            }
            let output = path + "/" + name
            if attachments.isEmpty { arguments.append("--") }
            arguments.append(output)
            let outcome = try ChildProcess.run(
                FacturXPDFTests.qpdf, arguments, stdoutLimit: 1 << 20, timeout: .seconds(300))
            guard outcome.exitStatus == 0 else {
                throw ScratchFailure(description: "qpdf \(arguments) failed: \(outcome.stderrText)")
            }
            return output
        }
    }

    struct ScratchFailure: Error, CustomStringConvertible {
        var description: String
    }

    func withScratch(_ body: (ScratchFolder) throws -> Void) throws {
        var template = Array((NSTemporaryDirectory() + "/facturx.XXXXXX").utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw ScratchFailure(description: "mkdtemp failed: \(String(cString: strerror(errno)))")
        }
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        defer { try? FileManager.default.removeItem(atPath: path) }
        try body(ScratchFolder(path: path))
    }
}
