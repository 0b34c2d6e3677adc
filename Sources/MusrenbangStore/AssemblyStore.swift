import Foundation
import MusrenbangCore
import SQLKit

public struct AssemblyRecord: Sendable, Equatable {
    public let id: Int64
    public let title: String
    public let level: AssemblyLevel
    public let regencyCode: String
    public let planYear: Int
    public let startsAt: Date
    public let hubVillageCode: String
    public let stage: AssemblyStage
    public let rehearsalOf: Int64?
    public let createdAt: Date

    static let columns = ["id", "title", "level", "regency_code", "plan_year", "starts_at", "hub_village_code", "stage",
                          "rehearsal_of", "created_at"]

    static func decode(_ row: any SQLRow) throws -> AssemblyRecord {
        AssemblyRecord(
            id: try row.decode(column: "id", as: Int64.self), title: try row.decode(column: "title", as: String.self),
            level: AssemblyLevel(rawValue: try row.decode(column: "level", as: String.self)) ?? .village,
            regencyCode: try row.decode(column: "regency_code", as: String.self),
            planYear: try row.decode(column: "plan_year", as: Int.self),
            startsAt: try row.decode(column: "starts_at", as: Date.self),
            hubVillageCode: try row.decode(column: "hub_village_code", as: String.self),
            stage: AssemblyStage(rawValue: try row.decode(column: "stage", as: String.self)) ?? .scheduled,
            rehearsalOf: try row.decode(column: "rehearsal_of", as: Int64?.self),
            createdAt: try row.decode(column: "created_at", as: Date.self))
    }
}

public struct SessionRecord: Sendable, Equatable, Codable {
    public let villageCode: String
    public let stage: AssemblyStage
    public let rankingAgreed: Bool
    public let lastHeartbeat: Date?
}

public struct AgendaItem: Sendable, Equatable, Codable {
    public var title: String
    public var minutes: Int
    public var speaker: String?
    public init(title: String, minutes: Int, speaker: String?) {
        self.title = title
        self.minutes = minutes
        self.speaker = speaker
    }
}

public struct AttendanceRecord: Sendable, Equatable, Codable {
    public let id: Int64
    public let villageCode: String
    public let userId: Int64
    public let role: AttendanceRole
    public let gender: Gender
    public let isGuest: Bool
    public let createdAt: Date
}

public struct QuestionRecord: Sendable, Equatable, Codable {
    public let id: Int64
    public let villageCode: String
    public let authorId: Int64
    public let body: String
    public let status: QuestionStatus
    public let upvotes: Int
    public let createdAt: Date
}

public struct LiveEvent: Sendable, Equatable {
    public let id: Int64
    public let assemblyId: Int64
    public let kind: String
    /// JSON text.
    public let payload: String
}

/// The live figures of an assembly, computed from the rows every time: they always equal them.
public struct AssemblySummary: Sendable, Equatable, Codable {
    public struct Villages: Sendable, Equatable, Codable {
        public var total = 0, checkIn = 0, inProgress = 0, closed = 0, silent = 0, notStarted = 0
    }
    public struct Attendance: Sendable, Equatable, Codable {
        public var total = 0, women = 0, men = 0
        public var byRole: [String: Int] = [:]
    }
    public struct Proposals: Sendable, Equatable, Codable {
        public var total = 0
        public var byField: [String: Int] = [:]
    }
    public struct Village: Sendable, Equatable, Codable {
        public let villageCode: String
        public let stage: AssemblyStage
        public var attendance: Int
        public var women: Int
        public var proposals: Int
        public let lastHeartbeat: Date?
        public let silent: Bool
    }
    public var stage: AssemblyStage
    public var villages = Villages()
    public var attendance = Attendance()
    public var proposals = Proposals()
    public var supports = 0
    public var perVillage: [Village] = []
}

public struct AssemblyStore: Sendable {
    let database: Database
    public init(_ database: Database) { self.database = database }

    /// Seconds without a heartbeat after which a village in session counts as silent.
    public static let silentAfter: TimeInterval = 120

    public enum AssemblyError: Error, Equatable {
        case notFound
        case stage(StageRefusal)
    }

