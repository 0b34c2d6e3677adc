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
    /// SQLite has one writer at a time. Queueing write transactions here, instead of in
    /// SQLite's busy handler, keeps waiting writers from occupying the threads the writer
    /// holding the lock needs to finish.
    private let writers = AsyncLock()

    private init(flavour: SQLFlavour, pooled: any SQLDatabase, lender: any ConnectionLender, limits: DatabaseLimits,
                 shutdown: @escaping @Sendable () async throws -> Void) {
        self.flavour = flavour
        self.meters = .init(flavour)
        self.lender = lender
        self.limits = limits
        self.sql = InstrumentedDatabase(base: LendingDatabase(template: pooled, lender: lender, limit: limits.statement,
                                                              writers: flavour == .sqlite ? (writers, limits.writerWait) : nil),
                                        meters: meters)
        self.shutdownPool = shutdown
    }

    public static func open(_ url: DatabaseURL, logger: Logger, connectionsPerLoop: Int = 4,
                            limits: DatabaseLimits = .standard) async throws -> Database {
        let group = MultiThreadedEventLoopGroup.singleton
        switch url {
        case .sqlite(let path):
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            // sqlite-nio runs every statement on a thread pool; its own, so that slow hashing or
            // file I/O elsewhere never waits behind a query.
            let threads = NIOThreadPool(numberOfThreads: max(4, connectionsPerLoop * System.coreCount))
            threads.start()
            let pool = EventLoopGroupConnectionPool(
                source: TunedSQLiteSource(path: path, threads: threads),
                maxConnectionsPerEventLoop: connectionsPerLoop,
                requestTimeout: limits.connectionWait,
                logger: logger,
                on: group
            )
            let database = PooledSQLite(pool: pool, logger: logger, eventLoop: group.any())
            return Database(flavour: .sqlite, pooled: database.sql(encoder: .init(), decoder: .init(), queryLogLevel: .trace),
                            lender: SQLiteLender(pool: pool, logger: logger), limits: limits) {
                try await pool.shutdownAsync()
                try await threads.shutdownGracefully()
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
                            lender: PostgresLender(pool: pool, logger: logger), limits: limits) {
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
        if flavour == .sqlite {
            guard await writers.lock(within: limits.writerWait) else {
                throw DatabaseUnavailable("SQLite writer queue: no turn within \(limits.writerWait)")
            }
            do {
                let result = try await run("BEGIN IMMEDIATE", limit ?? limits.transaction, body)
                await writers.unlock()
                return result
            } catch {
                await writers.unlock()
                throw error
            }
        }
        return try await run("BEGIN", limit ?? limits.transaction, body)
    }

    private func run<T: Sendable>(_ begin: String, _ limit: Duration,
                                  _ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let meters = self.meters
        do {
            return try await lender.withConnection { lent in
                meters.sessions.increment()
                defer { meters.sessions.decrement() }
                let connection = InstrumentedDatabase(base: lent.sql, meters: meters)
                let discard = lent.discard
                return try await DatabaseDeadline.run(limit, on: lent) {
                    try await connection.raw(SQLQueryString(begin)).run()
                    do {
                        let result = try await body(connection)
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
        } catch {
            throw DatabaseUnavailable.mapped(error)
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
}

struct PostgresLender: ConnectionLender {
    let pool: EventLoopGroupConnectionPool<PostgresConnectionSource>
    let logger: Logger

    func withConnection<T>(_ body: (LentConnection) async throws -> T) async throws -> T {
        let connection = try await pool.requestConnection(logger: logger).get()
        defer { pool.releaseConnection(connection, logger: logger) }
        return try await body(LentConnection(sql: OpenConnectionGuard(base: connection.sql(queryLogLevel: .trace),
                                                                      isClosed: { connection.isClosed }), discard: {
            let closing: EventLoopFuture<Void> = connection.close()
            _ = closing
        }, isClosed: { connection.isClosed }))
    }
}

struct SQLiteLender: ConnectionLender {
    let pool: EventLoopGroupConnectionPool<TunedSQLiteSource>
    let logger: Logger

    func withConnection<T>(_ body: (LentConnection) async throws -> T) async throws -> T {
        let connection = try await pool.requestConnection(logger: logger).get()
        defer { pool.releaseConnection(connection, logger: logger) }
        return try await body(LentConnection(sql: connection.sql(encoder: .init(), decoder: .init(), queryLogLevel: .trace),
                                             discard: { _ = connection.close() },
                                             isClosed: { connection.isClosed }))
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
    /// SQLite's writer queue, for a single write outside a transaction. Without it such a write
    /// met a transaction's lock in SQLite's busy handler, which sleeps (1, 2, 5… ms), and a
    /// transaction meeting it slept holding the queue: proposals waited behind audit lines.
    let writers: (lock: AsyncLock, wait: Duration)?

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
        let limit = self.limit
        guard let writers, query is SQLInsert || query is SQLUpdate || query is SQLDelete else {
            return try await lender.withConnection { connection in
                try await DatabaseDeadline.run(limit, on: connection) { try await connection.sql.execute(sql: query, onRow) }
            }
        }
        guard await writers.lock.lock(within: writers.wait) else {
            throw DatabaseUnavailable("SQLite writer queue: no turn within \(writers.wait)")
        }
        do {
            try await lender.withConnection { connection in
                try await DatabaseDeadline.run(limit, on: connection) { try await connection.sql.execute(sql: query, onRow) }
            }
            await writers.lock.unlock()
        } catch {
            await writers.lock.unlock()
            throw error
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

    static func run<T: Sendable>(_ limit: Duration, on connection: LentConnection,
                                 _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let outcome = Outcome<T>()
        return try await withCheckedThrowingContinuation { continuation in
            outcome.wait(continuation)
            Task {
                do { outcome.finish(.success(try await work())) } catch { outcome.finish(.failure(error)) }
            }
            let watch = Task {
                let clock = ContinuousClock()
                let started = clock.now
                var sawClosed = false
                while !outcome.isFinished {
                    guard (try? await Task.sleep(for: tick)) != nil else { return }
                    if clock.now - started >= limit {
                        if outcome.finish(.failure(DatabaseUnavailable("past its \(limit) deadline"))) {
                            Logger(label: "musrenbang.database").warning("database work past its deadline: connection closed",
                                                                         metadata: ["limit": "\(limit)"])
                            connection.discard()
                        }
                        return
                    }
                    // Closed for a whole tick and still no outcome from the driver: abandon it.
                    if connection.isClosed() {
                        if sawClosed, outcome.finish(.failure(DatabaseUnavailable("the connection closed under a statement"))) {
                            Logger(label: "musrenbang.database").warning("database connection closed under a statement: abandoned")
                            return
                        }
                        sawClosed = true
                    }
                }
            }
            outcome.onFinish { watch.cancel() }
        }
    }

    /// The first outcome wins; later ones are dropped.
    final class Outcome<T: Sendable>: @unchecked Sendable {
        private let lock = NSLock()
        private var continuation: CheckedContinuation<T, any Error>?
        private var result: Result<T, any Error>?
        private var finished = false
        private var finishHandlers: [@Sendable () -> Void] = []

        var isFinished: Bool { lock.withLock { finished } }

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

/// Opens SQLite connections the way a server needs them: WAL so readers never wait for the
/// writer, foreign keys enforced, and a bounded busy wait instead of sqlite-nio's endless one.
struct TunedSQLiteSource: ConnectionPoolSource {
    let path: String
    let threads: NIOThreadPool

    func makeConnection(logger: Logger, on eventLoop: any EventLoop) -> EventLoopFuture<SQLiteConnection> {
        SQLiteConnection.open(storage: .file(path: path), threadPool: threads, logger: logger, on: eventLoop)
            .flatMap { connection in
                let pragmas = ["PRAGMA journal_mode = WAL", "PRAGMA foreign_keys = ON",
                               "PRAGMA busy_timeout = 10000", "PRAGMA synchronous = NORMAL"]
                return pragmas.reduce(eventLoop.makeSucceededVoidFuture()) { future, pragma in
                    future.flatMap { connection.query(pragma).map { _ in } }
                }.map { connection }
            }
    }
}

/// SQLiteKit has no pooled database; this one borrows a connection per query, or one for a session.
struct PooledSQLite: SQLiteDatabase {
    let pool: EventLoopGroupConnectionPool<TunedSQLiteSource>
    let logger: Logger
    let eventLoop: any EventLoop

    func query(_ query: String, _ binds: [SQLiteData], logger: Logger,
               _ onRow: @escaping @Sendable (SQLiteRow) -> Void) -> EventLoopFuture<Void> {
        pool.withConnection(logger: logger) { $0.query(query, binds, logger: logger, onRow) }
    }

    func withConnection<T>(_ closure: @escaping @Sendable (SQLiteConnection) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        pool.withConnection(logger: logger, closure)
    }
}

/// A first-come, first-served lock for async code, with a bounded wait.
actor AsyncLock {
    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Bool, Never>
        let timer: Task<Void, Never>
    }
    private var held = false
    private var waiting: [Waiter] = []
    private var lastId: UInt64 = 0

    /// True once the lock is held; false when it could not be had within `limit`.
    func lock(within limit: Duration) async -> Bool {
        if !held {
            held = true
            return true
        }
        lastId += 1
        let id = lastId
        return await withCheckedContinuation { continuation in
            let timer = Task { [weak self] in
                guard (try? await Task.sleep(for: limit)) != nil else { return }
                await self?.expire(id)
            }
            waiting.append(Waiter(id: id, continuation: continuation, timer: timer))
        }
    }

    private func expire(_ id: UInt64) {
        guard let index = waiting.firstIndex(where: { $0.id == id }) else { return }
        waiting.remove(at: index).continuation.resume(returning: false)
    }

    func unlock() {
        if waiting.isEmpty {
            held = false
        } else {
            let next = waiting.removeFirst()
            next.timer.cancel()
            next.continuation.resume(returning: true)
        }
    }
}
