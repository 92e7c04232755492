import Foundation
import Yams

// A small OpenAPI 3.1 reader and JSON Schema (2020-12) validator, for the subset `openapi.yaml`
// uses: `type` (one or several), `enum`, `const`, `properties`, `required`,
// `additionalProperties`, `items`, `minItems`, `maxItems`, `uniqueItems`, `minimum`, `maximum`,
// `minLength`, `maxLength`, `pattern`, `format` (`date`, `date-time`), `$ref` (JSON Pointers into
// the document), `allOf`, `anyOf`, `oneOf`, `not`, `if`/`then`/`else`. A schema using any other
// keyword is refused by ``OpenAPIDocument/unsupportedKeywords()``, so that nothing in the
// document is silently left unchecked.

/// A JSON value, as read from a response body or from the YAML document.
enum JSON: Equatable, Sendable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    subscript(key: String) -> JSON? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    var string: String? { if case .string(let text) = self { text } else { nil } }
    var array: [JSON]? { if case .array(let items) = self { items } else { nil } }
    var object: [String: JSON]? { if case .object(let members) = self { members } else { nil } }
    var number: Double? { if case .number(let number) = self { number } else { nil } }
    var bool: Bool? { if case .bool(let flag) = self { flag } else { nil } }

    /// The JSON Schema type name of the value (`integer` for whole numbers).
    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number(let number): number == number.rounded() && number.isFinite ? "integer" : "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// The value as JSON text, members sorted by name.
    var description: String {
        switch self {
        case .null: "null"
        case .bool(let flag): String(flag)
        case .number(let number):
            number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case .string(let text): Self.quote(text)
        case .array(let items): "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .object(let members):
            "{" + members.keys.sorted().map { "\(Self.quote($0)): \(members[$0]!)" }.joined(separator: ", ") + "}"
        }
    }

    /// A JSON string literal.
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// A JSON Pointer (RFC 6901) built one token at a time.
enum JSONPointer {
    static func appending(_ pointer: String, _ token: String) -> String {
        pointer + "/" + token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    static func appending(_ pointer: String, _ index: Int) -> String { pointer + "/\(index)" }

    static func tokens(_ pointer: String) -> [String] {
        pointer.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    /// `pointer`, or `/` for the root, for messages.
    static func display(_ pointer: String) -> String { pointer.isEmpty ? "/" : pointer }
}

// MARK: - Strict JSON

/// Why a body is not acceptable JSON.
struct JSONSyntaxError: Error, CustomStringConvertible {
    var offset: Int
    var message: String
    var description: String { "invalid JSON at byte \(offset): \(message)" }
}

extension JSON {
    /// Parses `text` strictly (RFC 8259: one value, no trailing garbage, no comments). Member
    /// names that occur twice in an object are listed in `duplicates` (as JSON Pointers); the
    /// first occurrence is kept.
    static func parse(_ text: String) throws -> (value: JSON, duplicates: [String]) {
        var parser = StrictParser(bytes: Array(text.utf8))
        parser.skipWhitespace()
        let value = try parser.value(at: "")
        parser.skipWhitespace()
        guard parser.index == parser.bytes.count else { throw parser.error("unexpected data after the value") }
        return (value, parser.duplicates)
    }

    private struct StrictParser {
        let bytes: [UInt8]
        var index = 0
        var duplicates: [String] = []
        var depth = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        func error(_ message: String) -> JSONSyntaxError { JSONSyntaxError(offset: index, message: message) }

        mutating func skipWhitespace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func expect(_ literal: String) throws {
            let expected = Array(literal.utf8)
            guard index + expected.count <= bytes.count, Array(bytes[index..<index + expected.count]) == expected
            else { throw error("expected \(literal)") }
            index += expected.count
        }

        mutating func value(at pointer: String) throws -> JSON {
            guard index < bytes.count else { throw error("unexpected end") }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try object(at: pointer)
            case UInt8(ascii: "["): return try array(at: pointer)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"):
                try expect("true")
                return .bool(true)
            case UInt8(ascii: "f"):
                try expect("false")
                return .bool(false)
            case UInt8(ascii: "n"):
                try expect("null")
                return .null
            default: return .number(try number())
            }
        }

        mutating func nest() throws {
            depth += 1
            guard depth <= 256 else { throw error("nested too deep") }
        }

        mutating func object(at pointer: String) throws -> JSON {
            try nest()
            defer { depth -= 1 }
            index += 1
            var members: [String: JSON] = [:]
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a name") }
                let name = try string()
                skipWhitespace()
                try expect(":")
                skipWhitespace()
                let member = try value(at: JSONPointer.appending(pointer, name))
                if members[name] == nil {
                    members[name] = member
                } else {
                    duplicates.append(JSONPointer.appending(pointer, name))
                }
                skipWhitespace()
                guard index < bytes.count else { throw error("unexpected end in an object") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return .object(members)
                } else {
                    throw error("expected , or }")
                }
            }
        }

        mutating func array(at pointer: String) throws -> JSON {
            try nest()
            defer { depth -= 1 }
            index += 1
            var items: [JSON] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(items)
            }
            while true {
                skipWhitespace()
                items.append(try value(at: JSONPointer.appending(pointer, items.count)))
                skipWhitespace()
                guard index < bytes.count else { throw error("unexpected end in an array") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return .array(items)
                } else {
                    throw error("expected , or ]")
                }
            }
        }

