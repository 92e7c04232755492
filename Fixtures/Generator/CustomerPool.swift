import Foundation
import Postgres

/// The customers of a shop's delivery area: the same people order again and again (a few
/// regulars order most). Each customer is a pure function of the shop and their number, not of
/// the seed, so that every run agrees on who they are: phone, name, e-mail and address.
enum CustomerPool {
    /// 15 customers per average daily order (2 250 for a 150-order shop), at most 9 999.
    static func size(ordersPerDay: Int) -> Int { min(9_999, max(50, ordersPerDay * 15)) }

    /// A made-up French mobile number, unique per (shop ordinal, customer number): the pair is
    /// spread over 10^8 by a bijection (multiplying by 48 271, prime to 10, modulo 10^8).
    static func phone(ordinal: Int, number: Int) -> String {
        let key = (UInt64(ordinal) * 10_000 + UInt64(number)) % 100_000_000
        let digits = String((key * 48_271) % 100_000_000)
        return "+336" + String(repeating: "0", count: 8 - digits.count) + digits
    }

    struct Person {
        var phone: String
        var fullName: String
        var email: String?
        var line1: String
        var line2: String?
        var postcode: String
        var city: String
        var instructions: String?
        var latitude: String
        var longitude: String
        /// The order's delivery address snapshot (jsonb text).
        var snapshot: String
    }

    static func person(
        shop: String, ordinal: Int, number: Int, streets: [DemoData.Street], center: (Double, Double)
    ) -> Person {
        var random = SplitMix64(seed: StableHash.fnv1a(shop), UInt64(number))
        let first = random.element(Names.first)
        let last = random.element(Names.last)
        let street = random.element(streets)
        let line1 = "\(random.between(1, street.maxNumber)) \(street.street)"
        let line2 = random.chance(0.55) ? random.element(Names.line2) : nil
        let instructions = random.chance(0.6) ? random.element(Names.instructions) : nil
        let email =
            random.chance(0.45)
            ? ascii(first + "." + last).lowercased() + String(number) + "@example.com" : nil
        // About one kilometre around the shop.
        let latitude = String(format: "%.6f", center.0 + (random.unit() - 0.5) * 0.018)
        let longitude = String(format: "%.6f", center.1 + (random.unit() - 0.5) * 0.026)
        var snapshot = #"{"city": \#(json(street.city)), "country_code": "FR""#
        if let instructions { snapshot += #", "instructions": \#(json(instructions))"# }
        snapshot += #", "latitude": \#(latitude), "line1": \#(json(line1))"#
        if let line2 { snapshot += #", "line2": \#(json(line2))"# }
        snapshot += #", "longitude": \#(longitude), "postcode": \#(json(street.postcode))}"#
        return Person(
            phone: phone(ordinal: ordinal, number: number), fullName: first + " " + last, email: email, line1: line1,
            line2: line2, postcode: street.postcode, city: street.city, instructions: instructions, latitude: latitude,
            longitude: longitude, snapshot: snapshot)
    }

    /// Loads each shop's customers, creating those missing (customer, address, customer_address,
    /// by COPY). Returns the number created.
    static func ensure(
        _ session: PostgresSession, shops: inout [ShopContext], streets: [String: [DemoData.Street]],
        ids: inout IdBlocks
    ) throws -> Int {
        var customers = CopyTable("customer", ["id", "phone", "full_name", "email", "created_at"])
        var addresses = CopyTable(
            "address", ["id", "line1", "line2", "postcode", "city", "latitude", "longitude", "created_at"])
        var links = CopyTable(
            "customer_address", ["customer_id", "address_id", "label", "instructions", "is_default", "created_at"])
        for index in shops.indices {
            let shop = shops[index]
            let center =
                try session.query(
                    """
                    SELECT a.latitude::float8 AS lat, a.longitude::float8 AS lon
                    FROM pizzeria p JOIN address a ON a.id = p.address_id WHERE p.id = \(shop.id)
                    """
                ).first.map {
                    (
                        try $0.decode("lat", as: Double?.self) ?? 48.8566,
                        try $0.decode("lon", as: Double?.self) ?? 2.3522
                    )
                }
                ?? (48.8566, 2.3522)
            let area = streets[shop.code] ?? defaultStreets(ordinal: shop.ordinal)
            let people = (0..<size(ordersPerDay: shop.ordersPerDay)).map {
                person(shop: shop.code, ordinal: shop.ordinal, number: $0, streets: area, center: center)
            }
            var known: [String: Int64] = [:]
            for row in try session.query("SELECT id, phone FROM customer WHERE phone = ANY(\(people.map(\.phone)))") {
                known[try row.decode("phone", as: String.self)] = try row.decode("id", as: Int64.self)
            }
            let created = Int64(shop.openedOn) * 86_400 + 10 * 3600
            var pool: [ShopContext.Customer] = []
            for person in people {
                if let id = known[person.phone] {
                    pool.append(.init(id: id, phone: person.phone, address: person.snapshot))
                    continue
                }
                let id = try ids.customer.take(session)
                let addressID = try ids.address.take(session)
                customers.int(id)
                customers.plain(person.phone)
                customers.text(person.fullName)
                customers.text(person.email)
                customers.instant(created)
                customers.endRow()
                addresses.int(addressID)
                addresses.text(person.line1)
                addresses.text(person.line2)
                addresses.text(person.postcode)
                addresses.text(person.city)
                addresses.plain(person.latitude)
                addresses.plain(person.longitude)
                addresses.instant(created)
                addresses.endRow()
                links.int(id)
                links.int(addressID)
                links.plain("Domicile")
                links.text(person.instructions)
                links.bool(true)
                links.instant(created)
                links.endRow()
                pool.append(.init(id: id, phone: person.phone, address: person.snapshot))
            }
            shops[index].customers = pool
        }
        let count = customers.rows
        _ = try customers.copy(into: session)
        _ = try addresses.copy(into: session)
        _ = try links.copy(into: session)
        return count
    }

    /// Eight Paris streets for a synthetic shop's delivery area.
    static func defaultStreets(ordinal: Int) -> [DemoData.Street] {
        (0..<8).map { offset in
            let street = Names.parisStreets[(ordinal * 5 + offset) % Names.parisStreets.count]
            return DemoData.Street(
                street: street.street, postcode: street.postcode, city: "Paris", maxNumber: street.maxNumber)
        }
    }

    /// A JSON string literal.
    static func json(_ text: String) -> String {
        var out = "\""
        for character in text.unicodeScalars {
            switch character {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default: out.unicodeScalars.append(character)
            }
        }
        return out + "\""
    }

    /// Letters without accents, for e-mail addresses.
    static func ascii(_ text: String) -> String {
        text.folding(options: [.diacriticInsensitive], locale: Locale(identifier: "en_US_POSIX"))
            .replacingOccurrences(of: " ", with: "-")
    }
}
