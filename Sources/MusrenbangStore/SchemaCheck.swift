import Foundation
import SQLKit

/// The database's schema against this binary's migrations, checked before anything runs.
///
/// Migrations only move forward. A database that a newer release has already migrated (a
/// version this binary does not know) is refused at start instead of being served by code that
/// does not know its tables: the administrator either runs the newer release or restores a
/// backup made for this one.
public enum SchemaCheck {
    public enum Problem: Error, CustomStringConvertible, Equatable {
        /// The database carries migrations this binary does not have.
        case databaseNewer(database: Int, binary: Int, unknown: [Int])

        public var description: String {
            switch self {
            case .databaseNewer(let database, let binary, let unknown):
                "the database is at schema version \(database) but this musrenbang knows only up to version \(binary)"
                    + " (unknown migrations: \(unknown.map(String.init).joined(separator: ", "))). A newer release has"
                    + " upgraded it; migrations only move forward. Run that release again, or restore a backup made"
                    + " before the upgrade into an empty database. Refusing to start."
            }
        }
    }

    /// Throws `Problem.databaseNewer` when the database has a migration this binary lacks.
    public static func refuseNewer(_ database: Database) async throws {
        let applied = try await appliedVersions(database)
        let known = Set(Migrator.known.map(\.version))
        let unknown = applied.filter { !known.contains($0) }.sorted()
        if !unknown.isEmpty {
            throw Problem.databaseNewer(database: applied.max() ?? 0, binary: Migrator.latestVersion, unknown: unknown)
        }
    }

    /// The applied migrations' versions; none for a database never migrated (no table yet).
    public static func appliedVersions(_ database: Database) async throws -> [Int] {
        guard try await hasTable("schema_migrations", database.sql, flavour: database.flavour) else { return [] }
        return try await database.sql.raw("SELECT version FROM schema_migrations ORDER BY version")
            .all().map { try $0.decode(column: "version", as: Int.self) }
    }

    static func hasTable(_ name: String, _ sql: any SQLDatabase, flavour: SQLFlavour) async throws -> Bool {
        switch flavour {
        case .sqlite:
            try await sql.raw("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = \(bind: name)")
                .first()?.decode(column: "n", as: Int.self) ?? 0 > 0
        case .postgres:
            try await sql.raw("""
                SELECT COUNT(*) AS n FROM information_schema.tables
                WHERE table_schema = current_schema() AND table_name = \(bind: name)
                """).first()?.decode(column: "n", as: Int.self) ?? 0 > 0
        }
    }
}
