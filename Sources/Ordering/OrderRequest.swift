import Checksums
import Domain
import Foundation

/// A `POST /v1/orders` body, checked and normalised: what `ocpizza_place_order` receives.
///
/// The checks here are the ones that need no database: types, required members, unknown members
/// (a misspelt `modifers` is refused, not ignored), ranges, the phone number, and the rules that
/// tie members together (a delivery needs an address, cash on delivery needs a delivery, an
/// online payment needs the processor's reference). What needs the catalogue (the product
/// exists, is on the shop's menu, the modifier applies, the stock suffices) is checked by the
/// database function, which answers with the same JSON Pointers.
///
/// Prices and totals are not members: the server prices every order itself. A client that wants
/// to be sure of the amount it had authorised sends `payment.amount_cents`, and an order whose
/// price differs is refused instead of placed.
public struct OrderRequest: Sendable, Equatable, Encodable {
    public struct Customer: Sendable, Equatable, Encodable {
        public var phone: String?
        public var name: String?
    }

    public struct Address: Sendable, Equatable, Encodable {
        public var line1: String
        public var line2: String?
        public var postcode: String
        public var city: String
        public var countryCode: String?
        public var instructions: String?

        enum CodingKeys: String, CodingKey {
            case line1, line2, postcode, city, instructions
            case countryCode = "country_code"
        }
    }

    public struct Line: Sendable, Equatable, Encodable {
        public var product: String
        public var quantity: Int
        public var modifiers: [String]
    }

    public struct Payment: Sendable, Equatable, Encodable {
        public var method: PaymentMethod
        public var reference: String?
        public var amountCents: Int64?

        enum CodingKeys: String, CodingKey {
            case method, reference
            case amountCents = "amount_cents"
        }
    }

    public var shop: String
    public var channel: OrderChannel
    public var customer: Customer?
    public var fulfilment: FulfilmentMode
    public var deliveryAddress: Address?
    public var lines: [Line]
    public var payment: Payment
    public var note: String?

    enum CodingKeys: String, CodingKey {
        case shop, channel, customer, fulfilment, lines, payment, note
        case deliveryAddress = "delivery_address"
    }

    public static let maximumLines = 50
    public static let maximumQuantity = 99
    public static let maximumModifiersPerLine = 10

    /// The normalised request as JSON with sorted keys: what the database receives, and what
    /// the idempotency hash is taken of (so the same order written with other spacing, member
    /// order or phone formatting is the same request).
    public var canonicalJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings, integers and arrays cannot fail.
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// Hex SHA-256 of ``canonicalJSON`` with each line's modifiers sorted, whose order means
    /// nothing (`customer_order.request_hash`). The database gets them in the client's order, so
    /// that its error pointers (`/lines/0/modifiers/1`) name what the client sent.
    public var hash: String {
        var normalised = self
        for index in normalised.lines.indices { normalised.lines[index].modifiers.sort() }
        return SHA256Digest.hex(of: Array(normalised.canonicalJSON.utf8))
    }

    /// Parses and checks a request body. - Throws: ``OrderingError``: 400 for malformed JSON,
    /// 422 with the field's JSON Pointer for everything else.
    public static func parse(_ body: some Collection<UInt8>) throws(OrderingError) -> OrderRequest {
        try validate(try JSONValue.parse(body))
    }

