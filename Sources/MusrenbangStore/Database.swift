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

/// A pool of connections to one database, the same interface whichever database it is.
public final class Database: Sendable {
    public let flavour: SQLFlavour
    /// For single statements: each takes a pooled connection for its duration.
    public let sql: any SQLDatabase
    private let shutdownPool: @Sendable () async throws -> Void
    /// SQLite has one writer at a time. Queueing write transactions here, instead of in
    /// SQLite's busy handler, keeps waiting writers from occupying the threads the writer
    /// holding the lock needs to finish.
    private let writers = AsyncLock()

    private init(flavour: SQLFlavour, sql: any SQLDatabase, shutdown: @escaping @Sendable () async throws -> Void) {
        self.flavour = flavour
        self.sql = InstrumentedDatabase(base: sql, meters: .init(flavour))
        self.shutdownPool = shutdown
    }

    public static func open(_ url: DatabaseURL, logger: Logger, connectionsPerLoop: Int = 4) async throws -> Database {
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
                requestTimeout: .seconds(30),
                logger: logger,
                on: group
            )
            let database = PooledSQLite(pool: pool, logger: logger, eventLoop: group.any())
            return Database(flavour: .sqlite, sql: database.sql(encoder: .init(), decoder: .init(), queryLogLevel: .trace)) {
                try await pool.shutdownAsync()
                try await threads.shutdownGracefully()
            }
        case .postgres(let text):
            let configuration = try SQLPostgresConfiguration(url: text)
            let pool = EventLoopGroupConnectionPool(
                source: PostgresConnectionSource(sqlConfiguration: configuration),
                maxConnectionsPerEventLoop: connectionsPerLoop,
                requestTimeout: .seconds(30),
                logger: logger,
                on: group
            )
            return Database(flavour: .postgres, sql: pool.database(logger: logger).sql(queryLogLevel: .trace)) {
                try await pool.shutdownAsync()
            }
        }
    }

    /// Runs `body` on one connection inside a transaction: all of it is written or none of it.
    /// SQLite takes the write lock at BEGIN, so two writers queue instead of deadlocking.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        if flavour == .sqlite {
            await writers.lock()
            do {
                let result = try await run("BEGIN IMMEDIATE", body)
                await writers.unlock()
                return result
            } catch {
                await writers.unlock()
                throw error
            }
        }
        return try await run("BEGIN", body)
    }

    private func run<T: Sendable>(_ begin: String, _ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await sql.withSession { connection in
            try await connection.raw(SQLQueryString(begin)).run()
            do {
                let result = try await body(connection)
                try await connection.raw("COMMIT").run()
                return result
            } catch {
                try? await connection.raw("ROLLBACK").run()
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

/// A first-come, first-served lock for async code.
actor AsyncLock {
    private var held = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func lock() async {
        if !held {
            held = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func unlock() {
        if waiting.isEmpty {
            held = false
        } else {
            waiting.removeFirst().resume()
        }
    }
}
