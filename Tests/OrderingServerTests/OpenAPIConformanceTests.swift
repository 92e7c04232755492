import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Ordering
import OrderingServer
import Synchronization
import TestSupport
import Testing

/// `openapi.yaml` describes what the server does: every operation the router serves and no
/// other, every request example is accepted by the live server, and every answer the server
/// gives (each success, each error it can be made to give) matches the document's response for
/// that status and content type, down to the last member.
@Suite struct OpenAPIConformanceTests {
    /// Every route of ``OrderingServer/routes(_:service:)``, as `METHOD /path/{parameter}`.
    static let servedOperations: Set<String> = [
        "GET /health", "GET /ready", "GET /metrics", "GET /openapi.yaml",
        "GET /v1/shops", "GET /v1/shops/{code}/menu",
        "POST /v1/orders", "GET /v1/orders/{id}", "POST /v1/orders/{id}/cancel", "POST /v1/orders/{id}/status",
    ]

    // MARK: The document

    @Test func theDocumentIsOpenAPI31AndEveryReferenceResolves() throws {
        let document = try OpenAPIFile.document()
        #expect(document.root["openapi"]?.string == "3.1.0")
        #expect(document.root["info"]?["version"]?.string == "1")
        for (pointer, reference) in document.references() {
            #expect(throws: Never.self, "\(pointer): $ref \(reference)") { try document.resolve(reference) }
        }
        #expect(document.unsupportedKeywords() == [])
        let operationIDs = document.operations.compactMap { $0.object["operationId"]?.string }
        #expect(operationIDs.count == document.operations.count, "every operation has an operationId")
        #expect(Set(operationIDs).count == operationIDs.count, "operationIds are unique")
    }

    @Test func theRouterServesExactlyTheDocumentedOperations() async throws {
        let document = try OpenAPIFile.document()
        let documented = Set(document.operations.map(\.description))
        #expect(documented == Self.servedOperations)

        // The router itself, so that a route added without documentation fails here too.
        let service = OrderingService(
            conninfo: "host=/nonexistent/ocpizza-openapi", poolSize: 1, logger: TestDatabase.logger)
        let routes = Set(OrderingServer.router(service: service).routes.map { "\($0.method.rawValue) \($0.path)" })
        await service.shutdown()
        #expect(routes == Self.servedOperations)
    }

