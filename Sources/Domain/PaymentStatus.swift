/// Which of the two payment flows an order follows, decided by its ``PaymentMethod``.
public enum PaymentPath: String, CaseIterable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// Card or PayPal online: a processor authorises, captures, then pays out.
    case online
    /// Card or cash handed to the driver or the cashier, deposited at the shift's cash-up.
    case inPerson = "in_person"

    public var description: String { rawValue }
}

/// Where the money of an order is: the payment state machine, orthogonal to fulfilment.
///
/// The graph depends on the order's ``PaymentPath``:
///
/// ```
/// online:    unpaid → authorised → captured → settled
///                     authorised → voided                  (cancelled before capture)
///                                  captured → refunded | partially_refunded | disputed
///                                  disputed → captured     (dispute won)
///                                  disputed → refunded     (dispute lost)
///                        partially_refunded → partially_refunded   (a further partial refund)
///                        partially_refunded → refunded     (the rest refunded too)
///                        partially_refunded → settled      (the remainder paid out)
/// in person: unpaid → collected → deposited → settled
/// ```
///
/// `settled`, `voided` and `refunded` are terminal. Staying in the same state is not a transition,
/// except `partially_refunded → partially_refunded`: each further partial refund is an event of
/// its own in the order-event log. Raw values are the strings stored in the database and in the
/// order-event log.
public enum PaymentStatus: String, CaseIterable, Hashable, Sendable, Codable, CustomStringConvertible {
    case unpaid
    case authorised
    case captured
    case settled
    case collected
    case deposited
    case voided
    case refunded
    case partiallyRefunded = "partially_refunded"
    case disputed

    /// The state every new order starts in.
    public static let initial = PaymentStatus.unpaid

    public var description: String { rawValue }

    /// The states a payment in this state may move to next on `path`.
    public func allowedTransitions(path: PaymentPath) -> Set<PaymentStatus> {
        switch (self, path) {
        case (.unpaid, .online): [.authorised]
        case (.authorised, .online): [.captured, .voided]
        case (.captured, .online): [.settled, .refunded, .partiallyRefunded, .disputed]
        // A chargeback can come after the payout; a won dispute returns to where the money was.
        case (.settled, .online): [.refunded, .partiallyRefunded, .disputed]
        case (.disputed, .online): [.captured, .settled, .refunded]
        case (.partiallyRefunded, .online): [.partiallyRefunded, .refunded, .settled, .disputed]
        case (.unpaid, .inPerson): [.collected]
        // Cash and card-on-delivery refunds happen before or after the shift's deposit.
        case (.collected, .inPerson): [.deposited, .refunded, .partiallyRefunded]
        case (.deposited, .inPerson): [.settled, .refunded, .partiallyRefunded]
        case (.settled, .inPerson): [.refunded, .partiallyRefunded]
        case (.partiallyRefunded, .inPerson): [.partiallyRefunded, .refunded, .settled]
        case (.voided, _), (.refunded, _): []
        // States of the other path are never reached, so they lead nowhere.
        case (.authorised, .inPerson), (.captured, .inPerson), (.disputed, .inPerson), (.collected, .online),
            (.deposited, .online):
            []
        }
    }

    /// The states a payment in this state may move to next when paid by `method`.
    public func allowedTransitions(method: PaymentMethod) -> Set<PaymentStatus> {
        allowedTransitions(path: method.path)
    }

    /// Whether a payment on `path` may move from this state to `next`.
    public func canTransition(to next: PaymentStatus, path: PaymentPath) -> Bool {
        allowedTransitions(path: path).contains(next)
    }

    /// Whether a payment by `method` may move from this state to `next`.
    public func canTransition(to next: PaymentStatus, method: PaymentMethod) -> Bool {
        canTransition(to: next, path: method.path)
    }

    /// The state after moving to `next`, when the machine allows it on `path`.
    ///
    /// - Throws: ``DomainError/Code/invalidTransition`` with `machine`, `from`, `to` and `path`
    ///   in its context.
    public func transition(to next: PaymentStatus, path: PaymentPath) throws(DomainError) -> PaymentStatus {
        guard canTransition(to: next, path: path) else {
            throw DomainError(
                .invalidTransition, "payment cannot go from \(self) to \(next) on the \(path) path",
                context: ["machine": "payment", "from": rawValue, "to": next.rawValue, "path": path.rawValue])
        }
        return next
    }

    /// The state after moving to `next`, when the machine allows it for `method`.
    ///
    /// - Throws: ``DomainError/Code/invalidTransition``.
    public func transition(to next: PaymentStatus, method: PaymentMethod) throws(DomainError) -> PaymentStatus {
        try transition(to: next, path: method.path)
    }

    /// Whether nothing can happen to the payment any more: voided or fully refunded. (A settled
    /// payment is done for the normal flow, see ``isSettled``, but can still be refunded or disputed.)
    public var isTerminal: Bool {
        switch self {
        case .voided, .refunded: true
        case .unpaid, .authorised, .captured, .collected, .deposited, .settled, .partiallyRefunded, .disputed: false
        }
    }

    /// Whether the money reached the bank: the end of the normal flow.
    public var isSettled: Bool { self == .settled }

    /// Whether the shop holds the customer's money (or the processor holds it for the shop):
    /// captured or collected, and the later states of those flows. With a terminal fulfilment
    /// status this makes the order closed (domain.md §1.5).
    public var isPaid: Bool {
        switch self {
        case .captured, .collected, .deposited, .settled, .partiallyRefunded: true
        case .unpaid, .authorised, .voided, .refunded, .disputed: false
        }
    }

    /// Whether a payment on `path` can ever be in this state.
    public func isReachable(path: PaymentPath) -> Bool {
        switch self {
        case .unpaid, .settled, .refunded, .partiallyRefunded: true
        case .authorised, .captured, .voided, .disputed: path == .online
        case .collected, .deposited: path == .inPerson
        }
    }
}
