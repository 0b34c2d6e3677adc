import Foundation
import Logging
@testable import MusrenbangStore
import SQLKit
import Testing
import TestSupport

/// SQLite's own connections (`SQLiteConnections`): one writer run on its thread, readers that
/// refuse to write, a watchdog for reads, deadlines for transactions, the writer's queue, and the
/// audit log's group commit.
@Suite("SQLite's writer, readers and their limits")
struct SQLiteConnectionTests {
    /// A fresh file with one table, opened with `limits`.
    static func withFile<T: Sendable>(_ limits: DatabaseLimits = .standard, _ body: (Database) async throws -> T) async throws -> T {
        let target = try await EmptyTarget.make(.sqlite)
        do {
            let result = try await target.with(limits: limits) { database in
                try await database.sql.raw("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)").run()
                return try await body(database)
            }
            await target.remove()
            return result
        } catch {
            await target.remove()
            throw error
        }
    }

    static func bodies(_ database: Database) async throws -> [String] {
        try await database.sql.raw("SELECT body FROM notes ORDER BY id").all().map { try $0.decode(column: "body", as: String.self) }
    }

    @Test("raw SQL that writes reaches the writer; builders, binds and reads round-trip")
    func rawWrites() async throws {
        try await Self.withFile { database in
            try await database.sql.raw("INSERT INTO notes (body) VALUES (\(bind: "raw"))").run()
            try await database.sql.insert(into: "notes").columns("body").values(SQLBind("built")).run()
            try await database.sql.raw("UPDATE notes SET body = \(bind: "raw, changed") WHERE body = \(bind: "raw")").run()
            #expect(try await Self.bodies(database) == ["raw, changed", "built"])
            let blob = try await database.sql.raw("SELECT x'00ff' AS b, 1.5 AS f, NULL AS n").first()
            #expect(try blob?.decode(column: "b", as: Data.self) == Data([0, 255]))
            #expect(try blob?.decode(column: "f", as: Double.self) == 1.5)
            #expect(try blob?.decodeNil(column: "n") == true)
        }
    }

    @Test("a cached statement run again and again answers for the values bound this time, on the readers' threads and inline")
    func cachedStatements() async throws {
        try await Self.withFile { database in
            for round in 0..<30 {
                let body: String? = round % 3 == 0 ? nil : "note \(round)"
                try await database.sql.raw("INSERT INTO notes (id, body) VALUES (\(bind: round), \(bind: body ?? "-"))").run()
            }
            // 30 runs of one read: the first ones on a reader thread, the later ones inline (quick).
            for round in 0..<30 {
                let row = try await database.sql.raw("SELECT body FROM notes WHERE id = \(bind: round)").first()
                #expect(try row?.decode(column: "body", as: String.self) == (round % 3 == 0 ? "-" : "note \(round)"))
                let none = try await database.sql.raw("SELECT body FROM notes WHERE id = \(bind: round + 1_000)").first()
                #expect(none == nil)
            }
        }
    }

