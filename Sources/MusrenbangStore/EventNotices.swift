import Foundation
import Logging
import PostgresKit

/// What lets several server processes share one PostgreSQL: a new row of `assembly_events` is
/// announced (migration 14) and each process listens on one connection of its own, outside the
/// pool. The notice carries only the assembly's id; listeners then read the rows after their last
/// id, exactly as after a change made in their own process, so a lost notice delays nothing for
/// longer than the next one and a repeated one costs one read.
public enum EventNotices {
    public static let channel = "musrenbang_events"

    /// Listens until cancelled, calling `heard` with each announced assembly id; a dropped
    /// connection is opened again (after 1 s, growing to 30 s), and `reconnected` is called each
    /// time so the caller can re-read what it may have missed meanwhile.
    public static func follow(_ url: String, logger: Logger, reconnected: @escaping @Sendable () async -> Void,
                              heard: @escaping @Sendable (Int64) async -> Void) async {
        var wait = Duration.seconds(1)
        var first = true
        while !Task.isCancelled {
            do {
                let configuration = try SQLPostgresConfiguration(url: url).coreConfiguration
                let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
                do {
                    try await connection.listen(on: channel) { notices in
                        if !first { await reconnected() }
                        first = false
                        wait = .seconds(1)
                        for try await notice in notices {
                            if let id = Int64(notice.payload) { await heard(id) }
                        }
                    }
                } catch {
                    try? await connection.close()
                    throw error
                }
                try? await connection.close()
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                logger.warning("live event notices: \(String(describing: type(of: error))); listening again in \(wait)")
            }
            try? await Task.sleep(for: wait)
            wait = min(wait * 2, .seconds(30))
        }
    }
}
