import Domain
import Foundation
import Settlement
import Testing

/// The camt.053 reader on hand-written statements: OC Pizza's own account with a card-terminal
/// batch, and the files it must refuse (DTD, truncation, sub-cent amount) with their line.
@Suite struct BankStatementReaderTests {
    /// A valid camt.053.001.02 day of OC Pizza's account (FR76 9999 9000 0100 0853 2017 489): a
    /// Stripe payout, a card-terminal remittance of 3 slips (`TxDtls` with `AmtDtls/TxAmt`), bank
    /// fees without `AcctSvcrRef`, and a pending cash deposit. Validated with `xmllint --schema`.
    static let ocPizzaStatement = """
        <?xml version="1.0" encoding="UTF-8"?>
        <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
          <BkToCstmrStmt>
            <GrpHdr>
              <MsgId>OCP-CAMT053-20260316</MsgId>
              <CreDtTm>2026-03-17T06:02:11+01:00</CreDtTm>
            </GrpHdr>
            <Stmt>
              <Id>075-FR7699999000010008532017489</Id>
              <ElctrncSeqNb>75</ElctrncSeqNb>
              <CreDtTm>2026-03-17T06:02:11+01:00</CreDtTm>
              <Acct>
                <Id>
                  <IBAN>FR7699999000010008532017489</IBAN>
                </Id>
                <Ccy>EUR</Ccy>
                <Ownr>
                  <Nm>OC PIZZA SAS</Nm>
                </Ownr>
              </Acct>
              <Bal>
                <Tp>
                  <CdOrPrtry>
                    <Cd>OPBD</Cd>
                  </CdOrPrtry>
                </Tp>
                <Amt Ccy="EUR">12500.00</Amt>
                <CdtDbtInd>CRDT</CdtDbtInd>
                <Dt>
                  <Dt>2026-03-16</Dt>
                </Dt>
              </Bal>
              <Bal>
                <Tp>
                  <CdOrPrtry>
                    <Cd>CLBD</Cd>
                  </CdOrPrtry>
                </Tp>
                <Amt Ccy="EUR">14507.95</Amt>
                <CdtDbtInd>CRDT</CdtDbtInd>
                <Dt>
                  <Dt>2026-03-16</Dt>
                </Dt>
              </Bal>
              <TxsSummry>
                <TtlNtries>
                  <NbOfNtries>4</NbOfNtries>
                </TtlNtries>
              </TxsSummry>
              <Ntry>
                <Amt Ccy="EUR">1240.55</Amt>
                <CdtDbtInd>CRDT</CdtDbtInd>
                <Sts>BOOK</Sts>
                <BookgDt>
                  <Dt>2026-03-16</Dt>
                </BookgDt>
                <ValDt>
                  <Dt>2026-03-16</Dt>
                </ValDt>
                <AcctSvcrRef>20260316-0000001</AcctSvcrRef>
                <BkTxCd>
                  <Domn>
                    <Cd>PMNT</Cd>
                    <Fmly>
                      <Cd>RCDT</Cd>
                      <SubFmlyCd>ESCT</SubFmlyCd>
                    </Fmly>
                  </Domn>
                </BkTxCd>
                <NtryDtls>
                  <TxDtls>
                    <Refs>
                      <EndToEndId>po_1OcPizzaStripe0316</EndToEndId>
                    </Refs>
                    <RltdPties>
                      <Dbtr>
                        <Nm>STRIPE PAYMENTS EUROPE LTD</Nm>
                      </Dbtr>
                      <DbtrAcct>
                        <Id>
                          <IBAN>IE29AIBK93115212345678</IBAN>
                        </Id>
                      </DbtrAcct>
                    </RltdPties>
                    <RmtInf>
                      <Ustrd>STRIPE</Ustrd>
                      <Ustrd>PAYOUT po_1OcPizzaStripe0316</Ustrd>
                    </RmtInf>
                  </TxDtls>
                </NtryDtls>
              </Ntry>
              <Ntry>
                <Amt Ccy="EUR">812.70</Amt>
                <CdtDbtInd>CRDT</CdtDbtInd>
                <Sts>BOOK</Sts>
                <BookgDt>
                  <Dt>2026-03-16</Dt>
                </BookgDt>
                <ValDt>
                  <Dt>2026-03-17</Dt>
                </ValDt>
                <AcctSvcrRef>20260316-0000002</AcctSvcrRef>
                <BkTxCd>
                  <Domn>
                    <Cd>PMNT</Cd>
                    <Fmly>
                      <Cd>CCRD</Cd>
                      <SubFmlyCd>POSD</SubFmlyCd>
                    </Fmly>
                  </Domn>
                </BkTxCd>
                <NtryDtls>
                  <Btch>
                    <NbOfTxs>3</NbOfTxs>
                    <TtlAmt Ccy="EUR">812.70</TtlAmt>
                    <CdtDbtInd>CRDT</CdtDbtInd>
                  </Btch>
                  <TxDtls>
                    <Refs>
                      <AcctSvcrRef>TPE-4471-0314-1</AcctSvcrRef>
                      <EndToEndId>NOTPROVIDED</EndToEndId>
                    </Refs>
                    <AmtDtls>
                      <TxAmt>
                        <Amt Ccy="EUR">312.50</Amt>
                      </TxAmt>
                    </AmtDtls>
                    <RltdPties>
                      <Dbtr>
                        <Nm>WORLDLINE SA</Nm>
                      </Dbtr>
                    </RltdPties>
                    <RmtInf>
                      <Ustrd>REMISE CB 4471 PAR11 14/03</Ustrd>
                    </RmtInf>
                  </TxDtls>
                  <TxDtls>
                    <Refs>
                      <AcctSvcrRef>TPE-4471-0314-2</AcctSvcrRef>
                      <EndToEndId>NOTPROVIDED</EndToEndId>
                    </Refs>
                    <AmtDtls>
                      <TxAmt>
                        <Amt Ccy="EUR">188.00</Amt>
                      </TxAmt>
                    </AmtDtls>
                    <RltdPties>
                      <Dbtr>
                        <Nm>WORLDLINE SA</Nm>
                      </Dbtr>
                    </RltdPties>
                    <RmtInf>
                      <Ustrd>REMISE CB 4471 PAR11 14/03</Ustrd>
                    </RmtInf>
                  </TxDtls>
                  <TxDtls>
                    <Refs>
                      <AcctSvcrRef>TPE-4472-0314-1</AcctSvcrRef>
                      <EndToEndId>NOTPROVIDED</EndToEndId>
                    </Refs>
                    <AmtDtls>
                      <TxAmt>
                        <Amt Ccy="EUR">312.20</Amt>
                      </TxAmt>
                    </AmtDtls>
                    <RltdPties>
                      <Dbtr>
                        <Nm>WORLDLINE SA</Nm>
                      </Dbtr>
                    </RltdPties>
                    <RmtInf>
                      <Strd>
                        <CdtrRefInf>
                          <Ref>OCP-PAR12-20260314</Ref>
                        </CdtrRefInf>
                      </Strd>
                    </RmtInf>
                  </TxDtls>
                </NtryDtls>
                <AddtlNtryInf>REMISE CARTES 3 TPE</AddtlNtryInf>
              </Ntry>
              <Ntry>
                <Amt Ccy="EUR">45.30</Amt>
                <CdtDbtInd>DBIT</CdtDbtInd>
                <Sts>BOOK</Sts>
                <BookgDt>
                  <Dt>2026-03-16</Dt>
                </BookgDt>
                <BkTxCd>
                  <Prtry>
                    <Cd>FRAIS</Cd>
                    <Issr>CFONB</Issr>
                  </Prtry>
                </BkTxCd>
                <AddtlNtryInf>FRAIS TENUE DE COMPTE MARS</AddtlNtryInf>
              </Ntry>
              <Ntry>
                <Amt Ccy="EUR">100.00</Amt>
                <CdtDbtInd>CRDT</CdtDbtInd>
                <Sts>PDNG</Sts>
                <BkTxCd>
                  <Domn>
                    <Cd>PMNT</Cd>
                    <Fmly>
                      <Cd>CNTR</Cd>
                      <SubFmlyCd>CDPT</SubFmlyCd>
                    </Fmly>
                  </Domn>
                </BkTxCd>
                <AddtlNtryInf>VERSEMENT ESPECES OCP-PAR11-20260315</AddtlNtryInf>
              </Ntry>
            </Stmt>
          </BkToCstmrStmt>
        </Document>
        """

