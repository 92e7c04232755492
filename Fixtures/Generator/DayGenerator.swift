import Domain
import Foundation
import Postgres

/// Generates one shop's business day: the opening count the first time, the morning's supplier
/// deliveries, the orders of each service (with their lines, events, payments and stock
/// consumption), the day's waste and, once a week, the stock count after closing.
///
/// Its random numbers come from a generator seeded with (seed, shop code, date) only, so a day's
/// content does not depend on which other days or shops are generated in the same run.
struct DayGenerator {
    let catalogue: Catalogue
    let seed: UInt64
    /// Per ingredient, the consumption of the order line being written, in ten-millionths.
    var scratch: [Int64]
    var touched: [Int] = []
    /// Where and from which day deliveries are filed as e-invoices instead of posted (nil: never).
    let filing: Filing?
    /// Supplier documents filed so far.
    var filedDocuments = 0

    /// Deliveries of `firstDay` (days since 1970) and later go to `directory` as files.
    struct Filing {
        /// Supplier deliveries (nil: posted as rows).
        var directory: String?
        var firstDay: Int
        /// The closing count of `countDay` goes to `countDirectory` as a count sheet.
        var countDirectory: String?
        var countDay: Int?
    }

    init(catalogue: Catalogue, seed: UInt64, filing: Filing? = nil) {
        self.catalogue = catalogue
        self.seed = seed
        self.filing = filing
        scratch = Array(repeating: 0, count: catalogue.ingredients.count)
    }

    /// The products a shop sells on a day, priced, with their recipe in force, and the weights the
    /// generator draws them with.
    struct Menu {
        struct Item {
            var product: Int
            var price: Int64
            var recipe: Catalogue.Recipe
            /// Modifiers that make sense on it (extras, and "without" an ingredient it has).
            var modifiers: [Int]
        }
        var pizzas: [Item] = []
        var drinks: [Item] = []
        var desserts: [Item] = []
        var pizzaWeights: [Double] = []
        var lunchDrinkWeights: [Double] = []
        var dinnerDrinkWeights: [Double] = []
        var dessertWeights: [Double] = []
    }

    /// Everything about the day that the parts share.
    struct Day {
        var shop: ShopContext
        var day: Int
        var weekday: Int
        /// The instant the business day starts (its cutoff), in seconds since 1970.
        var start: Int64
        var menu: Menu

        /// The instant of local wall-clock time `seconds` after midnight on the business date
        /// (beyond 86 400 for the small hours). Exact for every time before the next day's cutoff
        /// and before 02:00 the next night, when a daylight-saving change can happen.
        func at(_ seconds: Int) -> Int64 { start + Int64(seconds - shop.cutoffSeconds) }
    }

    mutating func generate(
        shop: ShopContext, day: Int, state: inout ShopState, batch: inout Batch, ids: inout IdBlocks,
        session: PostgresSession
    ) throws {
        var random = SplitMix64(seed: seed, StableHash.fnv1a(shop.code), UInt64(bitPattern: Int64(day)))
        let (year, month, dayOfMonth) = Days.civil(day)
        let date = try LocalDate(year: year, month: month, day: dayOfMonth)
        let start = Int64(shop.calendar.start(of: date).timeIntervalSince1970)
        let context = Day(
            shop: shop, day: day, weekday: Days.weekday(day), start: start, menu: menu(shop: shop, day: day))
        if !state.hasOpening {
            try openingCount(context, state: &state, batch: &batch, ids: &ids, session: session, random: &random)
        }
        try deliveries(context, state: &state, batch: &batch, ids: &ids, session: session, random: &random)
        let times = orderTimes(context, random: &random)
        var lower = 0
        var upper = 0
        for (position, time) in times.enumerated() {
            // Orders within a quarter of an hour either side: the kitchen's queue.
            while times[lower] < time - 900 { lower += 1 }
            while upper < times.count && times[upper] <= time + 900 { upper += 1 }
            try order(
                context, sequence: position + 1, time: time, load: upper - lower, state: &state, batch: &batch,
                ids: &ids, session: session, random: &random)
        }
        try waste(context, state: &state, batch: &batch, ids: &ids, session: session, random: &random)
        if let directory = filing?.countDirectory, context.day == filing?.countDay {
            try fileClosingCount(context, state: state, directory: directory, random: &random)
        } else if context.weekday == countWeekday(shop) {
            try weeklyCount(context, state: &state, batch: &batch, ids: &ids, session: session, random: &random)
        }
        batch.shopDays += 1
    }

