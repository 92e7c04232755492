import Foundation
import Postgres
import Testing

/// Orders, lines and the event log (0007).
@Suite struct OrderTests {
    @Test func anIdempotencyKeyIsUsedOnceAndIsRequired() async throws {
        try await withMigratedDatabase { session, base in
            try insertOrder(session, base, key: "3f1c9a7e-web-0001")
            do {
                try insertOrder(session, base, key: "3f1c9a7e-web-0001")
                Issue.record("a second order with the same idempotency key was accepted")
            } catch let error as PostgresError {
                #expect(error.sqlState == .uniqueViolation)
                #expect(error.constraint == "customer_order_idempotency_key")
            }
            // What the endpoint does: insert or find the original.
            let inserted = try session.execute(
                """
                INSERT INTO customer_order (pizzeria_id, customer_id, channel, fulfilment_mode, payment_method,
                    business_date, idempotency_key, request_hash, total_ttc_cents, total_ht_cents, total_vat_cents)
                VALUES (\(base.shop), \(base.customer), 'web', 'pickup', 'online_card', '2026-05-12',
                    '3f1c9a7e-web-0001', \(fakeSHA256("f")), 300, 284, 16)
                ON CONFLICT (idempotency_key) DO NOTHING
                """)
            #expect(inserted == 0)
            expectRefused(
                .notNullViolation, session,
                """
                INSERT INTO customer_order (pizzeria_id, customer_id, channel, fulfilment_mode, payment_method,
                    business_date, request_hash, total_ttc_cents, total_ht_cents, total_vat_cents)
                VALUES (\(base.shop), \(base.customer), 'web', 'pickup', 'online_card', '2026-05-12',
                    \(fakeSHA256("f")), 300, 284, 16)
                """)
        }
    }

