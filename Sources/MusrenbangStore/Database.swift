@preconcurrency import AsyncKit
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit
import SQLiteKit

/// Where the data lives: `sqlite:/path/file.sqlite` (the embedded default) or `postgres://…`.
public enum DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    public init(_ text: String) throws {
        if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count)).replacingOccurrences(of: "//", with: "", options: .anchored)
            guard !path.isEmpty else { throw StoreError.invalidConfiguration("sqlite URL without a path: \(text)") }
            self = .sqlite(path: path)
        } else if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(url: text.replacingOccurrences(of: "postgresql://", with: "postgres://", options: .anchored))
        } else {
            throw StoreError.invalidConfiguration("DATABASE_URL must start with sqlite: or postgres:// (got \(text.prefix(12))…)")
        }
    }

    /// The password never reaches a log.
    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let url):
            url.replacingOccurrences(of: #":[^:@/]*@"#, with: ":***@", options: .regularExpression)
        }
    }
}

public enum StoreError: Error, CustomStringConvertible, Equatable {
    case invalidConfiguration(String)
    case notFound
    case conflict(String)
    /// A stored value this version does not know: a bug or a foreign write, never user input.
    case unknownValue(column: String, value: String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let text): "invalid database configuration: \(text)"
        case .notFound: "not found"
        case .conflict(let text): "conflict: \(text)"
        case .unknownValue(let column, let value): "unknown stored value in \(column): \(value.prefix(40))"
        }
    }
}

public enum SQLFlavour: Sendable {
    case sqlite, postgres
}

/// The database cannot answer now — down or restarting, the connection cut, no pooled connection
/// free in time, SQLite's write lock held beyond its wait, a statement past its deadline — as
/// opposed to a request it refused. What the failed statement or transaction wrote was rolled back
/// (or, for a COMMIT cut off mid-way, may have landed: a retry with the same idempotency key tells).
/// The server answers 503 with `Retry-After`.
public struct DatabaseUnavailable: Error, CustomStringConvertible, Sendable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { "database unavailable: \(reason)" }

    /// Why `error` means "unavailable" rather than a refusal or a bug; nil when it does not.
    public static func reason(for error: any Error) -> String? {
        switch error {
        case let error as DatabaseUnavailable:
            return error.reason
        case let error as PSQLError:
            switch error.code {
            case .serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown, .poolClosed:
                return "postgres \(error.code)"
            case .server:
                // 08: connection exception; 57P01–57P05: shutting down, crashed, starting up, idle
                // session ended; 57014: statement timeout; 53: out of connections or memory;
                // 25P03: idle in transaction for too long.
                let state = error.serverInfo?[.sqlState] ?? ""
                let unavailable = state.hasPrefix("08") || state.hasPrefix("57P") || state.hasPrefix("53")
                    || state == "57014" || state == "25P03"
                return unavailable ? "postgres \(state)" : nil
            default:
                return nil
            }
        case is ConnectionPoolTimeoutError:
            return "no pooled connection free in time"
        case is ConnectionPoolError:
            return "the pool is shut down"
        case let error as ChannelError:
            return "connection \(error)"
        case let error as IOError:
            return "connection errno \(error.errnoCode)"
        case is NIOConnectionError:
            return "cannot connect"
        case let error as SQLiteStatementError:
            return error.meansUnavailable ? error.description : nil
        case let error as SQLiteError:
            switch error.reason {
            case .busy, .locked, .busyInRecovery, .busyInSnapshot, .busyTimeout, .lockedBySharedCache: return "sqlite \(error.reason)"
            default: return nil
            }
        default:
            return nil
        }
    }

    /// `error` itself, or `DatabaseUnavailable` when that is what it means.
    static func mapped(_ error: any Error) -> any Error {
        if error is DatabaseUnavailable { return error }
        return reason(for: error).map(DatabaseUnavailable.init) ?? error
    }
}

