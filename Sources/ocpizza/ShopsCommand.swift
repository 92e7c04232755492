import ArgumentParser
import Foundation
import Postgres
import Runtime

/// `ocpizza shops list|hours`: the shops and their opening hours, which decide when the ordering
/// endpoint takes orders for a shop (outside them it answers 409 shop-closed).
struct Shops: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the shops; show or change a shop's opening hours.", subcommands: [List.self, Hours.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the shops and whether they take orders now.")
        @OptionGroup var options: GlobalOptions
        @Flag(help: "Print the result as JSON.") var json = false

        func run() async throws {
            let json = self.json
            try await CommandRunner.run(options, command: "shops list") { environment in
                let rows = try await environment.withSession { session in
                    try session.query(
                        """
                        SELECT code, name, timezone, opened_on::text AS opened_on, closed_on::text AS closed_on,
                               opening_hours::text AS hours, ocpizza_shop_is_open(id, now()) AS open_now
                        FROM pizzeria ORDER BY code
                        """
                    ).map { row in
                        ShopLine(
                            code: try row.decode("code"), name: try row.decode("name"),
                            timezone: try row.decode("timezone"), openedOn: try row.decode("opened_on"),
                            closedOn: try row.decode("closed_on"), openingHours: try row.decode("hours"),
                            openNow: try row.decode("open_now"))
                    }
                }
                if json {
                    try printJSON(rows)
                } else {
                    print(
                        Table.render(
                            header: ["code", "name", "opened", "open now", "opening hours"],
                            rows: rows.map {
                                [
                                    $0.code, $0.name, $0.openedOn, $0.openNow ? "yes" : "no",
                                    OpeningHours.summary($0.openingHours),
                                ]
                            }))
                }
                return .success
            }
        }
    }

    struct ShopLine: Codable {
        var code: String
        var name: String
        var timezone: String
        var openedOn: String
        var closedOn: String?
        var openingHours: String
        var openNow: Bool
    }

    struct Hours: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show or set a shop's opening hours (local time of the shop).",
            discussion: """
                --set takes a JSON object with a key per open weekday (mon..sun) and a list of \
                [open, close] "HH:MM" pairs: '{"mon": [["11:30", "14:30"], ["18:30", "23:00"]]}'. \
                A missing day is closed; a close at or before its open ends after midnight; \
                ["00:00", "00:00"] is open all day. --around-the-clock opens every day all day \
                (a test kitchen, a try-out of the API outside service hours).
                """)
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The shop's code, e.g. PAR11.") var shop: String
        @Option(help: "The new opening hours, as JSON.") var set: String?
        @Flag(help: "Open every day, all day.") var aroundTheClock = false

        func validate() throws {
            if set != nil && aroundTheClock { throw ValidationError("give --set or --around-the-clock, not both") }
            if let set { _ = try OpeningHours.parse(set) }
        }

        func run() async throws {
            let command = self
            try await CommandRunner.run(options, command: "shops hours") { environment in
                let hours = command.aroundTheClock ? OpeningHours.aroundTheClock : command.set
                let code = command.shop.uppercased()
                let stored = try await environment.withSession { session -> String? in
                    if let hours {
                        return try session.queryValue(
                            """
                            UPDATE pizzeria SET opening_hours = \(JSONB(text: hours))
                            WHERE code = \(code) RETURNING opening_hours::text
                            """, as: String.self)
                    }
                    return try session.queryValue(
                        "SELECT opening_hours::text FROM pizzeria WHERE code = \(code)", as: String.self)
                }
                guard let stored else {
                    environment.logger.error("no shop \(code)")
                    return .usage
                }
                if hours != nil {
                    environment.logger.notice(
                        "opening hours changed", metadata: ["shop": "\(code)", "hours": "\(stored)"])
                }
                print(stored)
                return .success
            }
        }
    }
}

/// Opening hours as `pizzeria.opening_hours` stores them, checked before they are written.
enum OpeningHours {
    static let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    static let aroundTheClock =
        "{" + days.map { "\"\($0)\": [[\"00:00\", \"00:00\"]]" }.joined(separator: ", ") + "}"

    /// The text, when it is an object of weekdays to lists of ["HH:MM", "HH:MM"] pairs.
    static func parse(_ text: String) throws -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw ValidationError("--set is a JSON object, e.g. {\"mon\": [[\"11:30\", \"14:30\"]]}")
        }
        for (day, value) in object {
            guard days.contains(day) else { throw ValidationError("unknown day '\(day)' (mon..sun)") }
            guard let slots = value as? [[String]], slots.allSatisfy({ $0.count == 2 && $0.allSatisfy(isTime) }) else {
                throw ValidationError("\(day): a list of [\"HH:MM\", \"HH:MM\"] pairs")
            }
        }
        return text
    }

    /// "every day, all day", or "mon 11:30-14:30 18:30-23:00; tue ..." for a listing.
    static func summary(_ json: String) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: [[String]]] else {
            return json
        }
        if json.replacingOccurrences(of: " ", with: "") == aroundTheClock.replacingOccurrences(of: " ", with: "")
            || (object.count == 7 && object.values.allSatisfy { $0 == [["00:00", "00:00"]] })
        {
            return "every day, all day"
        }
        return days.compactMap { day in
            object[day].map { slots in "\(day) " + slots.map { $0.joined(separator: "-") }.joined(separator: " ") }
        }.joined(separator: "; ")
    }

    static func isTime(_ text: String) -> Bool {
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 }), let hour = Int(parts[0]),
            let minute = Int(parts[1])
        else { return false }
        return (0...23).contains(hour) && (0...59).contains(minute)
    }
}