    /// The local times (seconds after midnight) of the day's orders, sorted: a busy lunch around
    /// 12:45 and a longer dinner peak around 20:15 (20:35 on Friday and Saturday), more orders at
    /// the end of the week, fewer in a shop's first three months.
    func orderTimes(_ context: Day, random: inout SplitMix64) -> [Int] {
        let weekday = context.weekday
        let age = context.day - context.shop.openedOn
        let rampUp = age < 90 ? 0.55 + 0.45 * Double(age) / 90 : 1
        let expectedDay =
            Double(context.shop.ordersPerDay) * DemandModel.weekdayFactor[weekday - 1] * rampUp
            * max(0.6, 1 + 0.07 * random.normal())
        let lunchShare = DemandModel.lunchShare[weekday - 1]
        let weekend = weekday == 5 || weekday == 6
        var times: [Int] = []
        for window in context.shop.windows[weekday - 1] {
            let expected = expectedDay * (window.isLunch ? lunchShare : 1 - lunchShare)
            let count = max(0, Int((expected + random.normal() * expected.squareRoot()).rounded()))
            let peak = window.isLunch ? 12 * 3600 + 45 * 60 : (weekend ? 20 * 3600 + 35 * 60 : 20 * 3600 + 15 * 60)
            let spread = window.isLunch ? 38 * 60 : (weekend ? 65 * 60 : 55 * 60)
            let last = window.close - 5 * 60
            for _ in 0..<count {
                var time = -1
                for _ in 0..<8 {
                    let candidate = peak + Int(Double(spread) * random.normal())
                    if candidate >= window.open && candidate < last {
                        time = candidate
                        break
                    }
                }
                times.append(time >= 0 ? time : random.between(window.open, last - 1))
            }
        }
        return times.sorted()
    }

    /// Counts happen after closing on Sunday, or on the last open day before it.
    func countWeekday(_ shop: ShopContext) -> Int {
        (1...7).reversed().first { shop.isOpen(weekday: $0) } ?? 7
    }

    /// The day's menu: products on the shop's menu with a price and a recipe in force.
    func menu(shop: ShopContext, day: Int) -> Menu {
        var menu = Menu()
        for index in shop.menu {
            let product = catalogue.products[index]
            guard let price = product.price(shop: shop.id, on: day), let recipe = product.recipe(on: day) else {
                continue
            }
            var item = Menu.Item(product: index, price: price, recipe: recipe, modifiers: [])
            switch product.kind {
            case "pizza":
                let ingredients = Set(recipe.lines.map(\.ingredient))
                item.modifiers = catalogue.modifiers.indices.filter { index in
                    let modifier = catalogue.modifiers[index]
                    guard modifier.product == nil || modifier.product == product.id else { return false }
                    return modifier.kind == "extra" || modifier.deltas.contains { ingredients.contains($0.ingredient) }
                }
                menu.pizzas.append(item)
                menu.pizzaWeights.append(product.popularity)
            case "drink":
                let alcohol = product.vat == .standard
                let coffee = product.sku == "DRK-CAFE"
                menu.drinks.append(item)
                menu.lunchDrinkWeights.append(product.popularity * (alcohol ? 0.3 : coffee ? 3 : 1))
                menu.dinnerDrinkWeights.append(product.popularity * (coffee ? 0.5 : 1))
            default:
                menu.desserts.append(item)
                menu.dessertWeights.append(product.popularity)
            }
        }
        menu.pizzaWeights = menu.pizzaWeights.cumulative
        menu.lunchDrinkWeights = menu.lunchDrinkWeights.cumulative
        menu.dinnerDrinkWeights = menu.dinnerDrinkWeights.cumulative
        menu.dessertWeights = menu.dessertWeights.cumulative
        return menu
    }

    /// Adds `quantity` portions of a recipe (and modifier deltas) to the scratch consumption.
    mutating func consume(_ recipe: Catalogue.Recipe, quantity: Int64, modifiers: [Int] = []) {
        for line in recipe.lines {
            if scratch[line.ingredient] == 0 { touched.append(line.ingredient) }
            scratch[line.ingredient] += line.amount * quantity
        }
        for modifier in modifiers {
            for delta in catalogue.modifiers[modifier].deltas {
                if scratch[delta.ingredient] == 0 { touched.append(delta.ingredient) }
                scratch[delta.ingredient] += delta.milli * 10_000 * quantity
            }
        }
    }

    /// Empties the scratch consumption: (ingredient, thousandths rounded half-up) with a positive
    /// quantity, in ingredient order.
    mutating func drainConsumption() -> [(ingredient: Int, milli: Int64)] {
        var result: [(ingredient: Int, milli: Int64)] = []
        for ingredient in touched.sorted() {
            let amount = scratch[ingredient]
            scratch[ingredient] = 0
            let milli = (amount + 5_000) / 10_000
            if amount > 0 && milli > 0 { result.append((ingredient, milli)) }
        }
        touched.removeAll(keepingCapacity: true)
        return result
    }
}