/// How long anything may wait on the database. Past a limit the request fails as
/// `DatabaseUnavailable` (503) instead of hanging; a connection that outlived its deadline is
/// closed, never handed out again.
public struct DatabaseLimits: Sendable {
    /// Waiting for a pooled connection when all are in use.
    public var connectionWait: TimeAmount = .seconds(10)
    /// Opening a PostgreSQL connection.
    public var connect: TimeAmount = .seconds(3)
    /// One statement outside a transaction (PostgreSQL also cancels it itself a little earlier).
    public var statement: Duration = .seconds(30)
    /// One whole transaction, from BEGIN to COMMIT.
    public var transaction: Duration = .seconds(60)
    /// Waiting for SQLite's single writer.
    public var writerWait: Duration = .seconds(10)

    public init() {}
    public static let standard = DatabaseLimits()
}

/// A pool of connections to one database, the same interface whichever database it is.
public final class Database: Sendable {
    public let flavour: SQLFlavour
    /// For single statements: each takes a pooled connection for its duration.
    public let sql: any SQLDatabase
    public let limits: DatabaseLimits
    private let lender: any ConnectionLender
    private let meters: InstrumentedDatabase.Meters
    private let shutdownPool: @Sendable () async throws -> Void
    /// SQLite's one writer (nil on PostgreSQL).
    private let writer: SQLiteWriter?
    /// Who tokens belong to, kept briefly (PostgreSQL only; see `SignInCache`).
    public let signIns: SignInCache?
    /// The audit log's lines, written in groups.
    let auditLines = GroupCommit<AuditEntry, Void> { entries, database in
        try await database.transaction { try await AuditStore.insert(entries, on: $0) }
        return entries.map { _ in }
    }
    /// Supports without an idempotency key on PostgreSQL, one statement for each group.
    let supportRows = GroupCommit<EngagementStore.SupportRow, EngagementStore.SupportOutcome> { try await EngagementStore.insert($0, on: $1.sql) }

    private init(flavour: SQLFlavour, pooled: any SQLDatabase, lender: any ConnectionLender, writer: SQLiteWriter? = nil,
                 limits: DatabaseLimits, shutdown: @escaping @Sendable () async throws -> Void) {
        self.flavour = flavour
        self.signIns = flavour == .postgres ? SignInCache() : nil
        self.meters = .init(flavour)
        self.lender = lender
        self.writer = writer
        self.limits = limits
        self.sql = InstrumentedDatabase(base: LendingDatabase(template: pooled, lender: lender, limit: limits.statement, writer: writer),
                                        meters: meters)
        self.shutdownPool = shutdown
    }

    /// `preparedStatements`: on PostgreSQL, frequent statements are prepared once per connection
    /// (`PreparingPostgres`).
    public static func open(_ url: DatabaseURL, logger: Logger, connectionsPerLoop: Int = 4,
                            limits: DatabaseLimits = .standard, preparedStatements: Bool = true) async throws -> Database {
        let group = MultiThreadedEventLoopGroup.singleton
        switch url {
        case .sqlite(let path):
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let connections = try SQLiteConnections(path: path, readers: max(4, connectionsPerLoop * System.coreCount),
                                                    statementLimit: limits.statement,
                                                    connectionWait: .nanoseconds(limits.connectionWait.nanoseconds),
                                                    writerWait: limits.writerWait, logger: logger)
            return Database(flavour: .sqlite, pooled: connections.writer.handle.dialectOnly, lender: connections.readers,
                            writer: connections.writer, limits: limits) {
                try await connections.close()
            }
        case .postgres(let text):
            var configuration = try SQLPostgresConfiguration(url: text)
            configuration.coreConfiguration.options.connectTimeout = limits.connect
            // PostgreSQL ends a statement, and a transaction left idle, by itself too: the
            // connection then stays usable, and nothing holds row locks forever.
            let statementSeconds = max(1, Int(limits.statement.components.seconds) - 2)
            configuration.coreConfiguration.options.additionalStartupParameters += [
                ("statement_timeout", "\(statementSeconds)s"),
                ("idle_in_transaction_session_timeout", "\(Int(limits.transaction.components.seconds))s"),
            ]
            let pool = EventLoopGroupConnectionPool(
                source: PostgresConnectionSource(sqlConfiguration: configuration),
                maxConnectionsPerEventLoop: connectionsPerLoop,
                requestTimeout: limits.connectionWait,
                logger: logger,
                on: group
            )
            return Database(flavour: .postgres, pooled: pool.database(logger: logger).sql(queryLogLevel: .trace),
                            lender: PostgresLender(pool: pool, logger: logger, prepared: preparedStatements ? PreparedTexts() : nil),
                            limits: limits) {
                try await pool.shutdownAsync()
            }
        }
    }

