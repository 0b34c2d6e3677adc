import Foundation
import Logging
import MusrenbangStore
import SQLKit
import Testing
import TestSupport

@Suite("Leadership of several server processes")
struct LeadershipTests {
    static let logger: Logger = {
        var logger = Logger(label: "test.leadership")
        logger.logLevel = .critical
        return logger
    }()

    /// Whether `condition` holds within `limit`, asked every 100 ms.
    static func within(_ limit: Duration, _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return try await condition()
    }

    /// The sessions holding a leadership connection to this test's database.
    static func sessions(_ database: Database) async throws -> Int {
        try await database.sql.raw("""
            SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'musrenbang leadership' AND datname = current_database()
            """).first()?.decode(column: "n", as: Int.self) ?? -1
    }

    @Test("on SQLite the one process always leads")
    func sqliteLeads() async {
        let leadership = Leadership(.sqlite(path: "/nonexistent/musrenbang.sqlite"), logger: Self.logger)
        #expect(await leadership.leads)
        #expect(await leadership.check())
    }

    @Test("two processes on one PostgreSQL: exactly one leads; when it ends the other takes over")
    func oneLeads() async throws {
        guard TestFlavour.enabled.contains(.postgres) else { return }
        try await withTestDatabase(.postgres) { database in
            let url = DatabaseURL.postgres(url: try await TestDatabases.url(of: database))
            let a = Leadership(url, logger: Self.logger), b = Leadership(url, logger: Self.logger)
            #expect(await !a.leads, "nobody leads before trying")
            #expect(await a.check())
            for _ in 0..<3 {
                #expect(await !b.check(), "the follower's retry fails while the leader lives")
                #expect(await a.check(), "the leader keeps the lead")
            }
            // Checks at once, several on one instance: still one leader, one connection each.
            async let first = a.check(), second = b.check(), third = b.check()
            #expect(await [first, second, third] == [true, false, false])
            #expect(try await Self.sessions(database) == 2)

            // The leader's process ends: its connection closes, never unlocking, and the lock goes with it.
            await a.close()
            #expect(await !a.leads)
            #expect(await !a.check(), "a closed leadership never leads again")
            #expect(await Self.within(.seconds(5)) { await b.check() }, "the follower took over")
            let c = Leadership(url, logger: Self.logger)
            #expect(await !c.check(), "a third process follows the new leader")
            #expect(await b.check())
            await b.close()
            await c.close()
            #expect(try await Self.within(.seconds(5)) { try await Self.sessions(database) == 0 }, "no connection left behind")
        }
    }

    @Test("a leader whose session was cut learns it at its next check, and the other process takes over")
    func cutSession() async throws {
        guard TestFlavour.enabled.contains(.postgres) else { return }
        try await withTestDatabase(.postgres) { database in
            let url = DatabaseURL.postgres(url: try await TestDatabases.url(of: database))
            let a = Leadership(url, logger: Self.logger), b = Leadership(url, logger: Self.logger)
            #expect(await a.check())
            #expect(await !b.check())
            // The server ends the session holding the lock (as when it restarts or the network cuts it).
            let cut = try await database.sql.raw("""
                SELECT pg_terminate_backend(pid) AS cut FROM pg_locks
                WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                """).all()
            #expect(cut.count == 1, "one session holds the lock")
            #expect(await Self.within(.seconds(5)) { await !a.check() }, "the leader saw its session go")
            #expect(await !a.leads)
            #expect(await Self.within(.seconds(5)) { await b.check() }, "the follower took over")
            #expect(await !a.check(), "the old leader, connected again, follows")
            await a.close()
            await b.close()
        }
    }
}
