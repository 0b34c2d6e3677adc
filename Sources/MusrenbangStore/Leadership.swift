import Foundation
import Logging
import PostgresKit

/// Which of several server processes on one PostgreSQL runs the jobs that must run once (the
/// floor timer): the one holding a session-level advisory lock. The lock is held on one connection
/// of its own, outside the pool, kept for as long as the process leads; PostgreSQL releases it when
/// that session ends, however it ends (the process exits or crashes, the connection is cut), so
/// another process's next attempt wins. Nothing is ever unlocked explicitly: giving the lead up is
/// closing the connection, exactly what a dying process does.
///
/// SQLite serves one process (`ServeLock`): it always leads.
///
/// `check()` is meant to be called by one loop, about once a second: a leader asks its connection
/// `SELECT 1` (an answer means the session, and so the lock, is still there); a follower tries
/// `pg_try_advisory_lock`, which never waits. Anything failing or slower than `limit` counts as
/// not leading, and the connection is dropped and opened afresh on the next call.
public actor Leadership {
    /// Advisory locks are per database: the key only has to differ from other advisory locks taken
    /// in this one. "musrenba" in ASCII.
    public static let key: Int64 = 0x6D75_7372_656E_6261

    private let url: String?
    private let logger: Logger
    private let limit: Duration
    private var connection: PostgresConnection?
    private var checking: Task<Bool, Never>?
    private var closed = false
    /// Whether this process led at the last check (a leader learns it lost the lead only then).
    public private(set) var leads: Bool

    /// `limit`: how long a check may take before the lead is given up. Past it the session may be
    /// cut off from the server (a network partition) while the server still holds the lock: stepping
    /// down first keeps two processes from leading at once while the server notices the dead peer.
    public init(_ database: DatabaseURL, logger: Logger, limit: Duration = .seconds(5)) {
        switch database {
        case .sqlite:
            url = nil
            leads = true
        case .postgres(let url):
            self.url = url
            leads = false
        }
        self.logger = logger
        self.limit = limit
    }

    /// Takes or keeps the lead if it can; whether this process leads now. Never throws: whatever
    /// fails means not leading, until a later call succeeds.
    @discardableResult
    public func check() async -> Bool {
        guard let url else { return true }
        guard !closed else { return false }
        // Concurrent callers share one attempt: two would race to open two connections.
        if let checking { return await checking.value }
        let attempt = Task { await self.attempt(url) }
        checking = attempt
        let result = await attempt.value
        checking = nil
        return result
    }

    /// Gives the lead up for good: the connection closes and the lock goes with it.
    public func close() async {
        closed = true
        if url != nil { leads = false }
        let connection = self.connection
        self.connection = nil
        try? await connection?.close()
    }

    private func attempt(_ url: String) async -> Bool {
        do {
            let connection: PostgresConnection
            if let held = self.connection { connection = held } else { connection = try await open(url) }
            guard !closed else {
                try? await connection.close()
                return false
            }
            self.connection = connection
            let lent = LentConnection(sql: OpenConnectionGuard(base: connection.sql(queryLogLevel: .trace), isClosed: { connection.isClosed }),
                                      discard: {
                                          let closing: EventLoopFuture<Void> = connection.close()
                                          _ = closing
                                      }, isClosed: { connection.isClosed })
            // The lead is kept by keeping the session: taking the lock again would stack a second
            // hold on it, so a leader only asks whether the session is still there.
            let query: SQLQueryString = leads ? "SELECT true AS held" : "SELECT pg_try_advisory_lock(\(bind: Self.key)) AS held"
            let held = try await DatabaseDeadline.run(limit, on: lent) {
                try await lent.sql.raw(query).first()?.decode(column: "held", as: Bool.self) ?? false
            }
            leads = held && !closed
        } catch {
            if leads || connection != nil {
                logger.warning("leadership connection failed: \(String(describing: type(of: error))); not leading until it is back")
            }
            leads = false
            let connection = self.connection
            self.connection = nil
            try? await connection?.close()
        }
        return leads
    }

    private func open(_ url: String) async throws -> PostgresConnection {
        var configuration = try SQLPostgresConfiguration(url: url).coreConfiguration
        configuration.options.connectTimeout = .seconds(Int64(limit.components.seconds))
        configuration.options.additionalStartupParameters += [
            ("application_name", "musrenbang leadership"),
            // A machine that vanishes (power cut, network gone) sends no FIN: the server would keep
            // the session, and the lock, until TCP gives up on its own (hours). Probing the idle
            // socket after 5 s, every 2 s, three times, ends the session about 11 s after the
            // leader went silent. (Ignored on a Unix socket, where a dead peer is seen at once.)
            ("tcp_keepalives_idle", "5"),
            ("tcp_keepalives_interval", "2"),
            ("tcp_keepalives_count", "3"),
        ]
        return try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
    }
}
