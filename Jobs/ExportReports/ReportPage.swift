import Foundation
import Postgres
import Reports

/// One page of the reports (a shop or the chain) for one period: the figures read by
/// ``ReportQueries``, the charts, the tables, and the context the `page` template renders.
struct ReportPage {
    /// `chain` or the shop's code: the page's and its CSV files' name.
    var name: String
    var title: String
    var kpis: [[String: Any]] = []
    var sections: [(id: String, title: String, charts: [String], tables: [ReportTable])] = []
    /// Headline figures, for the summary and the tests.
    var headline: ReportQueries.Headline

    var tables: [ReportTable] { sections.flatMap(\.tables) }

    static func build(
        name: String, title: String, queries: ReportQueries, isChain: Bool
    ) throws -> ReportPage {
        let scope = queries.scope
        let now = try queries.headline(from: scope.from, to: scope.to)
        let previous = try queries.headline(from: scope.previousFrom, to: scope.previousTo)
        let lastWeek = try scope.lastWeekDay.map { try queries.headline(from: $0, to: $0) }
        var page = ReportPage(name: name, title: title, headline: now)
        let food = try queries.foodCost()
        func kpi(_ label: String, _ value: (ReportQueries.Headline) -> Int64, _ format: (Int64) -> String) {
            var entry: [String: Any] = ["label": label, "value": format(value(now))]
            let (text, trend) = Self.change(value(now), value(previous))
            entry["previous"] = format(value(previous))
            entry["previousChange"] = text
            entry["previousTrend"] = trend
            if let lastWeek {
                let (text, trend) = Self.change(value(now), value(lastWeek))
                entry["lastWeek"] = format(value(lastWeek))
                entry["lastWeekChange"] = text
                entry["lastWeekTrend"] = trend
            }
            page.kpis.append(entry)
        }
        kpi("Revenue incl. VAT", \.revenueTTC, ReportFormat.euros)
        kpi("Revenue excl. VAT", \.revenueHT, ReportFormat.euros)
        kpi("Orders", \.orders, ReportFormat.integer)
        kpi("Average ticket", \.averageTicket, ReportFormat.euros)
        kpi("Cancellations", \.cancelled, ReportFormat.integer)
        page.kpis.append([
            "label": "Food cost (theoretical / actual)",
            "value": Self.share(food.theoreticalCents, of: now.revenueHT) + " / "
                + Self.share(food.actualCents, of: now.revenueHT),
        ])

        let byDay = try queries.revenueByDay()
        let byHour = try queries.revenueByHour()
        var salesCharts = [
            SVGChart.columns(
                title: "Revenue by hour (incl. VAT)",
                bars: byHour.map {
                    .init(label: String(format: "%02dh", $0.hour), value: $0.cents, text: Self.short($0.cents))
                })
        ]
        if byDay.count > 1 {
            salesCharts.insert(
                SVGChart.columns(
                    title: "Revenue by day (incl. VAT)",
                    bars: byDay.map {
                        .init(label: String($0.day.suffix(5)), value: $0.cents, text: Self.short($0.cents))
                    }),
                at: 0)
        }
        let products = try queries.salesByProduct()
        var top = products
        top.name = "top-products"
        top.title = "Top 5 products"
        top.rows = Array(products.rows.prefix(5))
        var bottom = products
        bottom.name = "bottom-products"
        bottom.title = "Bottom 5 products"
        bottom.rows = Array(products.rows.suffix(5).reversed())
        var salesTables = [top, bottom] + (try queries.salesByCategoryAndChannel())
        if isChain { salesTables.insert(try queries.salesByShop(), at: 0) }
        salesTables += [products, try queries.cancellations()]
        page.sections.append(("sales", "Sales", salesCharts, salesTables))
        page.sections.append(("service", "Service", [], [try queries.service()]))

        let variance = try queries.varianceLines()
        let varianceChart = SVGChart.diverging(
            title: "Unexplained variance in euros, largest first",
            bars: variance.rows.compactMap { row in
                guard case .text(let ingredient) = row[1], case .cents(let cents) = row[7] else { return nil }
                guard case .text(let shop) = row[0] else { return nil }
                return .init(
                    label: isChain ? "\(shop) · \(ingredient)" : ingredient, value: cents,
                    text: ReportFormat.euros(cents))
            })
        let foodTable = ReportTable(
            name: "food-cost", title: "Food cost",
            columns: ["what", "value", "% of revenue excl. VAT"],
            rows: [
                [
                    .text("theoretical (recipes × sales)"), .cents(food.theoreticalCents),
                    .percentTenths(Self.tenths(food.theoreticalCents, of: now.revenueHT)),
                ],
                [
                    .text("unexplained variance (counts)"), .cents(food.varianceCents),
                    .percentTenths(Self.tenths(food.varianceCents, of: now.revenueHT)),
                ],
                [
                    .text("waste logged"), .cents(food.wasteCents),
                    .percentTenths(Self.tenths(food.wasteCents, of: now.revenueHT)),
                ],
                [
                    .text("actual"), .cents(food.actualCents),
                    .percentTenths(Self.tenths(food.actualCents, of: now.revenueHT)),
                ],
            ])
        page.sections.append(
            ("food-cost", "Food cost", [varianceChart], [foodTable, variance, try queries.wasteByReason()]))
        page.sections.append(
            (
                "stock", "Stock", [],
                [try queries.stockValuation(), try queries.couldNotBeMade(), try queries.reorderBySupplier()]
            ))
        page.sections.append(
            (
                "payments", "Payments", [],
                [try queries.paymentsByMethod(), try queries.openDiscrepancies(), try queries.cashDifferences()]
            ))
        var operations = [try queries.heldSupplierLines()]
        if isChain { operations = [try queries.jobs()] + operations + [try queries.backups()] }
        page.sections.append(("operations", "Operations", [], operations))
        return page
    }

