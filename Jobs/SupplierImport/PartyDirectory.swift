import Domain
import Foundation
import Postgres
import SupplierDocuments

/// The suppliers and shops a document can name, loaded once per run (a few hundred rows), and
/// the rules that tell which one a document means. Nothing is guessed: an ambiguous match is
/// no match, and the document is held.
public struct PartyDirectory: Sendable {
    struct Supplier: Sendable {
        var id: Int64
        var name: String
        var siren: String?
        var vatID: String?
        var gln: String?
        var endpointScheme: String?
        var endpointID: String?
    }

    struct Shop: Sendable {
        var id: Int64
        var code: String
        var name: String
        var gln: String?
        var timeZone: String
    }

    var suppliers: [Supplier]
    var shops: [Shop]

    static func load(_ session: PostgresSession) throws -> PartyDirectory {
        var suppliers: [Supplier] = []
        for row in try session.query(
            "SELECT id, name, siren, vat_id, gln, einvoice_endpoint_scheme, einvoice_endpoint_id FROM supplier")
        {
            suppliers.append(
                Supplier(
                    id: try row.decode("id"), name: try row.decode("name"), siren: try row.decode("siren"),
                    vatID: try row.decode("vat_id"), gln: try row.decode("gln"),
                    endpointScheme: try row.decode("einvoice_endpoint_scheme"),
                    endpointID: try row.decode("einvoice_endpoint_id")))
        }
        var shops: [Shop] = []
        for row in try session.query("SELECT id, code, name, gln, timezone FROM pizzeria") {
            shops.append(
                Shop(
                    id: try row.decode("id"), code: try row.decode("code"), name: try row.decode("name"),
                    gln: try row.decode("gln"), timeZone: try row.decode("timezone")))
        }
        return PartyDirectory(suppliers: suppliers, shops: shops)
    }

    /// FIELDS.md §2: the VAT number first, then SIREN (or a SIRET's first 9 digits), then GLN,
    /// then the e-invoicing address; the exact legal name only as a last resort.
    func supplier(for seller: DocumentParty) -> Supplier? {
        func unique(_ matches: [Supplier]) -> Supplier? { matches.count == 1 ? matches[0] : nil }
        if let vat = seller.vatID.map(Self.compact), let found = unique(suppliers.filter { $0.vatID == vat }) {
            return found
        }
        if let siren = seller.siren, let found = unique(suppliers.filter { $0.siren == siren }) { return found }
        if let gln = seller.gln, let found = unique(suppliers.filter { $0.gln == gln }) { return found }
        if let endpoint = seller.endpoint {
            let matches = suppliers.filter { $0.endpointID == endpoint.id && $0.endpointScheme == endpoint.scheme }
            if let found = unique(matches) { return found }
            if endpoint.scheme == "0009" || endpoint.scheme == "0002", endpoint.id.count >= 9 {
                let siren = String(endpoint.id.prefix(9))
                if let found = unique(suppliers.filter { $0.siren == siren }) { return found }
            }
        }
        if let name = seller.name?.lowercased(), let found = unique(suppliers.filter { $0.name.lowercased() == name }) {
            return found
        }
        return nil
    }

    /// The receiving shop: the deliver-to location (the shop's GLN or code), then the buyer
    /// reference (OC Pizza asks suppliers to write the shop code there), then the deliver-to name.
    func shop(for header: SupplierDocumentHeader) -> Shop? {
        func unique(_ matches: [Shop]) -> Shop? { matches.count == 1 ? matches[0] : nil }
        let keys = [header.deliveryLocation?.id, header.buyerReference].compactMap { $0 }
        for key in keys {
            let trimmed = key.trimmingCharacters(in: .whitespaces)
            if let found = unique(shops.filter { $0.gln == trimmed || $0.code.uppercased() == trimmed.uppercased() }) {
                return found
            }
        }
        if let name = header.deliveryPartyName?.lowercased(),
            let found = unique(shops.filter { $0.name.lowercased() == name || $0.code.lowercased() == name })
        {
            return found
        }
        return nil
    }

    /// A VAT number as stored: upper case, without spaces, dots or dashes.
    public static func compact(_ vat: String) -> String {
        vat.uppercased().filter { !$0.isWhitespace && $0 != "." && $0 != "-" }
    }
}