    /// Runs `body` on one connection inside a transaction: all of it is written or none of it.
    /// SQLite takes the write lock at BEGIN, so two writers queue instead of deadlocking.
    ///
    /// The transaction always ends: committed, rolled back, or — when the connection died or the
    /// transaction outlived `within` (default `limits.transaction`) — its connection is closed,
    /// which rolls it back, and is never returned to the pool as it was. Failures that mean the
    /// database is unavailable are thrown as `DatabaseUnavailable`.
    public func transaction<T: Sendable>(within limit: Duration? = nil,
                                         _ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let limit = limit ?? limits.transaction
        guard let writer else {
            do {
                return try await lender.withConnection { try await run("BEGIN", on: $0, limit, body) }
            } catch {
                throw DatabaseUnavailable.mapped(error)
            }
        }
        do {
            return try await writer.turn { try await run("BEGIN IMMEDIATE", on: writer.handle.session().lent, limit, body) }
        } catch {
            throw DatabaseUnavailable.mapped(error)
        }
    }

    private func run<T: Sendable>(_ begin: String, on lent: LentConnection, _ limit: Duration,
                                  _ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        meters.sessions.increment()
        defer { meters.sessions.decrement() }
        let tail = TransactionTail()
        let connection = InstrumentedDatabase(base: lent.sql, meters: meters, tail: tail)
        let discard = lent.discard
        return try await DatabaseDeadline.run(limit, on: lent, preferring: writer?.thread) {
            try await connection.raw(SQLQueryString(begin)).run()
            do {
                let result = try await body(connection)
                try await tail.run(on: connection)
                try await connection.raw("COMMIT").run()
                return result
            } catch {
                // A transaction that cannot be rolled back is on a dead or confused
                // connection: closing it ends the transaction on the server too.
                do { try await connection.raw("ROLLBACK").run() } catch { discard() }
                throw error
            }
        }
    }

    public func isReachable() async -> Bool {
        (try? await sql.raw("SELECT 1 AS ok").first()) != nil
    }

    public func close() async throws {
        try await shutdownPool()
    }
}

/// One pooled connection lent to a closure.
struct LentConnection: Sendable {
    let sql: any SQLDatabase
    /// Closes the connection (ending any transaction on the server too); the pool drops closed
    /// connections instead of handing them out again.
    let discard: @Sendable () -> Void
    /// Whether the connection is gone (PostgreSQL restarted, the socket cut).
    let isClosed: @Sendable () -> Bool
}

protocol ConnectionLender: Sendable {
    func withConnection<T>(_ body: (LentConnection) async throws -> T) async throws -> T
    /// Runs one statement's work so that it ends by `limit`.
    func guarded<T: Sendable>(_ limit: Duration, on connection: LentConnection,
                              _ work: @escaping @Sendable () async throws -> T) async throws -> T
}

extension ConnectionLender {
    func guarded<T: Sendable>(_ limit: Duration, on connection: LentConnection,
                              _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        try await DatabaseDeadline.run(limit, on: connection, work)
    }
}

struct PostgresLender: ConnectionLender {
    let pool: EventLoopGroupConnectionPool<PostgresConnectionSource>
    let logger: Logger
    /// Which texts run as prepared statements; nil: none do.
    let prepared: PreparedTexts?