    /// The template's context.
    func context(span: ReportPeriod.Span, shopLinks: [[String: String]], isChain: Bool) -> [String: Any] {
        var context: [String: Any] = [
            "title": title, "periodLabel": span.label,
            "range": span.from == span.to ? span.from.description : "\(span.from) → \(span.to)",
            "comparedWith": span.comparedWith, "to": span.to.description, "indexLink": "../../index.html",
            "hasShopLinks": !shopLinks.isEmpty, "shopLinks": shopLinks, "kpis": kpis,
            "sections": sections.map { section in
                [
                    "id": section.id, "title": section.title, "charts": section.charts.map { ["svg": $0] },
                    "tables": section.tables.map { table -> [String: Any] in
                        var context = table.context
                        context["csvHref"] = "csv/\(name)-\(table.name).csv"
                        return context
                    },
                ] as [String: Any]
            },
        ]
        if !isChain { context["chainLink"] = "chain.html" }
        return context
    }

    /// `+12,5 %` and its trend class, or `–` without a base.
    static func change(_ now: Int64, _ before: Int64) -> (String, String) {
        guard before != 0 else { return ("–", "flat") }
        let tenths = (now - before) * 1000 / before
        let text = (tenths > 0 ? "+" : "") + ReportFormat.percent(tenths: tenths)
        return (text, tenths > 0 ? "up" : tenths < 0 ? "down" : "flat")
    }

    static func tenths(_ part: Int64, of whole: Int64) -> Int64? {
        whole == 0 ? nil : (part * 1000 + whole / 2) / whole
    }

    static func share(_ part: Int64, of whole: Int64) -> String {
        ReportFormat.percent(tenths: tenths(part, of: whole))
    }

    /// Whole euros for a bar's label.
    static func short(_ cents: Int64) -> String { ReportFormat.integer((cents + 50) / 100) + "\u{202F}€" }
}
