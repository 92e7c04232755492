import Foundation
import SupplierDocuments
import Testing

@testable import Jobs

/// The pure parts of `import-supplier`: the disposition rules, the party directory's matching,
/// the inbox's file moves, the mapping CSV reader and the run's outcome. No database.
@Suite("Supplier import parts")
struct SupplierImportPartsTests {
    // MARK: - DocumentDisposition.decide

    @Test("an unknown supplier holds everything, even a profile without lines")
    func unknownSupplierHolds() {
        let minimum = SupplierImportPartsFixture.decide(
            supplierKnown: false, shopKnown: false, profileHasNoLines: true, lineCount: 0, stockLines: 0)
        let complete = SupplierImportPartsFixture.decide(supplierKnown: false)
        let received = SupplierImportPartsFixture.decide(supplierKnown: false, alreadyReceivedBy: "despatch_advice")
        for disposition in [minimum, complete, received] {
            #expect(disposition.status == "held")
            #expect(disposition.holdReason == "unknown_supplier")
            #expect(disposition.posts == false)
            let note = disposition.note ?? ""
            #expect(note.contains("supplier"), "\(note)")
            #expect(note.contains("import-supplier"), "the note says what to do next: \(note)")
        }
    }

    @Test("a profile without lines (MINIMUM, BASIC WL) or a document with no line is recorded")
    func profileWithoutLinesIsRecorded() {
        let minimum = SupplierImportPartsFixture.decide(
            shopKnown: false, profileHasNoLines: true, lineCount: 0, stockLines: 0)
        let empty = SupplierImportPartsFixture.decide(lineCount: 0, stockLines: 0)
        for disposition in [minimum, empty] {
            #expect(disposition.status == "recorded")
            #expect(disposition.holdReason == nil)
            #expect(disposition.posts == false)
            let note = disposition.note ?? ""
            #expect(note.contains("no lines"), "\(note)")
            #expect(note.contains("nothing posted"), "\(note)")
        }
    }

    @Test("a held line holds the document, before the shop is even looked at")
    func heldLinesHold() {
        let disposition = SupplierImportPartsFixture.decide(
            shopKnown: false, lineCount: 5, linesHeld: 2, stockLines: 3, alreadyReceivedBy: "despatch_advice")
        #expect(disposition.status == "held")
        #expect(disposition.holdReason == "held_lines")
        #expect(disposition.posts == false)
        let note = disposition.note ?? ""
        #expect(note.contains("2 of 5 lines"), "\(note)")
        #expect(note.contains("supplier-documents show"), "\(note)")
    }

    @Test("stock lines without a shop hold the document; non-stock lines do not need one")
    func stockLinesNeedAShop() {
        let noShop = SupplierImportPartsFixture.decide(shopKnown: false, lineCount: 3, stockLines: 2)
        #expect(noShop.status == "held")
        #expect(noShop.holdReason == "unknown_shop")
        #expect(noShop.posts == false)
        #expect((noShop.note ?? "").contains("shop"), "\(noShop.note ?? "")")
        #expect((noShop.note ?? "").contains("buyer reference"), "\(noShop.note ?? "")")

        let received = SupplierImportPartsFixture.decide(
            shopKnown: false, stockLines: 2, alreadyReceivedBy: "despatch_advice")
        #expect(received.holdReason == "unknown_shop", "the costs still need the shop")

        let nonStock = SupplierImportPartsFixture.decide(shopKnown: false, lineCount: 2, stockLines: 0)
        #expect(nonStock.status == "recorded")
        #expect(nonStock.holdReason == nil)
    }

    @Test("goods already received through a linked document are recorded, not posted again")
    func alreadyReceivedIsRecorded() {
        for (by, words) in [("despatch_advice", "despatch advice"), ("invoice", "invoice")] {
            let disposition = SupplierImportPartsFixture.decide(alreadyReceivedBy: by)
            #expect(disposition.status == "recorded")
            #expect(disposition.holdReason == nil)
            #expect(disposition.posts == false)
            let note = disposition.note ?? ""
            #expect(note.contains("already received through the \(words)"), "\(note)")
            #expect(!note.contains("_"), "the note names the document in words: \(note)")
            #expect(note.contains("no stock moved"), "\(note)")
        }
    }

    @Test("only deposit, transport or non-food lines: recorded, nothing enters stock")
    func onlyNonStockLinesAreRecorded() {
        let disposition = SupplierImportPartsFixture.decide(lineCount: 3, stockLines: 0)
        #expect(disposition.status == "recorded")
        #expect(disposition.holdReason == nil)
        #expect(disposition.posts == false)
        #expect((disposition.note ?? "").contains("no line enters ingredient stock"), "\(disposition.note ?? "")")
    }

    @Test("a complete document with stock lines and a shop is posted")
    func completeDocumentIsPosted() {
        let disposition = SupplierImportPartsFixture.decide()
        #expect(disposition == DocumentDisposition(status: "posted", holdReason: nil, note: nil, posts: true))
    }

