import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
@preconcurrency import AsyncKit
import PostgresKit
import SQLiteKit

/// `musrenbang bench-baseline`: the yardstick for the per-request overhead benchmark — a bare
/// Hummingbird server with no middleware, answering `/healthz` and the region read with the same
/// two SQL statements and the same JSON as the real route, through a plain SQLKit pool on the
/// same database file. bench/overhead runs it beside `serve` in one run, so the ratio between them
/// is the cost of everything the platform adds (logging, metrics, authentication, limits, ETags).
struct BenchBaseline: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench-baseline", abstract: "Bare Hummingbird + SQLKit server (benchmark yardstick).",
                                                    shouldDisplay: false)
    @Option(help: "Port to listen on.") var port: Int
    @Option(help: "sqlite:/path or postgres://… — the database `serve` uses.") var databaseURL: String

    struct Region: Encodable { let code: String; let name: String; let level: String; let kind: String? }
    struct Detail: Encodable {
        let code: String; let name: String; let level: String; let parentCode: String?; let kind: String?; let children: [Region]
    }

    func run() async throws {
        var logger = Logger(label: "bench-baseline")
        logger.logLevel = .warning
        let group = MultiThreadedEventLoopGroup.singleton
        let sql: any SQLDatabase
        let shutdown: @Sendable () async throws -> Void
        if databaseURL.hasPrefix("postgres") {
            let pool = EventLoopGroupConnectionPool(source: PostgresConnectionSource(sqlConfiguration: try .init(url: databaseURL)),
                                                    maxConnectionsPerEventLoop: 4, logger: logger, on: group)
            sql = pool.database(logger: logger).sql()
            shutdown = { try await pool.shutdownAsync() }
        } else {
            let threads = NIOThreadPool(numberOfThreads: 8)
            threads.start()
            let path = String(databaseURL.dropFirst("sqlite:".count))
            let pool = EventLoopGroupConnectionPool(
                source: SQLiteConnectionSource(configuration: .init(storage: .file(path: path), enableForeignKeys: true), threadPool: threads),
                maxConnectionsPerEventLoop: 4, logger: logger, on: group)
            sql = PooledConnections(pool: pool, eventLoop: group.any(), logger: logger).sql()
            shutdown = { try await pool.shutdownAsync(); try await threads.shutdownGracefully() }
        }
        let router = Router()
        router.get("healthz") { _, _ in "ok\n" }
        router.get("api/v1/regions/:code") { _, context -> Response in
            let code = try context.parameters.require("code")
            let columns = ["code", "name", "level", "parent_code", "kind"]
            guard let row = try await sql.select().columns(columns).from("regions").where("code", .equal, code).first() else {
                throw HTTPError(.notFound)
            }
            let children = try await sql.select().columns(columns).from("regions").where("parent_code", .equal, code)
                .orderBy("code").all().map {
                    Region(code: try $0.decode(column: "code"), name: try $0.decode(column: "name"), level: try $0.decode(column: "level"),
                           kind: try $0.decode(column: "kind"))
                }
            let detail = Detail(code: code, name: try row.decode(column: "name"), level: try row.decode(column: "level"),
                                parentCode: try row.decode(column: "parent_code"), kind: try row.decode(column: "kind"), children: children)
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(detail))))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
        try await app.runService()
        try await shutdown()
    }
}

/// SQLiteKit has no pooled `SQLDatabase`; one connection per statement from the pool.
private struct PooledConnections: SQLiteDatabase {
    let pool: EventLoopGroupConnectionPool<SQLiteConnectionSource>
    let eventLoop: any EventLoop
    let logger: Logger

    func query(_ query: String, _ binds: [SQLiteData], logger: Logger,
               _ onRow: @escaping @Sendable (SQLiteRow) -> Void) -> EventLoopFuture<Void> {
        pool.withConnection(logger: logger) { $0.query(query, binds, logger: logger, onRow) }
    }

    func withConnection<T>(_ closure: @escaping @Sendable (SQLiteConnection) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        pool.withConnection(logger: logger, closure)
    }
}
