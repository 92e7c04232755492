import Foundation

/// The demo chain as written in `Fixtures/Data/*.json`, embedded in the binary by SwiftPM.
///
/// Plain values, exactly as in the files: quantities, rates and prices stay decimal strings
/// ("0.1000", "12.5000") until they reach the database or the generator, so nothing is rounded
/// on the way. ``problems()`` checks the references and identifiers (GTIN, SIREN, VAT ids, unit
/// codes); `db seed` refuses to load data that has any.
public struct DemoData: Sendable {
    public var categories: [Category]
    public var shops: [Shop]
    public var headOffice: [Person]
    public var ingredients: [Ingredient]
    public var products: [Product]
    public var modifiers: [Modifier]
    public var recipes: [Recipe]
    public var suppliers: [Supplier]

    /// The data compiled into this build.
    public static let embedded: DemoData = {
        do {
            return try DemoData.decode()
        } catch {
            preconditionFailure("the embedded demo data does not decode: \(error)")
        }
    }()

    static func decode() throws -> DemoData {
        func file<T: Decodable>(_ bytes: [UInt8], as _: T.Type) throws -> T {
            try JSONDecoder().decode(T.self, from: Data(bytes))
        }
        let reference = try file(PackageResources.reference_json, as: ReferenceFile.self)
        let shops = try file(PackageResources.shops_json, as: ShopsFile.self)
        let ingredients = try file(PackageResources.ingredients_json, as: IngredientsFile.self)
        let menu = try file(PackageResources.menu_json, as: MenuFile.self)
        let recipes = try file(PackageResources.recipes_json, as: RecipesFile.self)
        let suppliers = try file(PackageResources.suppliers_json, as: SuppliersFile.self)
        return DemoData(
            categories: reference.categories, shops: shops.shops, headOffice: shops.headOffice,
            ingredients: ingredients.ingredients, products: menu.products, modifiers: menu.modifiers,
            recipes: recipes.recipes, suppliers: suppliers.suppliers)
    }

    // MARK: Shops and people

    public struct Category: Codable, Sendable {
        public var code: String
        public var name: String
        public var parent: String?
        public var sortOrder: Int
    }

    public struct Shop: Codable, Sendable {
        public var code: String
        public var name: String
        public var address: Address
        public var phone: String?
        public var email: String?
        /// The shop as a delivery point (GS1 GLN, 13 digits): suppliers write it as the deliver-to
        /// location of their e-invoices (BT-71, scheme 0088), and import-supplier finds the shop by it.
        public var gln: String
        public var timezone: String
        public var dayCutoff: String
        public var openedOn: String
        /// Keys mon...sun, each a list of ["HH:MM", "HH:MM"] windows; a missing key is a closed day.
        public var openingHours: [String: [[String]]]
        public var profile: Profile
        public var staff: [Person]
    }

    public struct Address: Codable, Sendable {
        public var line1: String
        public var line2: String?
        public var postcode: String
        public var city: String
        public var latitude: String?
        public var longitude: String?
    }

    /// What the history generator needs to know about a shop's trade.
    public struct Profile: Codable, Sendable {
        /// Orders on an average day (the weekday pattern goes around it).
        public var ordersPerDay: Int
        /// Streets of the delivery area, where the shop's customers live.
        public var streets: [Street]
    }

    public struct Street: Codable, Sendable {
        public var street: String
        public var postcode: String
        public var city: String
        public var maxNumber: Int
    }

    public struct Person: Codable, Sendable {
        public var role: String
        public var fullName: String
        public var email: String
        public var hiredOn: String
        public var phone: String?
    }

    // MARK: Catalogue

    public struct Ingredient: Codable, Sendable {
        public var sku: String
        public var name: String
        public var baseUnit: String
        public var category: String
        public var perishable: Bool
        public var wastePct: String
    }

    public struct Product: Codable, Sendable {
        public var sku: String
        public var name: String
        public var description: String?
        public var category: String
        public var kind: String
        public var size: String?
        public var vatRate: String
        public var prices: [Price]
        public var shopPrices: [ShopPrice]?
        public var notSoldIn: [String]?
        /// Relative sales weight among the products of the same kind (generator only).
        public var popularity: Int
    }

    public struct Price: Codable, Sendable {
        public var from: String
        public var to: String?
        public var cents: Int
    }

    public struct ShopPrice: Codable, Sendable {
        public var shop: String
        public var from: String
        public var to: String?
        public var cents: Int
    }

    public struct Modifier: Codable, Sendable {
        public var code: String
        public var name: String
        public var kind: String
        public var product: String?
        public var priceDeltaCents: Int
        public var ingredients: [ModifierIngredient]
    }

    public struct ModifierIngredient: Codable, Sendable {
        public var ingredient: String
        public var quantityDelta: String
    }

    public struct Recipe: Codable, Sendable {
        public var product: String
        public var versions: [RecipeVersion]
    }

    public struct RecipeVersion: Codable, Sendable {
        public var version: Int
        public var validFrom: String
        public var validTo: String?
        public var bakeMinutes: String?
        public var ovenTempC: Int?
        public var instructions: String?
        public var lines: [RecipeLine]
    }

    public struct RecipeLine: Codable, Sendable {
        public var ingredient: String
        public var quantity: String
        public var wastePct: String
    }

    // MARK: Suppliers

    public struct Supplier: Codable, Sendable {
        /// Short code used in the generator's document numbers (LVS-20261117-PAR11).
        public var code: String
        public var name: String
        public var siren: String
        public var vatId: String
        public var einvoiceEndpoint: Endpoint?
        public var email: String?
        public var documentFormat: String
        /// ISO weekdays (1 = Monday) the supplier delivers on (generator only).
        public var deliveryWeekdays: [Int]
        public var items: [SupplierItem]
    }

    public struct Endpoint: Codable, Sendable {
        public var scheme: String
        public var id: String
    }

    public struct SupplierItem: Codable, Sendable {
        public var sellerItemId: String
        public var gtin: String?
        public var ingredient: String
        public var description: String
        public var packSize: String
        public var purchaseUnit: String
        public var unitPrice: String
        public var vatRate: String
        /// false for a fallback item: the generator buys each ingredient from its primary item.
        public var primary: Bool?
    }

    // MARK: Files

    private struct ReferenceFile: Decodable { var categories: [Category] }
    private struct ShopsFile: Decodable {
        var shops: [Shop]
        var headOffice: [Person]
    }
    private struct IngredientsFile: Decodable { var ingredients: [Ingredient] }
    private struct MenuFile: Decodable {
        var products: [Product]
        var modifiers: [Modifier]
    }
    private struct RecipesFile: Decodable { var recipes: [Recipe] }
    private struct SuppliersFile: Decodable { var suppliers: [Supplier] }
}
