import Domain
import Foundation
import Testing

/// The payment graph, written out independently of the implementation.
let expectedPaymentEdges: [PaymentPath: Set<String>] = [
    .online: [
        "unpaid>authorised", "authorised>captured", "authorised>voided", "captured>settled", "captured>refunded",
        "captured>partially_refunded", "captured>disputed", "settled>refunded", "settled>partially_refunded",
        "settled>disputed", "disputed>captured", "disputed>settled", "disputed>refunded",
        "partially_refunded>partially_refunded", "partially_refunded>refunded", "partially_refunded>settled",
        "partially_refunded>disputed",
    ],
    .inPerson: [
        "unpaid>collected", "collected>deposited", "collected>refunded", "collected>partially_refunded",
        "deposited>settled", "deposited>refunded", "deposited>partially_refunded", "settled>refunded",
        "settled>partially_refunded", "partially_refunded>partially_refunded", "partially_refunded>refunded",
        "partially_refunded>settled",
    ],
]

@Suite struct PaymentStatusTests {
    @Test func rawValuesAreTheDatabaseStrings() {
        #expect(
            PaymentStatus.allCases.map(\.rawValue) == [
                "unpaid", "authorised", "captured", "settled", "collected", "deposited", "voided", "refunded",
                "partially_refunded", "disputed",
            ])
        #expect(
            PaymentMethod.allCases.map(\.rawValue) == [
                "online_card", "paypal", "card_on_delivery", "cash_on_delivery", "counter_card", "counter_cash",
            ])
        #expect(OrderChannel.allCases.map(\.rawValue) == ["web", "phone", "counter"])
        #expect(PaymentPath.allCases.map(\.rawValue) == ["online", "in_person"])
        #expect(PaymentStatus.initial == .unpaid)
    }

    @Test(arguments: PaymentPath.allCases)
    func everyPairIsAllowedOrRefusedAsDesigned(path: PaymentPath) throws {
        let expected = try #require(expectedPaymentEdges[path])
        for from in PaymentStatus.allCases {
            for to in PaymentStatus.allCases {
                let allowed = expected.contains("\(from.rawValue)>\(to.rawValue)")
                #expect(from.canTransition(to: to, path: path) == allowed, "\(from) → \(to) (\(path))")
                if allowed {
                    #expect(try from.transition(to: to, path: path) == to)
                } else {
                    let error = #expect(throws: DomainError.self) { try from.transition(to: to, path: path) }
                    #expect(error?.code == .invalidTransition)
                    #expect(
                        error?.context == [
                            "machine": "payment", "from": from.rawValue, "to": to.rawValue, "path": path.rawValue,
                        ])
                }
            }
        }
    }

    @Test func methodsChooseTheirPath() throws {
        #expect(PaymentMethod.onlineCard.path == .online)
        #expect(PaymentMethod.paypal.path == .online)
        for method: PaymentMethod in [.cardOnDelivery, .cashOnDelivery, .counterCard, .counterCash] {
            #expect(method.path == .inPerson)
            #expect(PaymentStatus.unpaid.canTransition(to: .collected, method: method))
            #expect(!PaymentStatus.unpaid.canTransition(to: .authorised, method: method))
        }
        #expect(try PaymentStatus.authorised.transition(to: .voided, method: .paypal) == .voided)
        #expect(PaymentStatus.captured.allowedTransitions(method: .onlineCard).contains(.disputed))
        #expect(throws: DomainError.self) { try PaymentStatus.unpaid.transition(to: .collected, method: .onlineCard) }
        #expect(PaymentMethod.allCases.filter(\.isCash) == [.cashOnDelivery, .counterCash])
    }

    @Test func methodsFitChannelsAndModes() {
        #expect(PaymentMethod.onlineCard.isAvailable(channel: .web, mode: .delivery))
        #expect(!PaymentMethod.paypal.isAvailable(channel: .phone, mode: .pickup))
        #expect(PaymentMethod.cashOnDelivery.isAvailable(channel: .phone, mode: .delivery))
        #expect(!PaymentMethod.cardOnDelivery.isAvailable(channel: .web, mode: .pickup))
        #expect(PaymentMethod.counterCash.isAvailable(channel: .counter, mode: .pickup))
        #expect(!PaymentMethod.counterCard.isAvailable(channel: .web, mode: .delivery))
        // Every channel and mode has at least one way to pay.
        for channel in OrderChannel.allCases {
            for mode in FulfilmentMode.allCases {
                #expect(PaymentMethod.allCases.contains { $0.isAvailable(channel: channel, mode: mode) })
            }
        }
    }

    @Test func terminalStatesLeadNowhere() {
        let terminal: Set<PaymentStatus> = [.voided, .refunded]
        for status in PaymentStatus.allCases {
            #expect(status.isTerminal == terminal.contains(status), "\(status)")
            for path in PaymentPath.allCases where status.isTerminal {
                #expect(status.allowedTransitions(path: path).isEmpty)
            }
        }
    }

    @Test(arguments: PaymentPath.allCases)
    func everyReachableStateIsReachedFromUnpaidAndCanEnd(path: PaymentPath) {
        var seen: Set<PaymentStatus> = [.initial]
        var frontier: [PaymentStatus] = [.initial]
        while let status = frontier.popLast() {
            for state in status.allowedTransitions(path: path) where seen.insert(state).inserted {
                frontier.append(state)
            }
        }
        #expect(seen == Set(PaymentStatus.allCases.filter { $0.isReachable(path: path) }))
        // No dead end: from every reachable state some terminal state is still reachable.
        for start in seen {
            var reach: Set<PaymentStatus> = [start]
            var queue = [start]
            while let status = queue.popLast() {
                for state in status.allowedTransitions(path: path) where reach.insert(state).inserted {
                    queue.append(state)
                }
            }
            #expect(reach.contains { $0.isTerminal }, "\(start) (\(path))")
        }
    }

    @Test func paidStatesAreTheCapturedAndCollectedFlows() {
        let paid: Set<PaymentStatus> = [.captured, .collected, .deposited, .settled, .partiallyRefunded]
        for status in PaymentStatus.allCases { #expect(status.isPaid == paid.contains(status), "\(status)") }
    }

    @Test func walksTheHappyPaths() throws {
        var online = PaymentStatus.initial
        for next: PaymentStatus in [.authorised, .captured, .disputed, .captured, .settled] {
            online = try online.transition(to: next, method: .onlineCard)
        }
        #expect(online == .settled)
        var cash = PaymentStatus.initial
        for next: PaymentStatus in [.collected, .deposited, .settled] {
            cash = try cash.transition(to: next, method: .cashOnDelivery)
        }
        #expect(cash == .settled)
    }
}
