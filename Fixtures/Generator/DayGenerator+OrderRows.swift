import Domain
import Postgres

extension DayGenerator {
    static let cancelReasons: [OrderChannel: [String]] = [
        .web: [
            "Client injoignable pour confirmer l'adresse", "Adresse hors zone de livraison",
            "Rupture de stock sur un produit de la commande",
        ],
        .phone: [
            "Le client a rappelé pour annuler", "Délai d'attente trop long pour le client",
            "Adresse hors zone de livraison", "Commande passée en double",
        ],
        .counter: ["Le client est parti avant la préparation", "Rupture de stock sur un produit de la commande"],
    ]

    /// Writes an order: its events along both state machines, its payments, the order row, its
    /// lines and modifiers and, unless cancelled, the stock its lines consume.
    ///
    /// Fulfilment: placed → accepted → in_preparation → ready → out_for_delivery → delivered, or
    /// → collected; a cancellation comes from placed or accepted, with a reason. Payment online:
    /// unpaid → authorised at once → captured when preparation starts (voided if cancelled);
    /// in person: unpaid → collected by the driver at the door or the cashier (at the till for
    /// walk-in orders, at collection otherwise). Settlement and deposits are later jobs' work.
    mutating func write(
        _ order: OrderFacts, lines: [Line], _ context: Day, state: inout ShopState, batch: inout Batch,
        ids: inout IdBlocks, session: PostgresSession, random: inout SplitMix64
    ) throws {
        let shop = context.shop
        let day = context.day
        let terms = order.terms
        let placed = order.placed
        var last = placed
        func event(
            _ kind: String, _ from: String?, _ to: String, _ at: Int64, _ employee: Int64?, _ actor: String,
            reason: String? = nil
        ) throws {
            if kind == "fulfilment", let from, let old = FulfilmentStatus(rawValue: from),
                let new = FulfilmentStatus(rawValue: to)
            {
                assert(old.canTransition(to: new, mode: terms.mode), "fulfilment \(from) -> \(to)")
            } else if let from, let old = PaymentStatus(rawValue: from), let new = PaymentStatus(rawValue: to) {
                assert(old.canTransition(to: new, method: terms.method), "payment \(from) -> \(to)")
            }
            batch.events.int(try ids.event.take(session))
            batch.events.int(order.id)
            batch.events.int(shop.id)
            batch.events.plain(kind)
            if let from { batch.events.plain(from) } else { batch.events.null() }
            batch.events.plain(to)
            batch.events.instant(at)
            batch.events.date(day)
            batch.events.int(employee)
            batch.events.plain(actor)
            batch.events.text(reason)
            batch.events.endRow()
            last = max(last, at)
        }
        func payment(
            _ id: Int64, parent: Int64?, _ status: String, _ reference: String?, _ at: Int64, _ employee: Int64?
        ) {
            let processor: String? = terms.method == .onlineCard ? "stripe" : terms.method == .paypal ? "paypal" : nil
            batch.payments.int(id)
            batch.payments.int(shop.id)
            batch.payments.int(order.id)
            batch.payments.int(parent)
            batch.payments.plain(terms.method.rawValue)
            batch.payments.plain(status)
            batch.payments.int(order.vat.ttc.cents)
            batch.payments.text(processor)
            batch.payments.text(reference)
            batch.payments.instant(at)
            batch.payments.date(day)
            batch.payments.int(employee)
            batch.payments.instant(at)
            batch.payments.endRow()
        }

        let takenBy = terms.channel == .web ? nil : shop.employee("order_taker", on: day, &random)
        let taker = terms.channel.rawValue
        try event("fulfilment", nil, "placed", placed, takenBy, taker)
        try event("payment", nil, "unpaid", placed, takenBy, taker)
        let online = terms.method.path == .online
        let processor = terms.method == .onlineCard ? "stripe" : "paypal"
        var authorisation: (id: Int64, reference: String)?
        if online {
            let at = placed + Int64(random.between(3, 30))
            let reference = terms.method == .onlineCard ? "pi_" + token(24, &random) : token(17, &random, upper: true)
            let id = try ids.payment.take(session)
            payment(id, parent: nil, "authorised", reference, at, nil)
            try event("payment", "unpaid", "authorised", at, nil, processor)
            authorisation = (id, reference)
        }
        let cashier = shop.employee("order_taker", on: day, &random)
        let desk = terms.channel == .phone ? "phone" : "counter"
        let accepted = placed + Int64(terms.channel == .web ? random.between(30, 240) : random.between(0, 25))
        var fulfilment = FulfilmentStatus.placed
        var paid = PaymentStatus.unpaid
        if order.cancelled {
            var at = placed + Int64(random.between(60, 420))
            if terms.channel == .web && random.chance(0.5) {
                try event(
                    "fulfilment", "placed", "cancelled", at, nil, "web", reason: "Annulée par le client sur le site")
            } else {
                try event("fulfilment", "placed", "accepted", accepted, cashier, desk)
                at = accepted + Int64(random.between(120, 900))
                let reason = random.element(Self.cancelReasons[terms.channel] ?? ["Annulée"])
                try event("fulfilment", "accepted", "cancelled", at, cashier, desk, reason: reason)
            }
            if let authorisation {
                let voided = at + Int64(random.between(5, 40))
                payment(
                    try ids.payment.take(session), parent: authorisation.id, "voided", authorisation.reference, voided,
                    nil)
                try event("payment", "authorised", "voided", voided, nil, processor)
                paid = .voided
            }
            fulfilment = .cancelled
        } else {
            try event("fulfilment", "placed", "accepted", accepted, cashier, desk)
            let pizzaiolo = shop.employee("pizzaiolo", on: day, &random)
            let preparing = accepted + Int64(60 + order.load * 20 + random.between(0, 180))
            try event("fulfilment", "accepted", "in_preparation", preparing, pizzaiolo, "kitchen")
            if let authorisation {
                let captured = preparing + Int64(random.between(2, 15))
                let reference = terms.method == .paypal ? token(17, &random, upper: true) : authorisation.reference
                payment(try ids.payment.take(session), parent: authorisation.id, "captured", reference, captured, nil)
                try event("payment", "authorised", "captured", captured, nil, "system")
                paid = .captured
            }
            let ready = preparing + Int64(order.bakeSeconds + random.between(90, 300))
            try event("fulfilment", "in_preparation", "ready", ready, pizzaiolo, "kitchen")
            if terms.mode == .delivery {
                let driver = shop.employee("driver", on: day, &random)
                let out = ready + Int64(random.between(60, 600) + (order.load > 20 ? random.between(0, 300) : 0))
                let delivered = out + Int64(random.between(420, 1_500))
                try event("fulfilment", "ready", "out_for_delivery", out, driver, "driver app")
                try event("fulfilment", "out_for_delivery", "delivered", delivered, driver, "driver app")
                fulfilment = .delivered
                if !online {
                    let at = delivered + Int64(random.between(10, 60))
                    payment(try ids.payment.take(session), parent: nil, "collected", nil, at, driver)
                    try event("payment", "unpaid", "collected", at, driver, "driver app")
                    paid = .collected
                }
            } else {
                let collected =
                    ready + Int64(terms.channel == .counter ? random.between(30, 240) : random.between(120, 1_200))
                try event("fulfilment", "ready", "collected", collected, cashier, "counter")
                fulfilment = .collected
                if !online {
                    let at = terms.channel == .counter ? placed + Int64(random.between(20, 90)) : collected
                    payment(try ids.payment.take(session), parent: nil, "collected", nil, at, cashier)
                    try event("payment", "unpaid", "collected", at, cashier, "counter")
                    paid = .collected
                }
            }
        }

        let promised =
            placed + Int64(terms.mode == .delivery ? random.between(30, 45) * 60 : random.between(15, 25) * 60)
        let canonical =
            "\(shop.code)|\(terms.channel)|\(terms.mode)|\(terms.method)|\(order.customerPhone ?? "-")|"
            + lines.map { line in
                let product = catalogue.products[line.item.product].sku
                let modifiers = line.modifiers.map { String(catalogue.modifiers[$0].id) }.joined(separator: ",")
                return "\(product)*\(line.quantity)[\(modifiers)]"
            }.joined(separator: ";")
        batch.orders.int(order.id)
        batch.orders.int(shop.id)
        batch.orders.int(order.number)
        batch.orders.int(order.customerID)
        batch.orders.plain(terms.channel.rawValue)
        batch.orders.plain(terms.mode.rawValue)
        batch.orders.text(order.address)
        batch.orders.plain(fulfilment.rawValue)
        batch.orders.plain(paid.rawValue)
        batch.orders.plain(terms.method.rawValue)
        batch.orders.instant(placed)
        batch.orders.instant(promised)
        batch.orders.date(day)
        batch.orders.text(order.key)
        batch.orders.plain(SHA256.hex(canonical))
        batch.orders.int(order.vat.ttc.cents)
        batch.orders.int(order.vat.ht.cents)
        batch.orders.int(order.vat.vat.cents)
        batch.orders.int(takenBy)
        batch.orders.text(random.chance(0.06) ? random.element(Names.orderNotes) : nil)
        batch.orders.instant(last)
        batch.orders.endRow()

        for (index, line) in lines.enumerated() {
            let lineID = try ids.line.take(session)
            let product = catalogue.products[line.item.product]
            batch.lines.int(lineID)
            batch.lines.int(order.id)
            batch.lines.int(shop.id)
            batch.lines.int(index + 1)
            batch.lines.int(product.id)
            batch.lines.int(line.item.recipe.id)
            batch.lines.int(line.quantity)
            batch.lines.int(line.item.price)
            batch.lines.int(line.modifiersPrice)
            batch.lines.plain(product.vatText)
            batch.lines.int(line.total)
            batch.lines.endRow()
            for modifier in line.modifiers {
                batch.lineModifiers.int(lineID)
                batch.lineModifiers.int(catalogue.modifiers[modifier].id)
                batch.lineModifiers.int(1)
                batch.lineModifiers.int(catalogue.modifiers[modifier].priceDelta)
                batch.lineModifiers.endRow()
            }
            guard !order.cancelled else { continue }
            consume(line.item.recipe, quantity: Int64(line.quantity), modifiers: line.modifiers)
            for (ingredient, milli) in drainConsumption() {
                try move(
                    shop, ingredient, "sale_consumption", -milli, at: placed, day: day, source: "order_line", lineID,
                    state: &state, batch: &batch, ids: &ids, session: session)
            }
        }
    }

