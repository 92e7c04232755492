import Domain
import Foundation
import HTTPTypes
import HummingbirdTesting
import Ordering
import Postgres
import Testing

/// `POST /v1/orders`: the server prices the order from the catalogue, freezes the recipes, writes
/// the consumption, the events and the online authorisation, and refuses what it cannot take.
@Suite struct PlaceOrderTests {
    /// Three VAT rates (two lines at 10 %), a modifier with a price and a "without" modifier that
    /// takes onions off.
    static let mixedRates = """
        {"shop": "PAR11", "channel": "web", "customer": {"phone": "+33611223344", "name": "Inès Roy"},
         "fulfilment": "delivery",
         "delivery_address": {"line1": "5 rue Oberkampf", "postcode": "75011", "city": "Paris"},
         "lines": [{"product": "PIZ-CHORIZO", "quantity": 2, "modifiers": ["extra-chorizo", "sans-oignons"]},
                   {"product": "DRK-BIERE-BLONDE-33", "quantity": 1},
                   {"product": "DRK-COLA-33", "quantity": 1},
                   {"product": "DES-PANNA-COTTA", "quantity": 1}],
         "payment": {"method": "online_card", "reference": "pi_mixed_rates"}}
        """

    /// Prices come from menu.json, modifiers add their delta, VAT is computed once per rate on the
    /// rate's total, half-up, and agrees with Domain.VATBreakdown.
    @Test func pricesModifiersAndVATPerRate() async throws {
        try await TestChain.withServer { server in
            let response = try await server.placeOrder(Self.mixedRates, key: try await server.key())
            #expect(response.status == .created)
            let order = response.object
            #expect(response.headers[.location] == "/v1/orders/\(response.orderID)")
            let lines = try #require(order["lines"] as? [[String: Any]])
            // Chorizo 13.50 + extra-chorizo 2.00 + sans-oignons 0.00 = 15.50, × 2 = 31.00 (10 %).
            // Bière blonde 4.00 (20 %). Cola 2.80 (5.5 %). Panna cotta 4.90 (10 %).
            #expect(lines.map { int($0["unit_price_cents"]) } == [1350, 400, 280, 490])
            #expect(lines.map { int($0["modifiers_cents"]) } == [200, 0, 0, 0])
            #expect(lines.map { int($0["total_cents"]) } == [3100, 400, 280, 490])
            #expect(lines.map { $0["vat_rate"] as? String } == ["0.1000", "0.2000", "0.0550", "0.1000"])
            let modifiers = try #require(lines[0]["modifiers"] as? [[String: Any]])
            #expect(modifiers.map { $0["code"] as? String } == ["extra-chorizo", "sans-oignons"])
            #expect(modifiers.map { int($0["price_delta_cents"]) } == [200, 0])

            // By hand, VAT = round(TTC × rate / (1 + rate)) per rate:
            //   5.5 %:  280 × 0.055 / 1.055        =  14.597… → 15, HT 265
            //   10 %:  (3100 + 490) × 0.10 / 1.10  = 326.363… → 326, HT 3264
            //   20 %:   400 × 0.20 / 1.20          =  66.666… → 67, HT 333
            //   total TTC 4270, VAT 408, HT 3862. Rounded per line instead, 10 % would be
            //   282 (281.818…) + 45 (44.545…) = 327 and the VAT 409: the rule is per rate.
            let totals = try #require(order["totals"] as? [String: Any])
            #expect(
                int(totals["ttc_cents"]) == 4270 && int(totals["vat_cents"]) == 408 && int(totals["ht_cents"]) == 3862)
            let byRate = try #require(totals["by_rate"] as? [[String: Any]])
            #expect(byRate.map { $0["rate"] as? String } == ["0.0550", "0.1000", "0.2000"])
            #expect(byRate.map { int($0["ttc_cents"]) } == [280, 3590, 400])
            #expect(byRate.map { int($0["vat_cents"]) } == [15, 326, 67])
            #expect(byRate.map { int($0["ht_cents"]) } == [265, 3264, 333])

            let breakdown = try VATBreakdown(
                lines: [
                    VATLine(unitPrice: Money(cents: 1550), quantity: 2, rate: .intermediate),
                    VATLine(amount: Money(cents: 400), rate: .standard),
                    VATLine(amount: Money(cents: 280), rate: .reduced),
                    VATLine(amount: Money(cents: 490), rate: .intermediate),
                ], basis: .includingVAT)
            #expect(breakdown.rates.map(\.vat.cents) == [15, 326, 67])
            #expect(breakdown.ttc.cents == 4270 && breakdown.vat.cents == 408 && breakdown.ht.cents == 3862)

            let id = response.orderID
            let stored = try await server.sql { session in
                try session.query(
                    "SELECT total_ttc_cents, total_vat_cents, total_ht_cents FROM customer_order WHERE id = \(id)"
                ).map {
                    [
                        try $0.decode(0, as: Int64.self), try $0.decode(1, as: Int64.self),
                        try $0.decode(2, as: Int64.self),
                    ]
                }
            }
            #expect(stored == [[4270, 408, 3862]])
        }
    }

    /// Each line keeps the recipe version in force on the order's business date (Margherita and
    /// Reine are at version 2 since 2026-10-19 and 2026-11-02, recipes.json).
    @Test func freezesTheRecipeInForce() async throws {
        try await TestChain.withServer { server in
            let key = try await server.key()
            let response = try await server.placeOrder(Orders.webDelivery, key: key)
            let counter = try await server.placeOrder(Orders.counterPickup, key: key)
            #expect(response.status == .created && counter.status == .created)
            let lines =
                (response.object["lines"] as? [[String: Any]] ?? [])
                + (counter.object["lines"] as? [[String: Any]] ?? [])
            #expect(lines.map { $0["product"] as? String } == ["PIZ-MARGHERITA", "DRK-COLA-33", "PIZ-REINE"])
            #expect(lines.map { int($0["recipe_version"]) } == [2, 1, 2])
            let ids = [response.orderID, counter.orderID]
            let frozen = try await server.sql { session in
                try session.query(
                    """
                    SELECT l.recipe_id = ocpizza_recipe_in_force(l.product_id, o.business_date) AS in_force
                    FROM order_line l JOIN customer_order o ON o.id = l.order_id WHERE o.id = ANY(\(ids))
                    """
                ).map { try $0.decode("in_force", as: Bool.self) }
            }
            #expect(frozen == [true, true, true])
        }
    }

    /// The stock ledger gets one sale_consumption per line and ingredient: recipe × (1 + waste) ×
    /// quantity plus the modifiers' deltas × quantity, and stock_balance drops by exactly that.
    @Test func writesTheTheoreticalConsumption() async throws {
        try await TestChain.withServer { server in
            let before = try await server.balances()
            let response = try await server.placeOrder(Self.mixedRates, key: try await server.key())
            #expect(response.status == .created)
            // PIZ-CHORIZO v1 (recipes.json) × 2, with extra-chorizo (+40 g) and sans-oignons (−35 g
            // OIGNONS, −30 g OIGNONS-ROUGES):
            //   PATON-250 250 × 1.01 × 2 = 505     SEMOULE 10 × 1.10 × 2 = 22   SAUCE-TOMATE 80 × 1.05 × 2 = 168
            //   MOZZA-RAPEE 110 × 1.03 × 2 = 226.6 POIVRONS 40 × 1.10 × 2 = 88  BOITE-33 1 × 1.02 × 2 = 2.04
            //   CHORIZO 50 × 1.02 × 2 + 40 × 2 = 182
            //   OIGNONS 30 × 1.10 × 2 − 35 × 2 = −4 and OIGNONS-ROUGES −60: nothing is taken (no movement).
            // Line 2: one BIERE-BLONDE-33; line 3: one COLA-33; line 4: one PANNA-COTTA.
            let expected: [Int: [String: Decimal]] = [
                1: [
                    "PATON-250": 505, "SEMOULE": 22, "SAUCE-TOMATE": 168, "MOZZA-RAPEE": dec("226.6"), "POIVRONS": 88,
                    "BOITE-33": dec("2.04"), "CHORIZO": 182,
                ],
                2: ["BIERE-BLONDE-33": 1], 3: ["COLA-33": 1], 4: ["PANNA-COTTA": 1],
            ]
            let id = response.orderID
            let movements = try await server.sql { session in
                try session.query(
                    """
                    SELECT l.line_no, i.sku, m.quantity, m.kind, m.source_type, m.business_date = o.business_date AS same_day
                    FROM stock_movement m JOIN order_line l ON l.id = m.source_id AND m.source_type = 'order_line'
                    JOIN customer_order o ON o.id = l.order_id JOIN ingredient i ON i.id = m.ingredient_id
                    WHERE l.order_id = \(id)
                    """
                ).map { row in
                    #expect(try row.decode("kind", as: String.self) == "sale_consumption")
                    #expect(try row.decode("same_day", as: Bool.self))
                    return (
                        try row.decode("line_no", as: Int.self), try row.decode("sku", as: String.self),
                        try row.decode("quantity", as: Decimal.self)
                    )
                }
            }
            var written: [Int: [String: Decimal]] = [:]
            for (line, sku, quantity) in movements { written[line, default: [:]][sku] = -quantity }
            #expect(written == expected)

            let after = try await server.balances()
            let taken = expected.values.reduce(into: [String: Decimal]()) { $0.merge($1, uniquingKeysWith: +) }
            for (sku, quantity) in before {
                #expect(quantity - (after[sku] ?? 0) == (taken[sku] ?? 0), "\(sku)")
            }
        }
    }

    /// A new order has its fulfilment "placed" and payment "unpaid" events by the key's name; an
    /// online card order is also authorised by Stripe, with a payment row for the total.
    @Test func recordsEventsAndTheOnlineAuthorisation() async throws {
        try await TestChain.withServer { server in
            let key = try await server.key(name: "website")
            let online = try await server.placeOrder(Orders.webDelivery, key: key)
            #expect(online.status == .created)
            let events = try #require(online.object["events"] as? [[String: Any]])
            #expect(events.map { $0["kind"] as? String } == ["fulfilment", "payment", "payment"])
            #expect(events.map { $0["from"] as? String } == [nil, nil, "unpaid"])
            #expect(events.map { $0["to"] as? String } == ["placed", "unpaid", "authorised"])
            #expect(events.map { $0["actor"] as? String } == ["website", "website", "stripe"])
            let payment = online.object["payment"] as? [String: Any]
            #expect(payment?["status"] as? String == "authorised")
            #expect(payment?["reference"] as? String == "pi_test_0001")

            let id = online.orderID
            let rows = try await server.payments(of: id)
            #expect(
                rows == [
                    PaymentRow(
                        method: "online_card", status: "authorised", amount: 2780, processor: "stripe",
                        reference: "pi_test_0001", parent: false, employee: nil)
                ])
            #expect(try await server.orderColumn("payment_status", id) == "authorised")
            #expect(try await server.orderColumn("fulfilment_status", id) == "placed")

            // Cash on delivery: nothing is authorised, nothing is paid yet.
            let cash = try await server.placeOrder(Orders.phoneDelivery(), key: key)
            #expect(cash.status == .created)
            #expect((cash.object["events"] as? [[String: Any]])?.count == 2)
            #expect(try await server.payments(of: cash.orderID).isEmpty)
            #expect(try await server.orderColumn("payment_status", cash.orderID) == "unpaid")
        }
    }

    /// The customer is found by the E.164 form of the phone number, however it was typed.
    @Test func normalisesTheCustomerPhone() async throws {
        try await TestChain.withServer { server in
            let key = try await server.key()
            let first = try await server.placeOrder(Orders.webDelivery, key: key)
            let customer = first.object["customer"] as? [String: Any]
            #expect(customer?["phone"] as? String == "+33612345678")
            #expect(customer?["name"] as? String == "Camille Martin")
            let again = Orders.webDelivery.replacingOccurrences(of: "06 12 34 56 78", with: "+33 (0)6.12.34.56.78")
                .replacingOccurrences(of: "pi_test_0001", with: "pi_test_0002")
            let second = try await server.placeOrder(again, key: key)
            #expect(second.status == .created)
            let ids = [first.orderID, second.orderID]
            let customers = try await server.sql { session in
                try session.query(
                    """
                    SELECT DISTINCT c.phone FROM customer_order o JOIN customer c ON c.id = o.customer_id
                    WHERE o.id = ANY(\(ids))
                    """
                ).map { try $0.decode(0, as: String.self) }
            }
            #expect(customers == ["+33612345678"])
        }
    }

    /// A counter order without a customer goes to the shop's one anonymous counter customer.
    @Test func counterOrderGoesToTheAnonymousCustomer() async throws {
        try await TestChain.withServer { server in
            let key = try await server.key()
            let first = try await server.placeOrder(Orders.counterPickup, key: key)
            let second = try await server.placeOrder(Orders.counterPickup, key: key)
            #expect(first.status == .created && second.status == .created)
            #expect((first.object["customer"] as? [String: Any])?["phone"] is NSNull)
            let ids = [first.orderID, second.orderID]
            let shops = try await server.sql { session in
                try session.query(
                    """
                    SELECT DISTINCT p.code FROM customer_order o JOIN customer c ON c.id = o.customer_id
                    JOIN pizzeria p ON p.id = c.anonymous_for_pizzeria_id WHERE o.id = ANY(\(ids)) AND c.phone IS NULL
                    """
                ).map { try $0.decode(0, as: String.self) }
            }
            #expect(shops == ["PAR11"])
        }
    }

    /// A shop outside its opening hours, or not opened yet (PAR20 opens 2026-12-15), takes no
    /// order: 409 shop-closed, nothing written.
    @Test func closedShopsRefuseOrders() async throws {
        try await TestChain.withServer { server in
            let key = try await server.key()
            let planned = try await server.placeOrder(Orders.phoneDelivery(shop: "PAR20"), key: key)
            #expect(planned.status == .conflict)
            #expect(planned.object["type"] as? String == "https://ocpizza.fr/problems/shop-closed")
            #expect(planned.object["shop"] as? String == "PAR20")

            try await server.sql { session in
                try session.execute("UPDATE pizzeria SET opening_hours = '{}' WHERE code = 'PAR11'")
            }
            let closed = try await server.placeOrder(Orders.webDelivery, key: key)
            #expect(closed.status == .conflict)
            #expect(closed.headers[.contentType] == "application/problem+json")
            #expect(closed.object["type"] as? String == "https://ocpizza.fr/problems/shop-closed")
            #expect(closed.object["shop"] as? String == "PAR11")
            #expect(try await server.count("SELECT count(*) FROM customer_order") == 0)
            #expect(try await server.count("SELECT count(*) FROM payment") == 0)
        }
    }

    /// What needs the catalogue is refused with 422 and the JSON Pointer of the value.
    @Test func catalogueErrorsNameTheField() async throws {
        try await TestChain.withServer { server in
            let key = try await server.key()
            func lines(_ json: String) -> String {
                Orders.counterPickup.replacingOccurrences(
                    of: #"[{"product": "PIZ-REINE", "quantity": 1}]"#, with: json)
            }
            let cases: [(String, String)] = [
                (
                    lines(#"[{"product": "PIZ-REINE", "quantity": 1}, {"product": "PIZ-HAWAI", "quantity": 1}]"#),
                    "/lines/1/product"
                ),
                // PIZ-NORDIQUE is not sold in Montreuil (menu.json notSoldIn).
                (Orders.phoneDelivery(shop: "MONTREUIL", product: "PIZ-NORDIQUE"), "/lines/0/product"),
                (
                    lines(#"[{"product": "DRK-COLA-33", "quantity": 1, "modifiers": ["extra-mozzarella"]}]"#),
                    "/lines/0/modifiers/0"
                ),
                // margherita-burrata applies to the Margherita only.
                (
                    lines(
                        #"[{"product": "PIZ-REINE", "quantity": 1, "modifiers": ["extra-jambon", "margherita-burrata"]}]"#
                    ),
                    "/lines/0/modifiers/1"
                ),
                (
                    lines(#"[{"product": "PIZ-REINE", "quantity": 1, "modifiers": ["extra-ananas"]}]"#),
                    "/lines/0/modifiers/0"
                ),
                (Orders.counterPickup.replacingOccurrences(of: "PAR11", with: "NOWHERE"), "/shop"),
            ]
            for (body, field) in cases {
                let response = try await server.placeOrder(body, key: key)
                #expect(response.status == .unprocessableContent, "\(field)")
                #expect(response.object["field"] as? String == field)
                #expect(response.headers[.contentType] == "application/problem+json")
            }
            #expect(try await server.count("SELECT count(*) FROM customer_order") == 0)
            // The same product sells in a shop that has it.
            #expect(
                try await server.placeOrder(Orders.phoneDelivery(product: "PIZ-NORDIQUE"), key: key).status == .created)
        }
    }

    /// A client that states the amount it had authorised gets 422 when the order costs otherwise.
    @Test func amountMismatchIsRefused() async throws {
        try await TestChain.withServer { server in
            let key = try await server.key()
            func stating(_ cents: Int) -> String {
                Orders.webDelivery.replacingOccurrences(
                    of: #""reference": "pi_test_0001"}"#,
                    with: #""reference": "pi_test_0001", "amount_cents": \#(cents)}"#)
            }
            let wrong = try await server.placeOrder(stating(2779), key: key)
            #expect(wrong.status == .unprocessableContent)
            #expect(wrong.object["field"] as? String == "/payment/amount_cents")
            #expect(int(wrong.object["total_cents"]) == 2780)
            #expect(try await server.count("SELECT count(*) FROM customer_order") == 0)
            // 2 × (11.00 + 1.50) + 2.80 = 27.80 €.
            let right = try await server.placeOrder(stating(2780), key: key)
            #expect(right.status == .created)
        }
    }

    /// A processor reference pays one order only: another order with it is 422 /payment/reference.
    @Test func paymentReferencePaysOneOrder() async throws {
        try await TestChain.withServer(.router) { server in
            let key = try await server.key()
            #expect(try await server.placeOrder(Orders.webDelivery, key: key).status == .created)
            let again = try await server.placeOrder(Orders.webDelivery, key: key)
            #expect(again.status == .unprocessableContent)
            #expect(again.field == "/payment/reference")
            #expect(try await server.count("SELECT count(*) FROM customer_order") == 1)
        }
    }

    /// GET /v1/shops lists every shop with its status and whether it takes orders now.
    @Test func listsShopsWithOpenNow() async throws {
        try await TestChain.withServer(.router) { server in
            let response = try await server.request(.get, "/v1/shops", key: try await server.key([.menuRead]))
            #expect(response.status == .ok)
            let shops = try #require(
                try JSONSerialization.jsonObject(with: Data(response.text.utf8)) as? [[String: Any]])
            let byCode = Dictionary(uniqueKeysWithValues: shops.map { ($0["code"] as? String ?? "", $0) })
            #expect(byCode.keys.sorted() == ["BOULOGNE", "LEVALLOIS", "MONTREUIL", "PAR11", "PAR15", "PAR20"])
            #expect(byCode["PAR11"]?["open_now"] as? Bool == true)
            #expect(byCode["PAR11"]?["status"] as? String == "trading")
            #expect(byCode["PAR20"]?["open_now"] as? Bool == false)
            #expect(byCode["PAR20"]?["status"] as? String == "planned")
            #expect(byCode["PAR20"]?["opened_on"] as? String == "2026-12-15")
        }
    }

    /// The menu shows how many portions the stock allows; a drained ingredient greys its
    /// products out (can_make 0, available false) and leaves the others on.
    @Test func menuShowsWhatTheStockAllows() async throws {
        try await TestChain.withServer(.router) { server in
            let key = try await server.key([.menuRead])
            func products() async throws -> [String: [String: Any]] {
                let response = try await server.request(.get, "/v1/shops/par11/menu", key: key)
                #expect(response.status == .ok)
                #expect(response.object["open_now"] as? Bool == true)
                let items = response.object["products"] as? [[String: Any]] ?? []
                return Dictionary(uniqueKeysWithValues: items.map { ($0["product"] as? String ?? "", $0) })
            }
            var menu = try await products()
            // Margherita v2: PATON-250 limits it, 100 000 g ÷ (250 × 1.01) = 396.04 → 396.
            #expect(int(menu["PIZ-MARGHERITA"]?["can_make"]) == 396)
            #expect(menu["PIZ-MARGHERITA"]?["available"] as? Bool == true)
            #expect(int(menu["PIZ-MARGHERITA"]?["price_cents"]) == 1100)
            func modifiers(_ sku: String) -> [String] {
                (menu[sku]?["modifiers"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
            }
            #expect(modifiers("PIZ-MARGHERITA").contains("margherita-burrata"))
            #expect(modifiers("PIZ-MARGHERITA").contains("sans-oignons"))
            #expect(!modifiers("PIZ-REINE").contains("margherita-burrata"))
            #expect(modifiers("DRK-COLA-33").isEmpty)

            // FIOR-DI-LATTE (125 × 1.04 = 130 g per Margherita v2) down to 100 g: none can be made.
            try await server.setStock("FIOR-DI-LATTE", to: 100)
            menu = try await products()
            #expect(int(menu["PIZ-MARGHERITA"]?["can_make"]) == 0)
            #expect(menu["PIZ-MARGHERITA"]?["available"] as? Bool == false)
            #expect(int(menu["PIZ-REINE"]?["can_make"]) == 396)
            #expect(menu["PIZ-REINE"]?["available"] as? Bool == true)

            #expect(try await server.request(.get, "/v1/shops/NOWHERE/menu", key: key).status == .notFound)
        }
    }
}
