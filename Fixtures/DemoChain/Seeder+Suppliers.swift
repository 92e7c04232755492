import Postgres

extension Seeder {
    /// Suppliers (upserted on their SIREN) and their items (on supplier and seller item id, among
    /// active items). An item's last price is import-supplier's to keep current: set on insert only.
    mutating func loadSuppliers() throws {
        struct Supplier: Encodable {
            var name, siren, vatId: String
            var email: String?
            var scheme, endpoint: String?
        }
        struct Item: Encodable {
            var siren, sellerItemId: String
            var gtin: String?
            var ingredient, description, packSize, purchaseUnit, unitPrice: String
        }
        let suppliers = data.suppliers.map {
            Supplier(
                name: $0.name, siren: $0.siren, vatId: $0.vatId, email: $0.email, scheme: $0.einvoiceEndpoint?.scheme,
                endpoint: $0.einvoiceEndpoint?.id)
        }
        try upsert(
            "supplier",
            """
            INSERT INTO supplier AS t (name, siren, vat_id, einvoice_endpoint_scheme, einvoice_endpoint_id, email)
            SELECT x.name, x.siren, x.vat_id, x.scheme, x.endpoint, x.email
            FROM jsonb_to_recordset(\(try json(suppliers)))
                AS x (name text, siren text, vat_id text, scheme text, endpoint text, email text)
            ON CONFLICT (siren) DO UPDATE
                SET name = excluded.name, vat_id = excluded.vat_id, einvoice_endpoint_scheme = excluded.einvoice_endpoint_scheme,
                    einvoice_endpoint_id = excluded.einvoice_endpoint_id, email = excluded.email
                WHERE (t.name, t.vat_id, t.einvoice_endpoint_scheme, t.einvoice_endpoint_id, t.email)
                    IS DISTINCT FROM (excluded.name, excluded.vat_id, excluded.einvoice_endpoint_scheme,
                        excluded.einvoice_endpoint_id, excluded.email)
            RETURNING (xmax = 0) AS inserted
            """)
        let items = data.suppliers.flatMap { supplier in
            supplier.items.map {
                Item(
                    siren: supplier.siren, sellerItemId: $0.sellerItemId, gtin: $0.gtin, ingredient: $0.ingredient,
                    description: $0.description, packSize: $0.packSize, purchaseUnit: $0.purchaseUnit,
                    unitPrice: $0.unitPrice)
            }
        }
        try upsert(
            "supplier_item",
            """
            INSERT INTO supplier_item AS t (supplier_id, seller_item_id, gtin, ingredient_id, description, pack_size,
                purchase_unit_code, last_unit_price)
            SELECT s.id, x.seller_item_id, x.gtin, i.id, x.description, x.pack_size, x.purchase_unit, x.unit_price
            FROM jsonb_to_recordset(\(try json(items))) AS x (siren text, seller_item_id text, gtin text, ingredient text,
                description text, pack_size numeric, purchase_unit text, unit_price numeric)
            JOIN supplier s ON s.siren = x.siren JOIN ingredient i ON i.sku = x.ingredient
            ON CONFLICT (supplier_id, seller_item_id) WHERE active AND seller_item_id IS NOT NULL DO UPDATE
                SET gtin = excluded.gtin, ingredient_id = excluded.ingredient_id, description = excluded.description,
                    pack_size = excluded.pack_size, purchase_unit_code = excluded.purchase_unit_code
                WHERE (t.gtin, t.ingredient_id, t.description, t.pack_size, t.purchase_unit_code)
                    IS DISTINCT FROM (excluded.gtin, excluded.ingredient_id, excluded.description, excluded.pack_size,
                        excluded.purchase_unit_code)
            RETURNING (xmax = 0) AS inserted
            """)
    }

    /// A par level and safety stock for every shop and ingredient, sized by ``DemandModel`` from
    /// the shop's trade and its suppliers' delivery days. Managers tune them: set on insert only.
    mutating func loadStockPolicies() throws {
        struct Row: Encodable {
            var shop, sku: String
            var parLevel, safetyStock: Int
        }
        var rows: [Row] = []
        for shop in data.shops {
            let menu = Set(data.products.filter { !($0.notSoldIn?.contains(shop.code) ?? false) }.map(\.sku))
            let policy = DemandModel.stockPolicy(
                data, ordersPerDay: shop.profile.ordersPerDay, onMenu: menu, on: DemandModel.policyDate)
            rows += policy.map { Row(shop: shop.code, sku: $0.sku, parLevel: $0.parLevel, safetyStock: $0.safetyStock) }
        }
        try upsert(
            "ingredient_stock_policy",
            """
            INSERT INTO ingredient_stock_policy (pizzeria_id, ingredient_id, par_level, safety_stock)
            SELECT s.id, i.id, x.par_level, x.safety_stock
            FROM jsonb_to_recordset(\(try json(rows))) AS x (shop text, sku text, par_level numeric, safety_stock numeric)
            JOIN pizzeria s ON s.code = x.shop JOIN ingredient i ON i.sku = x.sku
            ON CONFLICT (pizzeria_id, ingredient_id) DO NOTHING
            RETURNING true AS inserted
            """)
    }
}
