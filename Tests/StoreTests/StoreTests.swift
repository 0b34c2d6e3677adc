import Foundation
import Logging
import MusrenbangCore
@testable import MusrenbangStore
import SQLKit
import Synchronization
import Testing
import TestSupport

@Suite("Store on SQLite and PostgreSQL")
struct StoreTests {
    @Test("migrations load every region of Indonesia once", arguments: TestFlavour.enabled)
    func migrationsAndRegionCounts(flavour: TestFlavour) async throws {
        try await withTestDatabase(flavour) { database in
            #expect(try await Migrator.currentVersion(database) == Migrator.latestVersion)
            #expect(try await Migrator.migrate(database, logger: Logger(label: "test")) == 0)
            let regions = RegionStore(database)
            #expect(try await regions.count(level: .province) == 38)
            #expect(try await regions.count(level: .regency) == 514)
            #expect(try await regions.count(level: .district) == 7_285)
            #expect(try await regions.count(level: .village) == 83_762)
            let banyuwangi = try #require(RegionCode("35.10"))
            #expect(try await regions.count(level: .district, within: banyuwangi) == 25)
            #expect(try await regions.count(level: .village, within: banyuwangi) == 217)
        }
    }

    @Test("a region, its parent and its children", arguments: TestFlavour.enabled)
    func regionLookup(flavour: TestFlavour) async throws {
        try await withTestDatabase(flavour) { database in
            let regions = RegionStore(database)
            let bubuk = try #require(try await regions.region(RegionCode("35.10.13.2007")!))
            #expect(bubuk == RegionRecord(code: RegionCode("35.10.13.2007")!, name: "Bubuk", level: .village, parentCode: RegionCode("35.10.13"),
                                          kind: .desa))
            let villages = try await regions.children(of: RegionCode("35.10")!)
            #expect(villages.count == 25)
            #expect(villages.allSatisfy { $0.level == .district && $0.parentCode == RegionCode("35.10") })
            #expect(try await regions.region(RegionCode("35.10.99")!) == nil)
            let banyuwangiVillages = try await regions.search("a", within: RegionCode("35.10")!, limit: 1000)
            #expect(banyuwangiVillages.allSatisfy { RegionCode("35.10")!.contains($0.code) })
            let kelurahan = try await regions.children(of: RegionCode("35.10.05")!).filter { $0.kind == .kelurahan }
            #expect(kelurahan.allSatisfy { $0.code.villageKind == .kelurahan })
        }
    }

    @Test("search ignores case and accents and matches word starts", arguments: TestFlavour.enabled)
    func search(flavour: TestFlavour) async throws {
        try await withTestDatabase(flavour) { database in
            let regions = RegionStore(database)
            let inBanyuwangi = try await regions.search("BUBUK", within: RegionCode("35.10")!)
            #expect(inBanyuwangi.map(\.code.description) == ["35.10.13.2007"])
            let everywhere = try await regions.search("bubuk", within: nil).map(\.name)
            #expect(everywhere.contains("Bubuk") && everywhere.contains("Bubuko"))
            #expect(!everywhere.contains("Sembubuk"), "a match inside a word is not a word start")
            #expect(try await regions.search("regapu'u", within: nil).map(\.name) == ["Regapu’u"])
            #expect(try await regions.search("pakam i", within: nil).contains { $0.name == "Lubuk Pakam I,II" })
            #expect(try await regions.search("%", within: nil).isEmpty)
        }
    }

    @Test("usernames and NIKs are unique, even when registrations race", arguments: TestFlavour.enabled)
    func uniqueness(flavour: TestFlavour) async throws {
        try await withTestDatabase(flavour) { database in
            let accounts = AccountStore(database)
            let staff = NewStaff(username: "op", name: "Operator", passwordHash: "x", role: .villageOperator,
                                 region: RegionCode("35.10.13.2007"), agencyCode: nil, createdBy: nil)
            #expect(try await accounts.createStaff(staff) != nil)
            #expect(try await accounts.createStaff(staff) == nil)

            let citizen = NewCitizen(name: "Siti", nikHash: "hash-1", nikMasked: "351013********01", gender: .female,
                                     village: RegionCode("35.10.13.2007")!, passwordHash: nil, phone: nil, createdBy: nil)
            let winners = try await withThrowingTaskGroup(of: UserID?.self) { group in
                for _ in 0..<20 { group.addTask { try await accounts.createCitizen(citizen) } }
                return try await group.reduce(into: [UserID]()) { if let id = $1 { $0.append(id) } }
            }
            #expect(winners.count == 1)
            #expect(try await accounts.countUsers(role: .citizen) == 1)
        }
    }

    @Test("tokens find live, enabled accounts only", arguments: TestFlavour.enabled)
    func tokens(flavour: TestFlavour) async throws {
        try await withTestDatabase(flavour) { database in
            let accounts = AccountStore(database)
            let id = try #require(try await accounts.createStaff(NewStaff(
                username: "bappeda", name: "Bappeda", passwordHash: "x", role: .planner, region: RegionCode("35.10"),
                agencyCode: nil, createdBy: nil)))
            try await accounts.createToken("live", userId: id, kind: .api, lifetime: 60)
            try await accounts.createToken("expired", userId: id, kind: .api, lifetime: -1)
            #expect(try await accounts.user(token: "live", kind: .api)?.id == id)
            #expect(try await accounts.user(token: "live", kind: .session) == nil)
            #expect(try await accounts.user(token: "expired", kind: .api) == nil)
            #expect(try await accounts.user(token: "unknown", kind: .api) == nil)
            try await accounts.setDisabled(userId: id, true)
            #expect(try await accounts.user(token: "live", kind: .api) == nil)
            #expect(try await accounts.user(id: id)?.disabled == true)
        }
    }

    @Test("an activation code sets the first password once", arguments: TestFlavour.enabled)
    func activation(flavour: TestFlavour) async throws {
        try await withTestDatabase(flavour) { database in
            let accounts = AccountStore(database)
            var citizen = NewCitizen(name: "Budi", nikHash: "hash-2", nikMasked: "351013********02", gender: .male,
                                     village: RegionCode("35.10.13.2007")!, passwordHash: nil, phone: nil, createdBy: nil)
            citizen.activationHash = "code-hash"
            let id = try #require(try await accounts.createCitizen(citizen))
            #expect(try await accounts.activate(nikHash: "hash-2", activationHash: "wrong", passwordHash: "p") == nil)
            #expect(try await accounts.activate(nikHash: "hash-2", activationHash: "code-hash", passwordHash: "p") == id)
            #expect(try await accounts.activate(nikHash: "hash-2", activationHash: "code-hash", passwordHash: "q") == nil)
            #expect(try await accounts.user(id: id)?.passwordHash == "p")
        }
    }

    @Test("live events are written at COMMIT in id order: a reader after id N never skips one, a rollback leaves none",
          arguments: TestFlavour.enabled)
    func liveEventsCommitInOrder(flavour: TestFlavour) async throws {
        try await withTestDatabase(flavour) { database in
            let village = RegionCode("35.10.13.2007")!
            let planner = try #require(try await AccountStore(database).createStaff(NewStaff(
                username: "bappeda", name: "Perencana", passwordHash: "x", role: .planner, region: RegionCode("35.10"),
                agencyCode: nil, createdBy: nil)))
            let store = AssemblyStore(database)
            let id = try await store.create(title: "Musrenbang", level: .village, regency: RegionCode("35.10")!, planYear: 2027,
                                            startsAt: Date(), hub: village, villages: [village], agenda: [], createdBy: planner)
            let start = try await store.latestEventId(id)

            // Appended first, but the statement after it runs before it: the event is the
            // transaction's last write, and a rollback takes it along.
            struct Boom: Error {}
            await #expect(throws: Boom.self) {
                try await database.transaction { connection in
                    try await AssemblyStore.appendEvent(connection, id, kind: "test", payload: ["n": "rolled back"])
                    #expect(try await connection.select().column("id").from("assembly_events")
                        .where("assembly_id", .equal, id.rawValue).where("id", .greaterThan, start).all().isEmpty,
                        "not written before COMMIT")
                    throw Boom()
                }
            }
            #expect(try await store.latestEventId(id) == start)

            // 40 writers, each slow between drawing its event's id and committing (a step queued
            // after the event's); a reader polls "after the last id it saw" throughout and must
            // end with every event. Without PostgreSQL's per-assembly lock, ids commit out of order.
            let writers = 40
            let seen = try await withThrowingTaskGroup(of: [Int64].self) { group in
                group.addTask {
                    var last = start, ids: [Int64] = []
                    while ids.count < writers {
                        let batch = try await store.events(id, after: last)
                        ids += batch.map(\.id)
                        last = batch.last?.id ?? last
                        try await Task.sleep(for: .milliseconds(2))
                    }
                    return ids
                }
                for n in 0..<writers {
                    group.addTask {
                        try await database.transaction { connection in
                            try await AssemblyStore.appendEvent(connection, id, kind: "test", payload: ["n": "\(n)"])
                            try await TransactionTail.atCommit(of: connection) { _ in try await Task.sleep(for: .milliseconds(Int64(n % 5))) }
                        }
                        return []
                    }
                }
                return try await group.reduce(into: [Int64]()) { $0 += $1 }
            }
            let all = try await store.events(id, after: start).map(\.id)
            #expect(all.count == writers)
            #expect(seen == all, "the polling reader saw every event, in order")
        }
    }

    @Test("a failed transaction leaves nothing behind", arguments: TestFlavour.enabled)
    func transactionRollback(flavour: TestFlavour) async throws {
        try await withTestDatabase(flavour) { database in
            struct Boom: Error {}
            await #expect(throws: Boom.self) {
                try await database.transaction { connection in
                    try await connection.insert(into: "users").columns("username", "name", "role", "disabled", "created_at")
                        .values(SQLBind("ghost"), SQLBind("Ghost"), SQLBind("planner"), SQLBind(false), SQLBind(Date()))
                        .run()
                    throw Boom()
                }
            }
            let ghost = try await AccountStore(database).user(username: "ghost")
            #expect(ghost == nil)
        }
    }
}

