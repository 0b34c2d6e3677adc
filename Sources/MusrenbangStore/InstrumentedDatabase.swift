import Dispatch
import Synchronization
import Logging
import Metrics
import NIOCore
import SQLKit

/// Counts what the pool is doing, for `/metrics`: statements in flight, connections held for
/// transactions, and how long statements take. Every failure that means the database is
/// unavailable leaves here as `DatabaseUnavailable`, whichever driver or pool raised it.
struct InstrumentedDatabase: SQLDatabase {
    /// Made once per database; swift-metrics handles are cheap to use, not to look up.
    struct Meters: Sendable {
        let inFlight: Meter
        let sessions: Meter
        let duration: Timer

        init(_ flavour: SQLFlavour) {
            let dimensions = [("database", "\(flavour)")]
            inFlight = Meter(label: "musrenbang_db_statements_in_flight", dimensions: dimensions)
            sessions = Meter(label: "musrenbang_db_sessions_in_use", dimensions: dimensions)
            duration = Timer(label: "musrenbang_db_statement_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
        }
    }

    let base: any SQLDatabase
    let meters: Meters
    /// Set inside `Database.transaction`: what the transaction does last, before COMMIT.
    var tail: TransactionTail? = nil

    var logger: Logger { base.logger }
    var eventLoop: any EventLoop { base.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { base.version }
    var dialect: any SQLDialect { base.dialect }
    var queryLogLevel: Logger.Level? { base.queryLogLevel }

    var inFlight: Meter { meters.inFlight }
    var sessions: Meter { meters.sessions }
    var duration: Timer { meters.duration }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        let started = DispatchTime.now().uptimeNanoseconds
        let (inFlight, duration) = (self.inFlight, self.duration)
        inFlight.increment()
        return base.execute(sql: query, onRow).always { _ in
            inFlight.decrement()
            duration.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - started))
        }.flatMapErrorThrowing { throw DatabaseUnavailable.mapped($0) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        let started = DispatchTime.now().uptimeNanoseconds
        inFlight.increment()
        defer {
            inFlight.decrement()
            duration.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - started))
        }
        do {
            try await base.execute(sql: query, onRow)
        } catch {
            throw DatabaseUnavailable.mapped(error)
        }
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        let (meters, tail) = (self.meters, self.tail)
        sessions.increment()
        defer { sessions.decrement() }
        do {
            return try await base.withSession { connection in
                try await closure(InstrumentedDatabase(base: connection, meters: meters, tail: tail))
            }
        } catch {
            throw DatabaseUnavailable.mapped(error)
        }
    }
}

/// Statements a transaction runs last, just before COMMIT, in the order they were added. A step
/// that takes a lock every writer of an assembly waits for (the live log's order on PostgreSQL)
/// then holds it for its own statement and the COMMIT, not for the rest of the transaction.
final class TransactionTail: Sendable {
    typealias Step = @Sendable (any SQLDatabase) async throws -> Void
    private let steps = Mutex<[Step]>([])

    func append(_ step: @escaping Step) { steps.withLock { $0.append(step) } }

    func run(on connection: any SQLDatabase) async throws {
        for step in steps.withLock({ steps in defer { steps.removeAll() }; return steps }) { try await step(connection) }
    }

    /// Runs `step` at the end of the transaction `connection` belongs to, or now outside one.
    static func atCommit(of connection: any SQLDatabase, _ step: @escaping Step) async throws {
        if let tail = (connection as? InstrumentedDatabase)?.tail { tail.append(step) } else { try await step(connection) }
    }
}
