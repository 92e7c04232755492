import Domain
import Foundation
import Ordering
import Postgres
import Testing

/// `OrderRequest.parse`: the checks that need no database, each naming the wrong value by its
/// JSON Pointer, and the canonical form the idempotency hash is taken of.
@Suite struct OrderRequestTests {
    /// A valid web delivery, written loosely (lower-case codes, spaces, a national phone number).
    static var base: [String: Any] {
        [
            "shop": "par11", "channel": "web", "customer": ["phone": "06 12 34 56 78", "name": " Camille "],
            "fulfilment": "delivery",
            "delivery_address": [
                "line1": "12 rue de la Roquette", "postcode": "75011", "city": "Paris", "country_code": "fr",
            ],
            "lines": [
                ["product": "piz-margherita", "quantity": 2, "modifiers": ["extra-mozzarella"]],
                ["product": "DRK-COLA-33", "quantity": 1],
            ],
            "payment": ["method": "online_card", "reference": "pi_1", "amount_cents": 2780], "note": " ring twice ",
        ]
    }

    /// A counter pickup paid cash, without a customer.
    static var counter: [String: Any] {
        [
            "shop": "PAR11", "channel": "counter", "fulfilment": "pickup",
            "lines": [["product": "PIZ-REINE", "quantity": 1]], "payment": ["method": "counter_cash"],
        ]
    }

    /// The valid body is accepted and normalised: codes upper-cased, text trimmed, phone in E.164.
    @Test func normalisesAValidBody() throws {
        let order = try parse(Self.base).get()
        #expect(order.shop == "PAR11")
        #expect(order.channel == .web && order.fulfilment == .delivery)
        #expect(order.customer?.phone == "+33612345678" && order.customer?.name == "Camille")
        #expect(order.deliveryAddress?.countryCode == "FR")
        #expect(order.lines.map(\.product) == ["PIZ-MARGHERITA", "DRK-COLA-33"])
        #expect(order.lines.map(\.modifiers) == [["extra-mozzarella"], []])
        #expect(order.payment.method == .onlineCard && order.payment.amountCents == 2780)
        #expect(order.note == "ring twice")

        let counter = try parse(Self.counter).get()
        #expect(counter.customer == nil && counter.deliveryAddress == nil)
        let named = try parse(setting(["name": "Léa"], at: "customer", in: Self.counter)).get()
        #expect(named.customer != nil && named.customer?.phone == nil && named.customer?.name == "Léa")
        #expect(try parse(setting(NSNull(), at: "note", in: Self.base)).get().note == nil)
    }

    /// The body is a JSON object; unknown members are refused, not ignored (a misspelt `modifers`).
    @Test func refusesOtherShapesAndUnknownMembers() {
        // The whole body's JSON Pointer is "" (RFC 6901).
        #expect(field(of: [Any]()) == "")
        #expect(field(of: "an order") == "")
        #expect(field(of: setting(4200, at: "total_cents", in: Self.base)) == "/total_cents")
        #expect(field(of: setting("x", at: "customer/email", in: Self.base)) == "/customer/email")
        #expect(field(of: setting(2, at: "delivery_address/floor", in: Self.base)) == "/delivery_address/floor")
        #expect(field(of: setting(["x"], at: "lines/0/modifers", in: Self.base)) == "/lines/0/modifers")
        #expect(field(of: setting(1, at: "payment/amount", in: Self.base)) == "/payment/amount")
        #expect(field(of: setting("PIZ", at: "lines/0", in: Self.base)) == "/lines/0")
        #expect(field(of: setting("0612345678", at: "customer", in: Self.base)) == "/customer")
    }

    /// Channel, fulfilment, shop and payment method are required and take known values only.
    @Test func refusesMissingOrUnknownCodes() {
        let cases: [(String, Any?, String)] = [
            ("channel", nil, "/channel"), ("channel", "email", "/channel"), ("channel", 3, "/channel"),
            ("channel", "", "/channel"), ("fulfilment", nil, "/fulfilment"), ("fulfilment", "drone", "/fulfilment"),
            ("shop", nil, "/shop"), ("shop", 11, "/shop"), ("shop", String(repeating: "P", count: 17), "/shop"),
            ("payment", nil, "/payment"), ("payment/method", nil, "/payment/method"),
            ("payment/method", "bitcoin", "/payment/method"),
        ]
        for (path, value, expected) in cases {
            #expect(field(of: setting(value, at: path, in: Self.base)) == expected, "\(path) = \(value ?? "absent")")
        }
    }

