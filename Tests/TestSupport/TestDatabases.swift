import Foundation
import Logging
import MusrenbangStore
import PostgresKit

/// Which databases the store and HTTP tests run on: SQLite always; PostgreSQL when
/// `MUSRENBANG_TEST_POSTGRES_URL` names a server (CI always sets it; `CI=true` without it fails).
public enum TestFlavour: String, Sendable, CaseIterable {
    case sqlite, postgres

    public static var enabled: [TestFlavour] {
        let environment = ProcessInfo.processInfo.environment
        if environment["MUSRENBANG_TEST_POSTGRES_URL"]?.isEmpty == false { return [.sqlite, .postgres] }
        precondition(environment["CI"] != "true", "CI must test PostgreSQL: set MUSRENBANG_TEST_POSTGRES_URL")
        return [.sqlite]
    }
}

/// Hands each test its own migrated database with the full region list, copied from a template
/// made once per test run (migrating 91,599 regions per test would take minutes).
public actor TestDatabases {
    public static let shared = TestDatabases()
    let logger = Logger(label: "test")
    private var sqliteTemplate: Task<URL, any Error>?
    private var postgresTemplate: Task<String, any Error>?
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []
    /// Parallel tests each hold a pool; this bounds how many databases are open at once.
    private let limit = 6

    public func open(_ flavour: TestFlavour) async throws -> (Database, cleanup: @Sendable () async -> Void) {
        let (database, _, cleanup) = try await openWithFile(flavour)
        return (database, cleanup)
    }

    /// The same, with the SQLite file's URL (nil on PostgreSQL), for tests that read what was written.
    public func openWithFile(_ flavour: TestFlavour) async throws -> (Database, file: URL?, cleanup: @Sendable () async -> Void) {
        await acquire()
        do {
            let (database, file, drop) = try await make(flavour)
            return (database, file, {
                try? await database.close()
                await drop()
                await self.release()
            })
        } catch {
            release()
            throw error
        }
    }

    private func acquire() async {
        if running < limit { running += 1; return }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func release() {
        if waiting.isEmpty { running -= 1 } else { waiting.removeFirst().resume() }
    }

    private func make(_ flavour: TestFlavour) async throws -> (Database, URL?, @Sendable () async -> Void) {
        switch flavour {
        case .sqlite:
            let template = try await sqliteTemplateFile()
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mb-test-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let file = directory.appendingPathComponent("test.sqlite")
            try FileManager.default.copyItem(at: template, to: file)
            let database = try await Database.open(.sqlite(path: file.path), logger: logger, connectionsPerLoop: 2)
            return (database, file, { try? FileManager.default.removeItem(at: directory) })
        case .postgres:
            let template = try await postgresTemplateName()
            let name = "t_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())"
            try await Self.admin { try await $0.raw("CREATE DATABASE \(unsafeRaw: name) TEMPLATE \(unsafeRaw: template)").run() }
            let database = try await Database.open(.postgres(url: Self.url(database: name)), logger: logger, connectionsPerLoop: 1)
            return (database, nil, {
                try? await Self.admin { try await $0.raw("DROP DATABASE IF EXISTS \(unsafeRaw: name)").run() }
            })
        }
    }

    private func sqliteTemplateFile() async throws -> URL {
        if let sqliteTemplate { return try await sqliteTemplate.value }
        let logger = self.logger
        let task = Task<URL, any Error> {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mb-template-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let file = directory.appendingPathComponent("template.sqlite")
            // Closing the last connection folds the WAL into the main file, so a plain copy is complete.
            try await Self.migrate(.sqlite(path: file.path), logger: logger)
            return file
        }
        sqliteTemplate = task
        return try await task.value
    }

    private func postgresTemplateName() async throws -> String {
        if let postgresTemplate { return try await postgresTemplate.value }
        let logger = self.logger
        let task = Task<String, any Error> {
            let name = "musrenbang_template_\(ProcessInfo.processInfo.processIdentifier)"
            try await Self.admin { admin in
                try await admin.raw("DROP DATABASE IF EXISTS \(unsafeRaw: name)").run()
                try await admin.raw("CREATE DATABASE \(unsafeRaw: name)").run()
            }
            try await Self.migrate(.postgres(url: Self.url(database: name)), logger: logger)
            return name
        }
        postgresTemplate = task
        return try await task.value
    }

    static var serverURL: String { ProcessInfo.processInfo.environment["MUSRENBANG_TEST_POSTGRES_URL"] ?? "" }

    /// The URL of a test's PostgreSQL database, for connections of a second process on it.
    public static func url(of database: Database) async throws -> String {
        let name = try await database.sql.raw("SELECT current_database() AS name").first()
            .map { try $0.decode(column: "name", as: String.self) }
        guard let name else { throw TestFailure("no current database") }
        return url(database: name)
    }

    /// The server URL with another database name.
    static func url(database: String) -> String {
        guard var components = URLComponents(string: serverURL) else { return serverURL }
        components.path = "/\(database)"
        return components.string ?? serverURL
    }

    /// Runs statements on the server's maintenance database (CREATE/DROP DATABASE).
    static func admin(_ body: @escaping @Sendable (any SQLDatabase) async throws -> Void) async throws {
        try await using(.postgres(url: serverURL), logger: Logger(label: "test.admin")) { try await body($0.sql) }
    }

    /// Migrates a template database and closes it.
    static func migrate(_ url: DatabaseURL, logger: Logger) async throws {
        try await using(url, logger: logger) { _ = try await Migrator.migrate($0, logger: logger) }
    }

    /// Opens a database for `body` and closes it afterwards, pass or fail.
    static func using(_ url: DatabaseURL, logger: Logger, _ body: (Database) async throws -> Void) async throws {
        let database = try await Database.open(url, logger: logger, connectionsPerLoop: 1)
        do {
            try await body(database)
        } catch {
            try? await database.close()
            throw error
        }
        try await database.close()
    }
}

/// Runs `body` with a fresh migrated database and removes it afterwards, pass or fail.
public func withTestDatabase<T: Sendable>(_ flavour: TestFlavour, _ body: (Database) async throws -> T) async throws -> T {
    try await withTestDatabaseFile(flavour) { database, _ in try await body(database) }
}

/// The same, with the SQLite file's URL (nil on PostgreSQL).
public func withTestDatabaseFile<T: Sendable>(_ flavour: TestFlavour, _ body: (Database, URL?) async throws -> T) async throws -> T {
    let (database, file, cleanup) = try await TestDatabases.shared.openWithFile(flavour)
    do {
        let result = try await body(database, file)
        await cleanup()
        return result
    } catch {
        await cleanup()
        throw error
    }
}