        mutating func hex4() throws -> UInt32 {
            guard index + 4 <= bytes.count,
                let value = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
            else { throw error("bad \\u escape") }
            index += 4
            return value
        }

        mutating func string() throws -> String {
            index += 1
            var out: [UInt8] = []
            while true {
                guard index < bytes.count else { throw error("unterminated string") }
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    guard let text = String(validating: out, as: UTF8.self) else { throw error("invalid UTF-8") }
                    return text
                case UInt8(ascii: "\\"):
                    guard index < bytes.count else { throw error("unterminated escape") }
                    let escape = bytes[index]
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        var code = try hex4()
                        if (0xD800..<0xDC00).contains(code) {
                            try expect("\\u")
                            let low = try hex4()
                            guard (0xDC00..<0xE000).contains(low) else { throw error("lone surrogate") }
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let scalar = Unicode.Scalar(code) else { throw error("lone surrogate") }
                        out.append(contentsOf: Array(String(Character(scalar)).utf8))
                    default: throw error("bad escape")
                    }
                case 0x00..<0x20: throw error("control character in a string")
                default: out.append(byte)
                }
            }
        }

        mutating func number() throws -> Double {
            let start = index
            func digits() -> Int {
                let from = index
                while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
                return index - from
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
            let integerStart = index
            guard digits() > 0 else { throw error("expected a value") }
            if bytes[integerStart] == UInt8(ascii: "0"), index - integerStart > 1 { throw error("leading zero") }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard digits() > 0 else { throw error("expected digits after .") }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                    index += 1
                }
                guard digits() > 0 else { throw error("expected exponent digits") }
            }
            guard let number = Double(String(decoding: bytes[start..<index], as: UTF8.self)) else {
                throw error("bad number")
            }
            return number
        }
    }
}

// MARK: - The document

/// Why the YAML document cannot be read as JSON.
struct OpenAPIDocumentError: Error, CustomStringConvertible {
    var description: String
}

/// One schema violation: where in the instance, and what.
struct SchemaViolation: Equatable, CustomStringConvertible {
    var pointer: String
    var message: String
    var description: String { "\(JSONPointer.display(pointer)): \(message)" }
}

/// An operation of the document: `GET /v1/orders/{id}`.
struct OpenAPIOperation: CustomStringConvertible {
    var method: String
    var path: String
    var object: JSON
    /// JSON Pointer of the operation in the document.
    var pointer: String
    var description: String { "\(method) \(path)" }
}

/// An OpenAPI 3.1 document, read from YAML into ``JSON``.
struct OpenAPIDocument: Sendable {
    let root: JSON

