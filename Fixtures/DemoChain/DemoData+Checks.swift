import Domain
import Foundation

/// Check digits of the identifiers the demo data carries.
public enum Identifiers {
    /// Whether `gtin` is a GTIN-8, -12, -13 or -14 with a correct GS1 check digit: weights 3 and 1
    /// alternate from the digit left of the check digit, and the check digit brings the sum to a
    /// multiple of 10.
    public static func isValidGTIN(_ gtin: String) -> Bool {
        let digits = gtin.compactMap(\.wholeNumberValue)
        guard digits.count == gtin.count, [8, 12, 13, 14].contains(digits.count) else { return false }
        var sum = 0
        for (position, digit) in digits.dropLast().reversed().enumerated() {
            sum += digit * (position % 2 == 0 ? 3 : 1)
        }
        return (10 - sum % 10) % 10 == digits.last
    }

    /// Whether `gln` is a GS1 Global Location Number: 13 digits with the GTIN-13 check digit
    /// (GLNs and GTINs share the GS1 key algorithm).
    public static func isValidGLN(_ gln: String) -> Bool {
        gln.count == 13 && isValidGTIN(gln)
    }

    /// `body` (digits) followed by its GS1 check digit, e.g. a 12-digit GLN body → a GLN; nil
    /// when `body` is not all digits. Synthetic shops get their GLN this way.
    public static func withGS1CheckDigit(_ body: String) -> String? {
        let digits = body.compactMap(\.wholeNumberValue)
        guard !digits.isEmpty, digits.count == body.count else { return nil }
        var sum = 0
        for (position, digit) in digits.reversed().enumerated() {
            sum += digit * (position % 2 == 0 ? 3 : 1)
        }
        return body + String((10 - sum % 10) % 10)
    }

    /// Whether `number` passes the Luhn check (SIREN: 9 digits, SIRET: 14 digits).
    public static func passesLuhn(_ number: String) -> Bool {
        let digits = number.compactMap(\.wholeNumberValue)
        guard digits.count == number.count, !digits.isEmpty else { return false }
        var sum = 0
        for (position, digit) in digits.reversed().enumerated() {
            let doubled = position % 2 == 1 ? digit * 2 : digit
            sum += doubled > 9 ? doubled - 9 : doubled
        }
        return sum % 10 == 0
    }

    /// The French intra-EU VAT number of a SIREN: "FR", the key (12 + 3 × (SIREN mod 97)) mod 97
    /// on two digits, then the SIREN.
    public static func frenchVATNumber(siren: String) -> String? {
        guard siren.count == 9, let value = Int(siren) else { return nil }
        let key = (12 + 3 * (value % 97)) % 97
        return "FR" + (key < 10 ? "0" : "") + String(key) + siren
    }
}

