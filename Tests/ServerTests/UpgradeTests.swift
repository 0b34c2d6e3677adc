import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import MusrenbangCore
import MusrenbangServer
@testable import MusrenbangStore
import SQLKit
import Testing
import TestSupport

/// Upgrades keep every record: a database of the previous release's schema, with the rows that
/// release wrote, migrated to this one; every old row is still there, unchanged, and the
/// application reads it.
@Suite("Upgrades")
struct UpgradeTests {
    /// The schema of the previous release (migrations 1–6: before the audit log and second factor).
    static let previousRelease = 6

    @Test("from the previous release's schema with data in it to the latest: every row kept, the app reads them",
          arguments: TestFlavour.enabled)
    func upgradeFromPreviousRelease(flavour: TestFlavour) async throws {
        try await withEmptyTargets([flavour]) { targets in
            try await targets[0].with { database in
                let logger = BackupTests.logger
                try await Migrator.migrate(database, upTo: Self.previousRelease, logger: logger)
                #expect(try await Migrator.currentVersion(database) == Self.previousRelease)
                let ids = try await Self.insertPreviousReleaseRows(database)
                let before = try await BackupTests.rows(database)
                #expect(before["proposals"]?.count == 3 && before["proposal_history"]?.count == 5)

                let pending = try await Migrator.pending(database)
                #expect(pending.map(\.version) == Migrator.known.map(\.version).filter { $0 > Self.previousRelease })
                #expect(try await Migrator.migrate(database, logger: logger) == pending.count)
                #expect(try await Migrator.currentVersion(database) == Migrator.latestVersion)

                // Every table the old schema had: the same rows, the old columns unchanged (new ones come after).
                let after = try await BackupTests.rows(database)
                for (table, rows) in before {
                    let kept = try #require(after[table], "table \(table) still exists")
                    #expect(kept.map { Array($0.prefix(rows.first?.count ?? 0)) } == rows, "rows of \(table) unchanged")
                }
                let users = try await database.sql.raw("SELECT totp_sealed, disabled_reason FROM users").all()
                for user in users {
                    #expect(try user.decode(column: "totp_sealed", as: String?.self) == nil)
                    #expect(try user.decode(column: "disabled_reason", as: String?.self) == nil)
                }

                // The application's reads.
                let store = ProposalStore(database)
                let decided = try #require(try await store.proposal(ProposalID(rawValue: ids.decided)))
                #expect(decided.state.status == .pending && decided.state.level == .district)
                let history = try await store.history(ProposalID(rawValue: ids.decided))
                #expect(history.map(\.event) == [.submitted, .decision])
                #expect(history.last?.outcome == .acceptedWithChanges && history.last?.changes == ["volume": "120"])
                let merged = try #require(try await store.proposal(ProposalID(rawValue: ids.merged)))
                #expect(merged.state.status == .merged && merged.state.mergedInto == ProposalID(rawValue: ids.pending))
                let citizen = try #require(try await AccountStore(database).user(username: "warga-lama"))
                #expect(citizen.role == .citizen)

                var configuration = AppConfiguration(dataDirectory: targets[0].dataDirectory, databaseURL: targets[0].url,
                                                     secret: "test-secret-test-secret-test-secret", bcryptCost: 4)
                configuration.rateLimits = .off
                let services = try await AppServices(configuration: configuration, database: database, logger: logger)
                let app = Application(router: buildRouter(services), logger: logger)
                try await app.test(.router) { client in
                    for id in [ids.pending, ids.decided, ids.merged] {
                        let response = try await client.execute(uri: "/api/v1/proposals/\(id)", method: .get)
                        #expect(response.status == .ok, "proposal \(id) reads after the upgrade")
                    }
                    let detail = try await client.execute(uri: "/api/v1/proposals/\(ids.decided)", method: .get)
                    #expect(String(buffer: detail.body).contains("Rehabilitasi jembatan penghubung"))
                    let list = try await client.execute(uri: "/api/v1/proposals?village=35.10.13.2001", method: .get)
                    #expect(list.status == .ok)
                }
                // The new release's audit log works on the upgraded database, append-only.
                try await BackupTests.expectAppendOnlyAuditLog(database)
            }
        }
    }