    public func create(title: String, level: AssemblyLevel, regency: String, planYear: Int, startsAt: Date, hub: String,
                       villages: [String], agenda: [AgendaItem], createdBy: Int64, rehearsalOf: Int64? = nil) async throws -> Int64 {
        try await database.transaction { connection in
            let id = try await connection.insert(into: "assemblies")
                .columns("title", "level", "regency_code", "plan_year", "starts_at", "hub_village_code", "stage", "rehearsal_of",
                         "created_by", "created_at")
                .values(SQLBind(title), SQLBind(level.rawValue), SQLBind(regency), SQLBind(planYear), SQLBind(startsAt),
                        SQLBind(hub), SQLBind(AssemblyStage.scheduled.rawValue), SQLBind(rehearsalOf), SQLBind(createdBy), SQLBind(Date()))
                .returning("id").first()!.decode(column: "id", as: Int64.self)
            for chunk in villages.chunked(500) {
                var insert = connection.insert(into: "assembly_sessions").columns("assembly_id", "village_code", "stage", "ranking_agreed")
                for village in chunk {
                    insert = insert.values(SQLBind(id), SQLBind(village), SQLBind(AssemblyStage.scheduled.rawValue), SQLBind(false))
                }
                try await insert.run()
            }
            try await Self.writeAgenda(connection, id, agenda)
            return id
        }
    }

    public func assembly(_ id: Int64) async throws -> AssemblyRecord? {
        try await database.sql.select().columns(AssemblyRecord.columns.map { SQLColumn($0) }).from("assemblies")
            .where("id", .equal, id).first().map(AssemblyRecord.decode)
    }

    /// Assemblies not yet closed and those of the last weeks, soonest first.
    public func current(regency: String) async throws -> [AssemblyRecord] {
        try await database.sql.select().columns(AssemblyRecord.columns.map { SQLColumn($0) }).from("assemblies")
            .where("regency_code", .equal, regency)
            .where { $0.where("stage", .notEqual, AssemblyStage.closed.rawValue)
                .orWhere("starts_at", .greaterThan, SQLBind(Date().addingTimeInterval(-30 * 86_400))) }
            .orderBy("starts_at").limit(50).all().map(AssemblyRecord.decode)
    }

    public func sessions(_ id: Int64) async throws -> [SessionRecord] {
        try await database.sql.select().columns("village_code", "stage", "ranking_agreed", "last_heartbeat").from("assembly_sessions")
            .where("assembly_id", .equal, id).orderBy("village_code").all().map(Self.session)
    }

    public func session(_ id: Int64, village: String) async throws -> SessionRecord? {
        try await database.sql.select().columns("village_code", "stage", "ranking_agreed", "last_heartbeat").from("assembly_sessions")
            .where("assembly_id", .equal, id).where("village_code", .equal, village).first().map(Self.session)
    }

    static func session(_ row: any SQLRow) throws -> SessionRecord {
        SessionRecord(villageCode: try row.decode(column: "village_code", as: String.self),
                      stage: AssemblyStage(rawValue: try row.decode(column: "stage", as: String.self)) ?? .scheduled,
                      rankingAgreed: try row.decode(column: "ranking_agreed", as: Bool.self),
                      lastHeartbeat: try row.decode(column: "last_heartbeat", as: Date?.self))
    }

    // MARK: agenda

    public func agenda(_ id: Int64) async throws -> [AgendaItem] {
        try await database.sql.select().columns("title", "minutes", "speaker").from("agenda_items")
            .where("assembly_id", .equal, id).orderBy("position").all().map {
                AgendaItem(title: try $0.decode(column: "title", as: String.self), minutes: try $0.decode(column: "minutes", as: Int.self),
                           speaker: try $0.decode(column: "speaker", as: String?.self))
            }
    }

    public func setAgenda(_ id: Int64, _ items: [AgendaItem]) async throws {
        try await database.transaction { connection in try await Self.writeAgenda(connection, id, items) }
    }

    static func writeAgenda(_ connection: any SQLDatabase, _ id: Int64, _ items: [AgendaItem]) async throws {
        try await connection.delete(from: "agenda_items").where("assembly_id", .equal, id).run()
        for (index, item) in items.enumerated() {
            try await connection.insert(into: "agenda_items").columns("assembly_id", "position", "title", "minutes", "speaker")
                .values(SQLBind(id), SQLBind(index + 1), SQLBind(item.title), SQLBind(item.minutes), SQLBind(item.speaker)).run()
        }
    }