    func withConnection<T>(_ body: (LentConnection) async throws -> T) async throws -> T {
        let connection = try await pool.requestConnection(logger: logger).get()
        defer { pool.releaseConnection(connection, logger: logger) }
        let sql = PreparingPostgres(connection, texts: prepared)
        return try await body(LentConnection(sql: OpenConnectionGuard(base: sql,
                                                                      isClosed: { connection.isClosed }), discard: {
            let closing: EventLoopFuture<Void> = connection.close()
            _ = closing
        }, isClosed: { connection.isClosed }))
    }
}

/// Refuses a statement on a connection already closed, at once: PostgresNIO (1.33) writes a
/// statement to a closed channel without a promise, and the statement then never ends.
struct OpenConnectionGuard: SQLDatabase {
    let base: any SQLDatabase
    let isClosed: @Sendable () -> Bool

    var logger: Logger { base.logger }
    var eventLoop: any EventLoop { base.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { base.version }
    var dialect: any SQLDialect { base.dialect }
    var queryLogLevel: Logger.Level? { base.queryLogLevel }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        guard !isClosed() else { return eventLoop.makeFailedFuture(DatabaseUnavailable("the connection is closed")) }
        return base.execute(sql: query, onRow)
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        guard !isClosed() else { throw DatabaseUnavailable("the connection is closed") }
        try await base.execute(sql: query, onRow)
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await closure(self)
    }
}

/// Single statements, each on a connection lent for it, under a deadline. The pool's own
/// `SQLDatabase` only lends its dialect and version.
struct LendingDatabase: SQLDatabase {
    let template: any SQLDatabase
    let lender: any ConnectionLender
    let limit: Duration
    /// SQLite's writer, for a single write outside a transaction: it takes its turn with the
    /// transactions. Through a reader it would meet their lock in SQLite's busy handler, which
    /// sleeps (1, 2, 5… ms), and a transaction meeting it slept holding the queue.
    let writer: SQLiteWriter?

    var logger: Logger { template.logger }
    var eventLoop: any EventLoop { template.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { template.version }
    var dialect: any SQLDialect { template.dialect }
    var queryLogLevel: Logger.Level? { template.queryLogLevel }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        let database = self
        return eventLoop.makeFutureWithTask { try await database.execute(sql: query, onRow) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        if let writer, query is SQLInsert || query is SQLUpdate || query is SQLDelete {
            return try await write(query, on: writer, onRow)
        }
        let lender = self.lender, limit = self.limit
        do {
            try await lender.withConnection { connection in
                try await lender.guarded(limit, on: connection) { try await connection.sql.execute(sql: query, onRow) }
            }
        } catch is NeedsWriter {
            // Raw SQL that writes (only SQLite's readers throw this, once they have prepared it).
            guard let writer else { throw DatabaseUnavailable("a write reached a reading connection") }
            try await write(query, on: writer, onRow)
        }
    }

    private func write(_ query: any SQLExpression, on writer: SQLiteWriter,
                       _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        do {
            // One statement, run uninterrupted on the writer's thread: no deadline watch needed.
            try await writer.turn { try await writer.handle.session().execute(sql: query, onRow) }
        } catch {
            throw DatabaseUnavailable.mapped(error)
        }
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await lender.withConnection { connection in try await closure(connection.sql) }
    }
}

/// Runs database work so that it always ends for its caller: with its own outcome; or, when its
/// connection closed under it (PostgreSQL restarted) or it outlived its deadline, with
/// `DatabaseUnavailable` — the connection then closed, and the caller free to hand it back to the
/// pool, which drops it. Waiting for the driver to fail the statement itself is not enough: a
/// statement in flight when PostgreSQL restarts was seen to stay pending in PostgresNIO (1.33)
/// even after its connection closed, holding its pooled connection and the request for good.
enum DatabaseDeadline {
    /// How often a statement still running is looked at: normal ones end before the first look.
    static let tick: Duration = .milliseconds(250)