    @Test func deliveryNeedsAnAddressAndTotalsAddUp() async throws {
        try await withMigratedDatabase { session, base in
            func order(mode: String, address: JSONB?, method: String = "cash_on_delivery", vat: Int = 95) -> SQL {
                """
                INSERT INTO customer_order (pizzeria_id, customer_id, channel, fulfilment_mode, delivery_address,
                    payment_method, business_date, idempotency_key, request_hash, total_ttc_cents, total_ht_cents,
                    total_vat_cents)
                VALUES (\(base.shop), \(base.customer), 'phone', \(mode), \(address), \(method), '2026-05-12',
                    \(UUID().uuidString), \(fakeSHA256("0")), 1050, 955, \(vat))
                """
            }
            let iff = "customer_order_address_iff_delivery"
            expectRefused(.checkViolation, constraint: iff, session, order(mode: "delivery", address: nil))
            expectRefused(
                .checkViolation, constraint: iff, session,
                order(mode: "pickup", address: sampleAddress, method: "counter_cash"))
            expectRefused(
                .checkViolation, constraint: "customer_order_delivery_address_shape", session,
                order(mode: "delivery", address: JSONB(text: #"{"line1": "8 rue Oberkampf"}"#)))
            expectRefused(
                .checkViolation, constraint: "customer_order_totals_add_up", session,
                order(mode: "delivery", address: sampleAddress, vat: 96))
            expectRefused(
                .checkViolation, constraint: "customer_order_method_fits_mode", session,
                order(mode: "pickup", address: nil, method: "cash_on_delivery"))
            expectRefused(
                .checkViolation, constraint: "customer_order_payment_method_known", session,
                order(mode: "delivery", address: sampleAddress, method: "cheque"))
            try session.execute(order(mode: "delivery", address: sampleAddress))
        }
    }

    @Test func orderNumbersCountPerShop() async throws {
        try await withMigratedDatabase { session, base in
            try insertOrder(session, base, key: "a")
            try insertOrder(session, base, key: "b")
            try insertOrder(session, base, key: "c", shop: base.otherShop)
            let numbers = try session.query(
                "SELECT pizzeria_id, order_number FROM customer_order ORDER BY pizzeria_id, order_number"
            ).map { [try $0.decode(0, as: Int.self), try $0.decode(1, as: Int.self)] }
            #expect(numbers == [[base.shop, 1], [base.shop, 2], [base.otherShop, 1]])
            do {
                try insertOrder(session, base, key: "d", number: 2)
                Issue.record("a second order number 2 in the same shop was accepted")
            } catch let error as PostgresError {
                #expect(error.sqlState == .uniqueViolation)
                #expect(error.constraint == "customer_order_pizzeria_id_order_number_key")
            }
        }
    }

    @Test func linesFreezeAValidRecipeVersionAndPositiveQuantities() async throws {
        try await withMigratedDatabase { session, base in
            let order = try insertOrder(session, base, key: "lines")
            func line(
                lineNo: Int, shop: Int? = nil, product: Int? = nil, recipe: Int?, quantity: Int = 1, total: Int = 1050
            ) -> SQL {
                """
                INSERT INTO order_line (order_id, pizzeria_id, line_no, product_id, recipe_id, quantity,
                    unit_price_ttc_cents, vat_rate, line_total_ttc_cents)
                VALUES (\(order), \(shop ?? base.shop), \(lineNo), \(product ?? base.margherita), \(recipe), \(quantity),
                    1050, 0.10, \(total))
                """
            }
            expectRefused(.notNullViolation, session, line(lineNo: 1, recipe: nil))
            expectRefused(
                .foreignKeyViolation, constraint: "order_line_recipe_of_product", session,
                line(lineNo: 1, recipe: base.colaRecipe))
            expectRefused(
                .checkViolation, constraint: "order_line_quantity_positive", session,
                line(lineNo: 1, recipe: base.margheritaRecipe, quantity: -1, total: -1050))
            expectRefused(
                .checkViolation, constraint: "order_line_quantity_positive", session,
                line(lineNo: 1, recipe: base.margheritaRecipe, quantity: 0, total: 0))
            expectRefused(
                .checkViolation, constraint: "order_line_total", session,
                line(lineNo: 1, recipe: base.margheritaRecipe, quantity: 2, total: 1050))
            expectRefused(
                .foreignKeyViolation, session, line(lineNo: 1, shop: base.otherShop, recipe: base.margheritaRecipe))
            try session.execute(line(lineNo: 1, recipe: base.margheritaRecipe, quantity: 2, total: 2100))
            expectRefused(
                .uniqueViolation, constraint: "order_line_order_id_line_no_key", session,
                line(lineNo: 1, recipe: base.margheritaRecipe))
            expectRefused(
                appendOnlyViolation, session, "UPDATE order_line SET quantity = 3, line_total_ttc_cents = 3150")
            expectRefused(appendOnlyViolation, session, "DELETE FROM order_line")
            // The sold recipe version is frozen: a change is a new version.
            expectRefused(
                appendOnlyViolation, session,
                "UPDATE recipe_line SET quantity = 100 WHERE recipe_id = \(base.margheritaRecipe)")
            expectRefused(
                appendOnlyViolation, session,
                "DELETE FROM recipe_line WHERE recipe_id = \(base.margheritaRecipe)")
            expectRefused(
                appendOnlyViolation, session,
                "INSERT INTO recipe_line (recipe_id, ingredient_id, quantity) VALUES (\(base.margheritaRecipe), \(base.dough), 10)"
            )
            // The cola recipe was not sold: it can still be corrected.
            try session.execute("UPDATE recipe_line SET quantity = 1 WHERE recipe_id = \(base.colaRecipe)")
        }
    }

    @Test func eventsFollowTheStateMachinesAndAreNeverEdited() async throws {
        try await withMigratedDatabase { session, base in
            let order = try insertOrder(session, base, key: "events")
            func event(_ kind: String, _ from: String?, _ to: String, reason: String? = nil) -> SQL {
                """
                INSERT INTO order_event (order_id, pizzeria_id, kind, from_status, to_status, business_date, actor,
                    actor_employee_id, reason)
                VALUES (\(order), \(base.shop), \(kind), \(from), \(to), '2026-05-12', 'counter', \(base.orderTaker),
                    \(reason))
                """
            }
            try session.execute(event("fulfilment", nil, "placed"))
            try session.execute(event("fulfilment", "placed", "accepted"))
            let allowed = "order_event_transition_allowed"
            expectRefused(
                .foreignKeyViolation, constraint: allowed, session, event("fulfilment", "accepted", "delivered"))
            expectRefused(
                .foreignKeyViolation, constraint: allowed, session,
                event("fulfilment", "in_preparation", "cancelled", reason: "customer called"))
            expectRefused(.foreignKeyViolation, constraint: allowed, session, event("payment", "unpaid", "settled"))
            expectRefused(.foreignKeyViolation, constraint: allowed, session, event("payment", "placed", "accepted"))
            expectRefused(
                .checkViolation, constraint: "order_event_first_status", session, event("fulfilment", nil, "ready"))
            expectRefused(
                .checkViolation, constraint: "order_event_cancel_has_reason", session,
                event("fulfilment", "accepted", "cancelled"))
            try session.execute(event("fulfilment", "accepted", "cancelled", reason: "customer called back"))
            expectRefused(appendOnlyViolation, session, "UPDATE order_event SET reason = 'typo'")
            expectRefused(appendOnlyViolation, session, "DELETE FROM order_event")
            let count = try session.queryValue(
                "SELECT count(*) FROM order_event WHERE order_id = \(order)", as: Int.self)
            #expect(count == 3)
        }
    }

    @Test func anOrdersContentIsFrozenAndItsStatusesOnlyMoveAlongTransitions() async throws {
        try await withMigratedDatabase { session, base in
            let order = try insertOrder(session, base, key: "frozen")
            expectRefused(
                appendOnlyViolation, session, "UPDATE customer_order SET total_ttc_cents = 1 WHERE id = \(order)")
            expectRefused(appendOnlyViolation, session, "UPDATE customer_order SET pizzeria_id = \(base.otherShop)")
            expectRefused(appendOnlyViolation, session, "DELETE FROM customer_order WHERE id = \(order)")
            expectRefused(
                .checkViolation, constraint: "customer_order_fulfilment_transition", session,
                "UPDATE customer_order SET fulfilment_status = 'ready' WHERE id = \(order)")
            expectRefused(
                .checkViolation, constraint: "customer_order_payment_transition", session,
                "UPDATE customer_order SET payment_status = 'deposited' WHERE id = \(order)")
            // An unknown status is no allowed transition either (the guard trigger runs before the CHECK).
            expectRefused(
                .checkViolation, constraint: "customer_order_fulfilment_transition", session,
                "UPDATE customer_order SET fulfilment_status = 'shipped' WHERE id = \(order)")
            expectRefused(
                .checkViolation, constraint: "customer_order_fulfilment_status_known", session,
                """
                INSERT INTO customer_order (pizzeria_id, customer_id, channel, fulfilment_mode, fulfilment_status,
                    payment_method, business_date, idempotency_key, request_hash, total_ttc_cents, total_ht_cents,
                    total_vat_cents)
                VALUES (\(base.shop), \(base.customer), 'counter', 'pickup', 'shipped', 'counter_card', '2026-05-12',
                    'shipped', \(fakeSHA256("1")), 300, 284, 16)
                """)
            for status in ["accepted", "in_preparation", "ready", "collected"] {
                try session.execute("UPDATE customer_order SET fulfilment_status = \(status) WHERE id = \(order)")
            }
            try session.execute("UPDATE customer_order SET payment_status = 'collected' WHERE id = \(order)")
            expectRefused(
                .checkViolation, constraint: "customer_order_fulfilment_transition", session,
                "UPDATE customer_order SET fulfilment_status = 'cancelled' WHERE id = \(order)")
            let statuses = try session.query("SELECT fulfilment_status, payment_status FROM customer_order").map {
                [try $0.decode(0, as: String.self), try $0.decode(1, as: String.self)]
            }
            #expect(statuses == [["collected", "collected"]])
        }
    }
}