    @Test func everyV1OperationNamesItsScopeAndTheOthersNeedNoKey() throws {
        let document = try OpenAPIFile.document()
        #expect(document.root["components"]?["securitySchemes"]?["bearerAuth"]?["scheme"]?.string == "bearer")
        for operation in document.operations {
            let scope = operation.object["x-required-scope"]?.string
            let security = operation.object["security"]?.array
            if operation.path.hasPrefix("/v1/") {
                let known = try #require(scope.flatMap(APIScope.init(rawValue:)), "\(operation): x-required-scope")
                #expect(security == [.object(["bearerAuth": .array([.string(known.rawValue)])])], "\(operation)")
                #expect(
                    operation.object["description"]?.string?.contains("Required scope: `\(known.rawValue)`.") == true,
                    "\(operation): the description names the scope")
                #expect(try document.response(of: operation, status: 401) != nil, "\(operation) documents 401")
                #expect(try document.response(of: operation, status: 403) != nil, "\(operation) documents 403")
            } else {
                #expect(scope == nil, "\(operation)")
                #expect(security == [], "\(operation) needs no key")
            }
        }
    }

    @Test func everyExampleMatchesItsSchema() throws {
        let document = try OpenAPIFile.document()
        var checked = 0
        func examples(of media: JSON) throws -> [(String, JSON)] {
            var found: [(String, JSON)] = []
            if let example = media["example"] { found.append(("example", example)) }
            for (name, example) in media["examples"]?.object ?? [:] {
                found.append((name, try #require(try document.dereferenced(example)["value"], "\(name) has a value")))
            }
            return found
        }
        for operation in document.operations {
            for (type, media) in operation.object["requestBody"]?["content"]?.object ?? [:] {
                for (name, example) in try examples(of: media) {
                    let violations = document.validate(example, against: try #require(media["schema"]))
                    #expect(violations.isEmpty, "\(operation) request \(type) \(name): \(violations)")
                    checked += 1
                }
            }
            for (status, response) in operation.object["responses"]?.object ?? [:] {
                for (type, media) in try document.dereferenced(response)["content"]?.object ?? [:] {
                    for (name, example) in try examples(of: media) {
                        let violations = document.validate(
                            example, against: try #require(media["schema"]), closedObjects: true)
                        #expect(violations.isEmpty, "\(operation) \(status) \(type) \(name): \(violations)")
                        checked += 1
                    }
                }
            }
            for parameter in operation.object["parameters"]?.array ?? [] {
                let parameter = try document.dereferenced(parameter)
                if let example = parameter["example"] {
                    #expect(document.validate(example, against: try #require(parameter["schema"])).isEmpty)
                    checked += 1
                }
            }
        }
        for (pointer, schema) in document.schemas() {
            for example in schema["examples"]?.array ?? [] {
                #expect(document.validate(example, against: schema).isEmpty, "\(pointer) example \(example)")
                checked += 1
            }
        }
        #expect(checked > 30)
    }

    /// The validator itself: a validator that accepts everything would make every other test
    /// here pass.
    @Test func theValidatorFindsEachKindOfViolation() throws {
        let document = try OpenAPIDocument(
            yaml: """
                openapi: 3.1.0
                components:
                  schemas:
                    Thing:
                      type: object
                      additionalProperties: false
                      required: [id, tags]
                      properties:
                        id: {type: integer, minimum: 1}
                        name: {type: [string, "null"], maxLength: 3}
                        tags: {type: array, maxItems: 2, uniqueItems: true, items: {$ref: "#/components/schemas/Tag"}}
                        kind: {enum: [a, b]}
                        when: {type: string, format: date}
                        either: {oneOf: [{type: string}, {type: integer}]}
                        a/b: {const: 1}
                      if: {required: [kind], properties: {kind: {const: a}}}
                      then: {required: [name]}
                    Tag: {type: string, pattern: "^[a-z]+$"}
                    Open:
                      type: object
                      properties: {a: {type: string}}
                """)
        let thing = try document.resolve("#/components/schemas/Thing")
        let cases: [(String, [String])] = [
            (#"{"id": 1, "tags": ["x"]}"#, []),
            (#"{"id": 1.0, "tags": [], "name": null, "either": 7}"#, []),
            (#"{"id": 0, "tags": []}"#, ["/id"]),
            (#"{"id": 1.5, "tags": []}"#, ["/id"]),
            (#"{"id": "1", "tags": []}"#, ["/id"]),
            (#"{"id": 1}"#, ["/tags"]),
            (#"{"id": 1, "tags": ["X"]}"#, ["/tags/0"]),
            (#"{"id": 1, "tags": ["x", "x"]}"#, ["/tags/1"]),
            (#"{"id": 1, "tags": ["x", "y", "z"]}"#, ["/tags"]),
            (#"{"id": 1, "tags": [], "extra": true}"#, ["/extra"]),
            (#"{"id": 1, "tags": [], "name": "long"}"#, ["/name"]),
            (#"{"id": 1, "tags": [], "kind": "c"}"#, ["/kind"]),
            (#"{"id": 1, "tags": [], "kind": "a"}"#, ["/name"]),
            (#"{"id": 1, "tags": [], "when": "2026-13-01"}"#, ["/when"]),
            (#"{"id": 1, "tags": [], "either": true}"#, ["/either"]),
            (#"{"id": 1, "tags": [], "a/b": 2}"#, ["/a~1b"]),
            ("[]", [""]),
        ]
        for (text, pointers) in cases {
            let violations = document.validate(try JSON.parse(text).value, against: thing)
            #expect(violations.map(\.pointer) == pointers, "\(text): \(violations)")
        }
        let open = try document.resolve("#/components/schemas/Open")
        let extra = try JSON.parse(#"{"a": "x", "b": 1}"#).value
        #expect(document.validate(extra, against: open).isEmpty)
        #expect(document.validate(extra, against: open, closedObjects: true).map(\.pointer) == ["/b"])
        #expect(throws: OpenAPIDocumentError.self) { try document.resolve("#/components/schemas/Nothing") }
    }

    @Test func theJSONReaderIsStrict() throws {
        let parsed = try JSON.parse(#"{"status": 409, "detail": "\u00e9\ud83c\udf55\n", "status": "accepted"}"#)
        #expect(parsed.duplicates == ["/status"])
        #expect(parsed.value["status"] == .number(409))
        #expect(parsed.value["detail"] == .string("é🍕\n"))
        #expect(try JSON.parse(parsed.value.description).value == parsed.value)
        for text in ["", "{", #"{"a": 01}"#, "[1,]", #"{"a" 1}"#, "nul", "1 2", #"["\x"]"#, "{'a': 1}"] {
            #expect(throws: JSONSyntaxError.self, "\(text)") { try JSON.parse(text) }
        }
    }

    // MARK: The document against the server

    @Test func theServerServesThisDocument() async throws {
        let text = try OpenAPIFile.text()
        try await TestChain.withServer { server in
            let response = try await server.request(.get, "/openapi.yaml")
            #expect(response.status == .ok)
            #expect(response.text == text, "the server embeds the document at build time: rebuild")
        }
    }

    @Test func everyRequestExampleIsAcceptedByTheServer() async throws {
        let document = try OpenAPIFile.document()
        let conformance = Conformance(document: document)
        try await TestChain.withServer { server in
            let key = try await server.key()
            var tried = 0
            for operation in document.operations {
                guard let media = operation.object["requestBody"]?["content"]?["application/json"] else { continue }
                var examples: [(String, JSON)] = media["example"].map { [("example", $0)] } ?? []
                for (name, example) in media["examples"]?.object ?? [:] {
                    examples.append((name, try #require(try document.dereferenced(example)["value"])))
                }
                #expect(!examples.isEmpty, "\(operation) has a request example")
                for (name, example) in examples.sorted(by: { $0.0 < $1.0 }) {
                    tried += 1
                    switch operation.description {
                    case "POST /v1/orders":
                        let response = try await server.placeOrder(example.description, key: key)
                        conformance.check(response, .post, operation.path, 201, "example \(name)")
                    case "POST /v1/orders/{id}/cancel":
                        let id = try await Self.place(server, Orders.phoneDelivery(), key: key)
                        let response = try await server.request(
                            .post, "/v1/orders/\(id)/cancel", key: key, json: example.description)
                        let order = conformance.check(response, .post, operation.path, 200, "example \(name)")
                        #expect(order?["status"]?.string == "cancelled")
                    case "POST /v1/orders/{id}/status":
                        let target = try #require(example["status"]?.string)
                        let id = try await Self.place(
                            server, target == "collected" ? Orders.counterPickup : Orders.phoneDelivery(), key: key)
                        for step in Self.stepsBefore[target] ?? [] {
                            try await Self.move(server, id, to: step, key: key)
                        }
                        let response = try await server.request(
                            .post, "/v1/orders/\(id)/status", key: key, json: example.description)
                        let order = conformance.check(response, .post, operation.path, 200, "example \(name)")
                        #expect(order?["status"]?.string == target, "example \(name)")
                    default:
                        Issue.record("\(operation) has a request example this test does not know how to send")
                    }
                }
            }
            #expect(tried >= 7)
        }
    }

    /// The request schemas refuse what the server refuses with 422, and accept what it accepts:
    /// a client that validates against the document before sending is never surprised.
    @Test func theOrderRequestSchemaAgreesWithTheServer() async throws {
        let document = try OpenAPIFile.document()
        let schema = try document.resolve("#/components/schemas/OrderRequest")
        let counter = #""shop": "PAR11", "channel": "counter", "fulfilment": "pickup""#
        let reine = #""lines": [{"product": "PIZ-REINE", "quantity": 1}]"#
        let cash = #""payment": {"method": "counter_cash"}"#
        let delivery =
            #""fulfilment": "delivery", "delivery_address": {"line1": "3 rue Saint-Maur", "postcode": "75011", "city": "Paris"}"#
        let tenModifiers =
            #"["extra-mozzarella", "extra-jambon", "extra-chevre", "extra-champignons", "extra-chorizo", "extra-oeuf", "extra-piment", "sans-oignons", "sans-olives", "sans-champignons"]"#
        let fiftyLines = Array(repeating: #"{"product": "DRK-EAU-50", "quantity": 1}"#, count: 50).joined(
            separator: ", ")
        let accepted = [
            "{\(counter), \(reine), \(cash)}",
            "{\(counter), \"customer\": null, \"delivery_address\": null, \"note\": null, \(reine), \"payment\": {\"method\": \"counter_cash\", \"reference\": null, \"amount_cents\": null}}",
            #"{"shop": "par11", "channel": "counter", "fulfilment": "pickup", "lines": [{"product": "piz-reine", "quantity": 99, "modifiers": null}], "payment": {"method": "counter_card"}}"#,
            "{\(counter), \"lines\": [{\"product\": \"PIZ-REINE\", \"quantity\": 1, \"modifiers\": \(tenModifiers)}], \(cash)}",
            "{\(counter), \"lines\": [\(fiftyLines)], \(cash)}",
            "{\"shop\": \"PAR11\", \"channel\": \"phone\", \"customer\": {\"phone\": \"0698765432\"}, \(delivery), \(reine), \"payment\": {\"method\": \"card_on_delivery\"}}",
            "{\"shop\": \"PAR11\", \"channel\": \"web\", \"customer\": {\"phone\": \"+33698765432\", \"name\": null}, \(delivery), \(reine), \"payment\": {\"method\": \"paypal\", \"reference\": \"PAYID-AGREE-1\", \"amount_cents\": 1300}}",
        ]
        let refused = [
            "[]",
            "{\(reine), \(cash)}",
            "{\"shop\": \"PAR11\", \"fulfilment\": \"pickup\", \(reine), \(cash)}",
            "{\"shop\": \"PAR11\", \"channel\": \"fax\", \"fulfilment\": \"pickup\", \(reine), \(cash)}",
            "{\"shop\": \"PAR11\", \"channel\": \"counter\", \"fulfilment\": \"drone\", \(reine), \(cash)}",
            "{\"shop\": \"PAR11-PAR11-PAR11\", \"channel\": \"counter\", \"fulfilment\": \"pickup\", \(reine), \(cash)}",
            "{\(counter), \(cash)}",
            "{\(counter), \"lines\": [], \(cash)}",
            "{\(counter), \"lines\": [\(fiftyLines), {\"product\": \"DRK-EAU-50\", \"quantity\": 1}], \(cash)}",
            "{\(counter), \"lines\": [{\"product\": \"PIZ-REINE\", \"quantity\": 0}], \(cash)}",
            "{\(counter), \"lines\": [{\"product\": \"PIZ-REINE\", \"quantity\": 100}], \(cash)}",
            "{\(counter), \"lines\": [{\"product\": \"PIZ-REINE\", \"quantity\": 1.5}], \(cash)}",
            "{\(counter), \"lines\": [{\"product\": \"PIZ-REINE\", \"quantity\": \"1\"}], \(cash)}",
            "{\(counter), \"lines\": [{\"product\": \"PIZ-REINE\"}], \(cash)}",
            "{\(counter), \"lines\": [{\"product\": \" \", \"quantity\": 1}], \(cash)}",
            "{\(counter), \"lines\": [{\"product\": \"PIZ-REINE\", \"quantity\": 1, \"modifiers\": [\"sans-olives\", \"sans-olives\"]}], \(cash)}",
            "{\(counter), \"lines\": [{\"product\": \"PIZ-REINE\", \"quantity\": 1, \"modifiers\": [\"\"]}], \(cash)}",
            "{\(counter), \"lines\": [{\"product\": \"PIZ-REINE\", \"quantity\": 1, \"modifiers\": \(tenModifiers.dropLast()), \"extra-olives\"]}], \(cash)}",
            "{\(counter), \"lines\": [{\"product\": \"PIZ-REINE\", \"quantity\": 1, \"modifers\": []}], \(cash)}",
            "{\(counter), \(reine), \(cash), \"modifers\": []}",
            "{\(counter), \(reine), \(cash), \"note\": \"   \"}",
            "{\(counter), \(reine), \(cash), \"note\": \"\(String(repeating: "x", count: 501))\"}",
            "{\(counter), \(reine), \(cash), \"customer\": {\"name\": \"\(String(repeating: "x", count: 121))\"}}",
            "{\(counter), \(reine), \(cash), \"customer\": {\"email\": \"a@example.com\"}}",
            "{\(counter), \(reine)}",
            "{\(counter), \(reine), \"payment\": {}}",
            "{\(counter), \(reine), \"payment\": {\"method\": \"cheque\"}}",
            "{\(counter), \(reine), \"payment\": {\"method\": \"counter_cash\", \"reference\": \"R-1\"}}",
            "{\(counter), \(reine), \"payment\": {\"method\": \"counter_cash\", \"amount_cents\": -1}}",
            "{\(counter), \(reine), \"payment\": {\"method\": \"counter_cash\", \"tip_cents\": 100}}",
            "{\(counter), \(reine), \"payment\": {\"method\": \"online_card\"}}",
            "{\(counter), \(reine), \"payment\": {\"method\": \"cash_on_delivery\"}}",
            "{\"shop\": \"PAR11\", \"channel\": \"web\", \"fulfilment\": \"pickup\", \(reine), \"payment\": {\"method\": \"paypal\", \"reference\": \"PAYID-AGREE-2\"}}",
            "{\"shop\": \"PAR11\", \"channel\": \"phone\", \"customer\": {\"name\": \"Karim\"}, \(delivery), \(reine), \"payment\": {\"method\": \"cash_on_delivery\"}}",
            "{\"shop\": \"PAR11\", \"channel\": \"phone\", \"customer\": {\"phone\": \"0698765432\"}, \"fulfilment\": \"delivery\", \(reine), \"payment\": {\"method\": \"cash_on_delivery\"}}",
            "{\"shop\": \"PAR11\", \"channel\": \"phone\", \"customer\": {\"phone\": \"0698765432\"}, \(delivery), \(reine), \"payment\": {\"method\": \"counter_card\"}}",
            "{\(counter), \"delivery_address\": {\"line1\": \"3 rue Saint-Maur\", \"postcode\": \"75011\", \"city\": \"Paris\"}, \(reine), \(cash)}",
            "{\"shop\": \"PAR11\", \"channel\": \"phone\", \"customer\": {\"phone\": \"0698765432\"}, \"fulfilment\": \"delivery\", \"delivery_address\": {\"line1\": \"3 rue Saint-Maur\", \"postcode\": \"75011\"}, \(reine), \"payment\": {\"method\": \"cash_on_delivery\"}}",
            "{\"shop\": \"PAR11\", \"channel\": \"phone\", \"customer\": {\"phone\": \"0698765432\"}, \"fulfilment\": \"delivery\", \"delivery_address\": {\"line1\": \"3 rue Saint-Maur\", \"postcode\": \"75011\", \"city\": \"Paris\", \"country_code\": \"FRA\"}, \(reine), \"payment\": {\"method\": \"cash_on_delivery\"}}",
            "{\"shop\": \"PAR11\", \"channel\": \"phone\", \"customer\": {\"phone\": \"0698765432\"}, \"fulfilment\": \"delivery\", \"delivery_address\": {\"line1\": \"3 rue Saint-Maur\", \"postcode\": \"75011\", \"city\": \"Paris\", \"floor\": 3}, \(reine), \"payment\": {\"method\": \"cash_on_delivery\"}}",
        ]
        try await TestChain.withServer { server in
            let key = try await server.key()
            for body in accepted {
                let violations = document.validate(try JSON.parse(body).value, against: schema)
                #expect(violations.isEmpty, "the schema refuses \(body): \(violations)")
                let response = try await server.placeOrder(body, key: key)
                #expect(response.status == .created, "the server refuses \(body): \(response.text)")
            }
            for body in refused {
                #expect(
                    !document.validate(try JSON.parse(body).value, against: schema).isEmpty,
                    "the schema accepts \(body)")
                let response = try await server.placeOrder(body, key: key)
                #expect(response.status.code == 422, "the server answers \(response.status.code) to \(body)")
            }
        }
    }

    @Test func theStaffActionSchemasAgreeWithTheServer() async throws {
        let document = try OpenAPIFile.document()
        let cancel = try document.resolve("#/components/schemas/CancelRequest")
        let status = try document.resolve("#/components/schemas/StatusRequest")
        let cases: [(schema: JSON, action: String, body: String, accepted: Bool)] = [
            (cancel, "cancel", #"{"reason": "Le client a rappelé"}"#, true),
            (cancel, "cancel", #"{"reason": "Le client a rappelé", "employee_id": null}"#, true),
            (cancel, "cancel", #"{}"#, false),
            (cancel, "cancel", #"{"reason": null}"#, false),
            (cancel, "cancel", #"{"reason": " "}"#, false),
            (cancel, "cancel", #"{"reason": 42}"#, false),
            (cancel, "cancel", #"{"reason": "x", "status": "cancelled"}"#, false),
            (cancel, "cancel", #"{"reason": "x", "employee_id": 0}"#, false),
            (cancel, "cancel", #"{"reason": "x", "employee_id": "7"}"#, false),
            (cancel, "cancel", "[]", false),
            (status, "status", #"{"status": "accepted"}"#, true),
            (status, "status", #"{"status": "accepted", "reason": null, "employee_id": null}"#, true),
            (status, "status", #"{"status": "cancelled", "reason": "Four en panne"}"#, true),
            (status, "status", #"{}"#, false),
            (status, "status", #"{"status": "shipped"}"#, false),
            (status, "status", #"{"status": "accepted", "note": "x"}"#, false),
            (status, "status", #"{"status": "accepted", "reason": ""}"#, false),
        ]
        try await TestChain.withServer { server in
            let key = try await server.key()
            for (schema, action, body, accepted) in cases {
                let id = try await Self.place(server, Orders.counterPickup, key: key)
                let violations = document.validate(try JSON.parse(body).value, against: schema)
                #expect(violations.isEmpty == accepted, "\(action) \(body): \(violations)")
                let response = try await server.request(.post, "/v1/orders/\(id)/\(action)", key: key, json: body)
                #expect(response.status.code == (accepted ? 200 : 422), "\(action) \(body): \(response.text)")
            }
        }
    }

    // MARK: Every answer

    /// Provokes every status of every operation and checks each answer against the document;
    /// at the end, every documented response has been seen.
    @Test func everyDocumentedResponseIsGivenAndConforms() async throws {
        let document = try OpenAPIFile.document()
        let conformance = Conformance(document: document)
        try await TestChain.withServer { server in
            try await Self.operationsAnswers(server, conformance)
            try await Self.successes(server, conformance)
            try await Self.clientErrors(server, conformance)
            try await Self.conflicts(server, conformance)
        }
        try await TestChain.withServer { server in try await Self.maintenance(server, conformance) }
        try await TestChain.withServer { server in try await Self.brokenDatabase(server, conformance) }
        try await Self.unreachableDatabase(conformance)

        var documented: Set<String> = []
        for operation in document.operations {
            for status in document.statuses(of: operation) { documented.insert("\(operation) \(status)") }
        }
        #expect(documented.subtracting(conformance.covered).sorted() == [], "documented but never seen")
        #expect(conformance.covered.subtracting(documented).sorted() == [], "seen but not documented")
    }

    static func operationsAnswers(_ server: TestServer, _ conformance: Conformance) async throws {
        let health = conformance.check(try await server.request(.get, "/health"), .get, "/health", 200)
        #expect(health?["status"]?.string == "ok")
        let ready = conformance.check(try await server.request(.get, "/ready"), .get, "/ready", 200)
        #expect(ready?["database"]?.string == "ok")
        conformance.check(try await server.request(.get, "/metrics"), .get, "/metrics", 200)
        conformance.check(try await server.request(.get, "/openapi.yaml"), .get, "/openapi.yaml", 200)
    }

    static func successes(_ server: TestServer, _ conformance: Conformance) async throws {
        let key = try await server.key()
        let shops = conformance.check(try await server.request(.get, "/v1/shops", key: key), .get, "/v1/shops", 200)
        #expect(shops?.array?.compactMap { $0["status"]?.string }.contains("planned") == true)
        for code in ["PAR11", "par20"] {
            conformance.check(
                try await server.request(.get, "/v1/shops/\(code)/menu", key: key), .get, "/v1/shops/{code}/menu", 200)
        }

        let key1 = UUID().uuidString
        let placed = try await server.placeOrder(Orders.webDelivery, key: key, idempotencyKey: key1)
        let order = conformance.check(placed, .post, "/v1/orders", 201)
        let id = try #require(order?["id"]?.number.map { Int($0) })
        #expect(placed.headers[.location] == "/v1/orders/\(id)")
        #expect(placed.headers[HTTPField.Name("Idempotent-Replayed")!] == nil)
        let replayed = try await server.placeOrder(Orders.webDelivery, key: key, idempotencyKey: key1)
        conformance.check(replayed, .post, "/v1/orders", 201, "replay")
        #expect(replayed.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
        #expect(replayed.headers[.location] == "/v1/orders/\(id)")

        conformance.check(try await server.request(.get, "/v1/orders/\(id)", key: key), .get, "/v1/orders/{id}", 200)
        let delivery = try await place(server, Orders.phoneDelivery(), key: key)
        for step in ["accepted", "in_preparation", "ready", "out_for_delivery", "delivered"] {
            conformance.check(
                try await server.request(
                    .post, "/v1/orders/\(delivery)/status", key: key, json: #"{"status": "\#(step)"}"#),
                .post, "/v1/orders/{id}/status", 200, step)
        }
        conformance.check(
            try await server.request(.post, "/v1/orders/\(id)/cancel", key: key, json: #"{"reason": "Erreur"}"#),
            .post, "/v1/orders/{id}/cancel", 200)
        let again = conformance.check(
            try await server.request(.post, "/v1/orders/\(id)/cancel", key: key, json: #"{"reason": "Erreur"}"#),
            .post, "/v1/orders/{id}/cancel", 200, "cancelled again")
        #expect(again?["payment"]?["status"]?.string == "voided")
    }

    static func clientErrors(_ server: TestServer, _ conformance: Conformance) async throws {
        let key = try await server.key()
        let id = try await place(server, Orders.counterPickup, key: key)
        let calls = V1Call.all(orderID: id)

        // 401: no key, another scheme, an unknown key, a revoked key.
        let revoked = try await server.key(name: "revoked")
        try await TestChain.sql(server.conninfo) { session in
            _ = try APIKeys.revoke(APIKeys.prefix(of: revoked), in: session)
        }
        for call in calls {
            for (label, headers) in [
                ("no key", [:]), ("basic", [.authorization: "Basic b2NwOnBpenph"]),
                ("unknown key", [.authorization: "Bearer ocp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]),
                ("revoked key", [.authorization: "Bearer \(revoked)"]),
            ] as [(String, HTTPFields)] {
                let response = try await call.send(server, key: nil, headers: headers)
                conformance.check(response, call.method, call.template, 401, label, type: "unauthorized")
            }
        }

        // 403: every operation refuses a key with every scope but its own, and takes one with
        // its own alone (x-required-scope is the truth).
        for call in calls {
            let scopeName = try #require(
                conformance.document.operation(call.method.rawValue, call.template)?.object["x-required-scope"]?.string)
            let scope = try #require(APIScope(rawValue: scopeName))
            let lacking = try await server.key(APIScope.allCases.filter { $0 != scope }, name: "lacks")
            let refused = conformance.check(
                try await call.send(server, key: lacking), call.method, call.template, 403, type: "forbidden")
            #expect(refused?["detail"]?.string?.contains(scope.rawValue) == true)
            let only = try await server.key([scope], name: "only")
            let allowed = try await call.send(server, key: only)
            #expect(
                allowed.status.code < 300,
                "\(call.method) \(call.template) with \(scope.rawValue) alone: \(allowed.text)")
        }
        let boulogneWriter = try await server.key([.ordersWrite], name: "till", shop: "BOULOGNE")
        conformance.check(
            try await server.placeOrder(Orders.phoneDelivery(shop: "PAR11"), key: boulogneWriter),
            .post, "/v1/orders", 403, "a key of another shop", type: "forbidden")

        // 404
        conformance.check(
            try await server.request(.get, "/v1/shops/NOWHERE/menu", key: key), .get, "/v1/shops/{code}/menu", 404,
            type: "not-found")
        for uri in ["/v1/orders/424242", "/v1/orders/abc", "/v1/orders/0"] {
            conformance.check(try await server.request(.get, uri, key: key), .get, "/v1/orders/{id}", 404, uri)
        }
        let boulogneReader = try await server.key([.ordersRead], name: "till", shop: "BOULOGNE")
        conformance.check(
            try await server.request(.get, "/v1/orders/\(id)", key: boulogneReader), .get, "/v1/orders/{id}", 404,
            "an order of another shop")
        conformance.check(
            try await server.request(.post, "/v1/orders/424242/cancel", key: key, json: #"{"reason": "x"}"#),
            .post, "/v1/orders/{id}/cancel", 404, type: "not-found")
        conformance.check(
            try await server.request(.post, "/v1/orders/424242/status", key: key, json: #"{"status": "accepted"}"#),
            .post, "/v1/orders/{id}/status", 404, type: "not-found")
        // Not operations, but documented in the introduction: unknown paths and methods are 404.
        #expect(try await server.request(.get, "/v1/menus", key: key).status == .notFound)
        #expect(try await server.request(.delete, "/v1/orders/\(id)", key: key).status == .notFound)

        // 400
        conformance.check(
            try await server.request(.post, "/v1/orders", key: key, json: Orders.counterPickup), .post, "/v1/orders",
            400, type: "idempotency-key-required")
        conformance.check(
            try await server.placeOrder(Orders.counterPickup, key: key, idempotencyKey: "two words"), .post,
            "/v1/orders", 400, type: "idempotency-key-invalid")
        conformance.check(
            try await server.placeOrder(#"{"shop": "PAR11",,}"#, key: key), .post, "/v1/orders", 400,
            type: "malformed-json")
        for action in ["cancel", "status"] {
            conformance.check(
                try await server.request(.post, "/v1/orders/\(id)/\(action)", key: key, json: "{reason"), .post,
                "/v1/orders/{id}/\(action)", 400, type: "malformed-json")
        }

        // 413 and 415, on every operation with a body.
        let huge = "{\"note\": \"" + String(repeating: "x", count: 70_000) + "\"}"
        let text: HTTPFields = [.contentType: "text/plain"]
        conformance.check(
            try await server.placeOrder(huge, key: key), .post, "/v1/orders", 413, type: "payload-too-large")
        conformance.check(
            try await server.request(
                .post, "/v1/orders", key: key, idempotencyKey: UUID().uuidString, json: Orders.counterPickup,
                headers: text),
            .post, "/v1/orders", 415, type: "unsupported-media-type")
        for action in ["cancel", "status"] {
            conformance.check(
                try await server.request(.post, "/v1/orders/\(id)/\(action)", key: key, json: huge), .post,
                "/v1/orders/{id}/\(action)", 413, type: "payload-too-large")
            conformance.check(
                try await server.request(.post, "/v1/orders/\(id)/\(action)", key: key, json: "{}", headers: text),
                .post, "/v1/orders/{id}/\(action)", 415, type: "unsupported-media-type")
        }

        // 422, from the request's checks and from the database's.
        for (label, body, field) in [
            ("no channel", #"{"shop": "PAR11"}"#, "/channel"),
            ("unknown product", Orders.phoneDelivery(product: "PIZ-HAWAI"), "/lines/0/product"),
            ("unknown shop", Orders.phoneDelivery(shop: "LYON01"), "/shop"),
            (
                "amount differs",
                #"{"shop": "PAR11", "channel": "counter", "fulfilment": "pickup", "lines": [{"product": "PIZ-REINE", "quantity": 1}], "payment": {"method": "counter_cash", "amount_cents": 1}}"#,
                "/payment/amount_cents"
            ),
        ] {
            let problem = conformance.check(
                try await server.placeOrder(body, key: key), .post, "/v1/orders", 422, label, type: "invalid-value")
            #expect(problem?["field"]?.string == field, "\(label)")
        }
        let placed = try await place(server, Orders.counterPickup, key: key)
        for (action, body, field) in [
            ("cancel", "{}", "/reason"), ("cancel", #"{"reason": "x", "why": "y"}"#, "/why"),
            ("status", "{}", "/status"), ("status", #"{"status": "accepted", "employee_id": 999999}"#, "/employee_id"),
        ] {
            let problem = conformance.check(
                try await server.request(.post, "/v1/orders/\(placed)/\(action)", key: key, json: body), .post,
                "/v1/orders/{id}/\(action)", 422, body, type: "invalid-value")
            #expect(problem?["field"]?.string == field, "\(action) \(body)")
        }
    }

    static func conflicts(_ server: TestServer, _ conformance: Conformance) async throws {
        let key = try await server.key()

        // The same Idempotency-Key for another order.
        let reused = UUID().uuidString
        let first = try await server.placeOrder(Orders.counterPickup, key: key, idempotencyKey: reused)
        let firstID = try #require(first.object["id"] as? Int)
        let problem = conformance.check(
            try await server.placeOrder(Orders.phoneDelivery(), key: key, idempotencyKey: reused), .post, "/v1/orders",
            409, type: "idempotency-key-reused")
        #expect(problem?["order_id"]?.number == Double(firstID))

        // Moves the state machine refuses.
        let id = try await place(server, Orders.phoneDelivery(), key: key)
        try await move(server, id, to: "accepted", key: key)
        let refused = conformance.check(
            try await server.request(.post, "/v1/orders/\(id)/status", key: key, json: #"{"status": "delivered"}"#),
            .post, "/v1/orders/{id}/status", 409, type: "invalid-transition")
        #expect(refused?["allowed"] == .array([.string("cancelled"), .string("in_preparation")]))
        #expect(refused?["order_status"]?.string == "accepted", "order_status")
        try await move(server, id, to: "in_preparation", key: key)
        let late = conformance.check(
            try await server.request(.post, "/v1/orders/\(id)/cancel", key: key, json: #"{"reason": "x"}"#),
            .post, "/v1/orders/{id}/cancel", 409, type: "invalid-transition")
        #expect(late?["allowed"] == .array([]))

        // Out of stock (no cola left, the calzone taken off the menu), and PAR15 closed.
        try await TestChain.sql(server.conninfo) { session in
            try session.executeScript(
                """
                UPDATE stock_balance SET quantity = 0
                WHERE pizzeria_id = (SELECT id FROM pizzeria WHERE code = 'PAR11')
                  AND ingredient_id = (SELECT id FROM ingredient WHERE sku = 'COLA-33');
                UPDATE pizzeria_menu SET available = false
                WHERE pizzeria_id = (SELECT id FROM pizzeria WHERE code = 'PAR11')
                  AND product_id = (SELECT id FROM product WHERE sku = 'PIZ-CALZONE');
                UPDATE pizzeria SET opening_hours = '{}' WHERE code = 'PAR15';
                """)
        }
        let menu = conformance.check(
            try await server.request(.get, "/v1/shops/PAR11/menu", key: key), .get, "/v1/shops/{code}/menu", 200,
            "with products unavailable")
        let cola = menu?["products"]?.array?.first { $0["product"]?.string == "DRK-COLA-33" }
        #expect(cola?["available"] == .bool(false))
        #expect(cola?["can_make"]?.number == 0)
        let short = conformance.check(
            try await server.placeOrder(
                #"{"shop": "PAR11", "channel": "counter", "fulfilment": "pickup", "lines": [{"product": "PIZ-REINE", "quantity": 1}, {"product": "DRK-COLA-33", "quantity": 1}, {"product": "PIZ-CALZONE", "quantity": 1}], "payment": {"method": "counter_cash"}}"#,
                key: key),
            .post, "/v1/orders", 409, type: "out-of-stock")
        let lines = short?["lines"]?.array ?? []
        #expect(Set(lines.compactMap { $0["line"]?.string }) == ["/lines/1", "/lines/2"])
        let noCola = lines.first { $0["product"]?.string == "DRK-COLA-33" }
        #expect(noCola?["reason"]?.string == "not enough stock")
        #expect(noCola?["ingredients"] == .array([.string("COLA-33")]))
        let noCalzone = lines.first { $0["product"]?.string == "PIZ-CALZONE" }
        #expect(noCalzone?["reason"]?.string == "taken off the menu for now")

        // A shop with no opening hours is never open.
        let closed = conformance.check(
            try await server.placeOrder(Orders.phoneDelivery(shop: "PAR15"), key: key), .post, "/v1/orders", 409,
            type: "shop-closed")
        #expect(closed?["opening_hours"] == .object([:]))
        #expect(closed?["timezone"]?.string == "Europe/Paris")
    }

    static func maintenance(_ server: TestServer, _ conformance: Conformance) async throws {
        let key = try await server.key()
        let id = try await place(server, Orders.counterPickup, key: key)
        try await TestChain.sql(server.conninfo) { session in
            try session.executeScript(
                #"INSERT INTO app_setting (key, value) VALUES ('maintenance', '{"on": true, "reason": "release 1.4"}')"#
            )
        }
        // The server reads the flag every 500 ms: wait until it has.
        var ready = try await server.request(.get, "/ready")
        var polls = 0
        while ready.status != .serviceUnavailable, polls < 4_800 {  // up to two minutes on a loaded machine
            try await Task.sleep(for: .milliseconds(25))
            ready = try await server.request(.get, "/ready")
            polls += 1
        }
        let readiness = conformance.check(ready, .get, "/ready", 503, "maintenance")
        #expect(readiness?["maintenance"] == .bool(true))
        #expect(ready.headers[.retryAfter] == "5")
        conformance.check(try await server.request(.get, "/health"), .get, "/health", 200, "maintenance")
        for call in V1Call.all(orderID: id) {
            for key in [key, nil] {
                let response = try await call.send(server, key: key)
                conformance.check(response, call.method, call.template, 503, "maintenance", type: "maintenance")
                #expect(response.headers[.retryAfter] == "30")
            }
        }
    }

    /// A database that answers but fails every statement of the endpoint: the API key table is
    /// gone, so every `/v1` call fails unexpectedly, and says so with a bare 500.
    static func brokenDatabase(_ server: TestServer, _ conformance: Conformance) async throws {
        let key = try await server.key()
        let id = try await place(server, Orders.counterPickup, key: key)
        try await TestChain.sql(server.conninfo) { session in
            try session.executeScript("ALTER TABLE api_key RENAME TO api_key_gone")
        }
        for call in V1Call.all(orderID: id) {
            let problem = conformance.check(
                try await call.send(server, key: key), call.method, call.template, 500, type: "internal-error")
            #expect(problem?["detail"]?.string?.contains("api_key") == false, "no SQL reaches the client")
        }
    }

    /// A server whose database cannot be reached at all.
    static func unreachableDatabase(_ conformance: Conformance) async throws {
        let service = OrderingService(
            conninfo: "host=/nonexistent/ocpizza-openapi dbname=ocpizza connect_timeout=2", poolSize: 1,
            logger: TestDatabase.logger)
        let app = Application(
            router: OrderingServer.router(service: service),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: TestDatabase.logger)
        try await app.test(.router) { client in
            let server = TestServer(transport: .router(client), conninfo: "", service: service)
            let ready = try await server.request(.get, "/ready")
            let readiness = conformance.check(ready, .get, "/ready", 503, "database unreachable")
            #expect(readiness?["database"]?.string == "unreachable")
            for call in V1Call.all(orderID: 1) {
                let response = try await call.send(server, key: "ocp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
                conformance.check(
                    response, call.method, call.template, 503, "database unreachable", type: "database-unavailable")
                #expect(response.headers[.retryAfter] == "5")
            }
        }
        await service.shutdown()
    }

    // MARK: Helpers

    /// The fulfilment moves that lead to the status before `key`.
    static let stepsBefore: [String: [String]] = [
        "accepted": [], "cancelled": [], "in_preparation": ["accepted"], "ready": ["accepted", "in_preparation"],
        "out_for_delivery": ["accepted", "in_preparation", "ready"],
        "delivered": ["accepted", "in_preparation", "ready", "out_for_delivery"],
        "collected": ["accepted", "in_preparation", "ready"],
    ]

    /// Places an order and returns its id.
    static func place(_ server: TestServer, _ body: String, key: String) async throws -> Int {
        let response = try await server.placeOrder(body, key: key)
        try #require(response.status == .created, "\(response.text)")
        return try #require(response.object["id"] as? Int)
    }

    static func move(_ server: TestServer, _ id: Int, to status: String, key: String) async throws {
        let response = try await server.request(
            .post, "/v1/orders/\(id)/status", key: key, json: #"{"status": "\#(status)"}"#)
        try #require(response.status == .ok, "\(status): \(response.text)")
    }
}

/// One request to each `/v1` operation, that succeeds with a key of the operation's scope (the
/// status move before the cancellation, so that both succeed on the same order).
struct V1Call: Sendable {
    var method: HTTPRequest.Method
    var template: String
    var uri: String
    var body: String?

    static func all(orderID id: Int) -> [V1Call] {
        [
            V1Call(method: .get, template: "/v1/shops", uri: "/v1/shops"),
            V1Call(method: .get, template: "/v1/shops/{code}/menu", uri: "/v1/shops/PAR11/menu"),
            V1Call(method: .post, template: "/v1/orders", uri: "/v1/orders", body: Orders.phoneDelivery()),
            V1Call(method: .get, template: "/v1/orders/{id}", uri: "/v1/orders/\(id)"),
            V1Call(
                method: .post, template: "/v1/orders/{id}/status", uri: "/v1/orders/\(id)/status",
                body: #"{"status": "accepted"}"#),
            V1Call(
                method: .post, template: "/v1/orders/{id}/cancel", uri: "/v1/orders/\(id)/cancel",
                body: #"{"reason": "Le client a rappelé"}"#),
        ]
    }

    func send(_ server: TestServer, key: String?, headers: HTTPFields = [:]) async throws -> ServerResponse {
        try await server.request(
            method, uri, key: key, idempotencyKey: template == "/v1/orders" ? UUID().uuidString : nil, json: body,
            headers: headers)
    }
}

/// The repository's `openapi.yaml`.
enum OpenAPIFile {
    static var url: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/OrderingServer/openapi.yaml")
    }

    static func text() throws -> String { try String(contentsOf: url, encoding: .utf8) }

    static func document() throws -> OpenAPIDocument { try OpenAPIDocument(yaml: try text()) }
}

/// Checks answers against the document, and remembers which documented responses were seen.
final class Conformance: Sendable {
    let document: OpenAPIDocument
    private let seen = Mutex<Set<String>>([])

    init(document: OpenAPIDocument) { self.document = document }

    /// `METHOD /path status` of every answer checked.
    var covered: Set<String> { seen.withLock { $0 } }

    /// Checks that `response` has `status`, that the operation documents that status, and that
    /// the answer matches the documented response: its content type, its body (against the
    /// schema, with every object closed), its required headers and, for a problem, its type.
    /// Returns the body, parsed, when it is JSON.
    @discardableResult
    func check(
        _ response: ServerResponse, _ method: HTTPRequest.Method, _ template: String, _ status: Int,
        _ note: String = "",
        type slug: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) -> JSON? {
        let label = "\(method.rawValue) \(template) → \(status)" + (note.isEmpty ? "" : " (\(note))")
        guard response.status.code == status else {
            Issue.record("\(label): answered \(response.status.code) \(response.text)", sourceLocation: sourceLocation)
            return nil
        }
        guard let operation = document.operation(method.rawValue, template) else {
            Issue.record("\(label): the operation is not documented", sourceLocation: sourceLocation)
            return nil
        }
        guard let documented = try? document.response(of: operation, status: status) else {
            Issue.record("\(label): the status is not documented", sourceLocation: sourceLocation)
            return nil
        }
        seen.withLock { _ = $0.insert("\(operation) \(status)") }

        for (name, header) in documented["headers"]?.object ?? [:] {
            guard let header = try? document.dereferenced(header) else { continue }
            let value = HTTPField.Name(name).flatMap { response.headers[$0] }
            if let value, let schema = header["schema"] {
                for violation in document.validate(.string(value), against: schema) {
                    Issue.record("\(label): header \(name): \(violation)", sourceLocation: sourceLocation)
                }
            } else if value == nil, header["required"] == .bool(true) {
                Issue.record("\(label): header \(name) missing", sourceLocation: sourceLocation)
            }
        }

        let contentType = response.headers[.contentType]?.split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        let content = documented["content"]?.object ?? [:]
        guard let contentType, let media = content[contentType] else {
            Issue.record(
                "\(label): content type \(contentType ?? "none") is not documented (\(content.keys.sorted()))",
                sourceLocation: sourceLocation)
            return nil
        }
        guard let schema = media["schema"] else { return nil }
        guard contentType.hasSuffix("json") else {
            for violation in document.validate(.string(response.text), against: schema) {
                Issue.record("\(label): \(violation)", sourceLocation: sourceLocation)
            }
            return nil
        }

        let body: JSON
        do {
            let parsed = try JSON.parse(response.text)
            for pointer in parsed.duplicates {
                Issue.record(
                    "\(label): duplicate member \(pointer) in \(response.text)", sourceLocation: sourceLocation)
            }
            body = parsed.value
        } catch {
            Issue.record("\(label): \(error): \(response.text)", sourceLocation: sourceLocation)
            return nil
        }
        for violation in document.validate(body, against: schema, closedObjects: true) {
            Issue.record("\(label): \(violation)", sourceLocation: sourceLocation)
        }

        if contentType == "application/problem+json" {
            let type = body["type"]?.string ?? ""
            let found = String(type.split(separator: "/").last ?? "")
            let listed = documented["x-problem-types"]?.array?.compactMap(\.string) ?? []
            if !listed.contains(found) {
                Issue.record(
                    "\(label): problem type \(found) is not among the response's x-problem-types \(listed)",
                    sourceLocation: sourceLocation)
            }
            if let slug, slug != found {
                Issue.record("\(label): problem type \(found), expected \(slug)", sourceLocation: sourceLocation)
            }
            if body["status"]?.number != Double(status) {
                Issue.record(
                    "\(label): the problem's status is \(body["status"] ?? .null)", sourceLocation: sourceLocation)
            }
        }
        return body
    }
}
