import Postgres

extension DayGenerator {
    /// Ranges (base units) thrown away when a perishable of a category passes its date.
    static let expiredRange: [String: ClosedRange<Int>] = [
        "herb_spice": 10...40, "vegetable": 100...400, "cheese": 150...600, "meat": 100...300, "fish": 80...250,
        "sauce": 200...600, "egg": 2...6, "dessert": 1...2,
    ]

    /// The day's waste log, 2 to 4 entries: a perishable past its date most mornings, over-proofed
    /// dough balls at closing, a pizza burnt, dropped or made again during service, the staff
    /// meal. Each entry posts `waste` movements: the ingredient itself, or the recipe in force of
    /// the wasted pizzas (quantity × (1 + waste %)), as a sale would.
    mutating func waste(
        _ context: Day, state: inout ShopState, batch: inout Batch, ids: inout IdBlocks, session: PostgresSession,
        random: inout SplitMix64
    ) throws {
        let shop = context.shop
        let windows = shop.windows[context.weekday - 1]
        guard let firstOpen = windows.map(\.open).min(), let lastClose = windows.map(\.close).max() else { return }
        if random.chance(0.6) {
            let perishable = shop.policy.filter {
                catalogue.ingredients[$0.ingredient].perishable
                    && Self.expiredRange[catalogue.ingredients[$0.ingredient].category] != nil
            }
            for _ in 0..<random.between(1, 2) where !perishable.isEmpty {
                let ingredient = random.element(perishable).ingredient
                guard let range = Self.expiredRange[catalogue.ingredients[ingredient].category] else { continue }
                let wanted = Int64(random.between(range.lowerBound, range.upperBound)) * 1_000
                let quantity = countable(ingredient, min(wanted, state.physical[ingredient] * 3 / 10))
                guard quantity > 0 else { continue }
                try log(
                    context, ingredient: ingredient, quantity: quantity, reason: "expired",
                    note: "Date limite dépassée",
                    at: context.at(firstOpen - 1_800), role: "stock_keeper", state: &state, batch: &batch, ids: &ids,
                    session: session, random: &random)
            }
        }
        if random.chance(0.45),
            let dough = catalogue.ingredients.firstIndex(where: { $0.sku == "PATON-250" }),
            shop.policy.contains(where: { $0.ingredient == dough })
        {
            let quantity = min(Int64(random.between(1, 4)) * 250_000, state.physical[dough] / 250_000 * 250_000)
            if quantity > 0 {
                try log(
                    context, ingredient: dough, quantity: quantity, reason: "expired",
                    note: "Pâtons trop levés en fin de service", at: context.at(lastClose + 600), role: "pizzaiolo",
                    state: &state, batch: &batch, ids: &ids, session: session, random: &random)
            }
        }
        let incidents: [(reason: String, chance: Double, note: String)] = [
            ("burnt", 0.25, "Pizza brûlée au four"), ("dropped", 0.12, "Pizza tombée au sol"),
            ("remake", 0.30, "Refaite : erreur de garniture"),
        ]
        for incident in incidents where random.chance(incident.chance) && !context.menu.pizzas.isEmpty {
            let window = random.element(windows)
            try log(
                context, product: context.menu.pizzas[random.pick(cumulative: context.menu.pizzaWeights)], portions: 1,
                reason: incident.reason, note: incident.note,
                at: context.at(random.between(window.open, window.close - 1)),
                state: &state, batch: &batch, ids: &ids, session: session, random: &random)
        }
        if random.chance(0.65) && !context.menu.pizzas.isEmpty {
            let meal = windows.count > 1 ? (windows[0].close + 1_200) : (firstOpen - 2_400)
            try log(
                context, product: context.menu.pizzas[random.pick(cumulative: context.menu.pizzaWeights)],
                portions: Int64(random.between(1, 3)), reason: "staff_meal", note: "Repas du personnel",
                at: context.at(meal),
                state: &state, batch: &batch, ids: &ids, session: session, random: &random)
        }
    }

    /// An ingredient thrown away.
    private mutating func log(
        _ context: Day, ingredient: Int, quantity: Int64, reason: String, note: String, at: Int64, role: String,
        state: inout ShopState, batch: inout Batch, ids: inout IdBlocks, session: PostgresSession,
        random: inout SplitMix64
    ) throws {
        let id = try row(
            context, ingredient: catalogue.ingredients[ingredient].id, product: nil, recipe: nil, quantity: quantity,
            reason: reason, note: note, at: at, employee: context.shop.employee(role, on: context.day, &random),
            batch: &batch, ids: &ids, session: session)
        try move(
            context.shop, ingredient, "waste", -quantity, at: at, day: context.day, source: "waste_log", id,
            state: &state, batch: &batch, ids: &ids, session: session)
    }

    /// Pizzas thrown away (or eaten by the staff), exploded through their recipe in force.
    private mutating func log(
        _ context: Day, product item: Menu.Item, portions: Int64, reason: String, note: String, at: Int64,
        state: inout ShopState, batch: inout Batch, ids: inout IdBlocks, session: PostgresSession,
        random: inout SplitMix64
    ) throws {
        let id = try row(
            context, ingredient: nil, product: catalogue.products[item.product].id, recipe: item.recipe.id,
            quantity: portions * 1_000, reason: reason, note: note, at: at,
            employee: context.shop.employee("pizzaiolo", on: context.day, &random), batch: &batch, ids: &ids,
            session: session)
        consume(item.recipe, quantity: portions)
        for (ingredient, milli) in drainConsumption() {
            try move(
                context.shop, ingredient, "waste", -milli, at: at, day: context.day, source: "waste_log", id,
                state: &state, batch: &batch, ids: &ids, session: session)
        }
    }

    private func row(
        _ context: Day, ingredient: Int64?, product: Int64?, recipe: Int64?, quantity: Int64, reason: String,
        note: String, at: Int64, employee: Int64?, batch: inout Batch, ids: inout IdBlocks, session: PostgresSession
    ) throws -> Int64 {
        let id = try ids.waste.take(session)
        batch.wastes.int(id)
        batch.wastes.int(context.shop.id)
        batch.wastes.int(ingredient)
        batch.wastes.int(product)
        batch.wastes.int(recipe)
        batch.wastes.milli(quantity)
        batch.wastes.plain(reason)
        batch.wastes.instant(at)
        batch.wastes.date(context.day)
        batch.wastes.int(employee)
        batch.wastes.text(note)
        batch.wastes.instant(at)
        batch.wastes.endRow()
        return id
    }
}