    // MARK: stages

    /// Moves the hub one stage on. Village sessions move themselves (their operators follow the
    /// hub when their office is ready), so the control room sees who has not started.
    public func moveHub(_ id: Int64, to target: AssemblyStage, actor: Int64) async throws -> AssemblyRecord {
        let flavour = database.flavour
        try await database.transaction { connection in
            var select = connection.select().column("stage").from("assemblies").where("id", .equal, id)
            if flavour == .postgres { select = select.for(.update) }
            guard let raw = try await select.first()?.decode(column: "stage", as: String.self),
                  let current = AssemblyStage(rawValue: raw) else { throw AssemblyError.notFound }
            if let refusal = StageRules.hub(from: current, to: target) { throw AssemblyError.stage(refusal) }
            try await connection.update("assemblies").set("stage", to: target.rawValue).where("id", .equal, id).run()
            try await Self.logStage(connection, id, village: nil, from: current, to: target, actor: actor)
            _ = try await Self.appendEvent(connection, id, kind: "stage", payload: ["hub": target.rawValue, "from": current.rawValue])
        }
        return try await assembly(id)!
    }

    public func moveSession(_ id: Int64, village: String, to target: AssemblyStage, actor: Int64) async throws -> SessionRecord {
        try await database.transaction { connection in
            guard let hubRaw = try await connection.select().column("stage").from("assemblies").where("id", .equal, id)
                    .first()?.decode(column: "stage", as: String.self), let hub = AssemblyStage(rawValue: hubRaw),
                  let session = try await connection.select().columns("village_code", "stage", "ranking_agreed", "last_heartbeat")
                    .from("assembly_sessions").where("assembly_id", .equal, id).where("village_code", .equal, village)
                    .first().map(Self.session) else { throw AssemblyError.notFound }
            if let refusal = StageRules.session(from: session.stage, to: target, hub: hub, rankingAgreed: session.rankingAgreed) {
                throw AssemblyError.stage(refusal)
            }
            var update = connection.update("assembly_sessions").set("stage", to: target.rawValue).set("last_heartbeat", to: Date())
            if target == .closed { update = update.set("closed_at", to: Date()) }
            try await update.where("assembly_id", .equal, id).where("village_code", .equal, village).run()
            try await Self.logStage(connection, id, village: village, from: session.stage, to: target, actor: actor)
            _ = try await Self.appendEvent(connection, id, kind: "session",
                                           payload: ["village": village, "stage": target.rawValue, "from": session.stage.rawValue])
        }
        return try await self.session(id, village: village)!
    }

    public func agreeRanking(_ id: Int64, village: String) async throws {
        try await database.transaction { connection in
            try await connection.update("assembly_sessions").set("ranking_agreed", to: true).set("last_heartbeat", to: Date())
                .where("assembly_id", .equal, id).where("village_code", .equal, village).run()
            _ = try await Self.appendEvent(connection, id, kind: "ranking", payload: ["village": village])
        }
    }

    public func heartbeat(_ id: Int64, village: String) async throws {
        try await database.sql.update("assembly_sessions").set("last_heartbeat", to: Date())
            .where("assembly_id", .equal, id).where("village_code", .equal, village).run()
    }

    /// Every transition, timestamped: the hub's (village nil) and each village's.
    public func stageLog(_ id: Int64, village: String?) async throws -> [(from: AssemblyStage, to: AssemblyStage, at: Date)] {
        var select = database.sql.select().columns("from_stage", "to_stage", "created_at").from("assembly_stage_log")
            .where("assembly_id", .equal, id)
        select = village.map { select.where("village_code", .equal, $0) } ?? select.where("village_code", .is, SQLLiteral.null)
        return try await select.orderBy("id").all().map {
            (AssemblyStage(rawValue: try $0.decode(column: "from_stage", as: String.self)) ?? .scheduled,
             AssemblyStage(rawValue: try $0.decode(column: "to_stage", as: String.self)) ?? .scheduled,
             try $0.decode(column: "created_at", as: Date.self))
        }
    }

