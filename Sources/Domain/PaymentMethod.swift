/// Where an order was taken. Raw values are the database strings.
public enum OrderChannel: String, CaseIterable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// The website (and apps), through the ordering endpoint.
    case web
    /// The phone desk, keyed in by an order taker.
    case phone
    /// The shop's counter till.
    case counter

    public var description: String { rawValue }
}

/// How the customer pays, which decides the payment flow. Raw values are the database strings.
public enum PaymentMethod: String, CaseIterable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// A card charged online through the card processor (Stripe).
    case onlineCard = "online_card"
    /// PayPal, online.
    case paypal
    /// A card terminal carried by the driver.
    case cardOnDelivery = "card_on_delivery"
    /// Cash handed to the driver.
    case cashOnDelivery = "cash_on_delivery"
    /// A card terminal at the shop's counter.
    case counterCard = "counter_card"
    /// Cash at the shop's counter.
    case counterCash = "counter_cash"

    public var description: String { rawValue }

    /// The payment state machine's path for this method: processors for online card and PayPal,
    /// collection and deposit for everything paid to a driver or a cashier.
    public var path: PaymentPath {
        switch self {
        case .onlineCard, .paypal: .online
        case .cardOnDelivery, .cashOnDelivery, .counterCard, .counterCash: .inPerson
        }
    }

    /// Whether the money is cash, counted at the shift's cash-up rather than settled by a bank.
    public var isCash: Bool { self == .cashOnDelivery || self == .counterCash }

    /// Whether this method can pay an order taken on `channel` and fulfilled by `mode`.
    ///
    /// Online methods need the website (the phone desk and the till take no card numbers);
    /// on-delivery methods need a delivery; counter methods need the customer at the counter,
    /// that is a pickup order.
    public func isAvailable(channel: OrderChannel, mode: FulfilmentMode) -> Bool {
        switch self {
        case .onlineCard, .paypal: channel == .web
        case .cardOnDelivery, .cashOnDelivery: mode == .delivery
        case .counterCard, .counterCash: mode == .pickup
        }
    }
}
