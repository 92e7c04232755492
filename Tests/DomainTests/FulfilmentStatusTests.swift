import Domain
import Foundation
import Testing

/// The fulfilment graph as DESIGN.md and domain.md §1.5 state it, written out independently of the
/// implementation.
let expectedFulfilmentEdges: [FulfilmentMode: Set<String>] = [
    .delivery: [
        "placed>accepted", "placed>cancelled", "accepted>in_preparation", "accepted>cancelled",
        "in_preparation>ready", "ready>out_for_delivery", "out_for_delivery>delivered",
    ],
    .pickup: [
        "placed>accepted", "placed>cancelled", "accepted>in_preparation", "accepted>cancelled",
        "in_preparation>ready", "ready>collected",
    ],
]

@Suite struct FulfilmentStatusTests {
    @Test func rawValuesAreTheDatabaseStrings() {
        #expect(
            FulfilmentStatus.allCases.map(\.rawValue) == [
                "placed", "accepted", "in_preparation", "ready", "out_for_delivery", "delivered", "collected",
                "cancelled",
            ])
        #expect(FulfilmentMode.allCases.map(\.rawValue) == ["delivery", "pickup"])
        #expect(FulfilmentStatus.initial == .placed)
    }

    @Test(arguments: FulfilmentMode.allCases)
    func everyPairIsAllowedOrRefusedAsDesigned(mode: FulfilmentMode) throws {
        let expected = try #require(expectedFulfilmentEdges[mode])
        for from in FulfilmentStatus.allCases {
            for to in FulfilmentStatus.allCases {
                let allowed = expected.contains("\(from.rawValue)>\(to.rawValue)")
                #expect(from.canTransition(to: to, mode: mode) == allowed, "\(from) → \(to) (\(mode))")
                #expect(from.allowedTransitions(mode: mode).contains(to) == allowed)
                if allowed {
                    #expect(try from.transition(to: to, mode: mode) == to)
                } else {
                    let error = #expect(throws: DomainError.self) { try from.transition(to: to, mode: mode) }
                    #expect(error?.code == .invalidTransition)
                    #expect(
                        error?.context == [
                            "machine": "fulfilment", "from": from.rawValue, "to": to.rawValue, "mode": mode.rawValue,
                        ])
                }
            }
        }
    }

    @Test func cancelAndModifyOnlyBeforePreparation() {
        for status in FulfilmentStatus.allCases {
            let early = status == .placed || status == .accepted
            #expect(status.canBeCancelled == early, "\(status)")
            #expect(status.canBeModified == early, "\(status)")
            for mode in FulfilmentMode.allCases {
                #expect(status.canTransition(to: .cancelled, mode: mode) == early)
            }
        }
        #expect(throws: DomainError.self) {
            try FulfilmentStatus.inPreparation.transition(to: .cancelled, mode: .delivery)
        }
    }

    @Test func pickupNeverGoesOutForDeliveryAndDeliveryIsNeverCollected() {
        for status in FulfilmentStatus.allCases {
            #expect(!status.canTransition(to: .outForDelivery, mode: .pickup))
            #expect(!status.canTransition(to: .delivered, mode: .pickup))
            #expect(!status.canTransition(to: .collected, mode: .delivery))
        }
        let error = #expect(throws: DomainError.self) {
            try FulfilmentStatus.ready.transition(to: .collected, mode: .delivery)
        }
        #expect(error?.context["from"] == "ready")
        #expect(error?.context["to"] == "collected")
        #expect(error?.description.contains("ready") == true)
        #expect(!FulfilmentStatus.outForDelivery.isReachable(mode: .pickup))
        #expect(!FulfilmentStatus.collected.isReachable(mode: .delivery))
        #expect(FulfilmentStatus.collected.isReachable(mode: .pickup))
    }

    @Test func terminalStatesLeadNowhere() {
        let terminal: Set<FulfilmentStatus> = [.delivered, .collected, .cancelled]
        for status in FulfilmentStatus.allCases {
            #expect(status.isTerminal == terminal.contains(status))
            for mode in FulfilmentMode.allCases where status.isTerminal {
                #expect(status.allowedTransitions(mode: mode).isEmpty)
            }
        }
    }

    @Test(arguments: FulfilmentMode.allCases)
    func everyReachableStateIsReachedFromPlacedAndEndsTerminal(mode: FulfilmentMode) {
        var seen: Set<FulfilmentStatus> = [.initial]
        var frontier: [FulfilmentStatus] = [.initial]
        while let status = frontier.popLast() {
            let next = status.allowedTransitions(mode: mode)
            #expect(status.isTerminal == next.isEmpty, "\(status) (\(mode))")
            for state in next where seen.insert(state).inserted { frontier.append(state) }
        }
        #expect(seen == Set(FulfilmentStatus.allCases.filter { $0.isReachable(mode: mode) }))
    }

    @Test func walksTheHappyPaths() throws {
        var delivery = FulfilmentStatus.initial
        for next: FulfilmentStatus in [.accepted, .inPreparation, .ready, .outForDelivery, .delivered] {
            delivery = try delivery.transition(to: next, mode: .delivery)
        }
        #expect(delivery == .delivered)
        var pickup = FulfilmentStatus.initial
        for next: FulfilmentStatus in [.accepted, .inPreparation, .ready, .collected] {
            pickup = try pickup.transition(to: next, mode: .pickup)
        }
        #expect(pickup == .collected)
        #expect(try JSONEncoder().encode([FulfilmentStatus.inPreparation]) == Data(#"["in_preparation"]"#.utf8))
    }
}
