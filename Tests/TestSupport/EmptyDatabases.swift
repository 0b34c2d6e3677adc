import Foundation
import Logging
import MusrenbangStore
import PostgresKit

/// A place for a database that does not exist yet (restores, upgrades from an old schema):
/// SQLite, a path in a fresh folder; PostgreSQL, a new empty database on the test server.
public struct EmptyTarget: Sendable {
    public let url: DatabaseURL
    /// A fresh data directory (not created yet) beside it.
    public let dataDirectory: URL
    let folder: URL
    let postgresName: String?

    public static func make(_ flavour: TestFlavour) async throws -> EmptyTarget {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mb-empty-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let data = folder.appendingPathComponent("data", isDirectory: true)
        switch flavour {
        case .sqlite:
            return EmptyTarget(url: .sqlite(path: data.appendingPathComponent("musrenbang.sqlite").path), dataDirectory: data,
                               folder: folder, postgresName: nil)
        case .postgres:
            let name = "e_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())"
            try await TestDatabases.admin { try await $0.raw("CREATE DATABASE \(unsafeRaw: name)").run() }
            return EmptyTarget(url: .postgres(url: TestDatabases.url(database: name)), dataDirectory: data, folder: folder, postgresName: name)
        }
    }

    public func remove() async {
        try? FileManager.default.removeItem(at: folder)
        if let postgresName {
            try? await TestDatabases.admin { try await $0.raw("DROP DATABASE IF EXISTS \(unsafeRaw: postgresName) WITH (FORCE)").run() }
        }
    }

    /// Opens the database for `body` and closes it afterwards.
    public func with<T: Sendable>(limits: DatabaseLimits = .standard, _ body: (Database) async throws -> T) async throws -> T {
        let database = try await Database.open(url, logger: Logger(label: "test"), connectionsPerLoop: 1, limits: limits)
        do {
            let result = try await body(database)
            try await database.close()
            return result
        } catch {
            try? await database.close()
            throw error
        }
    }
}

/// Runs `body` with empty targets and removes them afterwards, pass or fail.
public func withEmptyTargets<T: Sendable>(_ flavours: [TestFlavour], _ body: ([EmptyTarget]) async throws -> T) async throws -> T {
    var targets: [EmptyTarget] = []
    do {
        for flavour in flavours { targets.append(try await EmptyTarget.make(flavour)) }
        let result = try await body(targets)
        for target in targets { await target.remove() }
        return result
    } catch {
        for target in targets { await target.remove() }
        throw error
    }
}
