import Domain
import Foundation
import HTTPTypes
import HummingbirdTesting
import Ordering
import Testing

/// `POST /v1/orders/{id}/cancel` and `/status`: the fulfilment state machine as the endpoint
/// enforces it, with the payment and stock steps that go with each move.
@Suite struct CancellationAndTransitionTests {
    /// An online delivery order with its own processor reference (references are unique).
    static func online(_ reference: String) -> String {
        Orders.webDelivery.replacingOccurrences(of: "pi_test_0001", with: reference)
    }

    /// Cancelling before preparation: 200, the event with reason, actor and employee, the online
    /// authorisation voided, and every ingredient given back (stock_balance as before the order).
    @Test(arguments: ["placed", "accepted"])
    func cancelBeforePreparationGivesEverythingBack(from status: String) async throws {
        try await TestChain.withServer { server in
            let key = try await server.key(name: "phone-desk")
            let taker = try await server.employee("order_taker")
            let before = try await server.balances()
            let id = try await server.placeOrder(Self.online("pi_cancel"), key: key).orderID
            if status == "accepted" { #expect(try await server.advance(id, to: "accepted", key: key).status == .ok) }
            #expect(try await server.balances() != before)

            let response = try await server.cancel(id, reason: "customer called back", key: key, employee: taker)
            #expect(response.status == .ok)
            #expect(response.object["status"] as? String == "cancelled")
            #expect((response.object["payment"] as? [String: Any])?["status"] as? String == "voided")
            let events = try await server.events(of: id).filter { $0.to == "cancelled" || $0.to == "voided" }
            #expect(
                events == [
                    EventRow(
                        kind: "fulfilment", from: status, to: "cancelled", actor: "phone-desk", employee: taker,
                        reason: "customer called back"),
                    EventRow(
                        kind: "payment", from: "authorised", to: "voided", actor: "stripe", employee: nil,
                        reason: "customer called back"),
                ])
            #expect(
                try await server.payments(of: id) == [
                    PaymentRow(
                        method: "online_card", status: "authorised", amount: 2780, processor: "stripe",
                        reference: "pi_cancel", parent: false, employee: nil),
                    PaymentRow(
                        method: "online_card", status: "voided", amount: 2780, processor: "stripe",
                        reference: "pi_cancel", parent: true, employee: nil),
                ])
            #expect(try await server.orderColumn("payment_status", id) == "voided")
            #expect(try await server.reversals(of: id) == .init(consumed: 9, reversed: 9, net: 0))
            #expect(try await server.balances() == before)
        }
    }

    /// Once preparation has started the order cannot be cancelled: 409 invalid-transition naming
    /// the status; the stock stays consumed and the payment captured.
    @Test func cancelAfterPreparationStartedIsRefused() async throws {
        try await TestChain.withServer(.router) { server in
            let key = try await server.key()
            let id = try await server.placeOrder(Self.online("pi_late"), key: key).orderID
            try await server.walk(id, to: ["accepted", "in_preparation"], key: key)
            let consumed = try await server.balances()
            let response = try await server.cancel(id, key: key)
            #expect(response.status == .conflict)
            #expect(response.object["type"] as? String == "https://ocpizza.fr/problems/invalid-transition")
            #expect(response.object["order_status"] as? String == "in_preparation")
            #expect(try await server.orderColumn("fulfilment_status", id) == "in_preparation")
            #expect(try await server.orderColumn("payment_status", id) == "captured")
            #expect(try await server.balances() == consumed)
        }
    }

    /// A cancel sent twice is answered twice (200) and recorded once.
    @Test func cancellingTwiceIsIdempotent() async throws {
        try await TestChain.withServer(.router) { server in
            let key = try await server.key()
            let before = try await server.balances()
            let id = try await server.placeOrder(Orders.counterPickup, key: key).orderID
            let first = try await server.cancel(id, key: key)
            let second = try await server.cancel(id, reason: "retried", key: key)
            #expect(first.status == .ok && second.status == .ok)
            #expect(second.object["status"] as? String == "cancelled")
            #expect(
                try await server.events(of: id).filter { $0.to == "cancelled" }.map(\.reason) == [
                    "customer called back"
                ])
            let ledger = try await server.reversals(of: id)
            #expect(ledger.consumed == ledger.reversed && ledger.net == 0 && ledger.consumed > 0)
            #expect(try await server.balances() == before)
            #expect(try await server.orderColumn("payment_status", id) == "unpaid")
        }
    }

    /// A cancel needs a reason: 422 /reason when it is missing, blank or too long.
    @Test func cancelNeedsAReason() async throws {
        try await TestChain.withServer(.router) { server in
            let key = try await server.key()
            let id = try await server.placeOrder(Orders.counterPickup, key: key).orderID
            for body in [
                "{}", #"{"reason": "   "}"#, #"{"reason": null}"#, #"{"reason": 12}"#,
                #"{"reason": "\#(String(repeating: "r", count: 501))"}"#, #"{"employee_id": 1}"#,
            ] {
                let response = try await server.request(.post, "/v1/orders/\(id)/cancel", key: key, json: body)
                #expect(response.status == .unprocessableContent, "\(body)")
                #expect(response.field == "/reason")
            }
            let empty = try await server.request(.post, "/v1/orders/\(id)/cancel", key: key)
            #expect(empty.status == .unprocessableContent && empty.field == "/reason")
            #expect(try await server.orderColumn("fulfilment_status", id) == "placed")
        }
    }

    /// The delivery happy path, each step an event with the key's name and the employee; the
    /// online payment is captured when preparation starts.
    @Test func deliveryHappyPathCapturesTheOnlinePayment() async throws {
        try await TestChain.withServer { server in
            let key = try await server.key(name: "kitchen-screen")
            let cook = try await server.employee("pizzaiolo")
            let driver = try await server.employee("driver")
            let id = try await server.placeOrder(Self.online("pi_happy"), key: key).orderID
            let steps: [(String, Int64)] = [
                ("accepted", cook), ("in_preparation", cook), ("ready", cook), ("out_for_delivery", driver),
                ("delivered", driver),
            ]
            for (status, employee) in steps {
                let response = try await server.advance(id, to: status, key: key, employee: employee)
                #expect(response.status == .ok, "\(status)")
                #expect(response.object["status"] as? String == status)
                if status == "in_preparation" {
                    #expect((response.object["payment"] as? [String: Any])?["status"] as? String == "captured")
                }
            }
            let moves = try await server.events(of: id).filter { $0.kind == "fulfilment" }
            #expect(moves.map(\.to) == ["placed"] + steps.map(\.0))
            #expect(moves.dropFirst().map(\.from) == ["placed"] + steps.dropLast().map(\.0))
            #expect(moves.dropFirst().allSatisfy { $0.actor == "kitchen-screen" })
            #expect(moves.dropFirst().map(\.employee) == steps.map(\.1))
            #expect(
                try await server.payments(of: id) == [
                    PaymentRow(
                        method: "online_card", status: "authorised", amount: 2780, processor: "stripe",
                        reference: "pi_happy", parent: false, employee: nil),
                    PaymentRow(
                        method: "online_card", status: "captured", amount: 2780, processor: "stripe",
                        reference: "pi_happy", parent: true, employee: nil),
                ])
            #expect(try await server.orderColumn("payment_status", id) == "captured")
            let capture = try await server.events(of: id).filter { $0.to == "captured" }
            #expect(
                capture == [
                    EventRow(
                        kind: "payment", from: "authorised", to: "captured", actor: "system", employee: nil, reason: nil
                    )
                ])
        }
    }

    /// Cash on delivery: delivering records a 'collected' payment of the total by the driver.
    @Test func cashOnDeliveryIsCollectedByTheDriver() async throws {
        try await TestChain.withServer(.router) { server in
            let key = try await server.key(name: "driver-app")
            let driver = try await server.employee("driver")
            let id = try await server.placeOrder(Orders.phoneDelivery(), key: key).orderID
            try await server.walk(id, to: ["accepted", "in_preparation", "ready", "out_for_delivery"], key: key)
            #expect(try await server.payments(of: id).isEmpty)
            let delivered = try await server.advance(id, to: "delivered", key: key, employee: driver)
            #expect(delivered.status == .ok)
            // One Regina, 13.50 €.
            #expect(
                try await server.payments(of: id) == [
                    PaymentRow(
                        method: "cash_on_delivery", status: "collected", amount: 1350, processor: nil,
                        reference: nil, parent: false, employee: driver)
                ])
            #expect(try await server.orderColumn("payment_status", id) == "collected")
            #expect(
                try await server.events(of: id).filter { $0.to == "collected" } == [
                    EventRow(
                        kind: "payment", from: "unpaid", to: "collected", actor: "driver-app", employee: driver,
                        reason: nil)
                ])
        }
    }

    /// The pickup happy path ends with collected, the counter payment taken by the cashier.
    @Test func pickupHappyPathIsCollectedAtTheCounter() async throws {
        try await TestChain.withServer(.router) { server in
            let key = try await server.key()
            let cashier = try await server.employee("order_taker")
            let id = try await server.placeOrder(Orders.counterPickup, key: key).orderID
            try await server.walk(id, to: ["accepted", "in_preparation", "ready"], key: key)
            let collected = try await server.advance(id, to: "collected", key: key, employee: cashier)
            #expect(collected.status == .ok && collected.object["status"] as? String == "collected")
            #expect(
                try await server.payments(of: id) == [
                    PaymentRow(
                        method: "counter_cash", status: "collected", amount: 1300, processor: nil,
                        reference: nil, parent: false, employee: cashier)
                ])
        }
    }

    /// An employee_id that is not an employee of the order's shop is 422 /employee_id.
    @Test func unknownEmployeeIsRefused() async throws {
        try await TestChain.withServer(.router) { server in
            let key = try await server.key()
            let elsewhere = try await server.employee("pizzaiolo", shop: "PAR15")
            let id = try await server.placeOrder(Orders.counterPickup, key: key).orderID
            for employee: Int64 in [999_999, elsewhere] {
                let advance = try await server.advance(id, to: "accepted", key: key, employee: employee)
                #expect(advance.status == .unprocessableContent && advance.field == "/employee_id")
                let cancel = try await server.cancel(id, key: key, employee: employee)
                #expect(cancel.status == .unprocessableContent && cancel.field == "/employee_id")
            }
            for body in [#"{"status": "accepted", "employee_id": "12"}"#, #"{"status": "accepted", "employee_id": 0}"#]
            {
                let response = try await server.request(.post, "/v1/orders/\(id)/status", key: key, json: body)
                #expect(response.status == .unprocessableContent && response.field == "/employee_id")
            }
            #expect(try await server.orderColumn("fulfilment_status", id) == "placed")
            #expect(try await server.events(of: id).count == 2)
        }
    }

    /// For every (from, to) pair (from: the states the mode can reach), the endpoint accepts
    /// exactly what FulfilmentStatus.allowedTransitions(mode:) allows and answers 409
    /// invalid-transition otherwise, leaving the order and its events as they were.
    @Test(arguments: FulfilmentMode.allCases)
    func everyPairFollowsTheStateMachine(mode: FulfilmentMode) async throws {
        try await TestChain.withServer(.router) { server in
            let key = try await server.key()
            let body = mode == .delivery ? Orders.phoneDelivery() : Orders.counterPickup
            let happyPath: [FulfilmentStatus] =
                mode == .delivery
                ? [.accepted, .inPreparation, .ready, .outForDelivery, .delivered]
                : [.accepted, .inPreparation, .ready, .collected]
            /// A new order walked to `state`.
            func order(in state: FulfilmentStatus) async throws -> Int64 {
                let id = try await server.placeOrder(body, key: key).orderID
                if state == .cancelled {
                    #expect(try await server.cancel(id, key: key).status == .ok)
                } else if state != .placed {
                    let steps = happyPath.prefix(through: try #require(happyPath.firstIndex(of: state)))
                    try await server.walk(id, to: steps.map(\.rawValue), key: key)
                }
                #expect(try await server.orderColumn("fulfilment_status", id) == state.rawValue)
                return id
            }

            for from in FulfilmentStatus.allCases where from.isReachable(mode: mode) {
                let allowed = from.allowedTransitions(mode: mode)
                let id = try await order(in: from)
                let recorded = try await server.events(of: id)
                for to in FulfilmentStatus.allCases where !allowed.contains(to) {
                    let response = try await server.advance(id, to: to.rawValue, key: key)
                    let pair = "\(mode): \(from) → \(to)"
                    switch (from, to) {
                    case (_, .placed):
                        // "placed" is no target: the request itself is refused.
                        #expect(response.status == .unprocessableContent, "\(pair)")
                        #expect(response.field == "/status")
                    case (.cancelled, .cancelled):
                        // A retried cancel: answered as it is, nothing recorded.
                        #expect(response.status == .ok, "\(pair)")
                        #expect(try await server.events(of: id).filter { $0.to == "cancelled" }.count == 1)
                    default:
                        #expect(response.status == .conflict, "\(pair)")
                        #expect(response.object["type"] as? String == "https://ocpizza.fr/problems/invalid-transition")
                        #expect(response.object["order_status"] as? String == from.rawValue, "\(pair)")
                        if to != .cancelled {
                            #expect(
                                Set(response.object["allowed"] as? [String] ?? ["?"]) == Set(allowed.map(\.rawValue)),
                                "\(pair)")
                        }
                    }
                    #expect(try await server.orderColumn("fulfilment_status", id) == from.rawValue, "\(pair)")
                    #expect(try await server.events(of: id) == recorded, "\(pair)")
                }
                for (index, to) in allowed.sorted(by: { $0.rawValue < $1.rawValue }).enumerated() {
                    let target = index == 0 ? id : try await order(in: from)
                    let response = try await server.advance(target, to: to.rawValue, key: key)
                    #expect(response.status == .ok, "\(mode): \(from) → \(to)")
                    #expect(response.object["status"] as? String == to.rawValue)
                    let last = try await server.events(of: target).last { $0.kind == "fulfilment" }
                    #expect(last?.from == from.rawValue && last?.to == to.rawValue)
                }
            }
        }
    }
}