    static let methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// Keywords the validator checks.
    static let assertions: Set<String> = [
        "$ref", "type", "enum", "const", "properties", "required", "additionalProperties", "items", "minItems",
        "maxItems", "uniqueItems", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength",
        "maxLength", "pattern", "format", "allOf", "anyOf", "oneOf", "not", "if", "then", "else",
    ]
    /// Keywords that only annotate.
    static let annotations: Set<String> = [
        "description", "title", "examples", "example", "default", "deprecated", "readOnly", "writeOnly", "$comment",
    ]
    /// The formats the validator checks; any other `format` is refused.
    static let formats: [String: String] = [
        "date": #"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"#,
        "date-time":
            #"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$"#,
        "uri": #"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$"#, "int64": "", "int32": "",
    ]

    init(yaml: String) throws {
        guard let loaded = try Yams.load(yaml: yaml) else { throw OpenAPIDocumentError(description: "empty document") }
        root = try Self.json(fromYAML: loaded, at: "")
    }

    /// Yams' values as JSON; refuses what JSON has not (dates, binary, non-string keys).
    static func json(fromYAML value: Any, at pointer: String) throws -> JSON {
        switch value {
        case is NSNull: return .null
        case let flag as Bool: return .bool(flag)
        case let number as Int: return .number(Double(number))
        case let number as Double: return .number(number)
        case let text as String: return .string(text)
        case let items as [Any]:
            return .array(
                try items.enumerated().map {
                    try json(fromYAML: $0.element, at: JSONPointer.appending(pointer, $0.offset))
                })
        case let members as [AnyHashable: Any]:
            var object: [String: JSON] = [:]
            for (key, member) in members {
                guard let name = key.base as? String else {
                    throw OpenAPIDocumentError(
                        description: "\(JSONPointer.display(pointer)): the key \(key) is not a string; quote it")
                }
                object[name] = try json(fromYAML: member, at: JSONPointer.appending(pointer, name))
            }
            return .object(object)
        default:
            throw OpenAPIDocumentError(
                description: "\(JSONPointer.display(pointer)): \(type(of: value)) is not JSON (quote dates and times)")
        }
    }

    /// The value at a JSON Pointer (`/components/schemas/Order`), or nil.
    func value(at pointer: String) -> JSON? {
        var current = root
        for token in JSONPointer.tokens(pointer) {
            switch current {
            case .object(let members):
                guard let next = members[token] else { return nil }
                current = next
            case .array(let items):
                guard let index = Int(token), items.indices.contains(index) else { return nil }
                current = items[index]
            default: return nil
            }
        }
        return current
    }

    /// The target of a local reference (`#/components/...`).
    func resolve(_ reference: String) throws -> JSON {
        guard reference.hasPrefix("#"), let target = value(at: String(reference.dropFirst())) else {
            throw OpenAPIDocumentError(description: "unresolvable $ref \(reference)")
        }
        return target
    }

    /// An object that may be a Reference Object (response, parameter, header, example), followed.
    func dereferenced(_ value: JSON) throws -> JSON {
        var current = value
        for _ in 0..<16 {
            guard let reference = current["$ref"]?.string else { return current }
            current = try resolve(reference)
        }
        throw OpenAPIDocumentError(description: "$ref chain too long at \(value)")
    }

    /// Every operation, sorted by path then method.
    var operations: [OpenAPIOperation] {
        guard let paths = root["paths"]?.object else { return [] }
        return paths.keys.sorted().flatMap { path in
            Self.methods.compactMap { method in
                paths[path]?[method].map {
                    OpenAPIOperation(
                        method: method.uppercased(), path: path, object: $0,
                        pointer: JSONPointer.appending(JSONPointer.appending("/paths", path), method))
                }
            }
        }
    }

    func operation(_ method: String, _ path: String) -> OpenAPIOperation? {
        operations.first { $0.method == method.uppercased() && $0.path == path }
    }

    /// The documented response of an operation for a status (`"404"`, then `"4XX"`, then `default`).
    func response(of operation: OpenAPIOperation, status: Int) throws -> JSON? {
        guard let responses = operation.object["responses"]?.object else { return nil }
        guard let response = responses[String(status)] ?? responses["\(status / 100)XX"] ?? responses["default"]
        else { return nil }
        return try dereferenced(response)
    }

    /// The statuses an operation documents.
    func statuses(of operation: OpenAPIOperation) -> [String] {
        operation.object["responses"]?.object?.keys.sorted() ?? []
    }

