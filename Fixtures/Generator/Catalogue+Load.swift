import Domain
import Foundation
import Postgres

extension Catalogue {
    /// Reads the seeded catalogue. Throws ``DemoChainError/notSeeded(_:)`` when the demo chain's
    /// products, recipes or supplier items are missing.
    static func load(_ session: PostgresSession, data: DemoData) throws -> Catalogue {
        var catalogue = Catalogue()
        for row in try session.query(
            "SELECT id, sku, base_unit, category, perishable FROM ingredient WHERE active ORDER BY id")
        {
            let id = try row.decode("id", as: Int64.self)
            let category = try row.decode("category", as: String.self)
            catalogue.ingredientIndex[id] = catalogue.ingredients.count
            catalogue.ingredients.append(
                Ingredient(
                    id: id, sku: try row.decode("sku", as: String.self),
                    unit: try row.decode("base_unit", as: String.self),
                    category: category, perishable: try row.decode("perishable", as: Bool.self),
                    overuseBasisPoints: overuse[category] ?? 200, unitCost: nil, item: nil))
        }
        try catalogue.loadProducts(session, data: data)
        try catalogue.loadModifiers(session)
        try catalogue.loadSuppliers(session, data: data)
        let missing = data.products.map(\.sku).filter { sku in !catalogue.products.contains { $0.sku == sku } }
        guard missing.isEmpty else {
            throw DemoChainError.notSeeded("products \(missing.prefix(3).joined(separator: ", "))")
        }
        guard catalogue.products.allSatisfy({ !$0.recipes.isEmpty }) else { throw DemoChainError.notSeeded("recipes") }
        guard !catalogue.suppliers.isEmpty else { throw DemoChainError.notSeeded("suppliers") }
        return catalogue
    }

    private mutating func loadProducts(_ session: PostgresSession, data: DemoData) throws {
        let popularity = Dictionary(uniqueKeysWithValues: data.products.map { ($0.sku, Double($0.popularity)) })
        for row in try session.query(
            "SELECT id, sku, kind, vat_rate::text AS vat FROM product WHERE active ORDER BY id")
        {
            let sku = try row.decode("sku", as: String.self)
            guard let weight = popularity[sku] else { continue }  // not a demo product: never sold by the generator
            let id = try row.decode("id", as: Int64.self)
            let vatText = try row.decode("vat", as: String.self)
            productIndex[id] = products.count
            products.append(
                Product(
                    id: id, sku: sku, kind: try row.decode("kind", as: String.self), vatText: vatText,
                    vat: try VATRate(fraction: Decimal(string: vatText) ?? 0), popularity: weight, recipes: [],
                    prices: []))
        }
        var recipes: [Int64: (product: Int, recipe: Recipe)] = [:]
        for row in try session.query(
            """
            SELECT id, product_id, valid_from, valid_to, coalesce(bake_minutes, 0)::text AS bake
            FROM recipe ORDER BY product_id, valid_from
            """)
        {
            guard let product = productIndex[try row.decode("product_id", as: Int64.self)] else { continue }
            let id = try row.decode("id", as: Int64.self)
            let bake = Double(try row.decode("bake", as: String.self)) ?? 0
            recipes[id] = (
                product,
                Recipe(
                    id: id, validFrom: try row.decode("valid_from", as: CalendarDate.self).daysSinceEpoch,
                    validTo: try row.decode("valid_to", as: CalendarDate?.self)?.daysSinceEpoch,
                    bakeSeconds: Int(bake * 60), lines: [])
            )
        }
        for row in try session.query(
            "SELECT recipe_id, ingredient_id, quantity::text AS q, waste_pct::text AS w FROM recipe_line ORDER BY recipe_id, sort_order, id"
        ) {
            let recipeID = try row.decode("recipe_id", as: Int64.self)
            guard recipes[recipeID] != nil,
                let ingredient = ingredientIndex[try row.decode("ingredient_id", as: Int64.self)]
            else { continue }
            let amount =
                Catalogue.thousandths(try row.decode("q", as: String.self))
                * (10_000 + Catalogue.basisPoints(try row.decode("w", as: String.self)))
            recipes[recipeID]?.recipe.lines.append((ingredient, amount))
        }
        for (product, recipe) in recipes.values.sorted(by: {
            ($0.product, $0.recipe.validFrom) < ($1.product, $1.recipe.validFrom)
        }) {
            products[product].recipes.append(recipe)
        }
        for row in try session.query(
            "SELECT product_id, pizzeria_id, price_ttc_cents, valid_from, valid_to FROM product_price ORDER BY id")
        {
            guard let product = productIndex[try row.decode("product_id", as: Int64.self)] else { continue }
            products[product].prices.append(
                (
                    try row.decode("pizzeria_id", as: Int64?.self),
                    try row.decode("valid_from", as: CalendarDate.self).daysSinceEpoch,
                    try row.decode("valid_to", as: CalendarDate?.self)?.daysSinceEpoch,
                    try row.decode("price_ttc_cents", as: Int64.self)
                ))
        }
    }