    /// `executor`: where `work` runs (SQLite's writer thread for its transactions).
    static func run<T: Sendable>(_ limit: Duration, on connection: LentConnection, preferring executor: (any TaskExecutor)? = nil,
                                 _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let outcome = Outcome<T>()
        return try await withCheckedThrowingContinuation { continuation in
            outcome.wait(continuation)
            let watched = Watchdog.shared.watch(limit, connection) { outcome.finish(.failure($0)) }
            outcome.onFinish { Watchdog.shared.forget(watched) }
            Task(executorPreference: executor) {
                do { outcome.finish(.success(try await work())) } catch { outcome.finish(.failure(error)) }
            }
        }
    }

    /// One watcher for all database work under way, looking every tick from a thread of its own:
    /// a deadline must fire even when the shared pool is starved, which is when it matters most.
    /// (A watcher task per statement also cost a task and a timer each, a measurable share of a
    /// short write.)
    final class Watchdog: @unchecked Sendable {
        static let shared = Watchdog()

        private struct Entry {
            let started: ContinuousClock.Instant
            let limit: Duration
            let connection: LentConnection
            var sawClosed = false
            /// True when this failure was the work's outcome (it had not ended by itself).
            let fail: @Sendable (any Error) -> Bool
        }
        private let lock = NSLock()
        private var entries: [UInt64: Entry] = [:]
        /// Other checks made every tick (SQLite's readers look for reads past their limit).
        private var checks: [UInt64: @Sendable (ContinuousClock.Instant) -> Void] = [:]
        private var lastId: UInt64 = 0
        private var started = false

        func watch(_ limit: Duration, _ connection: LentConnection, fail: @escaping @Sendable (any Error) -> Bool) -> UInt64 {
            lock.withLock {
                startIfNeeded()
                lastId += 1
                entries[lastId] = Entry(started: .now, limit: limit, connection: connection, fail: fail)
                return lastId
            }
        }

        func forget(_ id: UInt64) {
            _ = lock.withLock { entries.removeValue(forKey: id) }
        }

        func addCheck(_ check: @escaping @Sendable (ContinuousClock.Instant) -> Void) -> UInt64 {
            lock.withLock {
                startIfNeeded()
                lastId += 1
                checks[lastId] = check
                return lastId
            }
        }

        func removeCheck(_ id: UInt64) {
            _ = lock.withLock { checks.removeValue(forKey: id) }
        }

        private func startIfNeeded() {
            guard !started else { return }
            started = true
            let thread = Thread { [self] in
                while true {
                    Thread.sleep(forTimeInterval: Double(tick.components.attoseconds) / 1e18 + Double(tick.components.seconds))
                    look()
                }
            }
            thread.name = "database-watchdog"
            thread.start()
        }

        private func look() {
            let now = ContinuousClock.now
            let (late, closed, checks) = lock.withLock { () -> ([Entry], [Entry], [@Sendable (ContinuousClock.Instant) -> Void]) in
                var late: [Entry] = [], closed: [Entry] = []
                for (id, entry) in entries {
                    if now - entry.started >= entry.limit {
                        late.append(entry)
                        entries[id] = nil
                    } else if entry.connection.isClosed() {
                        // Closed for a whole tick and still no outcome from the driver: abandon it.
                        if entry.sawClosed {
                            closed.append(entry)
                            entries[id] = nil
                        } else {
                            entries[id]?.sawClosed = true
                        }
                    }
                }
                return (late, closed, Array(self.checks.values))
            }
            for entry in late where entry.fail(DatabaseUnavailable("past its \(entry.limit) deadline")) {
                Logger(label: "musrenbang.database").warning("database work past its deadline: connection closed",
                                                             metadata: ["limit": "\(entry.limit)"])
                entry.connection.discard()
            }
            for entry in closed where entry.fail(DatabaseUnavailable("the connection closed under a statement")) {
                Logger(label: "musrenbang.database").warning("database connection closed under a statement: abandoned")
            }
            checks.forEach { $0(now) }
        }
    }