extension DemoData {
    /// Everything wrong with the data: dangling references, bad check digits, unknown unit codes,
    /// malformed dates and quantities. Empty for the embedded data (a test says so).
    public func problems() -> [String] {
        var problems: [String] = []
        let ingredientSKUs = Set(ingredients.map(\.sku))
        let productSKUs = Set(products.map(\.sku))
        let shopCodes = Set(shops.map(\.code))
        let ingredientUnits = Dictionary(uniqueKeysWithValues: ingredients.map { ($0.sku, $0.baseUnit) })
        let categoryCodes = Set(categories.map(\.code))
        func date(_ text: String?, _ context: String) {
            guard let text else { return }
            if (try? LocalDate(iso: text)) == nil { problems.append("\(context): bad date \(text)") }
        }
        func decimal(_ text: String, _ context: String) {
            if (try? Quantity(parsing: text, unit: .gram)) == nil {
                problems.append("\(context): bad number \(text)")
            }
        }
        for category in categories where category.parent.map({ !categoryCodes.contains($0) }) ?? false {
            problems.append("category \(category.code): unknown parent")
        }
        var glns: Set<String> = []
        for shop in shops {
            date(shop.openedOn, "shop \(shop.code)")
            if !Identifiers.isValidGLN(shop.gln) { problems.append("shop \(shop.code): bad GLN \(shop.gln)") }
            if !glns.insert(shop.gln).inserted { problems.append("shop \(shop.code): GLN \(shop.gln) used twice") }
            if (try? TimeOfDay(iso: shop.dayCutoff)) == nil { problems.append("shop \(shop.code): bad cutoff") }
            if TimeZone(identifier: shop.timezone) == nil { problems.append("shop \(shop.code): unknown zone") }
            for (day, windows) in shop.openingHours {
                if !Self.weekdayKeys.contains(day) { problems.append("shop \(shop.code): unknown day \(day)") }
                for window in windows
                where window.count != 2 || window.contains(where: { (try? TimeOfDay(iso: $0)) == nil }) {
                    problems.append("shop \(shop.code): bad window \(window) on \(day)")
                }
            }
            for person in shop.staff { date(person.hiredOn, "employee \(person.email)") }
        }
        for product in products {
            if !categoryCodes.contains(product.category) { problems.append("product \(product.sku): unknown category") }
            if (try? VATRate(fraction: Decimal(string: product.vatRate) ?? -1)) == nil {
                problems.append("product \(product.sku): bad VAT rate \(product.vatRate)")
            }
            for price in product.prices { date(price.from, product.sku); date(price.to, product.sku) }
            for price in product.shopPrices ?? [] where !shopCodes.contains(price.shop) {
                problems.append("product \(product.sku): price for unknown shop \(price.shop)")
            }
            for shop in product.notSoldIn ?? [] where !shopCodes.contains(shop) {
                problems.append("product \(product.sku): unknown shop \(shop)")
            }
        }
        for modifier in modifiers {
            if let product = modifier.product, !productSKUs.contains(product) {
                problems.append("modifier \(modifier.code): unknown product \(product)")
            }
            for line in modifier.ingredients {
                if !ingredientSKUs.contains(line.ingredient) {
                    problems.append("modifier \(modifier.code): unknown \(line.ingredient)")
                }
                decimal(line.quantityDelta, "modifier \(modifier.code)")
            }
        }
        let recipeProducts = Set(recipes.map(\.product))
        for product in products where !recipeProducts.contains(product.sku) {
            problems.append("product \(product.sku) has no recipe")
        }
        for recipe in recipes {
            if !productSKUs.contains(recipe.product) { problems.append("recipe of unknown product \(recipe.product)") }
            for version in recipe.versions {
                let context = "recipe \(recipe.product) v\(version.version)"
                date(version.validFrom, context)
                date(version.validTo, context)
                if version.lines.isEmpty { problems.append("\(context): no lines") }
                for line in version.lines {
                    if !ingredientSKUs.contains(line.ingredient) {
                        problems.append("\(context): unknown \(line.ingredient)")
                    }
                    decimal(line.quantity, context)
                    decimal(line.wastePct, context)
                }
            }
        }
        for supplier in suppliers {
            if !Identifiers.passesLuhn(supplier.siren) || supplier.siren.count != 9 {
                problems.append("supplier \(supplier.name): SIREN \(supplier.siren) fails its check digit")
            }
            if Identifiers.frenchVATNumber(siren: supplier.siren) != supplier.vatId {
                problems.append("supplier \(supplier.name): VAT id \(supplier.vatId) does not match the SIREN")
            }
            if let endpoint = supplier.einvoiceEndpoint, endpoint.scheme == "0009",
                !(endpoint.id.hasPrefix(supplier.siren) && Identifiers.passesLuhn(endpoint.id)
                    && endpoint.id.count == 14)
            {
                problems.append("supplier \(supplier.name): SIRET \(endpoint.id) is invalid")
            }
            for item in supplier.items {
                let context = "supplier item \(item.sellerItemId)"
                if let gtin = item.gtin, !Identifiers.isValidGTIN(gtin) {
                    problems.append("\(context): bad GTIN \(gtin)")
                }
                if !ingredientSKUs.contains(item.ingredient) {
                    problems.append("\(context): unknown \(item.ingredient)")
                }
                decimal(item.packSize, context)
                decimal(item.unitPrice, context)
                // One purchase unit must hold exactly the pack size (1 KGM of an item in g: 1000).
                guard let unit = ingredientUnits[item.ingredient].flatMap(BaseUnit.init(rawValue:)),
                    let pack = try? Quantity(parsing: item.packSize, unit: unit),
                    let one = try? UnitCode.baseQuantity(
                        of: 1, unitCode: item.purchaseUnit, ingredientUnit: unit, packSize: pack),
                    one.value == pack.value
                else {
                    problems.append("\(context): \(item.purchaseUnit) of \(item.packSize) does not fit the ingredient")
                    continue
                }
            }
        }
        return problems
    }

    /// The keys of `pizzeria.opening_hours`, Monday first (index + 1 = ISO weekday).
    public static let weekdayKeys = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
}
