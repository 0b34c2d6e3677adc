import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import MusrenbangServer
import MusrenbangStore
import NIOCore
import SQLKit

/// An application on a fresh database, driven in-process through its router.
public struct TestApp: Sendable {
    public let services: AppServices
    public let client: any TestClientProtocol
    /// The SQLite database file (nil on PostgreSQL), for tests that read what the server wrote.
    public var databaseFile: URL? = nil

    /// A staff account made directly (as the CLI does), returning its API token.
    public func staffToken(username: String, role: String, region: String?, agency: String? = nil,
                           password: String = "rahasia-123") async throws -> String {
        _ = try await StaffAccounts.create(services, username: username, name: "Petugas \(username)", password: password,
                                           role: role, region: region, agency: agency)
        return try await login(username, password)
    }

    public func login(_ username: String, _ password: String) async throws -> String {
        let response = try await client.execute(uri: "/api/v1/auth/login", method: .post, headers: [:],
                                                body: ByteBuffer(string: #"{"username":"\#(username)","password":"\#(password)"}"#))
        guard response.status == .ok, let token = try response.json()["token"] as? String else {
            throw TestFailure("login of \(username) failed: \(response.status) \(String(buffer: response.body))")
        }
        return token
    }

    /// Sends JSON with an optional bearer token.
    public func send(_ method: HTTPRequest.Method, _ uri: String, json: String? = nil, token: String? = nil,
                     headers extra: HTTPFields = [:]) async throws -> TestResponse {
        var headers = extra
        if json != nil { headers[.contentType] = "application/json" }
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await client.execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension TestResponse {
    /// The body parsed as a JSON object.
    public func json() throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(buffer: body))
        guard let dictionary = object as? [String: Any] else { throw TestFailure("not a JSON object: \(String(buffer: body))") }
        return dictionary
    }

    public var text: String { String(buffer: body) }
}

/// Builds the real router over a fresh database and runs `body` against it.
/// `janus` connects the media side to a running Janus (`MUSRENBANG_TEST_JANUS_URL`).
/// `configure` adjusts the configuration first (e.g. a PDF engine that is not installed).
/// `setup: .live` runs a real HTTP server on loopback (the client's address is then 127.0.0.1).
/// `logger` replaces the quiet default (e.g. one that keeps every line, to search it).
public func withTestApp<T: Sendable>(_ flavour: TestFlavour, janus: URL? = nil, setup: TestingSetup = .router, logger given: Logger? = nil,
                                     configure: @escaping @Sendable (inout AppConfiguration) -> Void = { _ in },
                                     _ body: @escaping @Sendable (TestApp) async throws -> T) async throws -> T {
    AppMetrics.bootstrapOnce()  // as `serve` does, before the database makes its metrics
    return try await withTestDatabaseFile(flavour) { database, file in
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mb-app-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = AppConfiguration(dataDirectory: directory, secret: "test-secret-test-secret-test-secret", bcryptCost: 4)
        configuration.connectionsPerLoop = 1
        configuration.janusURL = janus
        configuration.janusAdminKey = ProcessInfo.processInfo.environment["MUSRENBANG_TEST_JANUS_KEY"] ?? ""
        // Every test comes from one address and some send hundreds of requests on purpose: limits
        // are off unless a test turns them on (RateLimitTests).
        configuration.rateLimits = .off
        configure(&configuration)
        var logger = given ?? Logger(label: "test")
        if given == nil { logger.logLevel = .warning }
        let services = try await AppServices(configuration: configuration, database: database, logger: logger)
        let app = Application(router: buildRouter(services), logger: logger)
        return try await app.test(setup) { client in
            try await body(TestApp(services: services, client: client, databaseFile: file))
        }
    }
}

extension TestApp {
    /// A second server process on this app's PostgreSQL database: its own pool, services, live hub
    /// and router, and its listener for the other processes' events (`LiveNotices`), as a second
    /// `musrenbang serve` behind the same proxy would have.
    public func withSecondNode<T: Sendable>(_ body: @escaping @Sendable (TestApp) async throws -> T) async throws -> T {
        let url = try await TestDatabases.url(of: services.database)
        var logger = Logger(label: "test.node-b")
        logger.logLevel = .warning
        let database = try await Database.open(.postgres(url: url), logger: logger, connectionsPerLoop: 1)
        let other = try await AppServices(configuration: services.configuration, database: database, logger: logger)
        let notices = Task { try await LiveNotices(url: url, services: other, logger: logger).run() }
        do {
            let result = try await Application(router: buildRouter(other), logger: logger).test(.router) { client in
                try await body(TestApp(services: other, client: client))
            }
            notices.cancel()
            try await database.close()
            return result
        } catch {
            notices.cancel()
            try? await database.close()
            throw error
        }
    }
}