    static func logStage(_ connection: any SQLDatabase, _ id: Int64, village: String?, from: AssemblyStage, to: AssemblyStage,
                         actor: Int64) async throws {
        try await connection.insert(into: "assembly_stage_log")
            .columns("assembly_id", "village_code", "from_stage", "to_stage", "actor_id", "created_at")
            .values(SQLBind(id), SQLBind(village), SQLBind(from.rawValue), SQLBind(to.rawValue), SQLBind(actor), SQLBind(Date()))
            .run()
    }

    // MARK: attendance

    /// Checks a person in once per assembly. A repeat returns the first record and counts nothing.
    public func checkIn(_ id: Int64, village: String, userId: Int64, role: AttendanceRole, gender: Gender, isGuest: Bool,
                        by actor: Int64) async throws -> (record: AttendanceRecord, isNew: Bool) {
        let inserted = try await database.transaction { connection -> Bool in
            let row = try await connection.insert(into: "attendance")
                .columns("assembly_id", "village_code", "user_id", "role", "gender", "is_guest", "checked_in_by", "created_at")
                .values(SQLBind(id), SQLBind(village), SQLBind(userId), SQLBind(role.rawValue), SQLBind(gender.rawValue),
                        SQLBind(isGuest), SQLBind(actor), SQLBind(Date()))
                .ignoringConflicts().returning("id").first()
            guard row != nil else { return false }
            try await connection.update("assembly_sessions").set("last_heartbeat", to: Date())
                .where("assembly_id", .equal, id).where("village_code", .equal, village).run()
            _ = try await Self.appendEvent(connection, id, kind: "attendance",
                                           payload: ["village": village, "gender": gender.rawValue, "role": role.rawValue])
            return true
        }
        let row = try await database.sql.select()
            .columns("id", "village_code", "user_id", "role", "gender", "is_guest", "created_at").from("attendance")
            .where("assembly_id", .equal, id).where("user_id", .equal, userId).first()!
        return (AttendanceRecord(id: try row.decode(column: "id", as: Int64.self),
                                 villageCode: try row.decode(column: "village_code", as: String.self),
                                 userId: userId,
                                 role: AttendanceRole(rawValue: try row.decode(column: "role", as: String.self)) ?? .community,
                                 gender: Gender(rawValue: try row.decode(column: "gender", as: String.self)) ?? .female,
                                 isGuest: try row.decode(column: "is_guest", as: Bool.self),
                                 createdAt: try row.decode(column: "created_at", as: Date.self)), inserted)
    }

    /// The attendance list of a village session, for the minutes.
    public func attendanceList(_ id: Int64, village: String) async throws -> [(name: String, role: AttendanceRole, gender: Gender, guest: Bool, origin: String?)] {
        try await database.sql.select()
            .column(SQLColumn("name", table: "users")).column(SQLColumn("region_code", table: "users"))
            .column(SQLColumn("role", table: "attendance")).column(SQLColumn("gender", table: "attendance"))
            .column(SQLColumn("is_guest", table: "attendance"))
            .from("attendance").join("users", on: SQLColumn("user_id", table: "attendance"), .equal, SQLColumn("id", table: "users"))
            .where(SQLColumn("assembly_id", table: "attendance"), .equal, SQLBind(id))
            .where(SQLColumn("village_code", table: "attendance"), .equal, SQLBind(village))
            .orderBy(SQLColumn("id", table: "attendance")).all().map {
                (try $0.decode(column: "name", as: String.self),
                 AttendanceRole(rawValue: try $0.decode(column: "role", as: String.self)) ?? .community,
                 Gender(rawValue: try $0.decode(column: "gender", as: String.self)) ?? .female,
                 try $0.decode(column: "is_guest", as: Bool.self),
                 try $0.decode(column: "region_code", as: String?.self))
            }
    }

    // MARK: proposals

    /// Attaches a proposal submitted at or for a village while its session is in `proposals`.
    public func attachProposal(_ proposalId: Int64, village: String) async throws -> [Int64] {
        try await database.transaction { connection in
            let open = try await connection.select().column(SQLColumn("assembly_id", table: "assembly_sessions"))
                .from("assembly_sessions")
                .where(SQLColumn("village_code", table: "assembly_sessions"), .equal, SQLBind(village))
                .where(SQLColumn("stage", table: "assembly_sessions"), .equal, SQLBind(AssemblyStage.proposals.rawValue))
                .all().map { try $0.decode(column: "assembly_id", as: Int64.self) }
            for assembly in open {
                try await connection.insert(into: "assembly_proposals").columns("assembly_id", "proposal_id", "village_code")
                    .values(SQLBind(assembly), SQLBind(proposalId), SQLBind(village)).ignoringConflicts().run()
                _ = try await Self.appendEvent(connection, assembly, kind: "proposal", payload: ["village": village, "proposal": "\(proposalId)"])
            }
            return open
        }
    }