    @Test("over every combination: posts only when posted, a hold reason exactly when held")
    func dispositionInvariants() {
        var seen: Set<String> = []
        for supplierKnown in [false, true] {
            for shopKnown in [false, true] {
                for profileHasNoLines in [false, true] {
                    for (lineCount, linesHeld, stockLines) in [(0, 0, 0), (3, 0, 0), (3, 1, 2), (3, 0, 2), (3, 3, 3)] {
                        for received in [nil, "despatch_advice"] as [String?] {
                            let disposition = DocumentDisposition.decide(
                                supplierKnown: supplierKnown, shopKnown: shopKnown,
                                profileHasNoLines: profileHasNoLines, lineCount: lineCount, linesHeld: linesHeld,
                                stockLines: stockLines, alreadyReceivedBy: received)
                            let label =
                                "supplier \(supplierKnown), shop \(shopKnown), no lines \(profileHasNoLines), "
                                + "\(lineCount)/\(linesHeld)/\(stockLines), \(received ?? "-")"
                            #expect(["posted", "recorded", "held"].contains(disposition.status), "\(label)")
                            #expect(disposition.posts == (disposition.status == "posted"), "\(label)")
                            #expect((disposition.holdReason != nil) == (disposition.status == "held"), "\(label)")
                            #expect((disposition.note == nil) == (disposition.status == "posted"), "\(label)")
                            seen.insert(disposition.status + "/" + (disposition.holdReason ?? "-"))
                        }
                    }
                }
            }
        }
        #expect(
            seen == [
                "posted/-", "recorded/-", "held/unknown_supplier", "held/held_lines", "held/unknown_shop",
            ])
    }

    // MARK: - PartyDirectory.supplier(for:)

    @Test("VAT id: dots, spaces, dashes and case are ignored")
    func supplierByVATID() {
        let directory = SupplierImportPartsFixture.directory(suppliers: [
            .init(id: 1, name: "Zanetti BV", vatID: "NL820098395B01"),
            .init(id: 2, name: "Moulins Réunis", siren: "412357683", vatID: "FR51412357683"),
        ])
        for written in ["NL8200.98.395.B.01", "nl820098395b01", "NL 8200 98395 B01", "NL-820098395-B01"] {
            #expect(directory.supplier(for: SupplierImportPartsFixture.party(vat: written))?.id == 1, "\(written)")
        }
        #expect(directory.supplier(for: SupplierImportPartsFixture.party(vat: "FR51412357683"))?.id == 2)
        #expect(directory.supplier(for: SupplierImportPartsFixture.party(vat: "DE123456789")) == nil)
        #expect(PartyDirectory.compact("nl 8200.98.395-b.01") == "NL820098395B01")
    }

    @Test("SIREN from a legal id with scheme 0002 or 0009 (a SIRET's first 9 digits)")
    func supplierBySIRENFromLegalID() {
        let directory = SupplierImportPartsFixture.directory(suppliers: [
            .init(id: 7, name: "Moulins Réunis", siren: "412357683"),
            .init(id: 8, name: "Fromagerie Durand", siren: "552100554"),
        ])
        let cases: [(legal: String, scheme: String, expected: Int64)] = [
            ("412357683", "0002", 7), ("412 357 683", "0002", 7), ("41235768300019", "0009", 7),
            ("552100554", "0009", 8), ("55210055400042", "0009", 8), ("55210055400042", "0002", 8),
        ]
        for (legal, scheme, expected) in cases {
            let party = SupplierImportPartsFixture.party(legal: legal, scheme: scheme)
            #expect(party.siren == String(legal.filter(\.isNumber).prefix(9)), "\(legal) \(scheme)")
            #expect(directory.supplier(for: party)?.id == expected, "\(legal) \(scheme)")
        }
        // Neither 9 nor 14 digits, or letters in it: not a SIREN.
        for legal in ["4123576830", "41235768A", "RCS Paris 412357683"] {
            let party = SupplierImportPartsFixture.party(legal: legal, scheme: "0002")
            #expect(party.siren == nil, "\(legal)")
            #expect(directory.supplier(for: party) == nil, "\(legal)")
        }
    }

    @Test("SIREN from a French VAT id (FRkk + SIREN) when the supplier has no VAT id on file")
    func supplierBySIRENFromFrenchVAT() {
        let directory = SupplierImportPartsFixture.directory(suppliers: [
            .init(id: 3, name: "Moulins Réunis", siren: "412357683")
        ])
        let party = SupplierImportPartsFixture.party(vat: "FR51412357683")
        #expect(party.siren == "412357683")
        #expect(directory.supplier(for: party)?.id == 3)
        #expect(SupplierImportPartsFixture.party(vat: "fr51412357683").siren == "412357683")
        // Another country's VAT id carries no SIREN.
        #expect(SupplierImportPartsFixture.party(vat: "BE0412357683").siren == nil)
        #expect(SupplierImportPartsFixture.party(vat: "FRXX41235768").siren == nil)
    }

    @Test("a 9-digit legal id under another scheme (Norwegian 0192) is not a SIREN")
    func foreignLegalIDIsNotASIREN() {
        let directory = SupplierImportPartsFixture.directory(suppliers: [
            .init(id: 4, name: "Fjord Sjømat AS", siren: "912345678")
        ])
        for scheme in ["0192", "0007", nil] as [String?] {
            let party = SupplierImportPartsFixture.party(legal: "912345678", scheme: scheme)
            #expect(party.siren == nil, "\(scheme ?? "no scheme")")
            #expect(directory.supplier(for: party) == nil, "\(scheme ?? "no scheme")")
        }
    }

    @Test("GLN: an identifier (or endpoint) with scheme 0088")
    func supplierByGLN() {
        let directory = SupplierImportPartsFixture.directory(suppliers: [
            .init(id: 5, name: "Metro", vatID: "FR00999999999", gln: "3012345000017"),
            .init(id: 6, name: "Promocash", vatID: "FR00888888888", gln: "3012345000024"),
        ])
        let byIdentifier = SupplierImportPartsFixture.party(ids: [
            SchemedID(id: "123", scheme: "0192"), SchemedID(id: "3012345000017", scheme: "0088"),
        ])
        #expect(directory.supplier(for: byIdentifier)?.id == 5)
        let byEndpoint = SupplierImportPartsFixture.party(endpoint: SchemedID(id: "3012345000024", scheme: "0088"))
        #expect(directory.supplier(for: byEndpoint)?.id == 6)
        let noScheme = SupplierImportPartsFixture.party(ids: [SchemedID(id: "3012345000017")])
        #expect(noScheme.gln == nil)
        #expect(directory.supplier(for: noScheme) == nil, "an id without scheme 0088 is not a GLN")
    }

    @Test("e-invoicing endpoint: exact scheme and id, or a 0009 SIRET naming the supplier's SIREN")
    func supplierByEndpoint() {
        let directory = SupplierImportPartsFixture.directory(suppliers: [
            .init(id: 9, name: "Moulins Réunis", siren: "412357683"),
            .init(
                id: 10, name: "Primeurs du Sud", vatID: "FR00777777777", endpointScheme: "0225",
                endpointID: "PRIMEURS-SUD"),
        ])
        let siret = SupplierImportPartsFixture.party(endpoint: SchemedID(id: "41235768300019", scheme: "0009"))
        #expect(siret.siren == nil, "the endpoint is not the legal id")
        #expect(directory.supplier(for: siret)?.id == 9)
        let exact = SupplierImportPartsFixture.party(endpoint: SchemedID(id: "PRIMEURS-SUD", scheme: "0225"))
        #expect(directory.supplier(for: exact)?.id == 10)
        let otherScheme = SupplierImportPartsFixture.party(endpoint: SchemedID(id: "PRIMEURS-SUD", scheme: "0009"))
        #expect(directory.supplier(for: otherScheme) == nil)
        let foreign = SupplierImportPartsFixture.party(endpoint: SchemedID(id: "41235768300019", scheme: "0192"))
        #expect(directory.supplier(for: foreign) == nil, "only a French scheme carries a SIREN")
    }

    @Test("the exact legal name, case-insensitively, as a last resort")
    func supplierByName() {
        let directory = SupplierImportPartsFixture.directory(suppliers: [
            .init(id: 11, name: "METRO Cash & Carry France", vatID: "FR00999999999"),
            .init(id: 12, name: "Promocash", vatID: "FR00888888888"),
        ])
        #expect(directory.supplier(for: SupplierImportPartsFixture.party(name: "metro cash & carry france"))?.id == 11)
        #expect(directory.supplier(for: SupplierImportPartsFixture.party(name: "PROMOCASH"))?.id == 12)
        #expect(directory.supplier(for: SupplierImportPartsFixture.party(name: "Metro")) == nil, "exact, not a prefix")
        #expect(directory.supplier(for: SupplierImportPartsFixture.party(name: "Promocash SAS")) == nil)
        #expect(directory.supplier(for: DocumentParty()) == nil, "a party naming nothing matches nothing")
    }

    @Test("two suppliers matching the same key: no match, never a guess")
    func ambiguousSupplierIsNoMatch() {
        let directory = SupplierImportPartsFixture.directory(suppliers: [
            .init(id: 13, name: "Boulangerie Martin", siren: "111111118", gln: "3000000000017"),
            .init(id: 14, name: "Boulangerie Martin", siren: "222222226", gln: "3000000000017"),
            .init(id: 15, name: "Twin", siren: "333333334"),
            .init(id: 16, name: "Twin bis", siren: "333333334"),
        ])
        #expect(directory.supplier(for: SupplierImportPartsFixture.party(name: "Boulangerie Martin")) == nil)
        #expect(directory.supplier(for: SupplierImportPartsFixture.party(name: "boulangerie martin")) == nil)
        let byGLN = SupplierImportPartsFixture.party(ids: [SchemedID(id: "3000000000017", scheme: "0088")])
        #expect(directory.supplier(for: byGLN) == nil)
        #expect(directory.supplier(for: SupplierImportPartsFixture.party(legal: "333333334", scheme: "0002")) == nil)
        // A unique key still finds its supplier.
        #expect(directory.supplier(for: SupplierImportPartsFixture.party(legal: "222222226", scheme: "0002"))?.id == 14)
    }

    @Test("precedence: VAT id, then SIREN, then GLN, then endpoint, then name")
    func supplierKeyPrecedence() {
        let directory = SupplierImportPartsFixture.directory(suppliers: [
            .init(id: 21, name: "By VAT", vatID: "NL820098395B01"),
            .init(id: 22, name: "By SIREN", siren: "412357683"),
            .init(id: 23, name: "By GLN", vatID: "FR00999999999", gln: "3012345000017"),
            .init(id: 24, name: "By endpoint", vatID: "FR00888888888", endpointScheme: "0225", endpointID: "EP"),
            .init(id: 25, name: "By name", vatID: "FR00777777777"),
        ])
        let gln = [SchemedID(id: "3012345000017", scheme: "0088")]
        let endpoint = SchemedID(id: "EP", scheme: "0225")
        let everything = SupplierImportPartsFixture.party(
            name: "By name", vat: "NL 8200 98395 B01", legal: "412357683", scheme: "0002", ids: gln,
            endpoint: endpoint)
        #expect(directory.supplier(for: everything)?.id == 21, "a VAT match wins over another supplier's name")
        var party = everything
        party.vatID = nil
        #expect(directory.supplier(for: party)?.id == 22)
        party.legalID = nil
        #expect(directory.supplier(for: party)?.id == 23)
        party.identifiers = []
        #expect(directory.supplier(for: party)?.id == 24)
        party.endpoint = nil
        #expect(directory.supplier(for: party)?.id == 25)
        // A VAT id nobody has falls through to the next key.
        party.vatID = "DE999999999"
        party.legalID = "412357683"
        #expect(directory.supplier(for: party)?.id == 22)
    }

    // MARK: - PartyDirectory.shop(for:)

    @Test("shop: deliver-to location as a GLN or code, then buyer reference, then deliver-to name")
    func shopMatching() {
        let directory = SupplierImportPartsFixture.directory(shops: SupplierImportPartsFixture.shops)
        func shop(
            location: String? = nil, reference: String? = nil, name: String? = nil
        ) -> Int64? {
            directory.shop(
                for: SupplierImportPartsFixture.header(location: location, reference: reference, name: name))?.id
        }
        #expect(shop(location: "3010000000011") == 1, "the shop's GLN")
        #expect(shop(location: "LYO01") == 2, "the shop's code")
        #expect(shop(location: "lyo01") == 2, "the code, case-insensitively")
        #expect(shop(location: " PAR01 ") == 1, "trimmed")
        #expect(shop(location: "3010000000011", reference: "LYO01", name: "Nantes Commerce") == 1, "location first")
        #expect(shop(location: "9999999999999", reference: "lyo01") == 2, "then the buyer reference as a code")
        #expect(shop(reference: "NAN01", name: "Paris Bastille") == 3, "the reference before the name")
        #expect(shop(name: "paris bastille") == 1, "then the deliver-to name")
        #expect(shop(name: "nan01") == 3, "or a code as the deliver-to name")
        #expect(shop(location: "unknown", reference: "PO-2024-118", name: "Pizzeria") == nil)
        #expect(shop() == nil, "nothing to go by: no shop")
    }

    @Test("two shops with the same name: no shop")
    func ambiguousShopIsNoMatch() {
        var shops = SupplierImportPartsFixture.shops
        shops.append(.init(id: 4, code: "PAR02", name: "Paris Bastille", gln: nil, timeZone: "Europe/Paris"))
        let directory = SupplierImportPartsFixture.directory(shops: shops)
        #expect(directory.shop(for: SupplierImportPartsFixture.header(name: "Paris Bastille")) == nil)
        let byCode = SupplierImportPartsFixture.header(location: "PAR02", name: "Paris Bastille")
        #expect(directory.shop(for: byCode)?.id == 4, "the location still tells them apart")
    }

    // MARK: - InboxFiles

    @Test("list: a folder's files in name order, without hidden, partial, reason files or subfolders")
    func listFolder() throws {
        try SupplierImportPartsFixture.withTemporaryDirectory { root in
            let inbox = root + "/inbox"
            let names = [
                "b.xml", "a.xml", "C.pdf", "10.xml", ".hidden.xml", "d.xml.tmp", "e.xml.part", "a.xml.reason.txt",
                ".DS_Store",
            ]
            for name in names { try SupplierImportPartsFixture.write("<x/>", to: inbox + "/" + name) }
            try SupplierImportPartsFixture.write("<x/>", to: inbox + "/sub/f.xml")
            try FileManager.default.createDirectory(atPath: inbox + "/empty.xml", withIntermediateDirectories: true)
            let files = try InboxFiles.list([inbox])
            #expect(files == ["10.xml", "C.pdf", "a.xml", "b.xml"].map { inbox + "/" + $0 })
        }
    }

    @Test("list: an explicit file path is taken as given, in the order of the paths")
    func listExplicitFile() throws {
        try SupplierImportPartsFixture.withTemporaryDirectory { root in
            let single = root + "/elsewhere/z-invoice.xml"
            try SupplierImportPartsFixture.write("<x/>", to: single)
            try SupplierImportPartsFixture.write("<x/>", to: root + "/inbox/a.xml")
            #expect(try InboxFiles.list([single]) == [single])
            #expect(try InboxFiles.list([single, root + "/inbox"]) == [single, root + "/inbox/a.xml"])
            #expect(try InboxFiles.list([]) == [])
        }
    }

    @Test("list: a missing path throws an InboxError naming it")
    func listMissingPath() throws {
        try SupplierImportPartsFixture.withTemporaryDirectory { root in
            let missing = root + "/no-such-inbox"
            let error = #expect(throws: InboxError.self) { try InboxFiles.list([root, missing]) }
            #expect(error?.path == missing)
            #expect(error?.description.contains(missing) == true, "\(error?.description ?? "")")
            #expect(error?.message.contains("no such file") == true, "\(error?.message ?? "")")
        }
    }

    @Test("archive: into archive/supplier/YYYY/MM of the UTC month, same bytes, source gone")
    func archiveByUTCMonth() throws {
        try SupplierImportPartsFixture.withTemporaryDirectory { root in
            let inbox = InboxFiles(varDirectory: root, folder: "supplier")
            #expect(inbox.inbox == root + "/inbox/supplier")
            #expect(inbox.rejected == root + "/rejected/supplier")
            // 31 March 23:30 UTC is already 1 April in Paris: the UTC month decides.
            let date = try SupplierImportPartsFixture.date("2024-03-31T23:30:00Z")
            #expect(inbox.archive(for: date) == root + "/archive/supplier/2024/03")
            let january = try SupplierImportPartsFixture.date("2025-01-01T00:00:00Z")
            #expect(inbox.archive(for: january) == root + "/archive/supplier/2025/01")

            let source = inbox.inbox + "/invoice-42.xml"
            let bytes = "<Invoice>42</Invoice>\n"
            try SupplierImportPartsFixture.write(bytes, to: source)
            let moved = try inbox.archive(source, at: date)
            #expect(moved == root + "/archive/supplier/2024/03/invoice-42.xml")
            #expect(!FileManager.default.fileExists(atPath: source))
            #expect(FileManager.default.contents(atPath: moved) == Data(bytes.utf8))
            #expect(inbox.isArchived("invoice-42.xml", receivedAt: date))
            #expect(!inbox.isArchived("invoice-42.xml", receivedAt: january))
        }
    }

    @Test("archive never overwrites: a taken name gets a numbered suffix, nothing is deleted")
    func archiveNeverOverwrites() throws {
        try SupplierImportPartsFixture.withTemporaryDirectory { root in
            let inbox = InboxFiles(varDirectory: root, folder: "supplier")
            let date = try SupplierImportPartsFixture.date("2024-06-15T10:00:00Z")
            var moved: [String] = []
            for round in 0..<3 {
                let source = inbox.inbox + "/invoice.xml"
                try SupplierImportPartsFixture.write("round \(round)", to: source)
                moved.append(try inbox.archive(source, at: date))
                #expect(!FileManager.default.fileExists(atPath: source))
            }
            let folder = root + "/archive/supplier/2024/06/"
            #expect(moved == ["invoice.xml", "invoice.1.xml", "invoice.2.xml"].map { folder + $0 })
            for (round, path) in moved.enumerated() {
                #expect(FileManager.default.contents(atPath: path) == Data("round \(round)".utf8), "\(path)")
            }
            // A name without an extension.
            try SupplierImportPartsFixture.write("a", to: inbox.inbox + "/README")
            try SupplierImportPartsFixture.write("b", to: root + "/other/README")
            #expect(try inbox.archive(inbox.inbox + "/README", at: date) == folder + "README")
            #expect(try inbox.archive(root + "/other/README", at: date) == folder + "README.1")
            #expect(FileManager.default.contents(atPath: folder + "README") == Data("a".utf8))
        }
    }

    @Test("reject: into rejected/supplier with <name>.reason.txt beside it, never overwriting")
    func rejectWritesReason() throws {
        try SupplierImportPartsFixture.withTemporaryDirectory { root in
            let inbox = InboxFiles(varDirectory: root, folder: "supplier")
            let source = inbox.inbox + "/avoir-7.xml"
            try SupplierImportPartsFixture.write("<CreditNote/>", to: source)
            let reason = "avoir-7.xml: line 12: the VAT breakdown does not add up"
            let moved = try inbox.reject(source, reason: reason)
            #expect(moved == root + "/rejected/supplier/avoir-7.xml")
            #expect(!FileManager.default.fileExists(atPath: source))
            #expect(FileManager.default.contents(atPath: moved) == Data("<CreditNote/>".utf8))
            let written = try String(contentsOfFile: moved + ".reason.txt", encoding: .utf8)
            #expect(written.trimmingCharacters(in: .newlines) == reason)

            try SupplierImportPartsFixture.write("<CreditNote>again</CreditNote>", to: source)
            let second = try inbox.reject(source, reason: "duplicate")
            #expect(second == root + "/rejected/supplier/avoir-7.1.xml")
            #expect(try String(contentsOfFile: second + ".reason.txt", encoding: .utf8).contains("duplicate"))
            #expect(try String(contentsOfFile: moved + ".reason.txt", encoding: .utf8).contains(reason))
            #expect(FileManager.default.contents(atPath: moved) == Data("<CreditNote/>".utf8))
            let left = try FileManager.default.contentsOfDirectory(atPath: inbox.rejected).sorted()
            #expect(left == ["avoir-7.1.xml", "avoir-7.1.xml.reason.txt", "avoir-7.xml", "avoir-7.xml.reason.txt"])
            // The reason files are never taken for inputs.
            #expect(try InboxFiles.list([inbox.rejected]) == [second, moved])
        }
    }

    // MARK: - SupplierItemMapper.readCSV

    @Test("readCSV: comma separated, all columns, a quoted field holding the separator")
    func readCommaCSV() throws {
        try SupplierImportPartsFixture.withTemporaryDirectory { root in
            let path = root + "/mappings.csv"
            try SupplierImportPartsFixture.write(
                """
                supplier,seller_item_id,gtin,ingredient,pack_size,unit,stock_effect,description
                Metro,MZ-125,,MOZZA,2.5,KGM,,"Mozzarella, fior di latte"
                412357683,,3012345678901,FARINE-00,25,XBG,ingredient,Farine T00
                """ + "\n", to: path)
            let mappings = try SupplierItemMapper.readCSV(path: path)
            #expect(
                mappings == [
                    SupplierItemMapping(
                        supplier: "Metro", sellerItemID: "MZ-125", gtin: nil, ingredient: "MOZZA", packSize: 2.5,
                        unitCode: "KGM", stockEffect: .ingredient, description: "Mozzarella, fior di latte"),
                    SupplierItemMapping(
                        supplier: "412357683", sellerItemID: nil, gtin: "3012345678901", ingredient: "FARINE-00",
                        packSize: 25, unitCode: "XBG", stockEffect: .ingredient, description: "Farine T00"),
                ])
        }
    }

    @Test("readCSV: semicolon separated with a UTF-8 BOM, and a quoted semicolon")
    func readSemicolonCSVWithBOM() throws {
        try SupplierImportPartsFixture.withTemporaryDirectory { root in
            let path = root + "/mappings.csv"
            let text =
                "\u{FEFF}supplier;seller_item_id;ingredient;pack_size;unit;description\n"
                + "Moulins Réunis;F-25;FARINE-00;25000;XBG;\"Farine; sac de 25 kg\"\n"
            try SupplierImportPartsFixture.write(text, to: path)
            let mappings = try SupplierItemMapper.readCSV(path: path)
            #expect(mappings.count == 1)
            let mapping = try #require(mappings.first)
            #expect(mapping.supplier == "Moulins Réunis", "the BOM is not part of the first header name")
            #expect(mapping.sellerItemID == "F-25")
            #expect(mapping.ingredient == "FARINE-00")
            #expect(mapping.packSize == 25000)
            #expect(mapping.unitCode == "XBG")
            #expect(mapping.description == "Farine; sac de 25 kg")
        }
    }

    @Test("readCSV: optional columns may be missing or empty")
    func readCSVOptionalColumns() throws {
        try SupplierImportPartsFixture.withTemporaryDirectory { root in
            let path = root + "/mappings.csv"
            try SupplierImportPartsFixture.write(
                "supplier,gtin,ingredient\nMetro,3012345678901,\nMetro, , BASILIC \n", to: path)
            let mappings = try SupplierItemMapper.readCSV(path: path)
            #expect(
                mappings == [
                    SupplierItemMapping(
                        supplier: "Metro", sellerItemID: nil, gtin: "3012345678901", ingredient: nil, packSize: nil,
                        unitCode: nil),
                    SupplierItemMapping(
                        supplier: "Metro", sellerItemID: nil, gtin: nil, ingredient: "BASILIC", packSize: nil,
                        unitCode: nil),
                ])
        }
    }

    @Test("readCSV: stock_effect defaults to ingredient; deposit, transport, non_food; unknown names its row")
    func readCSVStockEffects() throws {
        try SupplierImportPartsFixture.withTemporaryDirectory { root in
            let path = root + "/mappings.csv"
            try SupplierImportPartsFixture.write(
                """
                supplier,seller_item_id,ingredient,stock_effect
                Metro,A,MOZZA,
                Metro,B,,deposit
                Metro,C,,TRANSPORT
                Metro,D,,non_food
                Metro,E,MOZZA,ingredient
                """ + "\n", to: path)
            let effects = try SupplierItemMapper.readCSV(path: path).map(\.stockEffect)
            #expect(effects == [.ingredient, .deposit, .transport, .nonFood, .ingredient])

            try SupplierImportPartsFixture.write(
                "supplier,seller_item_id,ingredient,stock_effect\nMetro,A,MOZZA,\nMetro,B,,packaging\n", to: path)
            let error = #expect(throws: SupplierItemMappingError.self) { try SupplierItemMapper.readCSV(path: path) }
            #expect(error?.row == 3)
            #expect(error?.description.hasPrefix("row 3: ") == true, "\(error?.description ?? "")")
            #expect(error?.message.contains("packaging") == true, "\(error?.message ?? "")")
        }
    }

    @Test("readCSV: a pack_size that is not a number names its row")
    func readCSVBadPackSize() throws {
        try SupplierImportPartsFixture.withTemporaryDirectory { root in
            let path = root + "/mappings.csv"
            for bad in ["abc", "2,5", "1e3"] {
                try SupplierImportPartsFixture.write(
                    "supplier;ingredient;pack_size\nMetro;MOZZA;1\nMetro;MOZZA;2\nMetro;BASILIC;\(bad)\n", to: path)
                let error = #expect(throws: SupplierItemMappingError.self, "\(bad)") {
                    try SupplierItemMapper.readCSV(path: path)
                }
                #expect(error?.row == 4, "\(bad)")
                #expect(error?.message.contains("pack_size '\(bad)'") == true, "\(error?.message ?? "")")
            }
        }
    }

    @Test("readCSV: a header without 'supplier' or 'ingredient' is refused")
    func readCSVMissingColumns() throws {
        try SupplierImportPartsFixture.withTemporaryDirectory { root in
            let path = root + "/mappings.csv"
            let headers = [("seller_item_id,ingredient", "supplier"), ("supplier,seller_item_id", "ingredient")]
            for (header, missing) in headers {
                try SupplierImportPartsFixture.write(header + "\nMetro,A\n", to: path)
                let error = #expect(throws: SupplierItemMappingError.self, "\(header)") {
                    try SupplierItemMapper.readCSV(path: path)
                }
                #expect(error?.row == nil)
                #expect(error?.message.contains("'\(missing)'") == true, "\(error?.message ?? "")")
            }
            let absent = root + "/absent.csv"
            let error = #expect(throws: SupplierItemMappingError.self) { try SupplierItemMapper.readCSV(path: absent) }
            #expect(error?.message.contains(absent) == true)
        }
    }

    /// The header check lowercases the header, but the fields are then looked up by their
    /// lowercase names in the header as written: a capitalised header passes the check and every
    /// row reads empty (supplier "", no ingredient, stock_effect silently `ingredient`).
    @Test("readCSV: header names in capitals (as a spreadsheet writes them) are read")
    func readCSVHeaderCase() throws {
        try SupplierImportPartsFixture.withTemporaryDirectory { root in
            let path = root + "/mappings.csv"
            try SupplierImportPartsFixture.write(
                "Supplier;Seller_Item_ID;Ingredient;Pack_Size;Stock_Effect\nMetro;A;MOZZA;2;\nMetro;B;;;deposit\n",
                to: path)
            let mappings = try SupplierItemMapper.readCSV(path: path)
            #expect(
                mappings == [
                    SupplierItemMapping(
                        supplier: "Metro", sellerItemID: "A", gtin: nil, ingredient: "MOZZA", packSize: 2,
                        unitCode: nil),
                    SupplierItemMapping(
                        supplier: "Metro", sellerItemID: "B", gtin: nil, ingredient: nil, packSize: nil,
                        unitCode: nil, stockEffect: .deposit),
                ])
        }
    }

    // MARK: - SupplierImportJob.outcome

    @Test("outcome: counts per outcome; refused files make the run partial (exit 65)")
    func outcomeCountsAndPartial() {
        let results = [
            SupplierImportPartsFixture.result(.released, status: "posted", posted: 3),
            SupplierImportPartsFixture.result(.imported, status: "posted", posted: 4),
            SupplierImportPartsFixture.result(.imported, status: "recorded"),
            SupplierImportPartsFixture.result(.held, status: "held", held: 2),
            SupplierImportPartsFixture.result(.duplicate, status: "posted"),
            SupplierImportPartsFixture.result(.rejected),
            SupplierImportPartsFixture.result(.rejected),
        ]
        let outcome = SupplierImportJob.outcome(results, files: 6)
        #expect(outcome.status == .partial)
        #expect(
            outcome.counts == [
                "files": 6, "documents_imported": 2, "documents_held": 1, "documents_released": 1,
                "files_duplicate": 1, "files_rejected": 2, "lines_posted": 7, "lines_held": 2,
            ])
        let message = outcome.message ?? ""
        #expect(message.contains("3 file(s) refused"), "\(message)")
        #expect(message.contains("var/rejected/supplier"), "\(message)")
        #expect(message.contains(".reason.txt"), "\(message)")
        #expect(message.contains("1 document(s) held"), "\(message)")
        #expect(message.contains("supplier-documents list --held"), "\(message)")
    }

    @Test("outcome: a duplicate alone is partial and points to rejected/, not to held documents")
    func outcomeDuplicateIsPartial() {
        let outcome = SupplierImportJob.outcome(
            [
                SupplierImportPartsFixture.result(.imported, status: "posted", posted: 1),
                SupplierImportPartsFixture.result(.duplicate, status: "recorded"),
            ], files: 2)
        #expect(outcome.status == .partial)
        #expect(outcome.counts["files_duplicate"] == 1)
        #expect(outcome.counts["files_rejected"] == 0)
        let message = outcome.message ?? ""
        #expect(message.contains("1 file(s) refused: see var/rejected/supplier/"), "\(message)")
        #expect(!message.contains("--held"), "\(message)")
    }

    @Test("outcome: held documents alone leave the run ok, with a pointer to the held list")
    func outcomeHeldIsOK() {
        let outcome = SupplierImportJob.outcome(
            [
                SupplierImportPartsFixture.result(.held, status: "held", held: 1),
                SupplierImportPartsFixture.result(.held, status: "held", held: 3),
                SupplierImportPartsFixture.result(.imported, status: "posted", posted: 5),
            ], files: 3)
        #expect(outcome.status == .ok)
        #expect(outcome.counts["documents_held"] == 2)
        #expect(outcome.counts["lines_held"] == 4)
        #expect(outcome.counts["lines_posted"] == 5)
        let message = outcome.message ?? ""
        #expect(message.contains("2 document(s) held: ocpizza supplier-documents list --held"), "\(message)")
        #expect(!message.contains("var/rejected"), "\(message)")
    }

    @Test("outcome: everything imported, or nothing to do: ok without a message")
    func outcomeCleanRun() {
        let clean = SupplierImportJob.outcome(
            [SupplierImportPartsFixture.result(.imported, status: "posted", posted: 2)], files: 1)
        #expect(clean.status == .ok)
        #expect(clean.message == nil)
        let empty = SupplierImportJob.outcome([], files: 0)
        #expect(empty.status == .ok)
        #expect(empty.message == nil)
        #expect(empty.counts.values.allSatisfy { $0 == 0 })
        #expect(empty.counts.count == 8)
    }
}