    // MARK: Checking the document itself

    /// Every `$ref` of the document, with where it is.
    func references() -> [(pointer: String, reference: String)] {
        var found: [(String, String)] = []
        func walk(_ value: JSON, _ pointer: String) {
            switch value {
            case .object(let members):
                if let reference = members["$ref"]?.string { found.append((pointer, reference)) }
                for (key, member) in members { walk(member, JSONPointer.appending(pointer, key)) }
            case .array(let items):
                for (index, item) in items.enumerated() { walk(item, JSONPointer.appending(pointer, index)) }
            default: break
            }
        }
        walk(root, "")
        return found.sorted { $0.0 < $1.0 }
    }

    /// Every schema of the document (components, parameters, headers, bodies), with its pointer.
    func schemas() -> [(pointer: String, schema: JSON)] {
        var found: [(String, JSON)] = []
        func schemaOf(_ holder: JSON?, _ pointer: String) {
            if let schema = holder?["schema"] { found.append((JSONPointer.appending(pointer, "schema"), schema)) }
        }
        func content(_ holder: JSON?, _ pointer: String) {
            for (type, media) in holder?["content"]?.object ?? [:] {
                schemaOf(media, JSONPointer.appending(JSONPointer.appending(pointer, "content"), type))
            }
        }
        func response(_ response: JSON, _ pointer: String) {
            content(response, pointer)
            for (name, header) in response["headers"]?.object ?? [:] {
                schemaOf(header, JSONPointer.appending(JSONPointer.appending(pointer, "headers"), name))
            }
        }
        for (name, schema) in root["components"]?["schemas"]?.object ?? [:] {
            found.append(("/components/schemas/" + name, schema))
        }
        for (name, parameter) in root["components"]?["parameters"]?.object ?? [:] {
            schemaOf(parameter, "/components/parameters/" + name)
        }
        for (name, header) in root["components"]?["headers"]?.object ?? [:] {
            schemaOf(header, "/components/headers/" + name)
        }
        for (name, value) in root["components"]?["responses"]?.object ?? [:] {
            response(value, "/components/responses/" + name)
        }
        for operation in operations {
            for (index, parameter) in (operation.object["parameters"]?.array ?? []).enumerated() {
                schemaOf(parameter, operation.pointer + "/parameters/\(index)")
            }
            if let body = operation.object["requestBody"] { content(body, operation.pointer + "/requestBody") }
            for (status, value) in operation.object["responses"]?.object ?? [:] {
                response(value, JSONPointer.appending(operation.pointer + "/responses", status))
            }
        }
        return found.sorted { $0.0 < $1.0 }
    }

    /// Keywords the validator would ignore, and formats it does not know, anywhere in a schema.
    func unsupportedKeywords() -> [String] {
        var problems: [String] = []
        func walk(_ schema: JSON, _ pointer: String) {
            guard case .object(let members) = schema else { return }
            for (key, value) in members {
                let at = JSONPointer.appending(pointer, key)
                if !Self.assertions.contains(key), !Self.annotations.contains(key), !key.hasPrefix("x-") {
                    problems.append("\(at): unsupported keyword")
                }
                switch key {
                case "properties":
                    for (name, subschema) in value.object ?? [:] { walk(subschema, JSONPointer.appending(at, name)) }
                case "items", "additionalProperties", "not", "if", "then", "else": walk(value, at)
                case "allOf", "anyOf", "oneOf":
                    for (index, subschema) in (value.array ?? []).enumerated() {
                        walk(subschema, JSONPointer.appending(at, index))
                    }
                case "format":
                    if Self.formats[value.string ?? ""] == nil { problems.append("\(at): unknown format \(value)") }
                default: break
                }
            }
        }
        for (pointer, schema) in schemas() { walk(schema, pointer) }
        return problems.sorted()
    }

    // MARK: Validation

    /// Checks `instance` against `schema`. With `closedObjects`, an object schema (`type:
    /// object` with `properties`) that says nothing of `additionalProperties` refuses members it
    /// does not list: a response member the document does not describe is an error.
    func validate(_ instance: JSON, against schema: JSON, closedObjects: Bool = false) -> [SchemaViolation] {
        var validator = Validator(document: self, closedObjects: closedObjects)
        validator.check(instance, schema, at: "")
        return validator.violations
    }