    /// Checks a decoded body. - Throws: ``OrderingError`` 422 naming the first wrong field.
    public static func validate(_ json: JSONValue) throws(OrderingError) -> OrderRequest {
        let root = try Fields(json, at: "", allowed: CodingKeys.self)
        let channel: OrderChannel = try root.enumeration("channel")
        let fulfilment: FulfilmentMode = try root.enumeration("fulfilment")

        var customer: Customer?
        if let fields = try root.object("customer", allowed: ["phone", "name"]) {
            var phone: String?
            if let text = try fields.string("phone", maxLength: 40) {
                do throws(DomainError) {
                    phone = try PhoneNumber(text).e164
                } catch {
                    throw .invalid("/customer/phone", error.reason)
                }
            }
            customer = Customer(phone: phone, name: try fields.string("name", maxLength: 120))
        }
        if channel != .counter, customer?.phone == nil {
            throw .invalid("/customer/phone", "a \(channel) order needs the customer's phone number")
        }

        var address: Address?
        if let fields = try root.object("delivery_address", allowed: Address.CodingKeys.self) {
            guard fulfilment == .delivery else {
                throw .invalid("/delivery_address", "a pickup order has no delivery address")
            }
            let country = try fields.string("country_code", maxLength: 2)?.uppercased()
            if let country, country.count != 2 || !country.allSatisfy({ $0.isASCII && $0.isLetter }) {
                throw .invalid("/delivery_address/country_code", "a country is two letters (ISO 3166-1), e.g. FR")
            }
            address = Address(
                line1: try fields.requiredString("line1", maxLength: 200),
                line2: try fields.string("line2", maxLength: 200),
                postcode: try fields.requiredString("postcode", maxLength: 12),
                city: try fields.requiredString("city", maxLength: 100),
                countryCode: country, instructions: try fields.string("instructions", maxLength: 500))
        } else if fulfilment == .delivery {
            throw .invalid("/delivery_address", "a delivery order needs a delivery address")
        }

        let items = try root.requiredArray("lines")
        guard (1...maximumLines).contains(items.count) else {
            throw .invalid("/lines", "an order has 1 to \(maximumLines) lines")
        }
        var lines: [Line] = []
        for (index, item) in items.enumerated() {
            let fields = try Fields(item, at: "/lines/\(index)", allowed: ["product", "quantity", "modifiers"])
            let quantity = try fields.requiredInteger("quantity")
            guard (1...Int64(maximumQuantity)).contains(quantity) else {
                throw .invalid("/lines/\(index)/quantity", "a quantity is 1 to \(maximumQuantity)")
            }
            var modifiers: [String] = []
            for (position, code) in (try fields.array("modifiers") ?? []).enumerated() {
                let path = "/lines/\(index)/modifiers/\(position)"
                guard case .string(let text) = code, !text.isEmpty, !text.unicodeScalars.contains("\u{0}") else {
                    throw .invalid(path, "a modifier is its code, a non-empty string")
                }
                guard !modifiers.contains(text) else { throw .invalid(path, "modifier \(text) is given twice") }
                modifiers.append(text)
            }
            guard modifiers.count <= maximumModifiersPerLine else {
                throw .invalid("/lines/\(index)/modifiers", "at most \(maximumModifiersPerLine) modifiers per line")
            }
            lines.append(
                Line(
                    product: try fields.requiredString("product", maxLength: 40).uppercased(),
                    quantity: Int(quantity), modifiers: modifiers))
        }

        let payment = try root.requiredObject("payment", allowed: Payment.CodingKeys.self)
        let method: PaymentMethod = try payment.enumeration("method")
        let reference = try payment.string("reference", maxLength: 255)
        let amount = try payment.integer("amount_cents")
        switch method {
        case .onlineCard, .paypal:
            guard reference != nil else {
                throw .invalid("/payment/reference", "an online payment needs the processor's reference")
            }
        case .cardOnDelivery, .cashOnDelivery, .counterCard, .counterCash:
            guard reference == nil else {
                throw .invalid("/payment/reference", "only online payments (online_card, paypal) have a reference")
            }
        }
        let inPerson: [PaymentMethod: FulfilmentMode] = [
            .cardOnDelivery: .delivery, .cashOnDelivery: .delivery, .counterCard: .pickup, .counterCash: .pickup,
        ]
        if let mode = inPerson[method], mode != fulfilment {
            throw .invalid("/payment/method", "\(method) is for \(mode) orders")
        }
        if let amount, amount < 0 { throw .invalid("/payment/amount_cents", "an amount is not negative") }

        return OrderRequest(
            shop: try root.requiredString("shop", maxLength: 16).uppercased(), channel: channel,
            customer: customer, fulfilment: fulfilment, deliveryAddress: address, lines: lines,
            payment: Payment(method: method, reference: reference, amountCents: amount),
            note: try root.string("note", maxLength: 500))
    }
}

/// The members of one JSON object of a request, read with their JSON Pointers.
struct Fields {
    let members: [String: JSONValue]
    let path: String

