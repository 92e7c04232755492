/// The localised vocabulary of PayPal's activity download (design note §1.4): header names, number
/// layout, statuses and type labels. English and Spanish come from the corpus; German and French
/// are best effort from PayPal's published exports and other importers (unverified).
struct PayPalActivityLanguage: Sendable {
    let code: String
    let date, time, zone, type, status, currency, gross, fee, net, balance: [String]
    let transactionID, reference, invoice, subject: [String]
    let decimalSeparator: UInt8
    /// Thousands separators accepted in amounts (French writes a space or a no-break space).
    let grouping: UInt8
    /// The day/month order to assume when no date of the file decides it; nil: refuse.
    let dayFirstByDefault: Bool?

    static let all: [PayPalActivityLanguage] = [english, spanish, german, french]

    static let english = PayPalActivityLanguage(
        code: "en", date: ["Date"], time: ["Time"], zone: ["TimeZone", "Time Zone"], type: ["Type", "Description"],
        status: ["Status"], currency: ["Currency"], gross: ["Gross"], fee: ["Fee"], net: ["Net"],
        balance: ["Balance"], transactionID: ["Transaction ID"], reference: ["Reference Txn ID"],
        invoice: ["Invoice Number", "Invoice ID"], subject: ["Subject"], decimalSeparator: UInt8(ascii: "."),
        grouping: UInt8(ascii: ","), dayFirstByDefault: nil)

    static let spanish = PayPalActivityLanguage(
        code: "es", date: ["Fecha"], time: ["Hora"], zone: ["Zona horaria"], type: ["Tipo", "Descripción"],
        status: ["Estado"], currency: ["Divisa", "Moneda"], gross: ["Bruto"], fee: ["Comisión", "Tarifa"],
        net: ["Neto"], balance: ["Saldo"], transactionID: ["Id. de transacción", "Número de transacción"],
        reference: ["Id. de referencia de trans.", "Id. de transacción de referencia"],
        invoice: ["Id. de factura", "Número de factura"], subject: ["Asunto"], decimalSeparator: UInt8(ascii: ","),
        grouping: UInt8(ascii: "."), dayFirstByDefault: true)

    static let german = PayPalActivityLanguage(
        code: "de", date: ["Datum"], time: ["Uhrzeit"], zone: ["Zeitzone"], type: ["Typ", "Beschreibung"],
        status: ["Status"], currency: ["Währung"], gross: ["Brutto"], fee: ["Entgelt", "Gebühr"], net: ["Netto"],
        balance: ["Guthaben"], transactionID: ["Transaktionscode"], reference: ["Zugehöriger Transaktionscode"],
        invoice: ["Rechnungsnummer"], subject: ["Betreff"], decimalSeparator: UInt8(ascii: ","),
        grouping: UInt8(ascii: "."), dayFirstByDefault: true)

    static let french = PayPalActivityLanguage(
        code: "fr", date: ["Date"], time: ["Heure"], zone: ["Fuseau horaire"], type: ["Type", "Description"],
        status: ["État", "Etat"], currency: ["Devise"], gross: ["Brut", "Avant commission"],
        fee: ["Frais", "Commission"], net: ["Net"], balance: ["Solde"],
        transactionID: ["Numéro de transaction", "N° de transaction"],
        reference: ["Numéro de la transaction de référence", "N° de transaction de référence"],
        invoice: ["Numéro de facture", "N° de facture"], subject: ["Objet"], decimalSeparator: UInt8(ascii: ","),
        grouping: UInt8(ascii: " "), dayFirstByDefault: true)

    /// The language of a header: by its first cell, and for `Date` (English and French) by the
    /// time column's name. Nil when the header is not an activity download's (no gross or
    /// transaction-id column).
    static func of(header: [String]) -> PayPalActivityLanguage? {
        let index = ColumnIndex(header: header)
        guard let first = header.first.map({ ColumnIndex.folded($0.replacingOccurrences(of: "\u{FEFF}", with: "")) })
        else { return nil }
        for language in all where language.date.contains(where: { ColumnIndex.folded($0) == first }) {
            guard index.position(ofAny: language.time) != nil || language.code != "fr" else { continue }
            if index.position(ofAny: language.gross) != nil, index.position(ofAny: language.transactionID) != nil {
                return language
            }
        }
        return nil
    }

    // Statuses and labels are matched in every language at once: a label is not ambiguous
    // between languages, and a file is sometimes half translated.

    /// Money moved (the payment may have been refunded since, by another row).
    static let completedStatuses: Set<String> = [
        "completed", "cleared", "refunded", "partially refunded", "completado", "reembolsado",
        "reembolsado parcialmente", "abgeschlossen", "erstattet", "teilweise erstattet", "terminé", "remboursé",
        "partiellement remboursé",
    ]
    static let pendingStatuses: Set<String> = ["pending", "pendiente", "ausstehend", "offen", "en attente"]
    /// Known statuses of rows that moved nothing (denied, cancelled…): ignored silently.
    static let ignoredStatuses: Set<String> = [
        "denied", "canceled", "cancelled", "reversed", "unclaimed", "held", "placed", "removed", "uncleared",
        "failed", "expired", "denegado", "rechazado", "cancelado", "abgelehnt", "storniert", "refusé", "annulé",
    ]

    enum LabelKind { case conversion, withdrawal, holdOrRelease, refund, other }

    /// What a type label says, by keyword (design note §1.4; refunds added: a refund label is
    /// clearer than the sign).
    static func kind(ofLabel label: String) -> LabelKind {
        let folded = label.lowercased()
        func has(_ words: [String]) -> Bool { words.contains { folded.contains($0) } }
        if has(["conversion", "conversión", "umrechnung"]) { return .conversion }
        if has(["withdrawal", "retiro", "retirada", "abbuchung", "auszahlung", "retrait", "virement"]) {
            return .withdrawal
        }
        if has(["hold", "release", "retención", "liberación", "einbehalt", "freigabe", "blocage", "réserve"]) {
            return .holdOrRelease
        }
        if has(["refund", "reembolso", "rückzahlung", "erstattung", "remboursement"]) { return .refund }
        return .other
    }
}