@Suite("Rows written in groups")
struct GroupCommitTests {
    struct Bad: Error {}

    /// The first row holds the writer while the others gather behind it.
    static func run(_ database: Database, failing: @escaping @Sendable ([Int]) throws -> Void)
        async throws -> (sizes: [Int], answers: [Int: Result<Int, any Error>]) {
        let sizes = Mutex<[Int]>([])
        let group = GroupCommit<Int, Int> { rows, _ in
            sizes.withLock { $0.append(rows.count) }
            if rows == [0] { try await Task.sleep(for: .milliseconds(300)) }
            try failing(rows)
            return rows.map { $0 * 2 }
        }
        async let first = group.append(0, to: database)
        try await Task.sleep(for: .milliseconds(50))
        let answers = await withTaskGroup(of: (Int, Result<Int, any Error>).self) { tasks in
            for row in 1...20 {
                tasks.addTask { (row, await Result(awaiting: { try await group.append(row, to: database) })) }
            }
            return await tasks.reduce(into: [Int: Result<Int, any Error>]()) { $0[$1.0] = $1.1 }
        }
        #expect(try await first == 0)
        return (sizes.withLock { $0 }, answers)
    }

    @Test("rows that arrive together are one write; a bad row fails only its own caller")
    func badRow() async throws {
        try await withTestDatabase(.sqlite) { database in
            let (sizes, answers) = try await Self.run(database) { rows in if rows.contains(13) { throw Bad() } }
            #expect(Array(sizes.prefix(2)) == [1, 20], "the twenty that arrived while the first was written went together")
            #expect(Array(sizes.dropFirst(2)) == Array(repeating: 1, count: 20), "the failed group, written again row by row")
            for row in 1...20 where row != 13 { #expect(try answers[row]?.get() == row * 2) }
            #expect(throws: Bad.self) { try answers[13]?.get() }
        }
    }

    @Test("a database that is down fails the group at once, not once per row")
    func unavailable() async throws {
        try await withTestDatabase(.sqlite) { database in
            let (sizes, answers) = try await Self.run(database) { rows in if rows.count > 1 { throw DatabaseUnavailable("down") } }
            #expect(sizes == [1, 20])
            #expect(answers.values.allSatisfy { if case .failure(let error) = $0 { error is DatabaseUnavailable } else { false } })
        }
    }
}

@Suite("Database URLs and secrets")
struct ConfigurationTests {
    @Test func urls() throws {
        #expect(try DatabaseURL("sqlite:/tmp/x.sqlite") == .sqlite(path: "/tmp/x.sqlite"))
        #expect(try DatabaseURL("sqlite:///tmp/x.sqlite") == .sqlite(path: "/tmp/x.sqlite"))
        #expect(try DatabaseURL("postgresql://u:p@h/db") == .postgres(url: "postgres://u:p@h/db"))
        #expect(throws: StoreError.self) { try DatabaseURL("mysql://x") }
        #expect(throws: StoreError.self) { try DatabaseURL("sqlite:") }
        #expect("\(try DatabaseURL("postgres://user:secret@host/db"))" == "postgres://user:***@host/db")
    }

