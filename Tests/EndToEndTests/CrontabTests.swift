import Foundation
import Testing

/// The `crontab` at the package root: it parses, runs nothing in the daylight-saving hours
/// (01:00-03:00 Paris), says what each entry is for, and every `ocpizza` command in it exists.
@Suite("Crontab")
struct CrontabTests {
    struct Schedule {
        var lineNumber: Int
        var fields: [String]
        var command: String
        var commentAbove: Bool
    }

    struct Crontab {
        var assignments: [String: String] = [:]
        var schedules: [Schedule] = []
        var problems: [String] = []
    }

    static func load() throws -> Crontab {
        let path = OCPizzaBinary.packageRoot + "/crontab"
        return parse(try String(contentsOfFile: path, encoding: .utf8))
    }

    static func parse(_ text: String) -> Crontab {
        var crontab = Crontab()
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for (index, raw) in lines.enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.range(of: #"^[A-Za-z_][A-Za-z0-9_]*\s*="#, options: .regularExpression) != nil {
                let parts = line.split(separator: "=", maxSplits: 1)
                crontab.assignments[parts[0].trimmingCharacters(in: .whitespaces)] =
                    parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
                continue
            }
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard words.count > 5 else {
                crontab.problems.append("line \(index + 1): neither NAME=value nor 5 fields and a command: \(raw)")
                continue
            }
            var rest = Substring(line)
            for _ in 0..<5 {
                rest = rest.drop { $0 != " " && $0 != "\t" }.drop { $0 == " " || $0 == "\t" }
            }
            let above = index > 0 ? lines[index - 1].trimmingCharacters(in: .whitespaces) : ""
            crontab.schedules.append(
                Schedule(
                    lineNumber: index + 1, fields: Array(words.prefix(5)), command: String(rest),
                    commentAbove: above.hasPrefix("#")))
        }
        return crontab
    }

    /// The values a cron field selects, or nil when it is not valid for `range`.
    /// Accepts `*`, numbers, ranges `a-b`, steps `*/n` and `a-b/n`, and comma-separated lists.
    static func values(_ field: String, _ range: ClosedRange<Int>) -> Set<Int>? {
        var values = Set<Int>()
        for item in field.split(separator: ",", omittingEmptySubsequences: false) {
            let stepParts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard stepParts.count <= 2 else { return nil }
            var step = 1
            if stepParts.count == 2 {
                guard let parsed = Int(stepParts[1]), parsed > 0 else { return nil }
                step = parsed
            }
            let base = stepParts[0]
            let span: ClosedRange<Int>
            if base == "*" {
                span = range
            } else if let dash = base.firstIndex(of: "-") {
                guard let low = Int(base[..<dash]), let high = Int(base[base.index(after: dash)...]), low <= high,
                    range.contains(low), range.contains(high)
                else { return nil }
                span = low...high
            } else {
                guard let value = Int(base), range.contains(value) else { return nil }
                span = stepParts.count == 2 ? value...range.upperBound : value...value
            }
            values.formUnion(stride(from: span.lowerBound, through: span.upperBound, by: step))
        }
        return values.isEmpty ? nil : values
    }

    static let ranges: [(name: String, range: ClosedRange<Int>)] = [
        ("minute", 0...59), ("hour", 0...23), ("day of month", 1...31), ("month", 1...12), ("day of week", 0...7),
    ]

    /// Each `ocpizza` invocation of a shell command: its subcommand words and its options.
    static func invocations(_ command: String) -> [(words: [String], options: [String])] {
        let separators = CharacterSet(charactersIn: " \t")
        var result: [(words: [String], options: [String])] = []
        for segment in command.components(separatedBy: CharacterSet(charactersIn: "&|;")) {
            let tokens = segment.components(separatedBy: separators).filter { !$0.isEmpty }
            guard let first = tokens.first, first == "ocpizza" || first.hasSuffix("/ocpizza") else { continue }
            let arguments = tokens.dropFirst().prefix {
                !$0.hasPrefix(">") && !$0.hasPrefix("<") && !$0.hasPrefix("2>")
            }
            let words = arguments.prefix { $0.range(of: "^[a-z][a-z0-9-]*$", options: .regularExpression) != nil }
            let options = arguments.filter { $0.hasPrefix("--") }.map { String($0.split(separator: "=")[0]) }
            result.append((Array(words), options))
        }
        return result
    }

    @Test("every line is NAME=value or 5 valid fields and a command; CRON_TZ=Europe/Paris")
    func parses() throws {
        let crontab = try Self.load()
        #expect(crontab.problems.isEmpty, "\(crontab.problems)")
        #expect(crontab.assignments["CRON_TZ"] == "Europe/Paris")
        #expect(TimeZone(identifier: "Europe/Paris") != nil)
        #expect(!crontab.schedules.isEmpty, "no schedule at all")
        for schedule in crontab.schedules {
            for (field, spec) in zip(schedule.fields, Self.ranges) {
                #expect(
                    Self.values(field, spec.range) != nil,
                    "line \(schedule.lineNumber): invalid \(spec.name) field '\(field)'")
            }
            #expect(!schedule.command.isEmpty, "line \(schedule.lineNumber): no command")
            // An unescaped % ends the command in crontab syntax.
            #expect(
                !schedule.command.replacingOccurrences(of: "\\%", with: "").contains("%"),
                "line \(schedule.lineNumber): unescaped %")
        }
    }

    @Test("every schedule has a comment line right above it and logs its output to a file")
    func commentedAndLogged() throws {
        for schedule in try Self.load().schedules {
            #expect(schedule.commentAbove, "line \(schedule.lineNumber) has no comment line above it")
            #expect(
                schedule.command.contains(">>") && schedule.command.contains("2>&1"),
                "line \(schedule.lineNumber): output not appended to a log file: \(schedule.command)")
        }
    }

    @Test("nothing fires between 01:00 and 03:00 Paris time (every-hour entries only for ocpizza check)")
    func avoidsDaylightSavingHours() throws {
        for schedule in try Self.load().schedules {
            let hourField = schedule.fields[1]
            let everyHour = hourField == "*" || hourField.hasPrefix("*/")
            if everyHour {
                let commands = Self.invocations(schedule.command).map(\.words)
                #expect(
                    commands == [["check"]],
                    "line \(schedule.lineNumber): only `ocpizza check` may run every hour, not \(schedule.command)")
                continue
            }
            let hours = Self.values(hourField, 0...23) ?? []
            #expect(
                hours.isDisjoint(with: [1, 2]),
                "line \(schedule.lineNumber): runs at \(hours.sorted()) h, inside 01:00-03:00")
        }
    }

    @Test("the cron field parser itself")
    func fieldParser() {
        #expect(Self.values("*/10", 0...59) == [0, 10, 20, 30, 40, 50])
        #expect(Self.values("30", 0...59) == [30])
        #expect(Self.values("1-3,5", 0...23) == [1, 2, 3, 5])
        #expect(Self.values("0-10/5", 0...23) == [0, 5, 10])
        #expect(Self.values("24", 0...23) == nil)
        #expect(Self.values("0", 1...31) == nil)
        #expect(Self.values("5-1", 0...23) == nil)
        #expect(Self.values("*/0", 0...59) == nil)
        #expect(Self.values("mon", 0...7) == nil)
        #expect(Self.values("", 0...59) == nil)
        let parsed = Self.parse("# c\nA=b\n0 2 * * * ocpizza x\n1 2 3\n")
        #expect(parsed.assignments == ["A": "b"])
        #expect(parsed.schedules.map(\.command) == ["ocpizza x"])
        #expect(parsed.problems.count == 1)
        #expect(
            Self.invocations("cd /x && . ./env && ocpizza jobs status --check >> /l 2>&1").map(\.words) == [
                ["jobs", "status"]
            ])
    }

    @Test("every ocpizza command in the crontab exists (`<subcommand> --help` exits 0)")
    func commandsExist() async throws {
        let invocations = try Self.load().schedules.flatMap { Self.invocations($0.command) }
        #expect(!invocations.isEmpty, "no ocpizza command in the crontab")
        try await ScratchDirectory.with { scratch in
            for invocation in invocations {
                let result = try await OCPizzaBinary.run(invocation.words + ["--help"], in: scratch.path)
                #expect(result.status == 0, "\(result)")
                // An unknown word would print the parent's help: the usage line must name the whole command.
                let usage = "ocpizza " + invocation.words.joined(separator: " ")
                #expect(result.stdout.contains("USAGE: \(usage)"), "\(result)")
                for option in invocation.options {
                    #expect(result.stdout.contains(option), "`\(usage)` has no option \(option): \(result)")
                }
            }
        }
    }
}
