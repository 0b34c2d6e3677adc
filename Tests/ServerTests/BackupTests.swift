import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import MusrenbangCore
import MusrenbangServer
@testable import MusrenbangStore
import NIOConcurrencyHelpers
import SQLKit
import Testing
import TestSupport
import ZIPFoundation

/// Backups that restore: online under writes, across databases, refused when damaged.
@Suite("Backup and restore")
struct BackupTests {
    static let logger: Logger = {
        var logger = Logger(label: "test.backup")
        logger.logLevel = .warning
        return logger
    }()

    static var postgresEnabled: Bool { TestFlavour.enabled.contains(.postgres) }

    // MARK: the write storm

    @Test("a backup taken during a write storm restores the snapshot: nothing committed before it is lost, no transaction is torn",
          arguments: TestFlavour.enabled)
    func backupDuringWriteStorm(flavour: TestFlavour) async throws {
        // Two pools on one database, as in production: the server's (the writer) and the backup
        // command's, a process of its own.
        try await withEmptyTargets([flavour]) { sources in
          let source = sources[0]
          try await source.with { database in
            try await Migrator.migrate(database, logger: Self.logger)
            let data = try Self.dataDirectory(photos: 3)
            defer { try? FileManager.default.removeItem(at: data) }
            let (user, proposal) = try await Self.seed(database)

            // Each transaction: a history line, the proposal's counter set to its number, an audit line.
            let committed = NIOLockedValueBox(0)
            let stop = NIOLockedValueBox(false)
            let writer = Task {
                var k = 0
                while !stop.withLockedValue({ $0 }) && k < 20_000 {
                    k += 1
                    let number = k
                    try await database.transaction { connection in
                        try await connection.insert(into: "proposal_history")
                            .columns("proposal_id", "event", "reason", "actor_id", "actor_role", "created_at")
                            .values(SQLBind(proposal), SQLBind("storm"), SQLBind("\(number)"), SQLBind(user), SQLBind("planner"), SQLBind(Date()))
                            .run()
                        try await connection.update("proposals").set("support_count", to: SQLBind(number)).set("updated_at", to: SQLBind(Date()))
                            .where("id", .equal, SQLBind(proposal)).run()
                        try await connection.insert(into: "audit_log")
                            .columns("at", "actor_id", "actor_role", "action", "target", "address", "status")
                            .values(SQLBind(Date()), SQLBind(user), SQLBind("planner"), SQLBind("POST /storm"), SQLBind("storm-\(number)"),
                                    SQLBind("127.0.0.1"), SQLBind(200))
                            .run()
                    }
                    committed.withLockedValue { $0 = number }
                }
            }
            while committed.withLockedValue({ $0 }) < 40 { try await Task.sleep(for: .milliseconds(10)) }
            let before = committed.withLockedValue { $0 }
            let archive = FileManager.default.temporaryDirectory.appendingPathComponent("mb-storm-\(UUID().uuidString).zip")
            defer { try? FileManager.default.removeItem(at: archive) }
            let written = try await source.with { backupPool in
                try await BackupArchive.write(database: backupPool, dataDirectory: data, secretFromEnvironment: false,
                                              to: archive, logger: Self.logger)
            }
            let duringBackup = committed.withLockedValue { $0 } - before
            stop.withLockedValue { $0 = true }
            try await writer.value
            let after = committed.withLockedValue { $0 }
            #expect(duringBackup > 0, "the writer kept committing while the backup ran (it holds no write lock)")

            try await withEmptyTargets([flavour]) { targets in
                let target = targets[0]
                let restored = try await BackupRestore.restore(archive, database: target.url, dataDirectory: target.dataDirectory,
                                                              force: false, logger: Self.logger)
                #expect(restored.counts == written.manifest.rowCounts)
                let source = try await Self.rows(database)
                let copy = try await target.with { try await Self.rows($0) }
                // The snapshot's moment: K storm transactions, all of each or none.
                let stormReasons = copy["proposal_history"]!.compactMap { row -> Int? in
                    guard row[2] == .text("storm"), case .text(let reason) = row[5] else { return nil }
                    return Int(reason)
                }
                let k = stormReasons.count
                #expect(stormReasons == Array(1...max(1, k)).prefix(k).map { $0 })
                #expect(k >= before, "every transaction committed before the backup began is in it")
                #expect(k <= after)
                let auditTargets = copy["audit_log"]!.compactMap { row -> String? in
                    guard case .text(let target) = row[5], target.hasPrefix("storm-") else { return nil }
                    return target
                }
                #expect(auditTargets == (1...max(1, k)).prefix(k).map { "storm-\($0)" }, "no torn transaction")
                let restoredProposal = try #require(copy["proposals"]!.first { $0[0] == .integer(proposal) })
                let supportIndex = try #require(Self.columns(written.manifest, "proposals").firstIndex(of: "support_count"))
                #expect(restoredProposal[supportIndex] == .integer(Int64(k)))

                // Every table equal to the source at that moment: the source minus the later storm transactions.
                for (table, rows) in source {
                    var expected = rows
                    switch table {
                    case "proposal_history":
                        expected = rows.filter { !($0[2] == .text("storm") && Int($0[5].description)! > k) }
                    case "audit_log":
                        expected = rows.filter { row in
                            guard case .text(let target) = row[5], target.hasPrefix("storm-") else { return true }
                            return Int(target.dropFirst(6))! <= k
                        }
                    case "proposals":
                        let updated = try #require(Self.columns(written.manifest, "proposals").firstIndex(of: "updated_at"))
                        expected = rows.map { row in
                            guard row[0] == .integer(proposal) else { return row }
                            var row = row
                            row[supportIndex] = .integer(Int64(k))
                            row[updated] = restoredProposal[updated]
                            return row
                        }
                    default: break
                    }
                    #expect(copy[table] == expected, "table \(table) equals the source at the backup's moment")
                }
                // The files and the secret came along, byte for byte.
                for record in written.manifest.files {
                    #expect(FileManager.default.contents(atPath: target.dataDirectory.appendingPathComponent(record.path).path)
                            == FileManager.default.contents(atPath: data.appendingPathComponent(record.path).path))
                }
                #expect(written.manifest.files.contains { $0.path == "secret.key" })
                #expect(written.manifest.secret == "file")
                try await target.with { try await Self.expectAppendOnlyAuditLog($0) }
            }
          }
        }
    }

    // MARK: across databases

    @Test("SQLite → PostgreSQL → SQLite: equal counts, equal rows, equal proposal histories, the app reads the same",
          .enabled(if: BackupTests.postgresEnabled))
    func sqlitePostgresRoundTrip() async throws {
        try await withTestApp(.sqlite) { app in
            try FileManager.default.createDirectory(at: app.services.configuration.dataDirectory, withIntermediateDirectories: true)
            _ = try await DemoData.load(app.services)
            let database = app.services.database
            try await Self.addPhoto(to: app.services.configuration.dataDirectory)
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mb-trip-\(UUID().uuidString)", isDirectory: true)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }

            let first = try await BackupArchive.write(database: database, dataDirectory: app.services.configuration.dataDirectory,
                                                      secretFromEnvironment: true, to: folder.appendingPathComponent("a.zip"), logger: Self.logger)
            #expect(first.manifest.source == "sqlite")
            #expect(first.manifest.secret == "environment")
            let sourceRows = try await Self.rows(database, normalized: true)
            let proposalIDs = try await database.sql.raw("SELECT id FROM proposals ORDER BY id").all()
                .map { ProposalID(rawValue: try $0.decode(column: "id", as: Int64.self)) }
            #expect(proposalIDs.count > 100)
            let store = ProposalStore(database)
            var histories: [ProposalID: [HistoryEntry]] = [:]
            for id in proposalIDs { histories[id] = try await store.history(id) }
            let pages = try await Self.appReads(app, proposals: proposalIDs)

            try await withEmptyTargets([.postgres, .sqlite]) { targets in
                let (postgres, sqlite) = (targets[0], targets[1])
                let intoPostgres = try await BackupRestore.restore(first.file, database: postgres.url, dataDirectory: postgres.dataDirectory,
                                                                  force: false, logger: Self.logger)
                #expect(intoPostgres.counts == first.manifest.rowCounts)
                let second = try await postgres.with { database in
                    // New rows continue after the restored ids (the sequences were reset).
                    let next = try await database.sql.raw("SELECT nextval(pg_get_serial_sequence('proposals', 'id')) AS n").first()!
                        .decode(column: "n", as: Int64.self)
                    #expect(next > proposalIDs.last!.rawValue)
                    Self.expectSameRows(try await Self.rows(database, normalized: true), sourceRows, "in PostgreSQL")
                    let written = try await BackupArchive.write(database: database, dataDirectory: postgres.dataDirectory, secretFromEnvironment: true,
                                                                to: folder.appendingPathComponent("b.zip"), logger: Self.logger)
                    // After the backup (it adds an audit line): the triggers came with the migrations.
                    try await Self.expectAppendOnlyAuditLog(database)
                    return written
                }
                #expect(second.manifest.source == "postgres")
                Self.expectSameCounts(second.manifest.rowCounts, first.manifest.rowCounts, "PostgreSQL's backup")
                #expect(second.manifest.files.map(\.sha256) == first.manifest.files.map(\.sha256))

                let back = try await BackupRestore.restore(second.file, database: sqlite.url, dataDirectory: sqlite.dataDirectory,
                                                          force: false, logger: Self.logger)
                Self.expectSameCounts(back.counts, first.manifest.rowCounts, "back in SQLite")
                try await sqlite.with { database in
                    Self.expectSameRows(try await Self.rows(database, normalized: true), sourceRows, "back in SQLite")
                    let store = ProposalStore(database)
                    for id in proposalIDs {
                        let history = try await store.history(id)
                        let before = histories[id] ?? []
                        #expect(Self.withoutTimes(history) == Self.withoutTimes(before), "proposal \(id.rawValue)'s history")
                        // PostgreSQL keeps microseconds; SQLite's REAL seconds (a double, ~0.2 µs apart at
                        // today's dates) round either way at the half: equal within one microsecond.
                        #expect(zip(history, before).allSatisfy { abs($0.createdAt.timeIntervalSince($1.createdAt)) <= 1.5e-6 },
                                "proposal \(id.rawValue)'s times")
                    }
                    try await Self.expectAppendOnlyAuditLog(database)
                    // The application reads the restored database exactly as it read the source.
                    var configuration = app.services.configuration
                    configuration.dataDirectory = sqlite.dataDirectory
                    configuration.databaseURL = sqlite.url
                    let services = try await AppServices(configuration: configuration, database: database, logger: Self.logger)
                    let restoredApp = Application(router: buildRouter(services), logger: Self.logger)
                    try await restoredApp.test(.router) { client in
                        for (uri, body) in pages {
                            let response = try await client.execute(uri: uri, method: .get)
                            #expect(response.status == .ok)
                            #expect(String(buffer: response.body) == body, "\(uri) reads the same after the round trip")
                        }
                    }
                }
            }
        }
    }

    // MARK: bad input

    @Test("a truncated or altered archive is refused with the reason, and the target is untouched")
    func tamperedArchiveRefused() async throws {
        try await withTestDatabase(.sqlite) { database in
            let data = try Self.dataDirectory(photos: 2)
            defer { try? FileManager.default.removeItem(at: data) }
            _ = try await Self.seed(database)
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mb-tamper-\(UUID().uuidString)", isDirectory: true)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let good = try await BackupArchive.write(database: database, dataDirectory: data, secretFromEnvironment: false,
                                                     to: folder.appendingPathComponent("good.zip"), logger: Self.logger)
            let bytes = try Data(contentsOf: good.file)

            // Cut short.
            let truncated = folder.appendingPathComponent("truncated.zip")
            try bytes.prefix(bytes.count * 2 / 3).write(to: truncated)
            // One byte of a stored photo changed (ZIP's CRC catches it).
            let flipped = folder.appendingPathComponent("flipped.zip")
            var changed = bytes
            let photo = try #require(good.manifest.files.first { $0.path.hasPrefix("photos/") })
            let marker = try #require(changed.range(of: Data("PHOTO-\(photo.path.split(separator: "/").last!)".utf8)))
            changed[marker.lowerBound] ^= 0x20
            try changed.write(to: flipped)
            // A table rewritten with a consistent ZIP (fresh CRC) but the manifest's checksum left alone.
            let rewritten = folder.appendingPathComponent("rewritten.zip")
            try Self.rewrite(good.file, to: rewritten) { path, content in
                path == "tables/users.jsonl" ? Data(String(decoding: content, as: UTF8.self).replacingOccurrences(of: "Perencana", with: "Pencurian").utf8) : content
            }
            // The manifest's count altered, checksums left alone.
            let recounted = folder.appendingPathComponent("recounted.zip")
            try Self.rewrite(good.file, to: recounted) { path, content in
                guard path == "manifest.json" else { return content }
                var manifest = try JSONSerialization.jsonObject(with: content) as! [String: Any]
                var tables = manifest["tables"] as! [[String: Any]]
                let index = tables.firstIndex { $0["name"] as? String == "proposals" }!
                tables[index]["rows"] = (tables[index]["rows"] as! Int) + 1
                manifest["tables"] = tables
                return try JSONSerialization.data(withJSONObject: manifest)
            }
            // An extra entry smuggled in.
            let smuggled = folder.appendingPathComponent("smuggled.zip")
            try FileManager.default.copyItem(at: good.file, to: smuggled)
            let archive = try Archive(url: smuggled, accessMode: .update)
            let payload = Data("#!/bin/sh\n".utf8)
            try archive.addEntry(with: "files/../../evil.sh", type: .file, uncompressedSize: Int64(payload.count)) { position, size in
                payload.subdata(in: Int(position)..<Int(position) + size)
            }

            let cases: [(URL, String)] = [(truncated, "cannot be read"), (flipped, "CRC"), (rewritten, "SHA-256"),
                                          (recounted, "rows, the manifest says"), (smuggled, "does not list")]
            for (file, reason) in cases {
                try await withEmptyTargets([.sqlite]) { targets in
                    let target = targets[0]
                    do {
                        _ = try await BackupRestore.restore(file, database: target.url, dataDirectory: target.dataDirectory,
                                                            force: false, logger: Self.logger)
                        Issue.record("\(file.lastPathComponent) was restored")
                    } catch let error as BackupError {
                        #expect(error.description.contains(reason), "\(file.lastPathComponent): \(error)")
                        #expect(error.description.contains("nothing was changed"))
                    }
                    // Untouched: no database file, nothing left in the data directory.
                    if case .sqlite(let path) = target.url { #expect(!FileManager.default.fileExists(atPath: path)) }
                    let left = (try? FileManager.default.contentsOfDirectory(atPath: target.dataDirectory.path)) ?? []
                    #expect(left.isEmpty, "\(file.lastPathComponent) left \(left)")
                }
                #expect(throws: BackupError.self) { try BackupArchive.verify(file) }
            }
            #expect(try BackupArchive.verify(good.file) == good.manifest)
        }
    }

    @Test("a restore into a database with data is refused unless --force, which replaces it", arguments: TestFlavour.enabled)
    func restoreRefusesNonEmpty(flavour: TestFlavour) async throws {
        try await withTestDatabase(.sqlite) { database in
            let data = try Self.dataDirectory(photos: 1)
            defer { try? FileManager.default.removeItem(at: data) }
            _ = try await Self.seed(database)
            let archive = FileManager.default.temporaryDirectory.appendingPathComponent("mb-force-\(UUID().uuidString).zip")
            defer { try? FileManager.default.removeItem(at: archive) }
            let written = try await BackupArchive.write(database: database, dataDirectory: data, secretFromEnvironment: false,
                                                        to: archive, logger: Self.logger)
            try await withEmptyTargets([flavour]) { targets in
                let target = targets[0]
                // A server that only started once (regions loaded, its own secret) counts as empty.
                try await target.with { try await Migrator.migrate($0, logger: Self.logger) }
                try FileManager.default.createDirectory(at: target.dataDirectory, withIntermediateDirectories: true)
                try Data(repeating: 7, count: 32).write(to: target.dataDirectory.appendingPathComponent("secret.key"))
                try await BackupRestore.restore(archive, database: target.url, dataDirectory: target.dataDirectory, force: false, logger: Self.logger)
                #expect(FileManager.default.contents(atPath: target.dataDirectory.appendingPathComponent("secret.key").path)
                        == FileManager.default.contents(atPath: data.appendingPathComponent("secret.key").path))
                // Now it holds data: refused, and still intact.
                try await target.with { database in
                    try await database.sql.raw("INSERT INTO installation (key, value) VALUES ('marker', 'kept')").run()
                }
                await #expect(throws: BackupError.self) {
                    try await BackupRestore.restore(archive, database: target.url, dataDirectory: target.dataDirectory, force: false, logger: Self.logger)
                }
                #expect(try await target.with { try await LogicalLoad.counts($0)["installation"] } == written.manifest.rowCounts["installation"]! + 1)
                // --force replaces it, audit log and all.
                let forced = try await BackupRestore.restore(archive, database: target.url, dataDirectory: target.dataDirectory,
                                                            force: true, logger: Self.logger)
                #expect(forced.counts == written.manifest.rowCounts)
                try await target.with { database in
                    #expect(try await LogicalLoad.counts(database) == written.manifest.rowCounts)
                    try await Self.expectAppendOnlyAuditLog(database)
                }
            }
        }
    }

    @Test("backup refuses to overwrite, and a failed one leaves no file behind")
    func backupLeavesNothingOnFailure() async throws {
        try await withTestDatabase(.sqlite) { database in
            let data = try Self.dataDirectory(photos: 1)
            defer { try? FileManager.default.removeItem(at: data) }
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mb-fail-\(UUID().uuidString)", isDirectory: true)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let existing = folder.appendingPathComponent("exists.zip")
            try Data("old".utf8).write(to: existing)
            await #expect(throws: BackupError.self) {
                try await BackupArchive.write(database: database, dataDirectory: data, secretFromEnvironment: false, to: existing, logger: Self.logger)
            }
            #expect(try Data(contentsOf: existing) == Data("old".utf8))
            // A photo that cannot be read stops the backup midway: nothing is left that looks like a backup.
            let unreadable = data.appendingPathComponent("photos/zz/unreadable")
            try FileManager.default.createDirectory(at: unreadable.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data("x".utf8).write(to: unreadable)
            try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: unreadable.path)
            defer { try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: unreadable.path) }
            if getuid() != 0 {  // root reads it anyway; the full-disk case runs in scripts/test on a small tmpfs
                await #expect(throws: BackupError.self) {
                    try await BackupArchive.write(database: database, dataDirectory: data, secretFromEnvironment: false,
                                                  to: folder.appendingPathComponent("new.zip"), logger: Self.logger)
                }
                #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["exists.zip"])
            }
        }
    }

    // MARK: upgrades and versions

    @Test("a database newer than this binary is refused before anything runs; --dry-run lists what would run", arguments: TestFlavour.enabled)
    func schemaVersionChecks(flavour: TestFlavour) async throws {
        try await withEmptyTargets([flavour]) { targets in
            try await targets[0].with { database in
                #expect(try await Migrator.pending(database).map(\.version) == Migrator.known.map(\.version))
                try await Migrator.migrate(database, upTo: 3, logger: Self.logger)
                #expect(try await Migrator.currentVersion(database) == 3)
                #expect(try await Migrator.pending(database).map(\.version) == Migrator.known.map(\.version).filter { $0 > 3 }, "numbers may skip (other branches' migrations)")
                #expect(try await Migrator.currentVersion(database) == 3, "a dry run changes nothing")
                try await Migrator.migrate(database, logger: Self.logger)
                #expect(try await Migrator.pending(database).isEmpty)
                let future = Migrator.latestVersion + 5
                try await database.sql.raw("INSERT INTO schema_migrations (version, name, applied_at) VALUES (\(bind: future), 'from the future', \(bind: Date()))").run()
                await #expect(throws: SchemaCheck.Problem.databaseNewer(database: future, binary: Migrator.latestVersion, unknown: [future])) {
                    try await Migrator.migrate(database, logger: Self.logger)
                }
                await #expect(throws: SchemaCheck.Problem.self) { try await Migrator.pending(database) }
            }
        }
    }

    @Test("an archive from a newer release or another line of migrations is refused")
    func incompatibleArchiveRefused() throws {
        var manifest = BackupManifest(createdAt: Date(), source: "sqlite", schemaVersion: Migrator.latestVersion + 1,
                                      migrations: [], tables: [], files: [], secret: "file", snapshotSeconds: 0)
        #expect(throws: BackupError.self) { try BackupRestore.checkCompatible(manifest) }
        manifest.schemaVersion = 2
        manifest.migrations = [.init(version: 1, name: "regions, users, sessions"), .init(version: 2, name: "something else")]
        #expect(throws: BackupError.self) { try BackupRestore.checkCompatible(manifest) }
        manifest.migrations = Migrator.known.prefix(2).map { .init(version: $0.version, name: $0.name) }
        #expect(throws: Never.self) { try BackupRestore.checkCompatible(manifest) }
    }

    @Test("/metrics shows the last good backup's age (+Inf before the first)")
    func backupAgeMetric() async throws {
        try await withTestApp(.sqlite) { app in
            func value() async throws -> String? {
                let response = try await app.send(.get, "/metrics")
                return response.text.split(separator: "\n").first { $0.hasPrefix("musrenbang_backup_age_seconds ") }
                    .map { String($0.split(separator: " ")[1]) }
            }
            #expect(try await value() == "+Inf")
            try await BackupLedger(app.services.database).record(.init(at: Date().addingTimeInterval(-90), file: "/b/x.zip", bytes: 10, seconds: 1))
            let age = try #require(Double(try await value() ?? ""))
            #expect(age >= 90 && age < 200)
        }
    }

    @Test("rows survive the round trip of the line format")
    func rowLines() throws {
        let values: [DumpValue] = [.null, .integer(-9_007_199_254_740_993), .real(1_732_921_234.123456), .real(5), .real(-1.5e-7),
                                   .text("Jalan \"Raya\" \\ baris\nbaru\t😀 \u{01}"), .bool(true), .bool(false), .text("")]
        var bytes: [UInt8] = []
        try RowLine.encode(values, into: &bytes)
        #expect(bytes.last == 0x0A)
        #expect(bytes.dropLast().contains(0x0A) == false)
        let decoded = try Array(bytes.dropLast()).withUnsafeBufferPointer { try RowLine.decode($0) }
        #expect(decoded == values)
        let parsed = try JSONSerialization.jsonObject(with: Data(bytes)) as? [Any]
        #expect(parsed?.count == values.count, "every line is plain JSON")
        #expect(throws: RowLineError.self) { try Array("[1,".utf8).withUnsafeBufferPointer { try RowLine.decode($0) } }
    }

    // MARK: helpers

    /// A data directory with a secret and a few photos.
    static func dataDirectory(photos: Int) throws -> URL {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("mb-data-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try Data((0..<32).map { UInt8($0) }).write(to: data.appendingPathComponent("secret.key"))
        for index in 0..<photos { try addPhoto(to: data, index: index) }
        return data
    }

    static func addPhoto(to data: URL, index: Int = 0) throws {
        let name = String(format: "%02x", index) + "photo\(index)"
        let folder = data.appendingPathComponent("photos/\(name.prefix(2))", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("PHOTO-\(name)".utf8 + [UInt8](repeating: UInt8(index), count: 2000)).write(to: folder.appendingPathComponent(name))
    }

    /// A planner and one proposal, in raw SQL (the storm writes around them).
    static func seed(_ database: Database) async throws -> (user: Int64, proposal: Int64) {
        try await database.sql.raw("""
            INSERT INTO users (username, name, role, region_code, created_at) VALUES ('perencana', 'Perencana Bappeda', 'planner', '35.10', \(bind: Date()))
            """).run()
        let user = try await database.sql.raw("SELECT id FROM users WHERE username = 'perencana'").first()!.decode(column: "id", as: Int64.self)
        try await database.sql.raw("""
            INSERT INTO proposals (village_code, district_code, year, title, problem, activity, field_code, subfield_code, kind,
                volume, unit, estimated_cost, funding_source, beneficiaries_total, beneficiaries_women, beneficiaries_poor,
                beneficiaries_disabled, source, entered_by, show_proposer_name, level, status, current_volume, current_cost,
                search_folded, created_at, updated_at, lat, lng)
            VALUES ('35.10.13.2001', '35.10.13', 2027, 'Perbaikan jalan lingkungan', 'Jalan rusak', 'Pengaspalan', '02', '02.03', 'physical',
                150.5, 'm', 67500000, 'villageFund', 120, 60, 15, 2, 'onBehalf', \(bind: user), \(bind: false), 'village', 'pending', 150.5, 67500000,
                'perbaikan jalan lingkungan', \(bind: Date()), \(bind: Date()), -8.2191, 114.3691)
            """).run()
        let proposal = try await database.sql.raw("SELECT MAX(id) AS id FROM proposals").first()!.decode(column: "id", as: Int64.self)
        try await database.sql.raw("INSERT INTO installation (key, value) VALUES ('seed', 'yes')").run()
        return (user, proposal)
    }

    /// Every table's rows as the dump reads them (ordered by primary key); `normalized` puts
    /// booleans as 0/1 and reals to the microsecond, so SQLite and PostgreSQL compare.
    static func rows(_ database: Database, normalized: Bool = false) async throws -> [String: [[DumpValue]]] {
        // In the dump's own snapshot: one statement per table under a request's 30 s deadline
        // failed CI, reading 91k regions row by row in a debug build beside other tests.
        let read = try await LogicalDump.inSnapshot(database) { sql, tables in
            var result: [String: [[DumpValue]]] = [:]
            for table in tables {
                let box = NIOLockedValueBox<[[DumpValue]]>([])
                let columns = table.columns
                try await LogicalDump.orderedRows(of: table, on: sql).run { row in
                    let values = (try? LogicalDump.values(of: row, columns)) ?? []
                    box.withLockedValue { $0.append(values) }
                }
                result[table.name] = box.withLockedValue { $0 }
            }
            return result
        }
        guard normalized else { return read }
        return read.mapValues { rows in
            rows.map { row in
                row.map { value in
                    switch value {
                    case .bool(let flag): .integer(flag ? 1 : 0)
                    case .real(let number): .real((number * 1_000_000).rounded() / 1_000_000)
                    default: value
                    }
                }
            }
        }
    }

    static func expectSameCounts(_ found: [String: Int], _ expected: [String: Int], _ label: String) {
        #expect(found.keys.sorted() == expected.keys.sorted(), "\(label): the same tables")
        for (table, rows) in expected.sorted(by: { $0.key < $1.key }) {
            #expect(found[table] == rows, "\(label): \(table) has \(found[table] ?? -1) rows, the source \(rows)")
        }
    }

    /// Table by table, naming the first row that differs.
    static func expectSameRows(_ found: [String: [[DumpValue]]], _ expected: [String: [[DumpValue]]], _ label: String) {
        #expect(found.keys.sorted() == expected.keys.sorted(), "\(label): the same tables")
        for (table, rows) in expected.sorted(by: { $0.key < $1.key }) {
            let other = found[table] ?? []
            guard other != rows else { continue }
            let index: Int = zip(other, rows).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(other.count, rows.count)
            let mine: String = index < other.count ? "\(other[index])" : "none"
            let theirs: String = index < rows.count ? "\(rows[index])" : "none"
            Issue.record("\(label): \(table) differs (\(other.count) rows, the source \(rows.count)); first at row \(index): \(mine) vs \(theirs)")
        }
    }

    /// A history without its times, everything else compared as is.
    static func withoutTimes(_ history: [HistoryEntry]) -> [String] {
        history.map { entry in
            let changes = (entry.changes ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            return "\(entry.id) \(entry.event) \(String(describing: entry.level)) \(String(describing: entry.outcome)) "
                + "\(entry.reason ?? "-") \(changes) \(String(describing: entry.actorId)) \(String(describing: entry.actorRole))"
        }
    }

    static func columns(_ manifest: BackupManifest, _ table: String) -> [String] {
        manifest.tables.first { $0.name == table }!.columns.map(\.name)
    }

    static func expectAppendOnlyAuditLog(_ database: Database) async throws {
        try await database.sql.raw("""
            INSERT INTO audit_log (at, action, address, status) VALUES (\(bind: Date()), 'POST /after-restore', '127.0.0.1', 200)
            """).run()
        await #expect(throws: (any Error).self, "the audit log refuses updates after a restore") {
            try await database.sql.raw("UPDATE audit_log SET status = 500").run()
        }
        await #expect(throws: (any Error).self, "the audit log refuses deletes after a restore") {
            try await database.sql.raw("DELETE FROM audit_log").run()
        }
    }

    /// Public reads a citizen makes, keyed by address.
    static func appReads(_ app: TestApp, proposals: [ProposalID]) async throws -> [(String, String)] {
        var pages: [(String, String)] = []
        var uris = ["/api/v1/proposals?size=50", "/api/v1/proposals?size=50&page=3"]
        uris += proposals.prefix(40).map { "/api/v1/proposals/\($0.rawValue)" }
        for uri in uris {
            let response = try await app.send(.get, uri)
            #expect(response.status == .ok, "\(uri)")
            pages.append((uri, response.text))
        }
        return pages
    }

    /// Copies an archive entry by entry (fresh CRCs), letting `change` alter an entry's content.
    static func rewrite(_ source: URL, to destination: URL, change: (String, Data) throws -> Data) throws {
        let input = try Archive(url: source, accessMode: .read)
        let output = try Archive(url: destination, accessMode: .create)
        for entry in input {
            var content = Data()
            _ = try input.extract(entry) { content.append($0) }
            let changed = try change(entry.path, content)
            try output.addEntry(with: entry.path, type: .file, uncompressedSize: Int64(changed.count), compressionMethod: .deflate) { position, size in
                changed.subdata(in: Int(position)..<Int(position) + size)
            }
        }
    }
}
