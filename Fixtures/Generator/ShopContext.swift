import Domain
import Foundation
import Postgres

/// One shop as the generator sees it: its calendar and opening hours, staff, customers, menu
/// and stock policy.
struct ShopContext: Sendable {
    struct Window: Sendable {
        /// Seconds after local midnight; a close after midnight is above 86 400.
        var open: Int
        var close: Int
        var isLunch: Bool { open < 16 * 3600 }
    }

    struct Customer: Sendable {
        var id: Int64
        var phone: String
        /// The delivery address snapshot, as jsonb text.
        var address: String
    }

    /// 1-based position among the generated shops (demo shops first, then PAR-0007...).
    var ordinal: Int
    var id: Int64
    var code: String
    var name: String
    /// The shop's GLN, the deliver-to location of its supplier documents (nil if it has none).
    var gln: String?
    var calendar: BusinessCalendar
    var cutoffSeconds: Int
    var openedOn: Int
    var closedOn: Int?
    /// Opening windows per ISO weekday, Monday at index 0.
    var windows: [[Window]]
    var ordersPerDay: Int
    /// Employee ids with their hiring day, per role.
    var staff: [String: [(id: Int64, hiredOn: Int)]]
    var anonymousCustomer: Int64
    var customers: [Customer] = []
    /// Product indexes on the menu and available.
    var menu: [Int]
    /// Par level and safety stock per ingredient index, in thousandths.
    var policy: [(ingredient: Int, par: Int64, safety: Int64)]

    func isOpen(weekday: Int) -> Bool { !windows[weekday - 1].isEmpty }

    func trades(on day: Int) -> Bool {
        day >= openedOn && (closedOn.map { day < $0 } ?? true) && isOpen(weekday: Days.weekday(day))
    }

    /// An employee of `role` hired by `day` (any of the role if none was yet), or nil.
    func employee(_ role: String, on day: Int, _ random: inout SplitMix64) -> Int64? {
        guard let people = staff[role], !people.isEmpty else { return nil }
        let hired = people.filter { $0.hiredOn <= day }
        return random.element(hired.isEmpty ? people : hired).id
    }

    /// Parses `pizzeria.opening_hours` ({"mon": [["11:30","14:30"], ...], ...}).
    static func windows(fromJSON text: String) -> [[Window]] {
        let parsed = (try? JSONDecoder().decode([String: [[String]]].self, from: Data(text.utf8))) ?? [:]
        return DemoData.weekdayKeys.map { key in
            (parsed[key] ?? []).compactMap { pair -> Window? in
                guard pair.count == 2, let open = try? TimeOfDay(iso: pair[0]), let close = try? TimeOfDay(iso: pair[1])
                else { return nil }
                let end =
                    close.secondsSinceMidnight <= open.secondsSinceMidnight
                    ? close.secondsSinceMidnight + 86_400 : close.secondsSinceMidnight
                return Window(open: open.secondsSinceMidnight, close: end)
            }
        }
    }

    /// Loads shops by code, in the order given (ordinal = position + 1).
    static func load(
        _ session: PostgresSession, codes: [String], catalogue: Catalogue, ordersPerDay: [String: Int]
    ) throws -> [ShopContext] {
        var shops: [ShopContext] = []
        for (position, code) in codes.enumerated() {
            guard
                let row = try session.query(
                    """
                    SELECT p.id, p.name, p.gln, p.timezone, to_char(p.day_cutoff, 'HH24:MI') AS cutoff, p.opened_on,
                           p.closed_on, p.opening_hours::text AS hours, c.id AS anonymous
                    FROM pizzeria p LEFT JOIN customer c ON c.anonymous_for_pizzeria_id = p.id
                    WHERE p.code = \(code)
                    """
                ).first
            else { throw DemoChainError.notSeeded("shop \(code)") }
            let id = try row.decode("id", as: Int64.self)
            guard let anonymous = try row.decode("anonymous", as: Int64?.self) else {
                throw DemoChainError.notSeeded("the counter customer of \(code)")
            }
            let cutoff = try TimeOfDay(iso: try row.decode("cutoff", as: String.self))
            var staff: [String: [(id: Int64, hiredOn: Int)]] = [:]
            for person in try session.query(
                "SELECT id, role, coalesce(hired_on, DATE '2000-01-01') AS hired FROM employee WHERE pizzeria_id = \(id) AND active ORDER BY id"
            ) {
                staff[try person.decode("role", as: String.self), default: []].append(
                    (
                        try person.decode("id", as: Int64.self),
                        try person.decode("hired", as: CalendarDate.self).daysSinceEpoch
                    ))
            }
            let menu = try session.query(
                "SELECT product_id FROM pizzeria_menu WHERE pizzeria_id = \(id) AND available ORDER BY sort_order, product_id"
            ).compactMap { catalogue.productIndex[try $0.decode("product_id", as: Int64.self)] }
            let policy = try session.query(
                """
                SELECT ingredient_id, (par_level * 1000)::bigint AS par, (safety_stock * 1000)::bigint AS safety
                FROM ingredient_stock_policy WHERE pizzeria_id = \(id) ORDER BY ingredient_id
                """
            ).compactMap { row -> (Int, Int64, Int64)? in
                guard let index = catalogue.ingredientIndex[try row.decode("ingredient_id", as: Int64.self)] else {
                    return nil
                }
                return (index, try row.decode("par", as: Int64.self), try row.decode("safety", as: Int64.self))
            }
            shops.append(
                ShopContext(
                    ordinal: position + 1, id: id, code: code, name: try row.decode("name", as: String.self),
                    gln: try row.decode("gln", as: String?.self),
                    calendar: try BusinessCalendar(
                        timeZoneIdentifier: try row.decode("timezone", as: String.self), dayCutoff: cutoff),
                    cutoffSeconds: cutoff.secondsSinceMidnight,
                    openedOn: try row.decode("opened_on", as: CalendarDate.self).daysSinceEpoch,
                    closedOn: try row.decode("closed_on", as: CalendarDate?.self)?.daysSinceEpoch,
                    windows: windows(fromJSON: try row.decode("hours", as: String.self)),
                    ordersPerDay: ordersPerDay[code] ?? 120, staff: staff, anonymousCustomer: anonymous, menu: menu,
                    policy: policy))
        }
        return shops
    }
}