    init(_ value: JSONValue, at path: String, allowed: [String]) throws(OrderingError) {
        guard case .object(let members) = value else {
            throw .invalid(path, "expected an object, found \(value.typeName)")
        }
        for key in members.keys.sorted() where !allowed.contains(key) {
            throw .invalid(
                "\(path)/\(key)", "unknown member '\(key)' (known: \(allowed.sorted().joined(separator: ", ")))")
        }
        self.members = members
        self.path = path
    }

    init<Keys: CodingKey & CaseIterable>(
        _ value: JSONValue, at path: String, allowed: Keys.Type
    )
        throws(OrderingError)
    {
        try self.init(value, at: path, allowed: Keys.allCases.map(\.stringValue))
    }

    /// The value, nil when absent or null.
    func value(_ key: String) -> JSONValue? {
        guard let value = members[key], value != .null else { return nil }
        return value
    }

    func string(_ key: String, maxLength: Int) throws(OrderingError) -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let text) = value else {
            throw .invalid("\(path)/\(key)", "expected a string, found \(value.typeName)")
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .invalid("\(path)/\(key)", "must not be empty") }
        // PostgreSQL text cannot hold U+0000 (and libpq would cut the value there).
        guard !trimmed.unicodeScalars.contains("\u{0}") else {
            throw .invalid("\(path)/\(key)", "must not contain the NUL character")
        }
        guard trimmed.count <= maxLength else {
            throw .invalid("\(path)/\(key)", "at most \(maxLength) characters")
        }
        return trimmed
    }

    func integer(_ key: String) throws(OrderingError) -> Int64? {
        guard let value = value(key) else { return nil }
        switch value {
        case .integer(let number): return number
        case .number(let number) where number == number.rounded() && abs(number) < 1e15: return Int64(number)
        default: throw .invalid("\(path)/\(key)", "expected a whole number, found \(value.typeName)")
        }
    }

    func array(_ key: String) throws(OrderingError) -> [JSONValue]? {
        guard let value = value(key) else { return nil }
        guard case .array(let items) = value else {
            throw .invalid("\(path)/\(key)", "expected an array, found \(value.typeName)")
        }
        return items
    }

    func object(_ key: String, allowed: [String]) throws(OrderingError) -> Fields? {
        guard let value = value(key) else { return nil }
        return try Fields(value, at: "\(path)/\(key)", allowed: allowed)
    }

    func object<Keys: CodingKey & CaseIterable>(_ key: String, allowed: Keys.Type) throws(OrderingError) -> Fields? {
        try object(key, allowed: Keys.allCases.map(\.stringValue))
    }

    func enumeration<T: RawRepresentable & CaseIterable>(_ key: String) throws(OrderingError) -> T
    where T.RawValue == String {
        let known = T.allCases.map(\.rawValue)
        guard let text = try string(key, maxLength: 40) else {
            throw .invalid("\(path)/\(key)", "required: one of \(known.joined(separator: ", "))")
        }
        guard let value = T(rawValue: text) else {
            throw .invalid("\(path)/\(key)", "'\(text)' is not one of \(known.joined(separator: ", "))")
        }
        return value
    }

    func requiredString(_ key: String, maxLength: Int) throws(OrderingError) -> String {
        guard let value = try string(key, maxLength: maxLength) else { throw missing(key) }
        return value
    }

    func requiredInteger(_ key: String) throws(OrderingError) -> Int64 {
        guard let value = try integer(key) else { throw missing(key) }
        return value
    }

    func requiredArray(_ key: String) throws(OrderingError) -> [JSONValue] {
        guard let value = try array(key) else { throw missing(key) }
        return value
    }

    func requiredObject<Keys: CodingKey & CaseIterable>(
        _ key: String, allowed: Keys.Type
    ) throws(OrderingError)
        -> Fields
    {
        guard let value = try object(key, allowed: allowed) else { throw missing(key) }
        return value
    }

    private func missing(_ key: String) -> OrderingError { .invalid("\(path)/\(key)", "required") }
}

extension OrderRequest.CodingKeys: CaseIterable {}
extension OrderRequest.Address.CodingKeys: CaseIterable {}
extension OrderRequest.Payment.CodingKeys: CaseIterable {}
