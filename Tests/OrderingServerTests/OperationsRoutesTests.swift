import Foundation
import HTTPTypes
import HummingbirdTesting
import Ordering
import Testing

/// `/health`, `/ready`, `/metrics` and `/openapi.yaml`: no key needed, for load balancers,
/// monitoring and client developers.
@Suite struct OperationsRoutesTests {
    @Test func healthAndReadinessAnswerWithoutAKey() async throws {
        try await TestChain.withServer { server in
            let health = try await server.request(.get, "/health")
            #expect(health.status == .ok)
            #expect(health.object["status"] as? String == "ok")

            let ready = try await server.request(.get, "/ready")
            #expect(ready.status == .ok)
            #expect(ready.object["database"] as? String == "ok")
            #expect(ready.object["migrations"] as? String == "current")
            #expect(ready.object["maintenance"] as? Bool == false)
        }
    }

    @Test func metricsCountRequestsByRoutePatternAndStatus() async throws {
        try await TestChain.withServer { server in
            let key = try await server.key()
            try await server.placeOrder(Orders.webDelivery, key: key)
            try await server.request(.get, "/v1/orders/424242", key: key)
            let metrics = try await server.request(.get, "/metrics")
            #expect(metrics.status == .ok)
            #expect(metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
            let text = metrics.text
            #expect(text.contains(#"ocpizza_http_requests_total{route="/v1/orders",method="POST",status="201"} 1"#))
            #expect(text.contains(#"ocpizza_http_requests_total{route="/v1/orders/{id}",method="GET",status="404"} 1"#))
            #expect(text.contains("ocpizza_http_request_duration_seconds_bucket"))
            #expect(text.contains("ocpizza_db_pool_max_connections 4"))
        }
    }

    @Test func theOpenAPIDocumentIsServed() async throws {
        try await TestChain.withServer { server in
            let document = try await server.request(.get, "/openapi.yaml")
            #expect(document.status == .ok)
            #expect(document.text.hasPrefix("openapi: 3.1"))
        }
    }
}