    @Test func theSecretIsCreatedOnceAndKeysTheNIKHash() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("secret-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try ServerSecret.loadOrCreate(dataDirectory: directory, given: nil)
        let again = try ServerSecret.loadOrCreate(dataDirectory: directory, given: nil)
        let other = try ServerSecret.loadOrCreate(dataDirectory: directory, given: "another-secret-of-some-length")
        let nik = "3510135203900001"
        #expect(first.nikHash(nik) == again.nikHash(nik))
        #expect(first.nikHash(nik) != other.nikHash(nik))
        #expect(!first.nikHash(nik).contains(nik))
        let attributes = try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent("secret.key").path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(throws: StoreError.self) { try ServerSecret.loadOrCreate(dataDirectory: directory, given: "short") }
        #expect(first.verify(first.sign("m", purpose: "p"), for: "m", purpose: "p"))
        #expect(!first.verify(first.sign("m", purpose: "p"), for: "m", purpose: "q"))
    }

    @Test func csvLinesWithQuotesAndCommas() throws {
        let regions = try RegionLoader.parse("kode,nama,tingkat\n12.07.28.1007,\"Lubuk Pakam I,II\",kelurahan\n11,Aceh,provinsi\n")
        #expect(regions.map(\.name) == ["Lubuk Pakam I,II", "Aceh"])
        #expect(regions[0].kind == .kelurahan)
        #expect(throws: StoreError.self) { try RegionLoader.parse("kode,nama,tingkat\nxx,Bad,desa\n") }
    }
}

@Suite("Sign-in cache")
struct SignInCacheTests {
    static func user(_ id: Int64) -> UserRecord {
        UserRecord(id: UserID(rawValue: id), username: "op-\(id)", name: "Petugas", role: .villageOperator, regionCode: nil,
                   agencyCode: nil, passwordHash: nil, nikMasked: nil, gender: nil, disabled: false, createdAt: Date())
    }

