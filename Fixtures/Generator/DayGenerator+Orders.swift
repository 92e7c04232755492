import Domain
import Postgres

extension DayGenerator {
    /// One line of an order before it is written: a product, its modifiers and how many.
    struct Line {
        var item: Menu.Item
        var modifiers: [Int]
        var quantity: Int
        var modifiersPrice: Int64
        var total: Int64 { Int64(quantity) * (item.price + modifiersPrice) }
    }

    /// How an order is taken, fulfilled and paid.
    struct Terms {
        var channel: OrderChannel
        var mode: FulfilmentMode
        var method: PaymentMethod
    }

    /// Channel, fulfilment mode and payment method: counter orders are collected; web and phone
    /// orders are mostly delivered; each method only where ``PaymentMethod/isAvailable(channel:mode:)``
    /// allows it (online methods on the website, on-delivery methods for deliveries, counter
    /// methods for pickups).
    func terms(lunch: Bool, random: inout SplitMix64) -> Terms {
        let channel = OrderChannel.allCases[
            random.pick(cumulative: (lunch ? DemandModel.lunchChannels : DemandModel.dinnerChannels).cumulative)]
        let mode: FulfilmentMode =
            switch channel {
            case .web: random.chance(DemandModel.deliveryShare.web) ? .delivery : .pickup
            case .phone: random.chance(DemandModel.deliveryShare.phone) ? .delivery : .pickup
            case .counter: .pickup
            }
        let weights: [(PaymentMethod, Double)] =
            switch (channel, mode) {
            case (.web, .delivery): [(.onlineCard, 58), (.paypal, 14), (.cardOnDelivery, 17), (.cashOnDelivery, 11)]
            case (.web, .pickup): [(.onlineCard, 52), (.paypal, 13), (.counterCard, 25), (.counterCash, 10)]
            case (_, .delivery): [(.cardOnDelivery, 62), (.cashOnDelivery, 38)]
            case (_, .pickup): [(.counterCard, 72), (.counterCash, 28)]
            }
        let method = weights[random.pick(cumulative: weights.map(\.1).cumulative)].0
        precondition(
            method.isAvailable(channel: channel, mode: mode), "\(method) cannot pay a \(channel) \(mode) order")
        return Terms(channel: channel, mode: mode, method: method)
    }

    /// The order's lines: 1 to 6 pizzas (fewer at lunch), a drink with most pizzas, sometimes
    /// desserts; 14 % of pizzas with a modifier. Identical choices share a line.
    func lines(_ context: Day, lunch: Bool, random: inout SplitMix64) -> [Line] {
        let menu = context.menu
        var lines: [Line] = []
        func add(_ item: Menu.Item, modifiers: [Int]) {
            if let index = lines.firstIndex(where: { $0.item.product == item.product && $0.modifiers == modifiers }) {
                lines[index].quantity += 1
            } else {
                let price = modifiers.reduce(0) { $0 + catalogue.modifiers[$1].priceDelta }
                lines.append(Line(item: item, modifiers: modifiers, quantity: 1, modifiersPrice: price))
            }
        }
        guard !menu.pizzas.isEmpty else { return [] }
        let pizzas =
            random.pick(cumulative: lunch ? DemandModel.lunchPizzaCount : DemandModel.dinnerPizzaCount) + 1
        for _ in 0..<pizzas {
            let item = menu.pizzas[random.pick(cumulative: menu.pizzaWeights)]
            var modifiers: [Int] = []
            if !item.modifiers.isEmpty && random.chance(DemandModel.modifierPerPizza) {
                modifiers.append(random.element(item.modifiers))
                if random.chance(0.15) {
                    let second = random.element(item.modifiers)
                    if second != modifiers[0] { modifiers.append(second) }
                }
                modifiers.sort()
            }
            add(item, modifiers: modifiers)
        }
        let drinkChance = lunch ? DemandModel.drinkPerPizza.lunch : DemandModel.drinkPerPizza.dinner
        if !menu.drinks.isEmpty {
            for _ in 0..<pizzas where random.chance(drinkChance) {
                add(
                    menu.drinks[random.pick(cumulative: lunch ? menu.lunchDrinkWeights : menu.dinnerDrinkWeights)],
                    modifiers: [])
            }
        }
        if !menu.desserts.isEmpty && random.chance(DemandModel.dessertOrder) {
            for _ in 0..<(random.chance(DemandModel.secondDessert) ? 2 : 1) {
                add(menu.desserts[random.pick(cumulative: menu.dessertWeights)], modifiers: [])
            }
        }
        return lines
    }

    /// Generates and writes one order.
    mutating func order(
        _ context: Day, sequence: Int, time: Int, load: Int, state: inout ShopState, batch: inout Batch,
        ids: inout IdBlocks, session: PostgresSession, random: inout SplitMix64
    ) throws {
        let shop = context.shop
        let lunch = time < 16 * 3600
        let terms = terms(lunch: lunch, random: &random)
        let lines = lines(context, lunch: lunch, random: &random)
        guard !lines.isEmpty else { return }
        let anonymous = terms.channel == .counter && random.chance(0.75) || shop.customers.isEmpty
        // A few regulars place most orders: u² skews the draw towards the first customers.
        let customer: ShopContext.Customer? =
            anonymous
            ? nil
            : shop.customers[
                min(shop.customers.count - 1, Int(Double(shop.customers.count) * random.unit() * random.unit()))]
        let cancelRate =
            switch terms.channel {
            case .web: DemandModel.cancellation.web
            case .phone: DemandModel.cancellation.phone
            case .counter: DemandModel.cancellation.counter
            }
        let vat = try VATBreakdown(
            lines: lines.map { VATLine(amount: Money(cents: $0.total), rate: catalogue.products[$0.item.product].vat) },
            basis: .includingVAT)
        let order = OrderFacts(
            id: try ids.order.take(session), number: state.nextOrderNumber, terms: terms,
            customerID: customer?.id ?? shop.anonymousCustomer, customerPhone: customer?.phone,
            address: terms.mode == .delivery ? (customer?.address ?? shop.customers.first?.address) : nil,
            placed: context.at(time) + Int64(random.below(60)), cancelled: random.chance(cancelRate), vat: vat,
            bakeSeconds: lines.map(\.item.recipe.bakeSeconds).max() ?? 420, load: load,
            key: "demo:\(shop.code):\(Days.iso(context.day)):\(Self.padded(sequence, width: 4))")
        state.nextOrderNumber += 1
        batch.lastOrderNumbers[shop.id] = order.number
        try write(
            order, lines: lines, context, state: &state, batch: &batch, ids: &ids, session: session, random: &random)
    }

    static func padded(_ value: Int, width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// The facts of an order that its rows are written from.
    struct OrderFacts {
        var id: Int64
        var number: Int64
        var terms: Terms
        var customerID: Int64
        var customerPhone: String?
        var address: String?
        var placed: Int64
        var cancelled: Bool
        var vat: VATBreakdown
        var bakeSeconds: Int
        var load: Int
        var key: String
    }
}