    /// What the previous release wrote, in its own columns: a planner, a citizen, three proposals
    /// (pending, decided with changes, merged into the first), their history, a support, a comment
    /// and its reply, scores, a ceiling, an assembly with a session, attendance with consent,
    /// minutes, a floor, a notification with its facts, a program mapping.
    static func insertPreviousReleaseRows(_ database: Database) async throws -> (pending: Int64, decided: Int64, merged: Int64) {
        let sql = database.sql
        let now = Date(timeIntervalSince1970: 1_736_000_000.25)
        func id(_ query: SQLQueryString) async throws -> Int64 {
            try await sql.raw(query).first()!.decode(column: "id", as: Int64.self)
        }
        try await sql.raw("""
            INSERT INTO users (username, name, role, region_code, password_hash, disabled, created_at)
            VALUES ('perencana', 'Perencana Bappeda', 'planner', '35.10', '$2b$04$abcdefghijklmnopqrstuu5s2v8.BJJ0eXxj1pYbJmTYpcO1Z4kq2', \(bind: false), \(bind: now))
            """).run()
        let planner = try await id("SELECT id FROM users WHERE username = 'perencana'")
        try await sql.raw("""
            INSERT INTO users (username, name, role, region_code, nik_hash, nik_masked, gender, phone, disabled, created_at, created_by)
            VALUES ('warga-lama', 'Siti Aminah', 'citizen', '35.10.13.2001', 'a1b2c3', '351013********01', 'female', '081234567890',
                    \(bind: false), \(bind: now), \(bind: planner))
            """).run()
        let citizen = try await id("SELECT id FROM users WHERE username = 'warga-lama'")

        func proposal(_ title: String, level: String, status: String, volume: Double, cost: Int64) async throws -> Int64 {
            try await sql.raw("""
                INSERT INTO proposals (village_code, district_code, year, title, problem, activity, field_code, subfield_code, kind,
                    hamlet, rw, rt, lat, lng, volume, unit, estimated_cost, funding_source, beneficiaries_total, beneficiaries_women,
                    beneficiaries_poor, beneficiaries_disabled, sdg, source, proposer_id, entered_by, show_proposer_name, level, status,
                    agency_code, current_volume, current_cost, search_folded, created_at, updated_at)
                VALUES ('35.10.13.2001', '35.10.13', 2026, \(bind: title), 'Jalan rusak dan berlubang, tergenang saat hujan.',
                    'Pengaspalan jalan lingkungan', '02', '02.03', 'physical', 'Krajan', '002', '003', -8.2191, 114.3691,
                    \(bind: volume), 'm', \(bind: cost), 'villageFund', 240, 118, 31, 4, 9, 'citizen', \(bind: citizen), \(bind: citizen),
                    \(bind: true), \(bind: level), \(bind: status), 'PUPR', \(bind: volume), \(bind: cost), \(bind: title.lowercased()),
                    \(bind: now), \(bind: now))
                """).run()
            return try await id("SELECT MAX(id) AS id FROM proposals")
        }
        let pending = try await proposal("Perbaikan jalan lingkungan Dusun Krajan", level: "village", status: "pending", volume: 300, cost: 135_000_000)
        let decided = try await proposal("Rehabilitasi jembatan penghubung Dusun Krajan", level: "district", status: "pending", volume: 120, cost: 54_000_000)
        let merged = try await proposal("Jalan Dusun Krajan", level: "village", status: "merged", volume: 100, cost: 45_000_000)
        try await sql.raw("UPDATE proposals SET merged_into = \(bind: pending) WHERE id = \(bind: merged)").run()
        try await sql.raw("UPDATE proposals SET priority = 1, score = 87.5, support_count = 1 WHERE id = \(bind: pending)").run()

        for proposal in [pending, decided, merged] {
            try await sql.raw("""
                INSERT INTO proposal_history (proposal_id, event, actor_id, actor_role, created_at)
                VALUES (\(bind: proposal), 'submitted', \(bind: citizen), 'citizen', \(bind: now))
                """).run()
        }
        try await sql.raw("""
            INSERT INTO proposal_history (proposal_id, event, level, outcome, reason, changes, actor_id, actor_role, created_at)
            VALUES (\(bind: decided), 'decision', 'village', 'acceptedWithChanges', 'Disepakati musyawarah desa, volume disesuaikan',
                    '{"volume":"120"}', \(bind: planner), 'planner', \(bind: now.addingTimeInterval(3600)))
            """).run()
        try await sql.raw("""
            INSERT INTO proposal_history (proposal_id, event, level, outcome, reason, actor_id, actor_role, created_at)
            VALUES (\(bind: merged), 'decision', 'village', 'merged', 'Sama dengan usulan jalan Dusun Krajan', \(bind: planner), 'planner',
                    \(bind: now.addingTimeInterval(3600)))
            """).run()
        try await sql.raw("INSERT INTO supports (proposal_id, user_id, created_at) VALUES (\(bind: pending), \(bind: citizen), \(bind: now))").run()
        try await sql.raw("""
            INSERT INTO comments (proposal_id, author_id, body, created_at) VALUES (\(bind: pending), \(bind: citizen), 'Mohon segera, "jalan" licin.', \(bind: now))
            """).run()
        let comment = try await id("SELECT MAX(id) AS id FROM comments")
        try await sql.raw("""
            INSERT INTO comments (proposal_id, parent_id, author_id, body, flag_count, created_at)
            VALUES (\(bind: pending), \(bind: comment), \(bind: planner), 'Dicatat.\nTerima kasih.', 1, \(bind: now))
            """).run()
        try await sql.raw("INSERT INTO comment_flags (comment_id, user_id) VALUES (\(bind: comment + 1), \(bind: citizen))").run()
        try await sql.raw("""
            INSERT INTO proposal_scores (proposal_id, criterion_key, score, scored_by, created_at) VALUES (\(bind: pending), 'urgency', 5, \(bind: planner), \(bind: now))
            """).run()
        try await sql.raw("INSERT INTO ceilings (district_code, year, amount) VALUES ('35.10.13', 2026, 2500000000)").run()
        try await sql.raw("""
            INSERT INTO assemblies (title, level, regency_code, plan_year, starts_at, hub_village_code, stage, created_by, created_at)
            VALUES ('Musrenbangdes Serentak 2026', 'village', '35.10', 2027, \(bind: now), '35.10.13.2001', 'closed', \(bind: planner), \(bind: now))
            """).run()
        let assembly = try await id("SELECT MAX(id) AS id FROM assemblies")
        try await sql.raw("""
            INSERT INTO assembly_sessions (assembly_id, village_code, stage, ranking_agreed, started_at, closed_at)
            VALUES (\(bind: assembly), '35.10.13.2001', 'closed', \(bind: true), \(bind: now), \(bind: now.addingTimeInterval(7200)))
            """).run()
        try await sql.raw("""
            INSERT INTO attendance (assembly_id, village_code, user_id, role, gender, is_guest, checked_in_by, created_at, name_consent)
            VALUES (\(bind: assembly), '35.10.13.2001', \(bind: citizen), 'citizen', 'female', \(bind: false), \(bind: planner), \(bind: now), \(bind: true))
            """).run()
        try await sql.raw("""
            INSERT INTO minutes (assembly_id, village_code, data, finalized_at, finalized_by)
            VALUES (\(bind: assembly), '35.10.13.2001', '{"notes":"Sepakat"}', \(bind: now), \(bind: planner))
            """).run()
        try await sql.raw("""
            INSERT INTO floors (assembly_id, state, updated_at, speakers) VALUES (\(bind: assembly), '{"queue":[]}', \(bind: now), 0)
            """).run()
        try await sql.raw("""
            INSERT INTO notifications (user_id, proposal_id, message, created_at, data)
            VALUES (\(bind: citizen), \(bind: decided), 'Usulan Anda disetujui dengan perubahan', \(bind: now), '{"kind":"decision"}')
            """).run()
        try await sql.raw("""
            INSERT INTO program_mappings (subfield_code, regional_priority, regional_target, program, updated_by, updated_at)
            VALUES ('02.03', 'Infrastruktur', 'Jalan mantap 90%', 'Program Penyelenggaraan Jalan', \(bind: planner), \(bind: now))
            """).run()
        return (pending, decided, merged)
    }
}
