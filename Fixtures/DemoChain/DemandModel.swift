import Foundation

/// How much a shop sells and what an order contains: the history generator's model, also used by
/// the seed to size each shop's par levels, so that the generated stock stays plausible.
///
/// Figures are those of a Paris take-away pizzeria: two services, Friday and Saturday nights
/// the busiest, about 1.9 pizzas per order, a drink with most pizzas, a dessert in one order
/// out of five, 3 % of orders cancelled before preparation.
public enum DemandModel {
    /// Relative volume per ISO weekday, Monday first; the seven factors average 1.
    public static let weekdayFactor: [Double] = [0.78, 0.82, 0.90, 0.95, 1.30, 1.38, 0.87]

    /// The date par levels are sized for: "the latest recipe versions".
    public static let policyDate = "9999-12-31"

    /// Share of a day's orders taken at lunch, per ISO weekday (when both services are open).
    public static let lunchShare: [Double] = [0.34, 0.34, 0.34, 0.34, 0.28, 0.25, 0.30]

    /// Cumulative probabilities of 1, 2, 3... pizzas in an order, at lunch and at dinner.
    static let lunchPizzaCount: [Double] = [0.62, 0.87, 0.95, 1.0]
    static let dinnerPizzaCount: [Double] = [0.42, 0.75, 0.88, 0.96, 0.99, 1.0]

    /// Probability that a pizza comes with a drink, at lunch and at dinner.
    static let drinkPerPizza = (lunch: 0.72, dinner: 0.60)
    /// Probability that an order has desserts, and that it has two rather than one.
    static let dessertOrder = 0.22
    static let secondDessert = 0.30
    /// Probability that a pizza line carries a modifier (extra or without).
    static let modifierPerPizza = 0.14

    /// Channel mix (web, phone, counter) at lunch and at dinner.
    static let lunchChannels: [Double] = [0.42, 0.24, 0.34]
    static let dinnerChannels: [Double] = [0.55, 0.29, 0.16]
    /// Share of delivery among web and phone orders (counter orders are collected).
    static let deliveryShare = (web: 0.66, phone: 0.60)
    /// Cancellation rate per channel (before preparation).
    static let cancellation = (web: 0.040, phone: 0.035, counter: 0.008)

    /// Mean pizzas per order over a day (about 30 % of orders at lunch).
    static var meanPizzasPerOrder: Double {
        let lunch = mean(lunchPizzaCount)
        let dinner = mean(dinnerPizzaCount)
        return 0.3 * lunch + 0.7 * dinner
    }

    /// Mean of a count whose cumulative distribution over 1, 2, 3... is `cumulative`.
    static func mean(_ cumulative: [Double]) -> Double {
        var previous = 0.0
        var mean = 0.0
        for (index, probability) in cumulative.enumerated() {
            mean += Double(index + 1) * (probability - previous)
            previous = probability
        }
        return mean
    }

    /// Expected daily usage of each ingredient (by SKU, in base units) in a shop taking
    /// `ordersPerDay` orders on an average day and selling the products `onMenu`, from the
    /// recipes in force on `date` and the waste percentages.
    public static func expectedDailyUsage(
        _ data: DemoData, ordersPerDay: Int, onMenu: Set<String>, on date: String
    ) -> [String: Double] {
        let pizzas = Double(ordersPerDay) * meanPizzasPerOrder
        let perKind: [String: Double] = [
            "pizza": pizzas,
            "drink": pizzas * (0.3 * drinkPerPizza.lunch + 0.7 * drinkPerPizza.dinner),
            "dessert": Double(ordersPerDay) * dessertOrder * (1 + secondDessert),
        ]
        let sold = data.products.filter { onMenu.contains($0.sku) }
        var weightPerKind: [String: Int] = [:]
        for product in sold { weightPerKind[product.kind, default: 0] += product.popularity }
        var usage: [String: Double] = [:]
        for product in sold {
            guard let recipe = data.recipes.first(where: { $0.product == product.sku }),
                let version = recipe.versions.last(where: { $0.validFrom <= date }) ?? recipe.versions.first,
                let kindTotal = weightPerKind[product.kind], kindTotal > 0
            else { continue }
            let units = (perKind[product.kind] ?? 0) * Double(product.popularity) / Double(kindTotal)
            for line in version.lines {
                let quantity = Double(line.quantity) ?? 0
                let waste = Double(line.wastePct) ?? 0
                usage[line.ingredient, default: 0] += units * quantity * (1 + waste)
            }
        }
        // Modifiers: about one pizza in seven has one, spread over the nine or so that fit it.
        for modifier in data.modifiers {
            var uses = pizzas * modifierPerPizza * 1.15 / 9
            if let product = modifier.product {
                let share = sold.first { $0.sku == product }.map {
                    Double($0.popularity) / Double(weightPerKind["pizza"] ?? 1)
                }
                uses *= share ?? 0
            }
            for line in modifier.ingredients {
                let delta = Double(line.quantityDelta) ?? 0
                if delta > 0 { usage[line.ingredient, default: 0] += uses * delta }
            }
        }
        return usage
    }

    /// Par level and safety stock (base units, whole packs of the primary supplier item) of each
    /// ingredient for a shop: enough for the longest gap between two deliveries of its supplier
    /// and half a day, plus 20 % for the weekend peak, and one day of usage as safety stock.
    public static func stockPolicy(
        _ data: DemoData, ordersPerDay: Int, onMenu: Set<String>, on date: String
    ) -> [(sku: String, parLevel: Int, safetyStock: Int)] {
        let usage = expectedDailyUsage(data, ordersPerDay: ordersPerDay, onMenu: onMenu, on: date)
        var policy: [(sku: String, parLevel: Int, safetyStock: Int)] = []
        for ingredient in data.ingredients {
            guard let (supplier, item) = primaryItem(data, ingredient: ingredient.sku) else { continue }
            let pack = Double(item.packSize) ?? 1
            let daily = usage[ingredient.sku] ?? 0
            let cover = Double(longestGap(supplier.deliveryWeekdays)) + 0.5
            // Plus three standard deviations of a Poisson demand: slow movers (a burrata a day) need it.
            let needed = daily * cover * 1.2 + 3 * (daily * cover).squareRoot()
            let packs = max(1, (needed / pack).rounded(.up))
            let par = Int(packs * pack)
            let safety = min(par, Int(daily.rounded(.up)))
            policy.append((ingredient.sku, par, safety))
        }
        return policy
    }

    /// The supplier and item the chain buys an ingredient from.
    public static func primaryItem(
        _ data: DemoData, ingredient sku: String
    ) -> (DemoData.Supplier, DemoData.SupplierItem)? {
        for supplier in data.suppliers {
            if let item = supplier.items.first(where: { $0.ingredient == sku && ($0.primary ?? true) }) {
                return (supplier, item)
            }
        }
        return nil
    }

    /// The longest number of days between two consecutive delivery weekdays (7 for weekly).
    static func longestGap(_ weekdays: [Int]) -> Int {
        let days = weekdays.sorted()
        guard let first = days.first else { return 7 }
        var longest = 0
        for (index, day) in days.enumerated() {
            let next = index + 1 < days.count ? days[index + 1] : first + 7
            longest = max(longest, next - day)
        }
        return longest
    }
}