    /// A stock movement row, and its effect on the ledger and on the shelves (where real usage
    /// runs above theory by the ingredient's overuse; a count adjustment moves nothing).
    func move(
        _ shop: ShopContext, _ ingredient: Int, _ kind: String, _ milli: Int64, at: Int64, day: Int, source: String,
        _ sourceID: Int64, state: inout ShopState, batch: inout Batch, ids: inout IdBlocks, session: PostgresSession
    ) throws {
        batch.movements.int(try ids.movement.take(session))
        batch.movements.int(shop.id)
        batch.movements.int(catalogue.ingredients[ingredient].id)
        batch.movements.plain(kind)
        batch.movements.milli(milli)
        if let cost = catalogue.ingredients[ingredient].unitCost {
            batch.movements.plain(cost)
        } else {
            batch.movements.null()
        }
        batch.movements.instant(at)
        batch.movements.date(day)
        batch.movements.plain(source)
        batch.movements.int(sourceID)
        batch.movements.instant(at)
        batch.movements.endRow()
        state.ledger[ingredient] += milli
        switch kind {
        case "count_adjustment":
            break  // the books catch up with the shelves; nothing moves
        case "sale_consumption":
            let real = milli + milli * catalogue.ingredients[ingredient].overuseBasisPoints / 10_000
            state.physical[ingredient] = max(0, state.physical[ingredient] + real)
        default:
            state.physical[ingredient] = max(0, state.physical[ingredient] + milli)
        }
    }

    /// Random letters and digits, for processor references (Stripe pi_..., PayPal ids).
    func token(_ length: Int, _ random: inout SplitMix64, upper: Bool = false) -> String {
        let alphabet = Array(
            upper
                ? "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<length).map { _ in alphabet[random.below(alphabet.count)] })
    }
}
