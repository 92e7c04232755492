import Foundation
import HTTPTypes
import HummingbirdTesting
import Ordering
import Testing

/// The stock check of `POST /v1/orders`: an order that the shop's theoretical stock cannot make
/// is refused with 409 out-of-stock naming each line and ingredient, and nothing is written.
@Suite struct StockTests {
    /// Margherita v2 takes 125 × 1.04 = 130 g of FIOR-DI-LATTE; a Reine takes none.
    static func order(_ lines: String) -> String {
        Orders.counterPickup.replacingOccurrences(of: #"[{"product": "PIZ-REINE", "quantity": 1}]"#, with: lines)
    }

    /// The lines of a 409 out-of-stock answer.
    static func shortLines(_ response: ServerResponse) -> [[String: Any]] {
        #expect(response.status == .conflict)
        #expect(response.headers[.contentType] == "application/problem+json")
        #expect(response.object["type"] as? String == "https://ocpizza.fr/problems/out-of-stock")
        return response.object["lines"] as? [[String: Any]] ?? []
    }

    /// A drained ingredient: the line needing it is named with the ingredient's SKU; no order,
    /// no movement, stock_balance unchanged.
    @Test func drainedIngredientRefusesTheLine() async throws {
        try await TestChain.withServer { server in
            let key = try await server.key()
            try await server.setStock("FIOR-DI-LATTE", to: 129)
            let before = try await server.balances()
            let movements = try await server.count("SELECT count(*) FROM stock_movement")
            let events = try await server.count("SELECT count(*) FROM order_event")
            let response = try await server.placeOrder(
                Self.order(#"[{"product": "PIZ-REINE", "quantity": 1}, {"product": "PIZ-MARGHERITA", "quantity": 1}]"#),
                key: key)
            let lines = Self.shortLines(response)
            #expect(lines.count == 1)
            #expect(lines.first?["line"] as? String == "/lines/1")
            #expect(lines.first?["product"] as? String == "PIZ-MARGHERITA")
            #expect(lines.first?["ingredients"] as? [String] == ["FIOR-DI-LATTE"])
            #expect(lines.first?["reason"] as? String == "not enough stock")
            #expect(try await server.count("SELECT count(*) FROM customer_order") == 0)
            #expect(try await server.count("SELECT count(*) FROM stock_movement") == movements)
            #expect(try await server.count("SELECT count(*) FROM order_event") == events)
            #expect(try await server.balances() == before)
        }
    }

    /// Exactly enough stock is enough: the order takes the on-hand to zero, the next one is refused.
    @Test func exactlyEnoughStockIsEnough() async throws {
        try await TestChain.withServer(.router) { server in
            let key = try await server.key()
            try await server.setStock("FIOR-DI-LATTE", to: 130)
            let margherita = Self.order(#"[{"product": "PIZ-MARGHERITA", "quantity": 1}]"#)
            #expect(try await server.placeOrder(margherita, key: key).status == .created)
            #expect(try await server.balances()["FIOR-DI-LATTE"] == 0)
            let lines = Self.shortLines(try await server.placeOrder(margherita, key: key))
            #expect(lines.map { $0["line"] as? String } == ["/lines/0"])
        }
    }

    /// Six simultaneous orders for the last Margherita: the stock rows are locked, so exactly one
    /// is placed, the others are out of stock, and the on-hand never goes below zero.
    @Test func lastPortionGoesToOneOrderOnly() async throws {
        try await TestChain.withServer(poolSize: 6) { server in
            let key = try await server.key()
            try await server.setStock("FIOR-DI-LATTE", to: 130)
            let margherita = Self.order(#"[{"product": "PIZ-MARGHERITA", "quantity": 1}]"#)
            let statuses = try await IdempotencyTests.concurrently(6, server: server) { _ in
                (key: key, idempotencyKey: UUID().uuidString, body: margherita)
            }.map(\.status)
            #expect(statuses.filter { $0 == .created }.count == 1)
            #expect(statuses.filter { $0 == .conflict }.count == 5)
            #expect(try await server.count("SELECT count(*) FROM customer_order") == 1)
            #expect(try await server.balances()["FIOR-DI-LATTE"] == 0)
        }
    }

    /// Two lines that each fit but together exceed the stock are both named.
    @Test func linesSharingAnIngredientAreNamedTogether() async throws {
        try await TestChain.withServer { server in
            let key = try await server.key()
            // PATON-250: 250 × 1.01 = 252.5 g per pizza; 300 g make one pizza, not two.
            try await server.setStock("PATON-250", to: 300)
            let before = try await server.balances()
            let lines = Self.shortLines(
                try await server.placeOrder(
                    Self.order(
                        #"""
                        [{"product": "DRK-COLA-33", "quantity": 1}, {"product": "PIZ-MARGHERITA", "quantity": 1},
                         {"product": "PIZ-REINE", "quantity": 1}]
                        """#), key: key))
            #expect(lines.map { $0["line"] as? String } == ["/lines/1", "/lines/2"])
            #expect(lines.map { $0["product"] as? String } == ["PIZ-MARGHERITA", "PIZ-REINE"])
            #expect(lines.map { $0["ingredients"] as? [String] } == [["PATON-250"], ["PATON-250"]])
            #expect(try await server.count("SELECT count(*) FROM customer_order") == 0)
            #expect(try await server.balances() == before)
            // Each alone is accepted.
            #expect(
                try await server.placeOrder(Self.order(#"[{"product": "PIZ-REINE", "quantity": 1}]"#), key: key).status
                    == .created)
        }
    }

    /// A product the shop took off its menu for now (pizzeria_menu.available = false) is a 409
    /// naming the line, even with plenty of stock.
    @Test func productTakenOffTheMenuIsNamed() async throws {
        try await TestChain.withServer { server in
            let key = try await server.key()
            try await server.sql { session in
                try session.execute(
                    """
                    UPDATE pizzeria_menu SET available = false
                    WHERE pizzeria_id = (SELECT id FROM pizzeria WHERE code = 'PAR11')
                      AND product_id = (SELECT id FROM product WHERE sku = 'PIZ-REINE')
                    """)
            }
            let lines = Self.shortLines(
                try await server.placeOrder(
                    Self.order(
                        #"[{"product": "PIZ-MARGHERITA", "quantity": 1}, {"product": "PIZ-REINE", "quantity": 2}]"#),
                    key: key))
            #expect(lines.map { $0["line"] as? String } == ["/lines/1"])
            #expect(lines.first?["product"] as? String == "PIZ-REINE")
            #expect(lines.first?["reason"] as? String == "taken off the menu for now")
            #expect(try await server.count("SELECT count(*) FROM customer_order") == 0)

            let menu = try await server.request(.get, "/v1/shops/PAR11/menu", key: key)
            let reine = (menu.object["products"] as? [[String: Any]])?.first { $0["product"] as? String == "PIZ-REINE" }
            #expect(reine?["available"] as? Bool == false)
            #expect(int(reine?["can_make"]) == 0)
        }
    }
}
