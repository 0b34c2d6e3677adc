import Foundation
import Logging
import SQLKit

/// `musrenbang restore`: an archive into an empty data directory and database, on SQLite or
/// PostgreSQL whichever the archive came from.
public enum BackupRestore {
    public struct Restored: Sendable {
        public let manifest: BackupManifest
        /// Every table's rows right after the load, before any forward migration (equal to the manifest's).
        public let counts: [String: Int]
        public let schemaVersion: Int
        public let migrationsApplied: Int
        public let seconds: Double
    }

    /// Checks the archive entirely (into a staging folder inside the data directory) before it
    /// touches anything; then builds the database — a fresh one migrated to the archive's schema
    /// version, the rows loaded, the counts compared, then migrated forward — and moves the files
    /// into place. SQLite is built beside its final name and renamed at the end.
    public static func restore(_ file: URL, database url: DatabaseURL, dataDirectory: URL, force: Bool,
                               logger: Logger) async throws -> Restored {
        let started = Date()
        let fileManager = FileManager.default
        // The manifest first: a wrong or newer archive is refused before anything else is looked at.
        let manifest = try BackupArchive.readManifest(BackupArchive.open(file))
        try checkCompatible(manifest)

        let occupied = try await occupants(database: url, dataDirectory: dataDirectory, logger: logger)
        if !occupied.isEmpty && !force {
            throw BackupError.targetNotEmpty(occupied.joined(separator: "; "))
        }

        let created = !fileManager.fileExists(atPath: dataDirectory.path)
        try fileManager.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        let staging = dataDirectory.appendingPathComponent(".restore-staging-\(UUID().uuidString.prefix(8))", isDirectory: true)
        defer { try? fileManager.removeItem(at: staging) }
        do {
            try BackupArchive.verify(file, extractingTo: staging)
        } catch {
            try? fileManager.removeItem(at: staging)
            if created { try? fileManager.removeItem(at: dataDirectory) }
            throw error
        }
        let tables = staging.appendingPathComponent("tables", isDirectory: true)

        var counts: [String: Int] = [:]
        var applied = 0
        var version = 0
        switch url {
        case .sqlite(let path):
            let temporary = path + ".restoring"
            for suffix in ["", "-wal", "-shm"] { try? fileManager.removeItem(atPath: temporary + suffix) }
            do {
                let database = try await Database.open(.sqlite(path: temporary), logger: logger, limits: BackupArchive.bulkLimits)
                do {
                    (counts, applied, version) = try await build(database, manifest: manifest, tables: tables, logger: logger)
                    try await database.close()
                } catch {
                    try? await database.close()
                    throw error
                }
                // Closing the last connection folded the WAL into the file; the old one goes, this one takes its name.
                for suffix in ["", "-wal", "-shm"] { try? fileManager.removeItem(atPath: path + suffix) }
                try fileManager.moveItem(atPath: temporary, toPath: path)
                for suffix in ["-wal", "-shm"] { try? fileManager.removeItem(atPath: temporary + suffix) }
            } catch {
                for suffix in ["", "-wal", "-shm"] { try? fileManager.removeItem(atPath: temporary + suffix) }
                throw error
            }
        case .postgres:
            let database = try await Database.open(url, logger: logger, limits: BackupArchive.bulkLimits)
            do {
                // Without --force only an empty schema or a never-used one (regions only) gets here.
                try await dropEverything(database)
                (counts, applied, version) = try await build(database, manifest: manifest, tables: tables, logger: logger)
                try await database.close()
            } catch {
                try? await database.close()
                throw error
            }
        }

        // The files: what the archive has replaces what was there (with --force).
        let staged = staging.appendingPathComponent("files", isDirectory: true)
        for top in Set(manifest.files.map { String($0.path.split(separator: "/")[0]) }).sorted() {
            let destination = dataDirectory.appendingPathComponent(top)
            if fileManager.fileExists(atPath: destination.path) { try fileManager.removeItem(at: destination) }
            try fileManager.moveItem(at: staged.appendingPathComponent(top), to: destination)
        }
        let secret = dataDirectory.appendingPathComponent("secret.key")
        if fileManager.fileExists(atPath: secret.path) {
            try fileManager.setAttributes([.posixPermissions: 0o600], ofItemAtPath: secret.path)
        }
        return Restored(manifest: manifest, counts: counts, schemaVersion: version, migrationsApplied: applied,
                        seconds: Date().timeIntervalSince(started))
    }