    /// Web and phone orders need the customer's phone, in a form PhoneNumber accepts.
    @Test func checksTheCustomer() {
        #expect(field(of: setting(nil, at: "customer", in: Self.base)) == "/customer/phone")
        #expect(field(of: setting(nil, at: "customer/phone", in: Self.base)) == "/customer/phone")
        #expect(
            field(of: setting("phone", at: "channel", in: setting(nil, at: "customer/phone", in: Self.base)))
                == "/customer/phone")
        #expect(field(of: setting("12", at: "customer/phone", in: Self.base)) == "/customer/phone")
        #expect(field(of: setting(612_345_678, at: "customer/phone", in: Self.base)) == "/customer/phone")
        #expect(
            field(of: setting(String(repeating: "6", count: 41), at: "customer/phone", in: Self.base))
                == "/customer/phone")
        #expect(
            field(of: setting(String(repeating: "n", count: 121), at: "customer/name", in: Self.base))
                == "/customer/name")
        #expect(field(of: setting(["phone": "06 12 34 56 78"], at: "customer", in: Self.counter)) == nil)
    }

    /// A delivery needs a complete address; a pickup has none; the country is two letters.
    @Test func checksTheDeliveryAddress() {
        let pickup = setting("pickup", at: "fulfilment", in: Self.base)
        let cases: [([String: Any], String)] = [
            (setting(nil, at: "delivery_address", in: Self.base), "/delivery_address"),
            (pickup, "/delivery_address"),
            (setting(nil, at: "delivery_address/line1", in: Self.base), "/delivery_address/line1"),
            (setting("  ", at: "delivery_address/postcode", in: Self.base), "/delivery_address/postcode"),
            (setting(nil, at: "delivery_address/city", in: Self.base), "/delivery_address/city"),
            (setting("FRA", at: "delivery_address/country_code", in: Self.base), "/delivery_address/country_code"),
            (setting("F1", at: "delivery_address/country_code", in: Self.base), "/delivery_address/country_code"),
        ]
        for (body, expected) in cases { #expect(field(of: body) == expected) }
        #expect(field(of: setting(nil, at: "delivery_address", in: pickup)) == nil)
    }

    /// 1 to 50 lines; a quantity is a whole number from 1 to 99; up to 10 distinct modifier codes.
    @Test func checksTheLines() {
        let line: [String: Any] = ["product": "PIZ-REINE", "quantity": 1]
        let cases: [(String, Any?, String)] = [
            ("lines", nil, "/lines"), ("lines", [Any](), "/lines"), ("lines", "PIZ", "/lines"),
            ("lines", Array(repeating: line, count: 51), "/lines"),
            ("lines/0/quantity", nil, "/lines/0/quantity"), ("lines/0/quantity", 0, "/lines/0/quantity"),
            ("lines/0/quantity", 100, "/lines/0/quantity"), ("lines/0/quantity", "2", "/lines/0/quantity"),
            ("lines/0/quantity", 2.5, "/lines/0/quantity"), ("lines/0/quantity", -1, "/lines/0/quantity"),
            ("lines/1/product", nil, "/lines/1/product"), ("lines/1/product", "", "/lines/1/product"),
            ("lines/1/product", String(repeating: "P", count: 41), "/lines/1/product"),
            ("lines/0/modifiers", "extra-mozzarella", "/lines/0/modifiers"),
            ("lines/0/modifiers", [1], "/lines/0/modifiers/0"), ("lines/0/modifiers", [""], "/lines/0/modifiers/0"),
            ("lines/0/modifiers", ["extra-mozzarella", "extra-mozzarella"], "/lines/0/modifiers/1"),
            ("lines/0/modifiers", (0...10).map { "m\($0)" }, "/lines/0/modifiers"),
        ]
        for (path, value, expected) in cases {
            #expect(field(of: setting(value, at: path, in: Self.base)) == expected, "\(path) = \(value ?? "absent")")
        }
        // The bounds themselves are accepted.
        #expect(field(of: setting(Array(repeating: line, count: 50), at: "lines", in: Self.base)) == nil)
        #expect(field(of: setting(99, at: "lines/0/quantity", in: Self.base)) == nil)
        #expect(field(of: setting((0..<10).map { "m\($0)" }, at: "lines/0/modifiers", in: Self.base)) == nil)
    }

    /// Online payments carry the processor's reference, in-person ones none; cash on delivery is
    /// for deliveries, counter payments for pickups; an amount is a non-negative whole number.
    @Test func checksThePayment() {
        let pickup = setting(nil, at: "delivery_address", in: setting("pickup", at: "fulfilment", in: Self.base))
        let cases: [([String: Any], String)] = [
            (setting(nil, at: "payment/reference", in: Self.base), "/payment/reference"),
            (setting(["method": "paypal"], at: "payment", in: Self.base), "/payment/reference"),
            (
                setting(["method": "cash_on_delivery", "reference": "x"], at: "payment", in: Self.base),
                "/payment/reference"
            ),
            (setting(["method": "counter_cash"], at: "payment", in: Self.base), "/payment/method"),
            (setting(["method": "counter_card"], at: "payment", in: Self.base), "/payment/method"),
            (setting(["method": "cash_on_delivery"], at: "payment", in: pickup), "/payment/method"),
            (setting(["method": "card_on_delivery"], at: "payment", in: pickup), "/payment/method"),
            (setting(-1, at: "payment/amount_cents", in: Self.base), "/payment/amount_cents"),
            (setting("2780", at: "payment/amount_cents", in: Self.base), "/payment/amount_cents"),
            (setting(27.8, at: "payment/amount_cents", in: Self.base), "/payment/amount_cents"),
            (setting(String(repeating: "r", count: 256), at: "payment/reference", in: Self.base), "/payment/reference"),
        ]
        for (body, expected) in cases { #expect(field(of: body) == expected) }
        #expect(field(of: setting(["method": "cash_on_delivery"], at: "payment", in: Self.base)) == nil)
        #expect(field(of: setting(["method": "counter_card"], at: "payment", in: pickup)) == nil)
    }

    /// A note is at most 500 characters and not blank.
    @Test func checksTheNote() {
        #expect(field(of: setting(String(repeating: "n", count: 501), at: "note", in: Self.base)) == "/note")
        #expect(field(of: setting("   ", at: "note", in: Self.base)) == "/note")
        #expect(field(of: setting(12, at: "note", in: Self.base)) == "/note")
        #expect(field(of: setting(String(repeating: "n", count: 500), at: "note", in: Self.base)) == nil)
    }

    /// A body that is not JSON is a 400 malformed-json, whose detail names no Swift type.
    @Test func malformedJSONIsA400() {
        // (Foundation's decoder tolerates a trailing comma, so `{"a": 1,}` is not among these.)
        for text in [#"{"shop": "#, "", "{shop: 1}", "[1, 2", "\u{FF}", "nul"] {
            let error = #expect(throws: OrderingError.self) { try OrderRequest.parse(Array(text.utf8)) }
            #expect(error?.status == 400)
            #expect(error?.slug == "malformed-json")
            #expect(error?.detail.contains("DecodingError") == false)
            #expect(error?.detail.contains("JSONValue") == false)
        }
    }

    /// Spacing, member order, phone formatting, code case and absent-versus-null members do not
    /// change the canonical form or its hash; any change of substance does.
    @Test func canonicalFormAndHash() throws {
        let order = try parse(Self.base).get()
        let same = try OrderRequest.parse(
            Array(
                """
                {  "note":"ring twice","payment" : {"amount_cents":2780,"reference":"pi_1","method":"online_card"},
                   "lines":[{"modifiers":["extra-mozzarella"],"quantity":2,"product":"PIZ-MARGHERITA"},
                            {"quantity":1,"product":"drk-cola-33","modifiers":[]}],
                   "delivery_address":{"city":"Paris","postcode":"75011","line1":"12 rue de la Roquette",
                                       "country_code":"FR","line2":null},
                   "fulfilment":"delivery","customer":{"name":"Camille","phone":"+33 (0)6 12 34 56 78"},
                   "channel":"web","shop":"PAR11"}
                """.utf8))
        #expect(same == order)
        #expect(same.canonicalJSON == order.canonicalJSON)
        #expect(same.hash == order.hash)
        #expect(order.hash.count == 64 && order.hash.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(
            order.canonicalJSON.hasPrefix(#"{"channel":"web","customer":{"name":"Camille","phone":"+33612345678"}"#))
        let decoded = try JSONSerialization.jsonObject(with: Data(order.canonicalJSON.utf8)) as? [String: Any]
        #expect(decoded?["shop"] as? String == "PAR11")

        let changes: [(String, Any?)] = [
            ("lines/0/quantity", 3), ("customer/phone", "06 12 34 56 79"), ("note", "ring once"),
            ("lines/0/modifiers", ["extra-jambon"]), ("payment/reference", "pi_2"), ("shop", "PAR15"),
            ("payment/amount_cents", nil), ("customer/name", nil),
        ]
        for (path, value) in changes {
            let other = try parse(setting(value, at: path, in: Self.base)).get()
            #expect(other.hash != order.hash, "\(path)")
            #expect(other.canonicalJSON != order.canonicalJSON)
        }
    }

    /// The problem document is valid JSON with type, title, status, detail, field, instance and
    /// extensions, whatever characters the detail holds.
    @Test func problemDocumentIsValidJSON() throws {
        var problem = OrderingError.invalid("/lines/0/product", "unknown product \"PIZ\\X\"\n\t\u{1}é")
        problem.extensions = ["lines": #"[{"line": "/lines/0"}]"#, "total_cents": "2780"]
        let text = problem.problemJSON(instance: "/v1/orders")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["type"] as? String == "https://ocpizza.fr/problems/invalid-value")
        #expect(object["title"] as? String == "A value of the request is not acceptable")
        #expect((object["status"] as? NSNumber)?.intValue == 422)
        #expect(object["detail"] as? String == "unknown product \"PIZ\\X\"\n\t\u{1}é")
        #expect(object["field"] as? String == "/lines/0/product")
        #expect(object["instance"] as? String == "/v1/orders")
        #expect((object["lines"] as? [[String: Any]])?.first?["line"] as? String == "/lines/0")
        #expect((object["total_cents"] as? NSNumber)?.intValue == 2780)

        let bare = try #require(
            try JSONSerialization.jsonObject(with: Data(OrderingError.notFound("no order 7").problemJSON().utf8))
                as? [String: Any])
        #expect(Set(bare.keys) == ["type", "title", "status", "detail"])
    }

    /// The database's OC SQLSTATEs become their problems; other server errors are left to the
    /// caller (a 500 whose cause is logged, never shown).
    @Test func databaseErrorsMapToProblems() {
        func problem(_ state: String, _ detail: String?) -> OrderingError? {
            var error = PostgresError(code: .server, message: "m", sqlState: SQLState(state))
            error.detail = detail
            return OrderingError.from(error)
        }
        #expect(problem("OC422", #"{"field": "/lines/0/product"}"#)?.field == "/lines/0/product")
        #expect(problem("OC422", nil)?.status == 422)
        #expect(problem("OC409", #"[{"line": "/lines/0"}]"#)?.status == 409)
        #expect(problem("OC409", #"[{"line": "/lines/0"}]"#)?.slug == "out-of-stock")
        #expect(problem("OC409", #"[{"line": "/lines/0"}]"#)?.extensions["lines"] == #"[{"line": "/lines/0"}]"#)
        #expect(problem("OC410", #"{"shop": "PAR11"}"#)?.slug == "shop-closed")
        #expect(problem("OC410", #"{"shop": "PAR11"}"#)?.extensions["shop"] == #""PAR11""#)
        #expect(problem("OC404", nil)?.status == 404)
        #expect(problem("OC403", nil)?.status == 403)
        #expect(problem("OC412", #"{"order_id": 7}"#)?.slug == "idempotency-key-reused")
        #expect(
            problem("OC419", #"{"status": "ready", "allowed": ["collected"]}"#)?.extensions["allowed"]
                == #"["collected"]"#)
        #expect(problem("23505", nil) == nil)
        #expect(OrderingError.from(PostgresError(code: .connectionFailed, message: "refused"))?.status == 503)
    }
}

// MARK: - Building bodies

/// Parses a body built from Foundation values.
private func parse(_ json: Any) -> Result<OrderRequest, OrderingError> {
    let data = (try? JSONSerialization.data(withJSONObject: json, options: [.fragmentsAllowed])) ?? Data()
    do throws(OrderingError) {
        return .success(try OrderRequest.parse(Array(data)))
    } catch {
        return .failure(error)
    }
}

/// The JSON Pointer a body is refused with (422), nil when it is accepted.
private func field(of json: Any) -> String? {
    switch parse(json) {
    case .success: return nil
    case .failure(let error):
        #expect(error.status == 422, "\(error)")
        return error.field
    }
}

/// `json` with the value at a slash-separated path replaced (nil removes the member).
private func setting(_ value: Any?, at path: String, in json: [String: Any]) -> [String: Any] {
    set(value, path.split(separator: "/").map(String.init)[...], json) as? [String: Any] ?? [:]
}

private func set(_ value: Any?, _ path: ArraySlice<String>, _ json: Any?) -> Any? {
    guard let head = path.first else { return value }
    let rest = path.dropFirst()
    if var array = json as? [Any], let index = Int(head) {
        if let next = set(value, rest, array[index]) { array[index] = next } else { array.remove(at: index) }
        return array
    }
    var object = json as? [String: Any] ?? [:]
    object[head] = set(value, rest, object[head])
    return object
}