    @Test("keeps only while listening, for its lifetime and the token's; forgets by account and by token")
    func keeping() throws {
        let cache = SignInCache(lifetime: .seconds(30), capacity: 3)
        let now = Date(), clock = ContinuousClock.now
        #expect(cache.generation() == nil, "not listening: nothing is kept")
        cache.listening(true)
        let start = try #require(cache.generation())
        cache.keep(digest: "a", kind: .api, user: Self.user(1), tokenExpires: now + 3600, readAt: start, clock: clock)
        #expect(cache.user(digest: "a", kind: .api, now: now, clock: clock)?.id == UserID(rawValue: 1))
        #expect(cache.user(digest: "a", kind: .session, now: now, clock: clock) == nil, "a session cookie is another token")
        #expect(cache.user(digest: "a", kind: .api, now: now, clock: clock + .seconds(31)) == nil, "past its lifetime")
        #expect(cache.user(digest: "a", kind: .api, now: now + 3601, clock: clock) == nil, "past the token's expiry")

        cache.keep(digest: "b", kind: .api, user: Self.user(2), tokenExpires: now + 3600, readAt: try #require(cache.generation()), clock: clock)
        cache.forget(user: UserID(rawValue: 1))
        #expect(cache.user(digest: "a", kind: .api, now: now, clock: clock) == nil)
        #expect(cache.user(digest: "b", kind: .api, now: now, clock: clock) != nil, "another account stays")
        cache.forget(digest: "b")
        #expect(cache.count == 0)

        // A read that began before something was forgotten keeps nothing: it may hold the old state.
        let before = try #require(cache.generation())
        cache.forget(user: UserID(rawValue: 9))
        cache.keep(digest: "c", kind: .api, user: Self.user(3), tokenExpires: now + 3600, readAt: before, clock: clock)
        #expect(cache.count == 0)

        // Full: it starts again empty rather than grow.
        for (index, digest) in ["d", "e", "f", "g"].enumerated() {
            cache.keep(digest: digest, kind: .api, user: Self.user(Int64(10 + index)), tokenExpires: now + 3600,
                       readAt: try #require(cache.generation()), clock: clock)
        }
        #expect(cache.count <= 3)
        #expect(cache.user(digest: "g", kind: .api, now: now, clock: clock) != nil)

        // Full of entries whose lifetime is over but one: keeping another drops the expired ones
        // and keeps the one still good.
        cache.keep(digest: "j", kind: .api, user: Self.user(19), tokenExpires: now + 3600, readAt: try #require(cache.generation()), clock: clock)
        let later = clock + .seconds(20)
        cache.keep(digest: "h", kind: .api, user: Self.user(20), tokenExpires: now + 3600, readAt: try #require(cache.generation()),
                   now: now, clock: later)
        #expect(cache.count == 3)
        cache.keep(digest: "i", kind: .api, user: Self.user(21), tokenExpires: now + 3600, readAt: try #require(cache.generation()),
                   now: now, clock: later + .seconds(15))
        #expect(cache.user(digest: "h", kind: .api, now: now, clock: later + .seconds(15)) != nil, "not expired: kept through the sweep")
        #expect(cache.user(digest: "i", kind: .api, now: now, clock: later + .seconds(15)) != nil)
        #expect(cache.count == 2, "g and j, whose 30 s were over, are gone")

        // The notices are cut: nothing kept is trusted, and nothing more is kept.
        cache.listening(false)
        #expect(cache.count == 0)
        #expect(cache.user(digest: "g", kind: .api, now: now, clock: clock) == nil)
    }
}