/// Builders for the tests above.
private enum SupplierImportPartsFixture {
    static func decide(
        supplierKnown: Bool = true, shopKnown: Bool = true, profileHasNoLines: Bool = false, lineCount: Int = 4,
        linesHeld: Int = 0, stockLines: Int = 3, alreadyReceivedBy: String? = nil
    ) -> DocumentDisposition {
        DocumentDisposition.decide(
            supplierKnown: supplierKnown, shopKnown: shopKnown, profileHasNoLines: profileHasNoLines,
            lineCount: lineCount, linesHeld: linesHeld, stockLines: stockLines, alreadyReceivedBy: alreadyReceivedBy)
    }

    static func directory(
        suppliers: [PartyDirectory.Supplier] = [], shops: [PartyDirectory.Shop] = []
    ) -> PartyDirectory {
        PartyDirectory(suppliers: suppliers, shops: shops)
    }

    static func party(
        name: String? = nil, vat: String? = nil, legal: String? = nil, scheme: String? = nil, ids: [SchemedID] = [],
        endpoint: SchemedID? = nil
    ) -> DocumentParty {
        var party = DocumentParty()
        party.name = name
        party.vatID = vat
        party.legalID = legal
        party.legalIDScheme = scheme
        party.identifiers = ids
        party.endpoint = endpoint
        return party
    }