    private struct Validator {
        let document: OpenAPIDocument
        let closedObjects: Bool
        var violations: [SchemaViolation] = []
        var depth = 0

        mutating func fail(_ pointer: String, _ message: String) {
            violations.append(SchemaViolation(pointer: pointer, message: message))
        }

        /// Whether `instance` passes `schema`, leaving no violation behind.
        func passes(_ instance: JSON, _ schema: JSON, at pointer: String) -> [SchemaViolation] {
            var nested = Validator(document: document, closedObjects: closedObjects, depth: depth)
            nested.check(instance, schema, at: pointer)
            return nested.violations
        }

        static func matches(_ value: JSON, type: String) -> Bool {
            switch (type, value) {
            case ("number", .number): true
            case ("integer", .number(let number)): number == number.rounded() && number.isFinite
            default: value.typeName == type
            }
        }

        static func regex(_ pattern: String) -> NSRegularExpression? { try? NSRegularExpression(pattern: pattern) }

        static func search(_ pattern: String, in text: String) -> Bool {
            guard let regex = regex(pattern) else { return false }
            return regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        }

        mutating func check(_ instance: JSON, _ schema: JSON, at pointer: String) {
            if case .bool(let allowed) = schema {
                if !allowed { fail(pointer, "no value is allowed here") }
                return
            }
            guard case .object(let keywords) = schema else {
                fail(pointer, "the schema is not an object: \(schema)")
                return
            }
            depth += 1
            defer { depth -= 1 }
            guard depth < 64 else {
                fail(pointer, "schema references nest too deep")
                return
            }

            if let reference = keywords["$ref"]?.string {
                do {
                    check(instance, try document.resolve(reference), at: pointer)
                } catch {
                    fail(pointer, "\(error)")
                }
            }

            var types: [String] = []
            if let type = keywords["type"] {
                types = type.string.map { [$0] } ?? (type.array ?? []).compactMap(\.string)
                if !types.contains(where: { Self.matches(instance, type: $0) }) {
                    fail(pointer, "expected \(types.joined(separator: " or ")), found \(instance.typeName) \(instance)")
                    return
                }
            }
            if let options = keywords["enum"]?.array, !options.contains(instance) {
                fail(pointer, "\(instance) is not one of \(JSON.array(options))")
            }
            if let constant = keywords["const"], constant != instance {
                fail(pointer, "expected \(constant), found \(instance)")
            }

            switch instance {
            case .object(let members): checkObject(members, keywords, types: types, at: pointer)
            case .array(let items): checkArray(items, keywords, at: pointer)
            case .string(let text): checkString(text, keywords, at: pointer)
            case .number(let number): checkNumber(number, keywords, at: pointer)
            default: break
            }

            checkComposition(instance, keywords, at: pointer)
        }

        mutating func checkObject(
            _ members: [String: JSON], _ keywords: [String: JSON], types: [String], at pointer: String
        ) {
            for name in keywords["required"]?.array?.compactMap(\.string) ?? [] where members[name] == nil {
                fail(JSONPointer.appending(pointer, name), "required member missing")
            }
            let properties = keywords["properties"]?.object ?? [:]
            for name in members.keys.sorted() {
                let at = JSONPointer.appending(pointer, name)
                if let subschema = properties[name] {
                    check(members[name]!, subschema, at: at)
                } else if let additional = keywords["additionalProperties"] {
                    if additional == .bool(false) {
                        fail(at, "member not allowed (allowed: \(properties.keys.sorted().joined(separator: ", ")))")
                    } else {
                        check(members[name]!, additional, at: at)
                    }
                } else if closedObjects, !properties.isEmpty, types.contains("object") {
                    fail(at, "member not described by the document")
                }
            }
        }