    public func attachedProposals(_ id: Int64, village: String) async throws -> [Int64] {
        try await database.sql.select().column("proposal_id").from("assembly_proposals")
            .where("assembly_id", .equal, id).where("village_code", .equal, village).orderBy("proposal_id").all()
            .map { try $0.decode(column: "proposal_id", as: Int64.self) }
    }

    // MARK: questions

    public func ask(_ id: Int64, village: String, author: Int64, body: String) async throws -> Int64 {
        try await database.transaction { connection in
            let question = try await connection.insert(into: "questions")
                .columns("assembly_id", "village_code", "author_id", "body", "status", "upvotes", "created_at")
                .values(SQLBind(id), SQLBind(village), SQLBind(author), SQLBind(body), SQLBind(QuestionStatus.pending.rawValue),
                        SQLBind(0), SQLBind(Date()))
                .returning("id").first()!.decode(column: "id", as: Int64.self)
            _ = try await Self.appendEvent(connection, id, kind: "question", payload: ["id": "\(question)", "village": village, "status": "pending"])
            return question
        }
    }

    public func questions(_ id: Int64, statuses: [QuestionStatus]) async throws -> [QuestionRecord] {
        try await database.sql.select().columns("id", "village_code", "author_id", "body", "status", "upvotes", "created_at")
            .from("questions").where("assembly_id", .equal, id).where("status", .in, statuses.map(\.rawValue))
            .orderBy("upvotes", .descending).orderBy("id").all().map {
                QuestionRecord(id: try $0.decode(column: "id", as: Int64.self), villageCode: try $0.decode(column: "village_code", as: String.self),
                               authorId: try $0.decode(column: "author_id", as: Int64.self), body: try $0.decode(column: "body", as: String.self),
                               status: QuestionStatus(rawValue: try $0.decode(column: "status", as: String.self)) ?? .pending,
                               upvotes: try $0.decode(column: "upvotes", as: Int.self), createdAt: try $0.decode(column: "created_at", as: Date.self))
            }
    }

    public func setQuestionStatus(_ id: Int64, question: Int64, _ status: QuestionStatus) async throws -> Bool {
        try await database.transaction { connection in
            var update = connection.update("questions").set("status", to: status.rawValue)
            if status == .answered { update = update.set("answered_at", to: Date()) }
            let changed = try await update.where("id", .equal, question).where("assembly_id", .equal, id).returning("id").first() != nil
            if changed {
                _ = try await Self.appendEvent(connection, id, kind: "question", payload: ["id": "\(question)", "status": status.rawValue])
            }
            return changed
        }
    }

    /// One upvote per person; returns the count.
    public func upvote(_ id: Int64, question: Int64, by user: Int64) async throws -> Int {
        try await database.transaction { connection in
            let inserted = try await connection.insert(into: "question_votes").columns("question_id", "user_id")
                .values(SQLBind(question), SQLBind(user)).ignoringConflicts().returning("user_id").first() != nil
            if inserted {
                try await connection.raw("UPDATE questions SET upvotes = upvotes + 1 WHERE id = \(bind: question)").run()
                _ = try await Self.appendEvent(connection, id, kind: "question", payload: ["id": "\(question)", "upvote": "1"])
            }
            return try await connection.select().column("upvotes").from("questions").where("id", .equal, question)
                .first()?.decode(column: "upvotes", as: Int.self) ?? 0
        }
    }

    // MARK: minutes

    public struct StoredMinutes: Sendable {
        public let data: String
        public let finalizedAt: Date?
        public let amendments: [(reason: String, at: Date)]
    }

