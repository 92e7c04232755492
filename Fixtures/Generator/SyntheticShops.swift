import Foundation
import Postgres

/// Shops beyond the demo chain, for large data sets: PAR-0007, PAR-0008... with the demo chain's
/// menu and standard opening hours (every fourth closed on Monday), their own staff, counter
/// customer and par levels. Created once, looked up by code afterwards.
enum SyntheticShops {
    static func code(_ ordinal: Int) -> String {
        let digits = String(ordinal)
        return "PAR-" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// Orders on an average day: 70 to 159, fixed per shop.
    static func ordersPerDay(_ ordinal: Int) -> Int {
        70 + Int(StableHash.fnv1a(code(ordinal)) % 90)
    }

    static let openedOn = "2020-01-07"

    /// The shop's GLN, so that supplier documents for it can name their deliver-to location like
    /// the demo shops' (same made-up company prefix 3760853; location references from 10000 on,
    /// clear of the demo shops' 1 to 6).
    static func gln(_ ordinal: Int) -> String {
        let reference = String(10_000 + ordinal)
        return Identifiers.withGS1CheckDigit("3760853" + String(repeating: "0", count: 5 - reference.count) + reference)
            ?? ""
    }

    static func openingHours(_ ordinal: Int) -> [String: [[String]]] {
        let lunch = ["11:30", "14:30"]
        var hours: [String: [[String]]] = [:]
        for (index, key) in DemoData.weekdayKeys.enumerated() {
            if index == 0 && ordinal % 4 == 0 { continue }
            let dinner = index == 4 || index == 5 ? ["18:30", "23:30"] : ["18:30", "23:00"]
            hours[key] = index == 6 && ordinal % 3 != 0 ? [dinner] : [lunch, dinner]
        }
        return hours
    }

    /// Creates the synthetic shops among `ordinals` that do not exist yet; returns how many.
    static func ensure(
        _ session: PostgresSession, ordinals: [Int], data: DemoData, ids: inout IdBlocks
    ) throws -> Int {
        guard !ordinals.isEmpty else { return 0 }
        // Shops created before they had a GLN get one (a no-op once they all have it).
        struct Location: Encodable { var code, gln: String }
        let locations = ordinals.map { Location(code: code($0), gln: gln($0)) }
        let locationRows = JSONB(text: String(decoding: try JSONEncoder().encode(locations), as: UTF8.self))
        try session.execute(
            """
            UPDATE pizzeria p SET gln = x.gln
            FROM jsonb_to_recordset(\(locationRows)) AS x (code text, gln text)
            WHERE p.code = x.code AND p.gln IS NULL
            """)
        let existing = Set(
            try session.query("SELECT code FROM pizzeria WHERE code = ANY(\(ordinals.map(code)))").map {
                try $0.decode("code", as: String.self)
            })
        let missing = ordinals.filter { !existing.contains(code($0)) }
        guard !missing.isEmpty else { return 0 }
        struct Shop: Encodable {
            var addressId: Int64
            var code, name, line1, postcode, gln: String
            var openingHours: [String: [[String]]]
        }
        struct Person: Encodable { var shop, role, fullName, email: String }
        struct Policy: Encodable {
            var shop, sku: String
            var parLevel, safetyStock: Int
        }
        var shops: [Shop] = []
        var people: [Person] = []
        var policies: [Policy] = []
        let allProducts = Set(data.products.map(\.sku))
        var policyBySize: [Int: [(sku: String, parLevel: Int, safetyStock: Int)]] = [:]
        for ordinal in missing {
            let shopCode = code(ordinal)
            let street = Names.parisStreets[ordinal % Names.parisStreets.count]
            shops.append(
                Shop(
                    addressId: try ids.address.take(session), code: shopCode, name: "OC Pizza \(shopCode)",
                    line1: "\(1 + ordinal % street.maxNumber) \(street.street)", postcode: street.postcode,
                    gln: gln(ordinal), openingHours: openingHours(ordinal)))
            var random = SplitMix64(seed: StableHash.fnv1a(shopCode))
            let roles = [("manager", 1), ("order_taker", 2), ("pizzaiolo", 2), ("driver", 3), ("stock_keeper", 1)]
            for (role, count) in roles {
                for number in 1...count {
                    people.append(
                        Person(
                            shop: shopCode, role: role,
                            fullName: random.element(Names.first) + " " + random.element(Names.last),
                            email:
                                "\(shopCode.lowercased()).\(role.replacingOccurrences(of: "_", with: "-"))\(number)@ocpizza.fr"
                        ))
                }
            }
            let size = ordersPerDay(ordinal)
            if policyBySize[size] == nil {
                policyBySize[size] = DemandModel.stockPolicy(
                    data, ordersPerDay: size, onMenu: allProducts, on: DemandModel.policyDate)
            }
            policies += (policyBySize[size] ?? []).map {
                Policy(shop: shopCode, sku: $0.sku, parLevel: $0.parLevel, safetyStock: $0.safetyStock)
            }
        }
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        func json(_ value: some Encodable) throws -> JSONB {
            JSONB(text: String(decoding: try encoder.encode(value), as: UTF8.self))
        }
        let shopRows = try json(shops)
        try session.execute(
            """
            INSERT INTO address (id, line1, postcode, city) OVERRIDING SYSTEM VALUE
            SELECT x.address_id, x.line1, x.postcode, 'Paris'
            FROM jsonb_to_recordset(\(shopRows)) AS x (address_id bigint, line1 text, postcode text)
            """)
        try session.execute(
            """
            INSERT INTO pizzeria (code, name, address_id, gln, timezone, day_cutoff, opening_hours, opened_on)
            SELECT x.code, x.name, x.address_id, x.gln, 'Europe/Paris', '04:00', x.opening_hours, \(openedOn)::date
            FROM jsonb_to_recordset(\(shopRows))
                AS x (address_id bigint, code text, name text, gln text, opening_hours jsonb)
            ORDER BY x.code
            """)
        try session.execute(
            """
            INSERT INTO employee (pizzeria_id, role, full_name, email, hired_on)
            SELECT p.id, x.role, x.full_name, x.email, p.opened_on
            FROM jsonb_to_recordset(\(try json(people))) AS x (shop text, role text, full_name text, email text)
            JOIN pizzeria p ON p.code = x.shop
            ON CONFLICT ((lower(email))) WHERE email IS NOT NULL DO NOTHING
            """)
        let codes = missing.map(code)
        try session.execute(
            """
            INSERT INTO customer (full_name, anonymous_for_pizzeria_id)
            SELECT 'Client au comptoir (' || p.name || ')', p.id FROM pizzeria p WHERE p.code = ANY(\(codes))
            ON CONFLICT (anonymous_for_pizzeria_id) DO NOTHING
            """)
        try session.execute(
            """
            INSERT INTO pizzeria_menu (pizzeria_id, product_id, sort_order)
            SELECT p.id, m.product_id, m.sort_order FROM pizzeria p
            CROSS JOIN (SELECT DISTINCT ON (product_id) product_id, sort_order FROM pizzeria_menu
                        WHERE product_id IN (SELECT id FROM product WHERE sku = ANY(\(Array(allProducts))))
                        ORDER BY product_id, sort_order) m
            WHERE p.code = ANY(\(codes))
            ON CONFLICT DO NOTHING
            """)
        try session.execute(
            """
            INSERT INTO ingredient_stock_policy (pizzeria_id, ingredient_id, par_level, safety_stock)
            SELECT p.id, i.id, x.par_level, x.safety_stock
            FROM jsonb_to_recordset(\(try json(policies))) AS x (shop text, sku text, par_level numeric, safety_stock numeric)
            JOIN pizzeria p ON p.code = x.shop JOIN ingredient i ON i.sku = x.sku
            ON CONFLICT DO NOTHING
            """)
        return missing.count
    }
}