    @Test("a read past its limit is stopped, and its reader serves the next read")
    func longRead() async throws {
        var limits = DatabaseLimits()
        limits.statement = .milliseconds(300)
        try await Self.withFile(limits) { database in
            let started = ContinuousClock.now
            await #expect(throws: DatabaseUnavailable.self) {
                try await database.sql.raw("""
                    WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 1000000000000) SELECT COUNT(*) AS c FROM n
                    """).first()
            }
            #expect(ContinuousClock.now - started < .seconds(10))
            for _ in 0..<8 {
                let bodies = try await Self.bodies(database)
                #expect(bodies.isEmpty)
            }
        }
    }

    @Test("a transaction past its deadline is rolled back: nothing of it stays, later statements of it are refused, the next one runs")
    func lateTransaction() async throws {
        try await Self.withFile { database in
            let tried = Counter()
            let late = Task {
                try await database.transaction(within: .milliseconds(300)) { connection in
                    try await connection.raw("INSERT INTO notes (body) VALUES ('first')").run()
                    try? await Task.sleep(for: .seconds(4))  // far past the deadline, even on a loaded machine
                    defer { Task { await tried.add() } }
                    try await connection.raw("INSERT INTO notes (body) VALUES ('after the deadline')").run()
                }
            }
            await #expect(throws: DatabaseUnavailable.self) { try await late.value }
            try await database.transaction { try await $0.raw("INSERT INTO notes (body) VALUES ('next')").run() }
            let until = ContinuousClock.now + .seconds(30)
            while await tried.value == 0, ContinuousClock.now < until { try await Task.sleep(for: .milliseconds(100)) }
            #expect(await tried.value == 1, "the abandoned body went on to its second insert")
            #expect(try await Self.bodies(database) == ["next"])
        }
    }

    @Test("a write that waits past the writer queue's limit is refused as unavailable; the queue goes on")
    func writerQueue() async throws {
        var limits = DatabaseLimits()
        limits.writerWait = .milliseconds(200)
        try await Self.withFile(limits) { database in
            let holding = Task {
                try await database.transaction { connection in
                    try await connection.raw("INSERT INTO notes (body) VALUES ('slow')").run()
                    try await Task.sleep(for: .seconds(4))
                }
            }
            try await Task.sleep(for: .milliseconds(100))
            let started = ContinuousClock.now
            await #expect(throws: DatabaseUnavailable.self) {
                try await database.sql.insert(into: "notes").columns("body").values(SQLBind("queued")).run()
            }
            #expect(ContinuousClock.now - started < .seconds(3), "refused long before the holder lets go")
            try await holding.value
            try await database.sql.insert(into: "notes").columns("body").values(SQLBind("after")).run()
            #expect(try await Self.bodies(database) == ["slow", "after"])
        }
    }

    @Test("concurrent writers each commit exactly once, in whole transactions")
    func concurrentWriters() async throws {
        try await Self.withFile { database in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<40 {
                    group.addTask {
                        try await database.transaction { connection in
                            try await connection.raw("INSERT INTO notes (body) VALUES (\(bind: "\(writer)-a"))").run()
                            try await connection.raw("INSERT INTO notes (body) VALUES (\(bind: "\(writer)-b"))").run()
                        }
                    }
                }
                try await group.waitForAll()
            }
            let bodies = try await Self.bodies(database)
            #expect(bodies.count == 80 && Set(bodies).count == 80)
            // Each transaction's two rows are next to each other: none interleaved with another's.
            for pair in stride(from: 0, to: 80, by: 2) {
                #expect(bodies[pair].dropLast(2) == bodies[pair + 1].dropLast(2))
            }
        }
    }

    @Test("audit lines appended at once are all committed, in fewer transactions than lines")
    func groupCommit() async throws {
        try await Self.withFile { database in
            try await database.sql.raw("""
                CREATE TABLE audit_log (id INTEGER PRIMARY KEY, at TEXT, actor_id INTEGER, actor_role TEXT, action TEXT,
                target TEXT, region_code TEXT, address TEXT, status INTEGER, reason TEXT)
                """).run()
            let transactions = Counter()
            let lines = GroupCommit<Int, Void> { rows, database in
                try await database.transaction { connection in
                    await transactions.add()
                    for row in rows { try await connection.raw("INSERT INTO notes (body) VALUES (\(bind: "\(row)"))").run() }
                }
                return rows.map { _ in }
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for line in 0..<200 { group.addTask { try await lines.append(line, to: database) } }
                try await group.waitForAll()
            }
            #expect(Set(try await Self.bodies(database)) == Set((0..<200).map(String.init)))
            #expect(await transactions.value < 200)
            // The store's own audit lines go the same way.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for line in 0..<20 {
                    group.addTask {
                        try await AuditStore(database).append(AuditEntry(actorId: nil, actorRole: nil, action: "POST /x", target: "n=\(line)",
                                                                         regionCode: nil, address: "127.0.0.1", status: 200))
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await database.sql.raw("SELECT COUNT(*) AS n FROM audit_log").first()?.decode(column: "n", as: Int.self) == 20)
        }
    }

    @Test("the writer empties the WAL without cutting the file: it keeps its length, the next writes reuse it, nothing is lost")
    func walStartsOver() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("t.sqlite").path
        let writer = try SQLiteHandle(path: path, role: .writer, logger: Logger(label: "test"))
        defer { writer.close() }
        let sql = writer.session()
        func walBytes() throws -> Int { try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int ?? -1 }
        try await sql.raw("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)").run()
        try await sql.raw("""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400)
            INSERT INTO notes (body) SELECT hex(randomblob(2000)) FROM n
            """).run()
        let grown = try walBytes()
        #expect(grown > 1_000_000)
        writer.emptyWAL()
        // Cut (TRUNCATE), it would be empty. (With no reader in it, as here, a PASSIVE checkpoint
        // would also let the next write start it over; RESTART waits up to 100 ms for readers.)
        #expect(try walBytes() == grown)
        try await sql.raw("INSERT INTO notes (body) VALUES ('after')").run()
        #expect(try walBytes() == grown)
        #expect(try await sql.raw("SELECT COUNT(*) AS n FROM notes").first()?.decode(column: "n", as: Int.self) == 401)
        // After a longer burst the file is cut back to this when it starts over.
        #expect(try await sql.raw("PRAGMA journal_size_limit").first()?.decode(column: "journal_size_limit", as: Int.self)
                == Int(SQLiteHandle.walLimit) * 4096 * 2)
    }

    actor Counter {
        var value = 0
        func add() { value += 1 }
    }
}