    /// The first outcome wins; later ones are dropped.
    final class Outcome<T: Sendable>: @unchecked Sendable {
        private let lock = NSLock()
        private var continuation: CheckedContinuation<T, any Error>?
        private var result: Result<T, any Error>?
        private var finished = false
        private var finishHandlers: [@Sendable () -> Void] = []

        func wait(_ continuation: CheckedContinuation<T, any Error>) {
            lock.withLock { self.continuation = continuation }
        }

        func onFinish(_ handler: @escaping @Sendable () -> Void) {
            let runNow = lock.withLock { () -> Bool in
                if finished { return true }
                finishHandlers.append(handler)
                return false
            }
            if runNow { handler() }
        }

        /// True when this outcome was the first.
        @discardableResult
        func finish(_ result: Result<T, any Error>) -> Bool {
            let (continuation, handlers) = lock.withLock { () -> (CheckedContinuation<T, any Error>?, [@Sendable () -> Void]) in
                guard !finished else { return (nil, []) }
                finished = true
                defer { self.continuation = nil; finishHandlers = [] }
                return (self.continuation, finishHandlers)
            }
            guard let continuation else { return false }
            continuation.resume(with: result)
            handlers.forEach { $0() }
            return true
        }
    }
}

/// Things handed out one at a time to async callers, first come first served, with a bounded
/// wait: SQLite's readers, and the writer's turn (`AsyncLock`). Not an actor: taking a free one is
/// one mutex, and a waiter handed one resumes on its own preferred executor (for the writer's turn,
/// the writer's thread) without a hop through the shared pool.
final class WaitQueue<Item: Sendable>: @unchecked Sendable {
    private struct Waiter {
        let until: ContinuousClock.Instant
        let continuation: CheckedContinuation<Item?, Never>
    }
    private let mutex = NSLock()
    /// The last one given back is taken first (a reader's cache is warmest).
    private var free: [Item]
    private var waiting: [Waiter] = []
    /// Waiters past their limit are turned away by the database watchdog's thread, which runs
    /// when the shared pool is starved; a sleeping task there was seen to fire seconds late.
    private var sweep: UInt64 = 0

    init(_ items: [Item]) {
        free = items
        sweep = DatabaseDeadline.Watchdog.shared.addCheck { [weak self] now in self?.expire(at: now) }
    }

    deinit { DatabaseDeadline.Watchdog.shared.removeCheck(sweep) }

    /// One of the items; nil when none came free within `limit` (give or take the watchdog's tick).
    func take(within limit: Duration) async -> Item? {
        if let item = mutex.withLock({ free.popLast() }) { return item }
        return await withCheckedContinuation { continuation in
            let item = mutex.withLock { () -> Item? in
                if let item = free.popLast() { return item }
                waiting.append(Waiter(until: .now + limit, continuation: continuation))
                return nil
            }
            if let item { continuation.resume(returning: item) }
        }
    }

    func give(_ item: Item) {
        let next = mutex.withLock { () -> Waiter? in
            guard !waiting.isEmpty else {
                free.append(item)
                return nil
            }
            return waiting.removeFirst()
        }
        next?.continuation.resume(returning: item)
    }

    private func expire(at now: ContinuousClock.Instant) {
        let expired = mutex.withLock { () -> [Waiter] in
            guard waiting.contains(where: { $0.until <= now }) else { return [] }
            defer { waiting.removeAll { $0.until <= now } }
            return waiting.filter { $0.until <= now }
        }
        expired.forEach { $0.continuation.resume(returning: nil) }
    }
}

/// A first-come, first-served lock for async code, with a bounded wait.
struct AsyncLock: Sendable {
    private let turns = WaitQueue([()])

    /// True once the lock is held; false when it could not be had within `limit`.
    func lock(within limit: Duration) async -> Bool { await turns.take(within: limit) != nil }

    func unlock() { turns.give(()) }
}
