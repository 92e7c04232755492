import Backups
import Foundation
import Prometheus

/// Writes `var/metrics/ocpizza_backup.prom`: what the backup alerts in deploy/prometheus read.
struct BackupMetrics {
    let varDirectory: String

    func write(_ health: BackupHealth, lastSizeBytes: Int64?) throws {
        let registry = PrometheusCollectorRegistry()
        func gauge(_ metric: String, _ unit: String, _ help: String, _ value: Double) {
            let descriptor = MetricNameDescriptor(
                namespace: "ocpizza", subsystem: "backup", metricName: metric, unitName: unit, helpText: help)
            registry.makeGauge(descriptor: descriptor).set(value)
        }
        // An absent success is written as 0 (the epoch): "time() - metric" is then huge and the
        // staleness alert fires, instead of the series being missing and the alert silent.
        gauge(
            "last_success_timestamp", "seconds", "When the newest successful backup finished (0: never).",
            health.lastGoodBackupAt?.timeIntervalSince1970 ?? 0)
        gauge(
            "last_drill_success_timestamp", "seconds", "When a backup last passed a restore drill (0: never).",
            health.lastGoodDrillAt?.timeIntervalSince1970 ?? 0)
        gauge(
            "offsite_last_copy_timestamp", "seconds", "When the newest off-site copy was made (0: never).",
            health.newestOffsiteCopyAt?.timeIntervalSince1970 ?? 0)
        gauge("size", "bytes", "Size of the newest successful backup.", Double(lastSizeBytes ?? 0))
        var bytes = registry.emitToBuffer()
        if bytes.last != UInt8(ascii: "\n") { bytes.append(UInt8(ascii: "\n")) }
        let metrics = JobMetrics(varDirectory: varDirectory)
        try metrics.writeAtomically(bytes, to: metrics.directory + "/ocpizza_backup.prom")
    }
}
