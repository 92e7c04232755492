import DemoChain
import Testing

/// The embedded data, before any database.
@Suite struct DemoDataTests {
    @Test func theEmbeddedDataHasNoProblems() {
        #expect(DemoData.embedded.problems() == [])
    }

    @Test func theDemoChainHasWhatTheIssuePromises() {
        let data = DemoData.embedded
        #expect(data.shops.count == 6)
        #expect(data.shops.filter { $0.openedOn > "2026-11-22" }.map(\.openedOn) == ["2026-12-15"])
        #expect(data.shops.filter { $0.openingHours["mon"] == nil }.count == 1, "one shop closed on Monday")
        #expect(data.products.count >= 25)
        #expect(data.ingredients.count >= 40)
        #expect(data.suppliers.count >= 4)
        let vat = Set(data.products.filter { $0.kind == "drink" }.map(\.vatRate))
        #expect(vat == ["0.0550", "0.1000", "0.2000"], "drinks at 5.5 %, 10 % and 20 %")
        let pizzas = data.products.filter { $0.kind == "pizza" }.map(\.sku)
        for pizza in pizzas {
            let recipe = data.recipes.first { $0.product == pizza }
            #expect(
                recipe?.versions.first?.lines.contains { $0.ingredient == "PATON-250" && $0.quantity == "250" } == true)
        }
        let versioned = data.recipes.filter { $0.versions.count > 1 }.map(\.product)
        #expect(versioned.count >= 1 && versioned.count <= 2)
        for recipe in data.recipes where recipe.versions.count > 1 {
            // Version 2 starts inside the demo's 60-day history (2026-09-23 ... 2026-11-21).
            #expect(recipe.versions[1].validFrom > "2026-09-23" && recipe.versions[1].validFrom <= "2026-11-21")
            #expect(recipe.versions[0].validTo == recipe.versions[1].validFrom)
        }
        let roles = Set(data.shops.flatMap { $0.staff.map(\.role) } + data.headOffice.map(\.role))
        #expect(
            roles == ["order_taker", "pizzaiolo", "driver", "stock_keeper", "manager", "head_office", "accountant"])
        let units = Set(data.suppliers.flatMap { $0.items.map(\.purchaseUnit) })
        #expect(units.isSuperset(of: ["KGM", "LTR", "H87", "XBX", "XCS"]))
    }

    @Test func gtinCheckDigits() {
        #expect(Identifiers.isValidGTIN("4006381333931"))
        #expect(!Identifiers.isValidGTIN("4006381333932"))
        #expect(Identifiers.isValidGTIN("96385074"))  // GTIN-8
        #expect(!Identifiers.isValidGTIN("400638133393"))  // 12 digits whose check digit is wrong
        #expect(!Identifiers.isValidGTIN("40063813339A1"))
        for supplier in DemoData.embedded.suppliers {
            for gtin in supplier.items.compactMap(\.gtin) { #expect(Identifiers.isValidGTIN(gtin), "\(gtin)") }
        }
    }

    @Test func sirenAndVATNumbers() {
        #expect(Identifiers.passesLuhn("732829320"))
        #expect(Identifiers.passesLuhn("73282932000074"))
        #expect(!Identifiers.passesLuhn("732829321"))
        #expect(Identifiers.frenchVATNumber(siren: "732829320") == "FR44732829320")
        #expect(Identifiers.frenchVATNumber(siren: "303265045") == "FR40303265045")
    }
}
