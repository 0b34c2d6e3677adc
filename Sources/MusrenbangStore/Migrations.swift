import Foundation
import Logging
import SQLKit

/// One versioned step of the schema. `statements` are written once with a few placeholders
/// that each database spells its own way, so both databases share one schema.
struct Migration: Sendable {
    let version: Int
    let name: String
    let statements: [String]
    /// What only one database can say its own way (triggers), after the shared statements.
    var sqliteOnly: [String] = []
    var postgresOnly: [String] = []
    /// Data that belongs to the schema (the Kemendagri regions), loaded in the same run.
    var load: (@Sendable (any SQLDatabase, Logger) async throws -> Void)? = nil
}

public enum Migrator {
    /// Every migration, in order. Never edit a released one: add the next.
    static let all: [Migration] = [
        Migration(version: 1, name: "regions, users, sessions", statements: [
            """
            CREATE TABLE regions (
                code TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                level TEXT NOT NULL,
                parent_code TEXT REFERENCES regions(code),
                kind TEXT,
                name_folded TEXT NOT NULL
            )
            """,
            "CREATE INDEX regions_parent ON regions(parent_code)",
            """
            CREATE TABLE users (
                id {ID},
                username TEXT UNIQUE,
                name TEXT NOT NULL,
                role TEXT NOT NULL,
                region_code TEXT REFERENCES regions(code),
                agency_code TEXT,
                password_hash TEXT,
                nik_hash TEXT UNIQUE,
                nik_masked TEXT,
                gender TEXT,
                phone TEXT,
                activation_hash TEXT,
                activation_expires_at {TS},
                disabled {BOOL} NOT NULL DEFAULT {FALSE},
                created_at {TS} NOT NULL,
                created_by BIGINT REFERENCES users(id)
            )
            """,
            "CREATE INDEX users_region ON users(region_code)",
            """
            CREATE TABLE auth_tokens (
                token_hash TEXT PRIMARY KEY,
                user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                kind TEXT NOT NULL,
                created_at {TS} NOT NULL,
                expires_at {TS} NOT NULL
            )
            """,
            "CREATE INDEX auth_tokens_user ON auth_tokens(user_id)",
        ], load: { database, logger in
            try await RegionLoader.loadBundledList(into: database, logger: logger)
        }),
        proposals,
        assemblies,
        floor,
        typed,
        documents,
        accountability,
        photoHygiene,
        idempotency,
        eventNotices,
        catalog,
        polls,
        sipd,
        verification,
        closeOut,
        themes,
        assistedEntries,
        signInNotices,
    ]

    public static var latestVersion: Int { all.last?.version ?? 0 }

    /// Applies every migration not yet applied (up to `target`, the latest by default), each in its
    /// own transaction, and returns how many ran. Refuses a database newer than this binary before
    /// touching it (`SchemaCheck`): migrations only move forward.
    @discardableResult
    public static func migrate(_ database: Database, upTo target: Int? = nil, logger: Logger) async throws -> Int {
        try await SchemaCheck.refuseNewer(database)
        try await database.sql.raw(SQLQueryString(spell("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                applied_at {TS} NOT NULL
            )
            """, for: database.flavour))).run()
        let applied = Set(try await database.sql.raw("SELECT version FROM schema_migrations")
            .all().map { try $0.decode(column: "version", as: Int.self) })
        var count = 0
        for migration in all where !applied.contains(migration.version) && migration.version <= (target ?? latestVersion) {
            let started = Date()
            let flavour = database.flavour
            // A migration may load a whole data set (the regions): longer than a request's transaction.
            try await database.transaction(within: .seconds(900)) { connection in
                for statement in migration.statements + (flavour == .sqlite ? migration.sqliteOnly : migration.postgresOnly) {
                    try await connection.raw(SQLQueryString(spell(statement, for: flavour))).run()
                }
                try await migration.load?(connection, logger)
                try await connection.insert(into: "schema_migrations")
                    .columns("version", "name", "applied_at")
                    .values(SQLBind(migration.version), SQLBind(migration.name), SQLBind(Date()))
                    .run()
            }
            count += 1
            logger.info("migration applied", metadata: [
                "version": "\(migration.version)", "name": "\(migration.name)",
                "seconds": "\(String(format: "%.2f", Date().timeIntervalSince(started)))",
            ])
        }
        return count
    }

    /// What `migrate` would apply, in order, without changing anything (`musrenbang migrate --dry-run`).
    public static func pending(_ database: Database) async throws -> [(version: Int, name: String)] {
        try await SchemaCheck.refuseNewer(database)
        let applied = Set(try await SchemaCheck.appliedVersions(database))
        return all.filter { !applied.contains($0.version) }.map { ($0.version, $0.name) }
    }

    /// Every migration's version and name, oldest first (a backup's manifest records them).
    public static var known: [(version: Int, name: String)] { all.map { ($0.version, $0.name) } }

    public static func currentVersion(_ database: Database) async throws -> Int {
        let row = try await database.sql.raw("SELECT MAX(version) AS v FROM schema_migrations").first()
        return try row?.decodeNil(column: "v") == false ? try row!.decode(column: "v", as: Int.self) : 0
    }

    static func spell(_ statement: String, for flavour: SQLFlavour) -> String {
        let words: [String: String] = switch flavour {
        case .sqlite: ["{ID}": "INTEGER PRIMARY KEY AUTOINCREMENT", "{TS}": "REAL", "{BOOL}": "INTEGER", "{REAL}": "REAL",
                       "{FALSE}": "0", "{TRUE}": "1"]
        case .postgres: ["{ID}": "BIGSERIAL PRIMARY KEY", "{TS}": "TIMESTAMPTZ", "{BOOL}": "BOOLEAN", "{REAL}": "DOUBLE PRECISION",
                         "{FALSE}": "FALSE", "{TRUE}": "TRUE"]
        }
        return words.reduce(statement) { $0.replacingOccurrences(of: $1.key, with: $1.value) }
    }
}
