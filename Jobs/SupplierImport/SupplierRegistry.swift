import Foundation
import Postgres
import SupplierDocuments

/// A supplier to add, as an operator types it or as a held document names its seller.
public struct NewSupplier: Sendable, Codable, Equatable {
    public var name: String
    public var vatID: String?
    public var siren: String?
    public var gln: String?
    public var email: String?

    public init(name: String, vatID: String? = nil, siren: String? = nil, gln: String? = nil, email: String? = nil) {
        self.name = name
        self.vatID = vatID.map(PartyDirectory.compact)
        self.siren = siren?.filter(\.isNumber)
        self.gln = gln
        self.email = email
    }

    /// The seller of a document, as the import stored it (the VAT id compacted, the SIREN taken
    /// from a SIRET or a French VAT id, the GLN when the document gives one).
    public init(seller: DocumentParty) {
        self.init(
            name: seller.name ?? seller.tradingName ?? "", vatID: seller.vatID, siren: seller.siren, gln: seller.gln)
    }
}

/// Adds suppliers: what an `unknown_supplier` hold waits for.
public enum SupplierRegistry {
    /// Inserts the supplier; returns its id. The schema's checks (SIREN or VAT id required,
    /// their formats, uniqueness) become a ``SupplierItemMappingError`` an operator can read.
    public static func add(_ supplier: NewSupplier, in session: PostgresSession) throws -> Int64 {
        guard !supplier.name.isEmpty else { throw SupplierItemMappingError(message: "the supplier needs a name") }
        do {
            let id = try session.queryValue(
                """
                INSERT INTO supplier (name, vat_id, siren, gln, email)
                VALUES (\(supplier.name), \(supplier.vatID), \(supplier.siren), \(supplier.gln), \(supplier.email))
                RETURNING id
                """, as: Int64.self)
            return id ?? 0
        } catch let error as PostgresError where error.isDataError {
            let what =
                switch error.constraint ?? "" {
                case "supplier_identified": "give a SIREN or a VAT id"
                case "supplier_siren_format": "a SIREN is 9 digits"
                case "supplier_vat_id_format": "a VAT id is a country code and 2 to 13 letters or digits"
                case "supplier_gln_format": "a GLN is 13 digits"
                case let name where name.hasSuffix("_key"):
                    "a supplier with this \(name.contains("vat") ? "VAT id" : name.contains("siren") ? "SIREN" : "identifier") exists already"
                default: error.message
                }
            throw SupplierItemMappingError(message: what)
        }
    }

    /// The seller a held document names, ready to add.
    public static func seller(ofDocument id: Int64, in session: PostgresSession) throws -> NewSupplier {
        guard
            let row = try session.query("SELECT seller FROM supplier_document WHERE id = \(id)").first,
            let seller = try row.decode("seller", as: JSONB?.self)
        else { throw SupplierItemMappingError(message: "no supplier document #\(id) naming its seller") }
        return NewSupplier(seller: try seller.decode(DocumentParty.self))
    }
}