    public func minutes(_ id: Int64, village: String) async throws -> StoredMinutes? {
        guard let row = try await database.sql.select().columns("data", "finalized_at").from("minutes")
            .where("assembly_id", .equal, id).where("village_code", .equal, village).first() else { return nil }
        let amendments = try await database.sql.select().columns("reason", "created_at").from("minutes_amendments")
            .where("assembly_id", .equal, id).where("village_code", .equal, village).orderBy("id").all().map {
                (try $0.decode(column: "reason", as: String.self), try $0.decode(column: "created_at", as: Date.self))
            }
        return StoredMinutes(data: try row.decode(column: "data", as: String.self),
                             finalizedAt: try row.decode(column: "finalized_at", as: Date?.self), amendments: amendments)
    }

    public enum MinutesError: Error, Equatable { case finalized, notFinalized, reasonRequired }

    /// Saves a draft; a finalised record changes only by amendment, with a reason.
    public func saveMinutes(_ id: Int64, village: String, data: String, finalize: Bool, amendmentReason: String?,
                            by actor: Int64) async throws {
        try await database.transaction { connection in
            let existing = try await connection.select().column("finalized_at").from("minutes")
                .where("assembly_id", .equal, id).where("village_code", .equal, village).first()
            let finalized = try existing?.decode(column: "finalized_at", as: Date?.self) != nil
            if finalized {
                guard let reason = amendmentReason?.trimmingCharacters(in: .whitespacesAndNewlines), reason.count >= 5 else {
                    throw MinutesError.finalized
                }
                try await connection.insert(into: "minutes_amendments")
                    .columns("assembly_id", "village_code", "reason", "data", "actor_id", "created_at")
                    .values(SQLBind(id), SQLBind(village), SQLBind(reason), SQLBind(data), SQLBind(actor), SQLBind(Date())).run()
                try await connection.update("minutes").set("data", to: data)
                    .where("assembly_id", .equal, id).where("village_code", .equal, village).run()
                return
            }
            try await connection.delete(from: "minutes").where("assembly_id", .equal, id).where("village_code", .equal, village).run()
            try await connection.insert(into: "minutes").columns("assembly_id", "village_code", "data", "finalized_at", "finalized_by")
                .values(SQLBind(id), SQLBind(village), SQLBind(data), SQLBind(finalize ? Date() : nil), SQLBind(finalize ? actor : nil))
                .run()
        }
    }

    // MARK: live events

    /// An event that changes nothing else in the store (e.g. the video feeds changed).
    @discardableResult
    public func announce(_ id: Int64, kind: String, payload: [String: String] = [:]) async throws -> Int64 {
        try await database.transaction { connection in try await Self.appendEvent(connection, id, kind: kind, payload: payload) }
    }

    /// Appends to the live log. On PostgreSQL, concurrent transactions could commit their ids out
    /// of order and a listener reading "after id N" would skip one; a per-assembly transaction lock
    /// makes ids commit in order. (SQLite's single writer already does.)
    @discardableResult
    static func appendEvent(_ connection: any SQLDatabase, _ id: Int64, kind: String, payload: [String: String]) async throws -> Int64 {
        if connection.dialect.name == "postgresql" {
            try await connection.raw("SELECT pg_advisory_xact_lock(\(bind: id))").run()
        }
        let text = String(decoding: try JSONEncoder.sorted.encode(payload), as: UTF8.self)
        return try await connection.insert(into: "assembly_events").columns("assembly_id", "kind", "payload", "created_at")
            .values(SQLBind(id), SQLBind(kind), SQLBind(text), SQLBind(Date()))
            .returning("id").first()!.decode(column: "id", as: Int64.self)
    }

    /// Events after `lastId`, oldest first, for a reconnecting listener.
    public func events(_ id: Int64, after lastId: Int64, limit: Int = 5000) async throws -> [LiveEvent] {
        try await database.sql.select().columns("id", "kind", "payload").from("assembly_events")
            .where("assembly_id", .equal, id).where("id", .greaterThan, lastId).orderBy("id").limit(limit).all().map {
                LiveEvent(id: try $0.decode(column: "id", as: Int64.self), assemblyId: id,
                          kind: try $0.decode(column: "kind", as: String.self), payload: try $0.decode(column: "payload", as: String.self))
            }
    }

    public func latestEventId(_ id: Int64) async throws -> Int64 {
        try await database.sql.select().column(SQLFunction("MAX", args: SQLColumn("id")), as: "m").from("assembly_events")
            .where("assembly_id", .equal, id).first()?.decode(column: "m", as: Int64?.self) ?? 0
    }

