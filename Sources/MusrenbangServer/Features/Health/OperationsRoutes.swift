import Foundation
import Hummingbird
import Metrics
import NIOCore
import MusrenbangStore
import Prometheus

/// Prometheus registry of this process. Bootstrapped once, because swift-metrics allows one
/// factory per process; tests that build many applications share it.
public enum AppMetrics {
    public static let registry = PrometheusCollectorRegistry()
    private static let bootstrap: Void = {
        var factory = PrometheusMetricsFactory(registry: registry)
        // One change to every listener should take well under a second: buckets that tell 0.3 s from 1 s.
        factory.durationHistogramBuckets[LiveHub.deliveryLabel] =
            [10, 25, 50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10_000].map { Duration.milliseconds($0) }
        MetricsSystem.bootstrap(factory)
    }()

    public static func bootstrapOnce() { _ = bootstrap }
}

/// `/healthz` (alive), `/readyz` (the database answers), `/metrics` (Prometheus text).
struct OperationsRoutes {
    let database: Database
    let connectionsPerLoop: Int

    func register(on router: Router<AppContext>) {
        let pingSeconds = Timer(label: "musrenbang_db_ping_seconds", preferredDisplayUnit: .seconds)
        let reachable = Gauge(label: "musrenbang_db_reachable")
        Gauge(label: "musrenbang_db_pool_max_connections").record(connectionsPerLoop * System.coreCount)

        router.get("healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
        }

        router.get("readyz") { _, _ in
            let started = DispatchTime.now().uptimeNanoseconds
            let ok = await database.isReachable()
            pingSeconds.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - started))
            reachable.record(ok ? 1 : 0)
            return Response(status: ok ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain"],
                            body: .init(byteBuffer: ByteBuffer(string: ok ? "ready\n" : "database unreachable\n")))
        }

        // The last good backup (`musrenbang backup` records it in the database when the archive
        // has been written and read back): its age, +Inf when there has never been one, so one
        // alert rule (`musrenbang_backup_age_seconds > 93600`) covers "too old" and "never".
        let backupAge = Gauge(label: "musrenbang_backup_age_seconds")
        let backupTime = Gauge(label: "musrenbang_backup_last_success_timestamp_seconds")
        let backupBytes = Gauge(label: "musrenbang_backup_last_size_bytes")
        let ledger = BackupLedger(database)

        router.get("metrics") { _, _ in
            let started = DispatchTime.now().uptimeNanoseconds
            reachable.record(await database.isReachable() ? 1 : 0)
            pingSeconds.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - started))
            if let last = try? await ledger.last() {
                backupAge.record(max(0, Date().timeIntervalSince(last.at)))
                backupTime.record(last.at.timeIntervalSince1970)
                backupBytes.record(Double(last.bytes))
            } else {
                backupAge.record(Double.infinity)
            }
            var buffer: [UInt8] = []
            AppMetrics.registry.emit(into: &buffer)
            // swift-prometheus prints infinity as Swift does ("inf"); the exposition format spells it "+Inf".
            let text = String(decoding: buffer, as: UTF8.self).replacingOccurrences(of: " inf\n", with: " +Inf\n")
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }
}
