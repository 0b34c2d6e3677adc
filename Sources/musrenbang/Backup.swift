import ArgumentParser
import Foundation
import Logging
import MusrenbangStore

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Write one archive of the installation while the server runs and takes writes.",
        discussion: """
            Every table is read in one consistent snapshot (SQLite: one read transaction, no write lock; PostgreSQL:
            REPEATABLE READ READ ONLY) as a database-independent dump, with the data directory's secret, photos and
            recordings and a manifest (schema version, rows per table, SHA-256 of every entry). The archive is written
            under a temporary name, read back and checked, and only then renamed; the last good backup is recorded for
            /metrics (musrenbang_backup_age_seconds). It restores into SQLite or PostgreSQL.
            """)
    @OptionGroup var common: CommonOptions
    @Argument(help: "The archive to write (must not exist yet).") var file: String?
    @Option(help: "Write musrenbang-<UTC time>.zip into this directory instead (scheduled backups).") var toDir: String?
    @Option(help: "With --to-dir: keep the newest N archives there and delete older ones, once this one is good.") var keep: Int?

    func validate() throws {
        guard (file == nil) != (toDir == nil) else { throw ValidationError("give either FILE or --to-dir DIR") }
        if let keep { guard keep >= 1, toDir != nil else { throw ValidationError("--keep needs --to-dir and at least 1") } }
    }

    func run() async throws {
        let configuration = try common.configuration()
        let logger = common.logger("musrenbang.backup")
        let target: URL
        if let toDir {
            target = URL(fileURLWithPath: toDir, isDirectory: true).appendingPathComponent(BackupRetention.name(for: Date()))
        } else {
            target = URL(fileURLWithPath: file!)
        }
        let database = try await Database.open(configuration.databaseURL, logger: logger, connectionsPerLoop: 1,
                                               limits: BackupArchive.bulkLimits)
        let written: BackupArchive.Written
        do {
            try await SchemaCheck.refuseNewer(database)
            written = try await BackupArchive.write(database: database, dataDirectory: configuration.dataDirectory,
                                                    secretFromEnvironment: configuration.secret?.isEmpty == false,
                                                    to: target, logger: logger)
            do {
                try await BackupLedger(database).record(.init(at: written.manifest.createdAt, file: written.file.path,
                                                              bytes: written.bytes, seconds: written.seconds))
            } catch {
                logger.warning("the backup is good but could not be recorded for /metrics", metadata: ["error": "\(error)"])
            }
            try await database.close()
        } catch {
            try? await database.close()
            throw error
        }
        let manifest = written.manifest
        let rows = manifest.tables.reduce(0) { $0 + $1.rows }
        print("backup \(written.file.path): \(written.bytes) bytes, schema version \(manifest.schemaVersion), "
              + "\(manifest.tables.count) tables, \(rows) rows, \(manifest.files.count) files, "
              + String(format: "%.1f s (snapshot %.1f s)", written.seconds, manifest.snapshotSeconds))
        if manifest.secret == "environment" {
            print("note: the secret comes from MUSRENBANG_SECRET and is not in the archive; keep that value with the backups")
        }
        if let toDir, let keep {
            for removed in try BackupRetention.prune(URL(fileURLWithPath: toDir, isDirectory: true), keep: keep) {
                print("removed old backup \(removed.lastPathComponent)")
            }
        }
    }
}

struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore an archive into an empty data directory and database (SQLite or PostgreSQL).",
        discussion: """
            The archive is checked entirely first (every checksum and row count against its manifest); a truncated or
            altered archive is refused with the reason and nothing is changed. A target that already holds data is
            refused unless --force. The database is migrated to the archive's schema version, loaded, compared table by
            table with the manifest's counts, and migrated forward. Stop the server first.
            """)
    @OptionGroup var common: CommonOptions
    @Argument(help: "The archive (from musrenbang backup).") var file: String
    @Flag(help: "Replace a data directory and database that already hold data.") var force = false
    @Flag(help: "Only check the archive (checksums and row counts); change nothing.") var check = false

    func run() async throws {
        let url = URL(fileURLWithPath: file)
        if check {
            let manifest = try BackupArchive.verify(url)
            print("archive good: schema version \(manifest.schemaVersion) from \(manifest.source), "
                  + "\(manifest.tables.reduce(0) { $0 + $1.rows }) rows in \(manifest.tables.count) tables, \(manifest.files.count) files, "
                  + "made \(manifest.createdAt)")
            return
        }
        // A truncated or newer archive is refused before the data directory is even created.
        _ = try BackupRestore.precheck(url)
        let configuration = try common.configuration()
        let logger = common.logger("musrenbang.restore")
        let restored = try await BackupRestore.restore(url, database: configuration.databaseURL,
                                                       dataDirectory: configuration.dataDirectory, force: force, logger: logger)
        for table in restored.manifest.tables {
            print("  \(table.name): \(restored.counts[table.name] ?? 0) rows")
        }
        print("restored \(file) into \(configuration.databaseURL) and \(configuration.dataDirectory.path): "
              + "\(restored.counts.values.reduce(0, +)) rows, every table's count equal to the archive's; "
              + "\(restored.manifest.files.count) files; schema version \(restored.manifest.schemaVersion) → \(restored.schemaVersion) "
              + String(format: "(%.1f s)", restored.seconds))
        if restored.manifest.secret == "environment" {
            print("note: the archive's server used MUSRENBANG_SECRET; set the same value here, or citizens cannot sign in")
        }
    }
}

/// Scheduled backups' names and their retention.
enum BackupRetention {
    static func name(for date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return "musrenbang-\(formatter.string(from: date)).zip"
    }

    /// Deletes all but the newest `keep` archives named by `name(for:)` (the names sort by time);
    /// nothing else in the folder is touched.
    static func prune(_ folder: URL, keep: Int) throws -> [URL] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasPrefix("musrenbang-") && $0.hasSuffix("Z.zip") }
            .sorted()
        let old = names.dropLast(keep).map { folder.appendingPathComponent($0) }
        for file in old { try FileManager.default.removeItem(at: file) }
        return old
    }
}