    static let shops: [PartyDirectory.Shop] = [
        .init(id: 1, code: "PAR01", name: "Paris Bastille", gln: "3010000000011", timeZone: "Europe/Paris"),
        .init(id: 2, code: "LYO01", name: "Lyon Part-Dieu", gln: nil, timeZone: "Europe/Paris"),
        .init(id: 3, code: "NAN01", name: "Nantes Commerce", gln: "3010000000028", timeZone: "Europe/Paris"),
    ]

    static func header(
        location: String? = nil, reference: String? = nil, name: String? = nil
    ) -> SupplierDocumentHeader {
        var header = SupplierDocumentHeader(format: .ubl, kind: .invoice)
        header.number = "F-1"
        header.deliveryLocation = location.map { SchemedID(id: $0, scheme: "0088") }
        header.buyerReference = reference
        header.deliveryPartyName = name
        return header
    }

    static func result(
        _ outcome: SupplierFileResult.Outcome, status: String? = nil, posted: Int = 0, held: Int = 0
    ) -> SupplierFileResult {
        SupplierFileResult(
            file: "/var/inbox/supplier/\(outcome.rawValue).xml", outcome: outcome, status: status, linesPosted: posted,
            linesHeld: held)
    }

    /// A fresh temporary folder for `body`, removed afterwards.
    static func withTemporaryDirectory(_ body: (String) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("ocpizza-supplier-parts-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try body(directory)
    }

    /// Writes `text` to `path`, creating its folder.
    static func write(_ text: String, to path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    static func date(_ text: String) throws -> Date {
        try #require(ISO8601DateFormatter().date(from: text), "bad date \(text)")
    }
}