    private mutating func loadModifiers(_ session: PostgresSession) throws {
        var index: [Int64: Int] = [:]
        for row in try session.query(
            "SELECT id, kind, product_id, price_delta_cents FROM modifier WHERE active ORDER BY id")
        {
            let id = try row.decode("id", as: Int64.self)
            index[id] = modifiers.count
            modifiers.append(
                Modifier(
                    id: id, kind: try row.decode("kind", as: String.self),
                    product: try row.decode("product_id", as: Int64?.self),
                    priceDelta: try row.decode("price_delta_cents", as: Int64.self), deltas: []))
        }
        for row in try session.query(
            "SELECT modifier_id, ingredient_id, quantity_delta::text AS q FROM modifier_ingredient ORDER BY modifier_id, ingredient_id"
        ) {
            guard let modifier = index[try row.decode("modifier_id", as: Int64.self)],
                let ingredient = ingredientIndex[try row.decode("ingredient_id", as: Int64.self)]
            else { continue }
            modifiers[modifier].deltas.append((ingredient, Catalogue.thousandths(try row.decode("q", as: String.self))))
        }
    }

    /// Suppliers of the demo data (by SIREN) and their primary items (by seller item id).
    private mutating func loadSuppliers(_ session: PostgresSession, data: DemoData) throws {
        for row in try session.query(
            """
            SELECT s.id AS supplier_id, s.siren, i.id, i.seller_item_id, i.gtin, i.ingredient_id, i.description,
                   i.pack_size::text AS pack, i.purchase_unit_code, coalesce(i.last_unit_price, 0)::text AS price
            FROM supplier s JOIN supplier_item i ON i.supplier_id = s.id
            WHERE s.active AND i.active ORDER BY s.id, i.id
            """)
        {
            let siren = try row.decode("siren", as: String?.self)
            let sellerID = try row.decode("seller_item_id", as: String?.self)
            guard let demo = data.suppliers.first(where: { $0.siren == siren }),
                let demoItem = demo.items.first(where: { $0.sellerItemId == sellerID }), demoItem.primary ?? true,
                let ingredient = ingredientIndex[try row.decode("ingredient_id", as: Int64.self)],
                ingredients[ingredient].item == nil
            else { continue }
            let supplierID = try row.decode("supplier_id", as: Int64.self)
            if !suppliers.contains(where: { $0.id == supplierID }) {
                suppliers.append(
                    Supplier(
                        id: supplierID, code: demo.code, name: demo.name, format: demo.documentFormat,
                        party: SupplierDelivery.Party(supplier: demo), weekdays: Set(demo.deliveryWeekdays), items: []))
            }
            let priceText = try row.decode("price", as: String.self)
            let price = Decimal(string: priceText) ?? 0
            let pack = Catalogue.thousandths(try row.decode("pack", as: String.self))
            let item = Item(
                id: try row.decode("id", as: Int64.self), ingredient: ingredient, sellerItemID: sellerID ?? "",
                gtin: try row.decode("gtin", as: String?.self),
                description: try row.decode("description", as: String?.self) ?? "",
                pack: pack, unitCode: try row.decode("purchase_unit_code", as: String.self), unitPriceText: priceText,
                unitPrice: price, vatText: demoItem.vatRate,
                vat: try VATRate(fraction: Decimal(string: demoItem.vatRate) ?? 0))
            ingredients[ingredient].item = items.count
            ingredients[ingredient].unitCost = Catalogue.costPerUnit(price: price, packThousandths: pack)
            suppliers[suppliers.count - 1].items.append(items.count)
            items.append(item)
        }
    }

    /// Euros per base unit, 8 decimals: the price of a purchase unit over its pack size.
    static func costPerUnit(price: Decimal, packThousandths: Int64) -> String {
        guard packThousandths > 0 else { return "0" }
        var value = price * 1000 / Decimal(packThousandths)
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 8, .plain)
        return "\(rounded)"
    }
}
