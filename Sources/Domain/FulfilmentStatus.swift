/// How an order reaches the customer. Raw values are the database strings.
public enum FulfilmentMode: String, CaseIterable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// A driver takes the order to the customer's address.
    case delivery
    /// The customer collects the order at the counter.
    case pickup

    public var description: String { rawValue }
}

/// Where an order is in the kitchen and on the road: the fulfilment state machine.
///
/// Fulfilment and payment are two orthogonal machines (domain.md §1.5): mixing them in one status
/// is the common mistake. The graph, which depends on the order's ``FulfilmentMode``:
///
/// ```
/// placed → accepted → in_preparation → ready → out_for_delivery → delivered   (delivery)
///                                      ready → collected                      (pickup)
/// placed → cancelled, accepted → cancelled                                    (both)
/// ```
///
/// `delivered`, `collected` and `cancelled` are terminal. An order can be cancelled or modified
/// only before `in_preparation`: once the dough is stretched, cancelling is waste, which this
/// machine does not allow. Staying in the same state is not a transition. Raw values are the
/// strings stored in the database and in the order-event log.
public enum FulfilmentStatus: String, CaseIterable, Hashable, Sendable, Codable, CustomStringConvertible {
    case placed
    case accepted
    case inPreparation = "in_preparation"
    case ready
    case outForDelivery = "out_for_delivery"
    case delivered
    case collected
    case cancelled

    /// The state every new order starts in.
    public static let initial = FulfilmentStatus.placed

    public var description: String { rawValue }

    /// The states an order in this state may move to next, for an order fulfilled by `mode`.
    public func allowedTransitions(mode: FulfilmentMode) -> Set<FulfilmentStatus> {
        switch (self, mode) {
        case (.placed, _): [.accepted, .cancelled]
        case (.accepted, _): [.inPreparation, .cancelled]
        case (.inPreparation, _): [.ready]
        case (.ready, .delivery): [.outForDelivery]
        case (.ready, .pickup): [.collected]
        case (.outForDelivery, .delivery): [.delivered]
        // out_for_delivery never happens to a pickup order; the terminal states go nowhere.
        case (.outForDelivery, .pickup), (.delivered, _), (.collected, _), (.cancelled, _): []
        }
    }

    /// Whether an order fulfilled by `mode` may move from this state to `next`.
    public func canTransition(to next: FulfilmentStatus, mode: FulfilmentMode) -> Bool {
        allowedTransitions(mode: mode).contains(next)
    }

    /// The state after moving to `next`, when the machine allows it.
    ///
    /// - Throws: ``DomainError/Code/invalidTransition`` with `machine`, `from`, `to` and `mode`
    ///   in its context.
    public func transition(to next: FulfilmentStatus, mode: FulfilmentMode) throws(DomainError) -> FulfilmentStatus {
        guard canTransition(to: next, mode: mode) else {
            throw DomainError(
                .invalidTransition, "fulfilment cannot go from \(self) to \(next) for a \(mode) order",
                context: ["machine": "fulfilment", "from": rawValue, "to": next.rawValue, "mode": mode.rawValue])
        }
        return next
    }

    /// Whether the order is finished on the fulfilment side: delivered, collected or cancelled.
    public var isTerminal: Bool {
        switch self {
        case .delivered, .collected, .cancelled: true
        case .placed, .accepted, .inPreparation, .ready, .outForDelivery: false
        }
    }

    /// Whether the order can still be cancelled: only before `in_preparation`.
    public var canBeCancelled: Bool { self == .placed || self == .accepted }

    /// Whether the order's lines can still be modified: only before `in_preparation`.
    public var canBeModified: Bool { self == .placed || self == .accepted }

    /// Whether an order fulfilled by `mode` can ever be in this state (`collected` is never
    /// reached by a delivery order, `out_for_delivery` and `delivered` never by a pickup order).
    public func isReachable(mode: FulfilmentMode) -> Bool {
        switch (self, mode) {
        case (.outForDelivery, .pickup), (.delivered, .pickup), (.collected, .delivery): false
        default: true
        }
    }
}
