import Foundation
import Logging
import PostgresKit
import Synchronization

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
        final class Listens: Sendable { let count = Mutex(0) }
        let listens = Listens()
        await follow(url, channel: channel, logger: logger, listening: { on in
            guard on else { return }
            let earlier = listens.count.withLock { count in
                defer { count += 1 }
                return count
            }
            if earlier > 0 { await reconnected() }
        }, heard: { payload in
            if let id = Int64(payload) { await heard(id) }
        })
    }

    /// Listens on `channel` until cancelled, on a connection of its own opened again when dropped
    /// (after 1 s, growing to 30 s). `listening(true)` once LISTEN holds, `listening(false)` when it
    /// is lost: what was announced in between was not heard.
    public static func follow(_ url: String, channel: String, logger: Logger, listening: @escaping @Sendable (Bool) async -> Void,
                              heard: @escaping @Sendable (String) async -> Void) async {
        var wait = Duration.seconds(1)
        while !Task.isCancelled {
            do {
                let configuration = try SQLPostgresConfiguration(url: url).coreConfiguration
                let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
                do {
                    try await connection.listen(on: channel) { notices in
                        await listening(true)
                        wait = .seconds(1)
                        for try await notice in notices { await heard(notice.payload) }
                    }
                } catch {
                    await listening(false)
                    try? await connection.close()
                    throw error
                }
                await listening(false)
                try? await connection.close()
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                logger.warning("notices on \(channel): \(String(describing: type(of: error))); listening again in \(wait)")
            }
            try? await Task.sleep(for: wait)
            wait = min(wait * 2, .seconds(30))
        }
    }
}
