import Dispatch
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
        let meters = self.meters
        sessions.increment()
        defer { sessions.decrement() }
        do {
            return try await base.withSession { connection in
                try await closure(InstrumentedDatabase(base: connection, meters: meters))
            }
        } catch {
            throw DatabaseUnavailable.mapped(error)
        }
    }
}