    // MARK: summary

    public func summary(_ id: Int64) async throws -> AssemblySummary? {
        guard let assembly = try await assembly(id) else { return nil }
        var summary = AssemblySummary(stage: assembly.stage)
        let now = Date()
        var perVillage: [String: AssemblySummary.Village] = [:]
        for session in try await sessions(id) {
            let live = session.stage != .scheduled && session.stage != .closed
            let silent = live && (session.lastHeartbeat.map { now.timeIntervalSince($0) > Self.silentAfter } ?? true)
            summary.villages.total += 1
            switch session.stage {
            case .scheduled: summary.villages.notStarted += 1
            case .checkIn: summary.villages.checkIn += 1
            case .closed: summary.villages.closed += 1
            default: summary.villages.inProgress += 1
            }
            if silent { summary.villages.silent += 1 }
            perVillage[session.villageCode] = .init(villageCode: session.villageCode, stage: session.stage, attendance: 0, women: 0,
                                                    proposals: 0, lastHeartbeat: session.lastHeartbeat, silent: silent)
        }
        for row in try await database.sql.select().columns("village_code", "gender", "role")
            .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("attendance").where("assembly_id", .equal, id)
            .groupBy("village_code").groupBy("gender").groupBy("role").all() {
            let count = try row.decode(column: "n", as: Int.self)
            let village = try row.decode(column: "village_code", as: String.self)
            let women = try row.decode(column: "gender", as: String.self) == Gender.female.rawValue
            summary.attendance.total += count
            if women { summary.attendance.women += count } else { summary.attendance.men += count }
            summary.attendance.byRole[try row.decode(column: "role", as: String.self), default: 0] += count
            perVillage[village]?.attendance += count
            if women { perVillage[village]?.women += count }
        }
        for row in try await database.sql.select()
            .column(SQLColumn("village_code", table: "assembly_proposals")).column(SQLColumn("field_code", table: "proposals"))
            .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .column(SQLRaw("CAST(COALESCE(SUM(proposals.support_count), 0) AS BIGINT)"), as: "supports")
            .from("assembly_proposals")
            .join("proposals", on: SQLColumn("proposal_id", table: "assembly_proposals"), .equal, SQLColumn("id", table: "proposals"))
            .where(SQLColumn("assembly_id", table: "assembly_proposals"), .equal, SQLBind(id))
            .groupBy(SQLColumn("village_code", table: "assembly_proposals")).groupBy(SQLColumn("field_code", table: "proposals")).all() {
            let count = try row.decode(column: "n", as: Int.self)
            summary.proposals.total += count
            summary.proposals.byField[try row.decode(column: "field_code", as: String.self), default: 0] += count
            summary.supports += Int(try row.decode(column: "supports", as: Int64.self))
            perVillage[try row.decode(column: "village_code", as: String.self)]?.proposals += count
        }
        summary.perVillage = perVillage.values.sorted { $0.villageCode < $1.villageCode }
        return summary
    }

    /// Deletes a rehearsal and everything made in it, proposals included: its data was never real.
    public func wipeRehearsal(_ id: Int64) async throws {
        try await database.transaction { connection in
            let proposals = try await connection.select().column("proposal_id").from("assembly_proposals")
                .where("assembly_id", .equal, id).all().map { try $0.decode(column: "proposal_id", as: Int64.self) }
            try await connection.delete(from: "assemblies").where("id", .equal, id).where("rehearsal_of", .isNot, SQLLiteral.null).run()
            for chunk in proposals.chunked(500) where !chunk.isEmpty {
                let ids = Array(chunk)
                for table in ["proposal_history", "supports", "proposal_scores", "notifications", "proposal_photos", "realisations"] {
                    try await connection.delete(from: table).where("proposal_id", .in, ids).run()
                }
                try await connection.delete(from: "comment_flags").where("comment_id", .in, SQLSubquery.select { $0.column("id").from("comments").where("proposal_id", .in, ids) }).run()
                try await connection.delete(from: "comments").where("proposal_id", .in, ids).run()
                try await connection.delete(from: "proposals").where("id", .in, ids).run()
            }
        }
    }
}
