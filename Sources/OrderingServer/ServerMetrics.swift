import Postgres
import Prometheus

/// The endpoint's Prometheus metrics, served at `/metrics`: requests by route, method and
/// status, a latency histogram by route, and the database pool's usage.
///
/// Routes are the router's patterns (`/v1/orders/{id}`), never raw paths, so an id in the URL
/// does not make a new time series.
public final class ServerMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    static let latencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5),
        .seconds(5),
    ]

    public init() {}

    func recordRequest(route: String, method: String, status: Int, duration: Duration) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "ocpizza", subsystem: "http", metricName: "requests", unitName: "total",
                helpText: "HTTP requests answered, by route pattern, method and status."),
            labels: [("route", route), ("method", method), ("status", String(status))]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "ocpizza", subsystem: "http", metricName: "request_duration", unitName: "seconds",
                helpText: "Time from the request's head to the answer, by route pattern."),
            labels: [("route", route)], buckets: Self.latencyBuckets
        ).recordNanoseconds(
            Int64(duration.components.seconds) * 1_000_000_000
                + duration.components.attoseconds / 1_000_000_000)
    }

    /// The Prometheus text exposition, with the pool's gauges read now.
    func exposition(pool: ConnectionPool, maintenance: Bool) -> [UInt8] {
        let usage = pool.usage
        func gauge(_ name: String, _ help: String, _ value: Int, _ labels: [(String, String)] = []) {
            registry.makeGauge(
                descriptor: MetricNameDescriptor(
                    namespace: "ocpizza", subsystem: "db_pool", metricName: name, helpText: help),
                labels: labels
            ).set(to: Double(value))
        }
        gauge(
            "connections", "Database connections of the request pool, by state.", usage.open - usage.idle,
            [("state", "in_use")])
        gauge("connections", "Database connections of the request pool, by state.", usage.idle, [("state", "idle")])
        gauge("max_connections", "The most connections the request pool opens.", pool.maximumConnections)
        gauge("waiting_requests", "Requests waiting for a database connection.", usage.waiting)
        registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "ocpizza", subsystem: "http", metricName: "maintenance",
                helpText: "1 while maintenance mode makes /v1 answer 503.")
        ).set(to: maintenance ? 1 : 0)
        return registry.emitToBuffer()
    }
}