    /// Writes `text` to a fresh temporary file and reads it.
    static func read(_ text: String, name: String = "statement.xml") throws -> BankStatementFile {
        let path = try temporaryFile(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try BankStatementReader().read(path: path, name: name)
    }

    static func temporaryFile(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("camt053-\(UUID().uuidString).xml")
            .path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The refusal a read ends with (nil when it reads).
    static func refusal(_ text: String) throws -> SettlementFileError? {
        do {
            _ = try read(text, name: "bad.xml")
            return nil
        } catch let error as SettlementFileError {
            return error
        }
    }

    @Test func ocPizzaStatementIsValidAndSplitsTheCardBatch() throws {
        let file = try Self.read(Self.ocPizzaStatement)
        #expect(file.version == "02")
        #expect(file.schemaValid == true)
        #expect(file.warnings == [])
        let statement = try #require(file.statements.first)
        #expect(statement.statementID == "075-FR7699999000010008532017489")
        #expect(statement.sequenceNumber == "75")
        #expect(statement.accountIBAN == "FR7699999000010008532017489")
        #expect(statement.accountCurrency == "EUR")
        #expect(statement.openingBalanceCents == 1_250_000)
        #expect(statement.closingBalanceCents == 1_450_795)
        #expect(statement.balanceCurrency == "EUR")
        #expect(statement.entriesIgnored == 1)
        #expect(statement.entries.map(\.entryKey) == ["20260316-0000001", "20260316-0000002", "auto:D4530:1"])
        #expect(statement.entries.map(\.amountCents) == [124_055, 81_270, -4530])
        #expect(statement.entries.map(\.line) == [50, 92, 182])

        let payout = statement.entries[0]
        #expect(payout.bookingDate == (try LocalDate(iso: "2026-03-16")))
        #expect(payout.bookedAt == nil)
        #expect(
            payout.transactions == [
                BankTransaction(
                    position: 1, amountCents: 124_055, currency: "EUR", endToEndID: "po_1OcPizzaStripe0316",
                    counterpartyName: "STRIPE PAYMENTS EUROPE LTD", counterpartyIBAN: "IE29AIBK93115212345678",
                    remittanceInfo: "STRIPE PAYOUT po_1OcPizzaStripe0316", bankTransactionCode: "PMNT/RCDT/ESCT")
            ])

        let cards = statement.entries[1]
        #expect(cards.valueDate == (try LocalDate(iso: "2026-03-17")))
        #expect(cards.bankTransactionCode == "PMNT/CCRD/POSD")
        #expect(cards.additionalInfo == "REMISE CARTES 3 TPE")
        #expect(cards.transactions.map(\.position) == [1, 2, 3])
        #expect(cards.transactions.map(\.amountCents) == [31250, 18800, 31220])
        #expect(cards.transactions.map(\.reference) == ["TPE-4471-0314-1", "TPE-4471-0314-2", "TPE-4472-0314-1"])
        #expect(cards.transactions.map(\.counterpartyName) == ["WORLDLINE SA", "WORLDLINE SA", "WORLDLINE SA"])
        #expect(
            cards.transactions.map(\.remittanceInfo) == [
                "REMISE CB 4471 PAR11 14/03", "REMISE CB 4471 PAR11 14/03", "OCP-PAR12-20260314",
            ])
        // No TxDtls code of their own: the entry's.
        #expect(cards.transactions.allSatisfy { $0.bankTransactionCode == "PMNT/CCRD/POSD" })

        let fees = statement.entries[2]
        #expect(fees.accountServicerReference == nil)
        #expect(fees.bankTransactionCode == "FRAIS")
        #expect(fees.additionalInfo == "FRAIS TENUE DE COMPTE MARS")
        #expect(
            fees.transactions == [
                BankTransaction(position: 1, amountCents: -4530, currency: "EUR", bankTransactionCode: "FRAIS")
            ])
    }

    @Test func batchWhoseDetailsDoNotAddUpWarns() throws {
        let text = Self.ocPizzaStatement.replacingOccurrences(
            of: "<Amt Ccy=\"EUR\">312.20</Amt>", with: "<Amt Ccy=\"EUR\">312.10</Amt>")
        let file = try Self.read(text)
        #expect(file.schemaValid == true)
        #expect(file.statements[0].entries[1].transactions.map(\.amountCents) == [31250, 18800, 31210])
        let warning = try #require(file.warnings.first)
        #expect(warning.code == "batch_sum_mismatch")
        #expect(warning.record == 92)
        #expect(warning.message.contains("sum to 812.60 EUR, the entry is 812.70 EUR"))
    }

    @Test func batchWithADetailWithoutAmountStaysWhole() throws {
        let amount = """
                        <AmtDtls>
                          <TxAmt>
                            <Amt Ccy="EUR">188.00</Amt>
                          </TxAmt>
                        </AmtDtls>

            """
        #expect(Self.ocPizzaStatement.contains(amount))
        let file = try Self.read(Self.ocPizzaStatement.replacingOccurrences(of: amount, with: ""))
        #expect(file.schemaValid == true)
        #expect(file.warnings.map(\.code) == ["batch_amount_missing"])
        #expect(
            file.statements[0].entries[1].transactions == [
                BankTransaction(position: 1, amountCents: 81270, currency: "EUR", bankTransactionCode: "PMNT/CCRD/POSD")
            ])
    }

    @Test func pendingAndInformationEntriesAreIgnored() throws {
        // v08 shape (`Sts/Cd`); read without caring about the rest of the v08 schema.
        let text = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
              <BkToCstmrStmt>
                <Stmt>
                  <Id>S1</Id>
                  <Acct><Id><IBAN>FR7699999000010008532017489</IBAN></Id><Ccy>EUR</Ccy></Acct>
                  <Ntry><Amt Ccy="EUR">10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>PDNG</Cd></Sts></Ntry>
                  <Ntry><Amt Ccy="EUR">20.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>INFO</Cd></Sts></Ntry>
                  <Ntry>
                    <Amt Ccy="EUR">30.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
                    <BookgDt><DtTm>2026-03-15T23:30:00Z</DtTm></BookgDt>
                  </Ntry>
                </Stmt>
              </BkToCstmrStmt>
            </Document>
            """
        let file = try Self.read(text)
        #expect(file.version == "08")
        #expect(file.schemaValid == false)  // no GrpHdr, no Bal: the tolerant pass reads it anyway
        #expect(file.warnings.map(\.code) == ["schema_deviation"])
        let statement = try #require(file.statements.first)
        #expect(statement.entriesIgnored == 2)
        #expect(statement.entries.map(\.amountCents) == [-3000])
        // 23:30 UTC is already 16 March in Paris.
        #expect(statement.entries[0].bookingDate == (try LocalDate(iso: "2026-03-16")))
        #expect(statement.entries[0].entryKey == "auto:D3000:1")
    }

    @Test func dateTimeWithoutOffsetIsTheBanksParisTime() throws {
        // 2026-10-25 02:30 happens twice in Paris: the first time (CEST, 00:30 UTC) is taken.
        let text = """
            <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.10">
              <BkToCstmrStmt><Stmt><Id>S2</Id>
                <Ntry>
                  <Amt Ccy="EUR">5.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
                  <BookgDt><DtTm>2026-10-25T02:30:00</DtTm></BookgDt><ValDt><DtTm>2026-10-26T00:10:00+01:00</DtTm></ValDt>
                </Ntry>
              </Stmt></BkToCstmrStmt>
            </Document>
            """
        let entry = try #require(try Self.read(text).statements.first?.entries.first)
        #expect(entry.bookedAt == Date(timeIntervalSince1970: 1_792_888_200))
        #expect(entry.bookingDate == (try LocalDate(iso: "2026-10-25")))
        #expect(entry.valueDate == (try LocalDate(iso: "2026-10-26")))
    }

    @Test func documentTypeDeclarationIsRefusedAsHostile() throws {
        let text = Self.ocPizzaStatement.replacingOccurrences(
            of: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
            with: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE Document [<!ENTITY bank \"OC\">]>\n")
        let error = try #require(try Self.refusal(text))
        #expect(error.code == "hostile_xml")
        #expect(error.record == 2)
        #expect(error.file == "bad.xml")
    }

    @Test func truncatedFileIsRefusedWithALine() throws {
        let lines = Self.ocPizzaStatement.split(separator: "\n", omittingEmptySubsequences: false)
        let error = try #require(try Self.refusal(lines.prefix(120).joined(separator: "\n")))
        #expect(error.code == "malformed_xml")
        #expect((try #require(error.record)) >= 119)
    }

    @Test func subCentAmountIsRefused() throws {
        let text = Self.ocPizzaStatement.replacingOccurrences(
            of: "<Amt Ccy=\"EUR\">45.30</Amt>", with: "<Amt Ccy=\"EUR\">12.345</Amt>")
        let error = try #require(try Self.refusal(text))
        #expect(error.code == "sub_cent_amount")
        #expect(error.record == 183)
    }

    @Test func extraZeroDigitsAreAccepted() throws {
        let text = Self.ocPizzaStatement.replacingOccurrences(
            of: "<Amt Ccy=\"EUR\">45.30</Amt>", with: "<Amt Ccy=\"EUR\">45.30000</Amt>")
        #expect(try Self.read(text).statements[0].entries[2].amountCents == -4530)
    }

    @Test func otherDocumentsAreNotBankStatements() throws {
        let error = try #require(
            try Self.refusal(
                "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.052.001.02\"><BkToCstmrAcctRpt/></Document>"))
        #expect(error.code == "unknown_format")
        #expect(error.record == 1)
    }

    @Test func missingFileIsUnreadable() throws {
        let error = try #require(throws: SettlementFileError.self) {
            try BankStatementReader().read(path: "/nonexistent/statement.xml", name: "statement.xml")
        }
        #expect(error.code == "unreadable_file")
        #expect(error.file == "statement.xml")
    }
}