    /// The cheap checks, before anything else is looked at or created (every command makes its
    /// data directory private, creating it): the archive opens as a complete ZIP, its manifest
    /// reads, and this binary can load it. `restore` then checks every entry.
    public static func precheck(_ file: URL) throws -> BackupManifest {
        let manifest = try BackupArchive.readManifest(BackupArchive.open(file))
        try checkCompatible(manifest)
        return manifest
    }

    /// An archive this binary can load: its migrations are this binary's, and none is newer.
    static func checkCompatible(_ manifest: BackupManifest) throws {
        guard manifest.schemaVersion <= Migrator.latestVersion else {
            throw BackupError.incompatible("the archive's schema version \(manifest.schemaVersion) is newer than this musrenbang's "
                                           + "(\(Migrator.latestVersion)); restore it with that release or a later one")
        }
        let known = Dictionary(uniqueKeysWithValues: Migrator.known.map { ($0.version, $0.name) })
        for migration in manifest.migrations where known[migration.version] != migration.name {
            throw BackupError.incompatible("the archive's migration \(migration.version) is \"\(migration.name)\", this musrenbang's is "
                                           + "\"\(known[migration.version] ?? "unknown")\"")
        }
    }

    private static func build(_ database: Database, manifest: BackupManifest, tables: URL,
                              logger: Logger) async throws -> ([String: Int], Int, Int) {
        try await Migrator.migrate(database, upTo: manifest.schemaVersion, logger: logger)
        let reached = try await Migrator.currentVersion(database)
        guard reached == manifest.schemaVersion else {
            throw BackupError.incompatible("the database reached schema version \(reached), the archive needs \(manifest.schemaVersion)")
        }
        // Migration numbers may skip (branches take their own); the fresh schema must have had
        // exactly the source's migrations, or its tables would not be the dump's.
        let have = try await SchemaCheck.appliedVersions(database), want = manifest.migrations.map(\.version).sorted()
        guard have == want else {
            throw BackupError.incompatible("the archive's database had migrations \(want.map(String.init).joined(separator: ", ")); "
                                           + "a new one at version \(reached) has \(have.map(String.init).joined(separator: ", ")). "
                                           + "Upgrade the source with its own release (musrenbang migrate) and back it up again")
        }
        let counts = try await LogicalLoad.load(manifest.tables, from: tables, into: database, logger: logger)
        let applied = try await Migrator.migrate(database, logger: logger)
        return (counts, applied, try await Migrator.currentVersion(database))
    }

    /// What is already in the target. An installation that has only started once — regions
    /// loaded by the first migration, a fresh secret — counts as empty.
    static func occupants(database url: DatabaseURL, dataDirectory: URL, logger: Logger) async throws -> [String] {
        var found: [String] = []
        let fileManager = FileManager.default
        for name in ["photos", "recordings", "closeouts"] {
            let folder = dataDirectory.appendingPathComponent(name)
            if let items = try? fileManager.contentsOfDirectory(atPath: folder.path), !items.isEmpty {
                found.append("\(folder.path) is not empty")
            }
        }
        let hasDatabase: Bool
        switch url {
        case .sqlite(let path): hasDatabase = fileManager.fileExists(atPath: path)
        case .postgres: hasDatabase = true
        }
        if hasDatabase {
            let database = try await Database.open(url, logger: logger, connectionsPerLoop: 1)
            do {
                for (table, rows) in try await LogicalLoad.counts(database).sorted(by: { $0.key < $1.key })
                where rows > 0 && table != "regions" {
                    found.append("the database's table \(table) has \(rows) rows")
                    break
                }
                try await database.close()
            } catch {
                try? await database.close()
                throw error
            }
        }
        return found
    }

    /// `--force` on PostgreSQL: the schema's tables and functions go (DROP, which the audit
    /// log's triggers do not forbid; they refuse UPDATE, DELETE and TRUNCATE of its lines).
    static func dropEverything(_ database: Database) async throws {
        try await database.transaction { connection in
            let tables = try await connection.raw("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
                .all().map { try $0.decode(column: "tablename", as: String.self) }
            for table in tables {
                try await connection.raw("DROP TABLE IF EXISTS \(ident: table) CASCADE").run()
            }
            let functions = try await connection.raw("""
                SELECT p.oid::regprocedure::text AS signature FROM pg_proc p
                WHERE p.pronamespace = current_schema()::text::regnamespace
                """).all().map { try $0.decode(column: "signature", as: String.self) }
            for function in functions {
                try await connection.raw("DROP FUNCTION IF EXISTS \(unsafeRaw: function) CASCADE").run()
            }
        }
    }
}