        mutating func checkArray(_ items: [JSON], _ keywords: [String: JSON], at pointer: String) {
            if let minimum = keywords["minItems"]?.number, Double(items.count) < minimum {
                fail(pointer, "at least \(Int(minimum)) items expected, found \(items.count)")
            }
            if let maximum = keywords["maxItems"]?.number, Double(items.count) > maximum {
                fail(pointer, "at most \(Int(maximum)) items expected, found \(items.count)")
            }
            if keywords["uniqueItems"] == .bool(true) {
                for (index, item) in items.enumerated() where items[..<index].contains(item) {
                    fail(JSONPointer.appending(pointer, index), "duplicate item \(item)")
                }
            }
            if let itemSchema = keywords["items"] {
                for (index, item) in items.enumerated() {
                    check(item, itemSchema, at: JSONPointer.appending(pointer, index))
                }
            }
        }

        mutating func checkString(_ text: String, _ keywords: [String: JSON], at pointer: String) {
            let length = Double(text.unicodeScalars.count)
            if let minimum = keywords["minLength"]?.number, length < minimum {
                fail(pointer, "at least \(Int(minimum)) characters expected, found \(Int(length))")
            }
            if let maximum = keywords["maxLength"]?.number, length > maximum {
                fail(pointer, "at most \(Int(maximum)) characters expected, found \(Int(length))")
            }
            if let pattern = keywords["pattern"]?.string {
                if Self.regex(pattern) == nil {
                    fail(pointer, "the schema's pattern \(pattern) does not compile")
                } else if !Self.search(pattern, in: text) {
                    fail(pointer, "\"\(text)\" does not match \(pattern)")
                }
            }
            if let format = keywords["format"]?.string, let pattern = OpenAPIDocument.formats[format],
                !pattern.isEmpty, !Self.search(pattern, in: text)
            {
                fail(pointer, "\"\(text)\" is not a \(format)")
            }
        }

        mutating func checkNumber(_ number: Double, _ keywords: [String: JSON], at pointer: String) {
            if let minimum = keywords["minimum"]?.number, number < minimum {
                fail(pointer, "\(JSON.number(number)) is below the minimum \(JSON.number(minimum))")
            }
            if let maximum = keywords["maximum"]?.number, number > maximum {
                fail(pointer, "\(JSON.number(number)) is above the maximum \(JSON.number(maximum))")
            }
            if let minimum = keywords["exclusiveMinimum"]?.number, number <= minimum {
                fail(pointer, "\(JSON.number(number)) is not above \(JSON.number(minimum))")
            }
            if let maximum = keywords["exclusiveMaximum"]?.number, number >= maximum {
                fail(pointer, "\(JSON.number(number)) is not below \(JSON.number(maximum))")
            }
        }

        mutating func checkComposition(_ instance: JSON, _ keywords: [String: JSON], at pointer: String) {
            for subschema in keywords["allOf"]?.array ?? [] { check(instance, subschema, at: pointer) }
            if let alternatives = keywords["anyOf"]?.array {
                let outcomes = alternatives.map { passes(instance, $0, at: pointer) }
                if !outcomes.contains(where: \.isEmpty) {
                    fail(pointer, "matches none of anyOf: " + Self.summary(outcomes))
                }
            }
            if let alternatives = keywords["oneOf"]?.array {
                let outcomes = alternatives.map { passes(instance, $0, at: pointer) }
                let matching = outcomes.filter(\.isEmpty).count
                if matching == 0 {
                    fail(pointer, "matches none of oneOf: " + Self.summary(outcomes))
                } else if matching > 1 {
                    fail(pointer, "matches \(matching) alternatives of oneOf, one expected")
                }
            }
            if let negated = keywords["not"], passes(instance, negated, at: pointer).isEmpty {
                fail(pointer, "matches a schema it must not match")
            }
            if let condition = keywords["if"] {
                if passes(instance, condition, at: pointer).isEmpty {
                    if let then = keywords["then"] { check(instance, then, at: pointer) }
                } else if let otherwise = keywords["else"] {
                    check(instance, otherwise, at: pointer)
                }
            }
        }

        static func summary(_ outcomes: [[SchemaViolation]]) -> String {
            outcomes.enumerated().map { "[\($0.offset): \($0.element.map(\.description).joined(separator: "; "))]" }
                .joined(separator: " ")
        }
    }
}
