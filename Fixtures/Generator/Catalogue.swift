import Domain
import Foundation
import Postgres

/// The chain's catalogue as the generator uses it: read once from the database (ids, prices,
/// recipe versions as seeded) and joined with the embedded data for what only the generator
/// needs (popularity, delivery days). Quantities are integers in thousandths of a base unit.
struct Catalogue: Sendable {
    /// Whether `day` lies in the half-open validity range [from, to) the schema uses for prices
    /// and recipes (`to` nil = open-ended).
    static func isValid(on day: Int, from: Int, to: Int?) -> Bool {
        from <= day && (to.map { day < $0 } ?? true)
    }

    struct Ingredient: Sendable {
        var id: Int64
        var sku: String
        var unit: String
        var category: String
        var perishable: Bool
        /// Thousandths of usage lost on top of theory in real life (portioning, spills): 300 = 3 %.
        var overuseBasisPoints: Int64
        /// Euros per base unit at the primary item's price, "0.00740000"; nil when not bought.
        var unitCost: String?
        /// The primary supplier item, as an index into ``Catalogue/items``.
        var item: Int?
    }

    struct Recipe: Sendable {
        var id: Int64
        var validFrom: Int
        var validTo: Int?
        var bakeSeconds: Int
        /// Per portion: ingredient index and quantity × (1 + waste), in ten-millionths of a base unit.
        var lines: [(ingredient: Int, amount: Int64)]
    }

    struct Product: Sendable {
        var id: Int64
        var sku: String
        var kind: String
        var vatText: String
        var vat: VATRate
        var popularity: Double
        var recipes: [Recipe]
        /// Chain-wide (shop nil) and shop prices: (shop, from, to, cents).
        var prices: [(shop: Int64?, from: Int, to: Int?, cents: Int64)]

        func recipe(on day: Int) -> Recipe? {
            recipes.first { Catalogue.isValid(on: day, from: $0.validFrom, to: $0.validTo) }
        }

        /// The VAT-inclusive price in force in `shop` on `day`: the shop's own, else the chain's.
        func price(shop: Int64, on day: Int) -> Int64? {
            var chain: Int64?
            for price in prices where Catalogue.isValid(on: day, from: price.from, to: price.to) {
                if price.shop == shop { return price.cents }
                if price.shop == nil { chain = price.cents }
            }
            return chain
        }
    }

    struct Modifier: Sendable {
        var id: Int64
        var kind: String
        var product: Int64?
        var priceDelta: Int64
        /// Ingredient index and delta per portion, in thousandths.
        var deltas: [(ingredient: Int, milli: Int64)]
    }

    struct Item: Sendable {
        var id: Int64
        var ingredient: Int
        var sellerItemID: String
        var gtin: String?
        var description: String
        var pack: Int64
        var unitCode: String
        var unitPriceText: String
        var unitPrice: Decimal
        var vatText: String
        var vat: VATRate
    }

    struct Supplier: Sendable {
        var id: Int64
        var code: String
        var name: String
        var format: String
        /// The seller as its e-invoices name it (from the demo data, matched by SIREN).
        var party: SupplierDelivery.Party
        var weekdays: Set<Int>
        var items: [Int]
    }

    var ingredients: [Ingredient] = []
    var products: [Product] = []
    var modifiers: [Modifier] = []
    var items: [Item] = []
    var suppliers: [Supplier] = []
    var ingredientIndex: [Int64: Int] = [:]
    var productIndex: [Int64: Int] = [:]

    /// Real-life usage above theory, per ingredient category (what a count finds missing).
    static let overuse: [String: Int64] = [
        "cheese": 300, "meat": 250, "fish": 200, "vegetable": 400, "herb_spice": 600, "sauce": 300, "dough": 120,
        "oil": 300, "egg": 100, "dry_goods": 200, "drink": 20, "dessert": 40, "packaging": 100,
    ]

    /// Parses "0.125" into thousandths (125); "0.0300" as a fraction into basis points (300).
    static func thousandths(_ text: String) -> Int64 { scaled(text, places: 3) }
    static func basisPoints(_ text: String) -> Int64 { scaled(text, places: 4) }

    static func scaled(_ text: String, places: Int) -> Int64 {
        let negative = text.hasPrefix("-")
        let parts = text.drop(while: { $0 == "-" }).split(separator: ".", omittingEmptySubsequences: false)
        var value = Int64(parts.first ?? "0") ?? 0
        var fraction = parts.count > 1 ? String(parts[1]) : ""
        fraction = String((fraction + String(repeating: "0", count: places)).prefix(places))
        for _ in 0..<places { value *= 10 }
        value += Int64(fraction) ?? 0
        return negative ? -value : value
    }
}
