import Foundation
import MusrenbangCore
import SQLKit

public struct AssemblyRecord: Sendable, Equatable {
    public let id: AssemblyID
    public let title: String
    public let level: AssemblyLevel
    public let regencyCode: RegionCode
    public let planYear: Int
    public let startsAt: Date
    public let hubVillageCode: RegionCode
    public let stage: AssemblyStage
    public let rehearsalOf: AssemblyID?
    public let createdAt: Date
    /// The group a thematic musrenbang is held for; nil for the general one.
    public let theme: AssemblyTheme?

    static let columns = ["id", "title", "level", "regency_code", "plan_year", "starts_at", "hub_village_code", "stage",
                          "rehearsal_of", "created_at", "theme"]

    static func decode(_ row: any SQLRow) throws -> AssemblyRecord {
        AssemblyRecord(
            id: try row.decodeID("id", as: AssemblyID.self), title: try row.decode(column: "title", as: String.self),
            level: try row.decode("level", as: AssemblyLevel.self),
            regencyCode: try row.decodeRegion("regency_code"),
            planYear: try row.decode(column: "plan_year", as: Int.self),
            startsAt: try row.decode(column: "starts_at", as: Date.self),
            hubVillageCode: try row.decodeRegion("hub_village_code"),
            stage: try row.decode("stage", as: AssemblyStage.self),
            rehearsalOf: try row.decodeID("rehearsal_of", as: AssemblyID?.self),
            createdAt: try row.decode(column: "created_at", as: Date.self),
            theme: try row.decode("theme", as: AssemblyTheme?.self))
    }
}

/// One place's session in an assembly: a village (or, for a district assembly, a district).
public struct SessionRecord: Sendable, Equatable, Codable {
    public let villageCode: RegionCode
    public let stage: AssemblyStage
    public let rankingAgreed: Bool
    public let lastHeartbeat: Date?

    static let columns = ["village_code", "stage", "ranking_agreed", "last_heartbeat"]

    static func decode(_ row: any SQLRow) throws -> SessionRecord {
        SessionRecord(villageCode: try row.decodeRegion("village_code"),
                      stage: try row.decode("stage", as: AssemblyStage.self),
                      rankingAgreed: try row.decode(column: "ranking_agreed", as: Bool.self),
                      lastHeartbeat: try row.decode(column: "last_heartbeat", as: Date?.self))
    }
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
    public let villageCode: RegionCode
    public let userId: UserID
    public let role: AttendanceRole
    public let gender: Gender
    public let isGuest: Bool
    public let createdAt: Date
}

/// One person on a session's attendance list, for the minutes.
public struct Attendee: Sendable, Equatable {
    public let name: String
    public let role: AttendanceRole
    public let gender: Gender
    public let isGuest: Bool
    public let residence: RegionCode?
    /// A citizen is named on papers only with their consent (`PublicName`); staff always are.
    public let isCitizen: Bool
    public let nameConsent: Bool
    public let arrivedAt: Date

    /// The name as the attendance list and the minutes print it.
    public var publicName: String { PublicName.shown(name, isCitizen: isCitizen, consented: nameConsent) }
}

public struct QuestionRecord: Sendable, Equatable, Codable {
    public let id: QuestionID
    public let villageCode: RegionCode
    public let authorId: UserID
    public let body: String
    public let status: QuestionStatus
    public let upvotes: Int
    public let createdAt: Date
}

public struct LiveEvent: Sendable, Equatable {
    public let id: Int64
    public let assemblyId: AssemblyID
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
        /// At a thematic musrenbang: the attendees of the theme's group (`AssemblyTheme.includes`).
        public var themeGroup = 0
    }
    public struct Proposals: Sendable, Equatable, Codable {
        public var total = 0
        public var byField: [String: Int] = [:]
    }
    public struct Village: Sendable, Equatable, Codable {
        public let villageCode: RegionCode
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

/// One session's own figures, for its console: what the regency-wide summary says of it alone.
public struct SessionFigures: Sendable, Equatable {
    public var attendance = AssemblySummary.Attendance()
    public var proposals = 0
}

/// When a session started (the first move into the opening, the hub's or its own) and closed.
public struct SessionTimes: Sendable, Equatable {
    public var started: Date?
    public var closed: Date?
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

    public func create(title: String, level: AssemblyLevel, regency: RegionCode, planYear: Int, startsAt: Date, hub: RegionCode,
                       villages: [RegionCode], agenda: [AgendaItem], createdBy: UserID,
                       rehearsalOf: AssemblyID? = nil, theme: AssemblyTheme? = nil) async throws -> AssemblyID {
        try await database.transaction { connection in
            let id = try await connection.insert(into: "assemblies")
                .columns("title", "level", "regency_code", "plan_year", "starts_at", "hub_village_code", "stage", "rehearsal_of",
                         "created_by", "created_at", "theme")
                .values(SQLBind(title), SQLBind(level.rawValue), SQLBind(regency.description), SQLBind(planYear), SQLBind(startsAt),
                        SQLBind(hub.description), SQLBind(AssemblyStage.scheduled.rawValue), SQLBind(rehearsalOf?.rawValue),
                        SQLBind(createdBy.rawValue), SQLBind(Date()), SQLBind(theme?.rawValue))
                .returning("id").first()!.decodeID("id", as: AssemblyID.self)
            for chunk in villages.chunked(500) {
                var insert = connection.insert(into: "assembly_sessions").columns("assembly_id", "village_code", "stage", "ranking_agreed")
                for village in chunk {
                    insert = insert.values(SQLBind(id.rawValue), SQLBind(village.description),
                                           SQLBind(AssemblyStage.scheduled.rawValue), SQLBind(false))
                }
                try await insert.run()
            }
            try await Self.writeAgenda(connection, id, agenda)
            return id
        }
    }

    public func assembly(_ id: AssemblyID) async throws -> AssemblyRecord? {
        try await database.sql.select().columns(AssemblyRecord.columns.map { SQLColumn($0) }).from("assemblies")
            .where("id", .equal, id.rawValue).first().map(AssemblyRecord.decode)
    }

    /// The assembly and one of its sessions in one statement: what every console request needs first.
    public func assembly(_ id: AssemblyID, session village: RegionCode) async throws -> (AssemblyRecord, SessionRecord?)? {
        let row = try await database.sql.select()
            .columns(AssemblyRecord.columns.map { SQLColumn($0, table: "assemblies") })
            .column(SQLColumn("village_code", table: "assembly_sessions"))
            .column(SQLColumn("stage", table: "assembly_sessions"), as: "session_stage")
            .column(SQLColumn("ranking_agreed", table: "assembly_sessions"))
            .column(SQLColumn("last_heartbeat", table: "assembly_sessions"))
            .from("assemblies")
            .join("assembly_sessions", method: SQLJoinMethod.left, on: SQLBinaryExpression(
                SQLBinaryExpression(SQLColumn("assembly_id", table: "assembly_sessions"), .equal, SQLColumn("id", table: "assemblies")),
                .and,
                SQLBinaryExpression(SQLColumn("village_code", table: "assembly_sessions"), .equal, SQLBind(village.description))))
            .where(SQLColumn("id", table: "assemblies"), .equal, SQLBind(id.rawValue))
            .first()
        guard let row else { return nil }
        let assembly = try AssemblyRecord.decode(row)
        guard try row.decode(column: "village_code", as: String?.self) != nil else { return (assembly, nil) }
        let session = SessionRecord(villageCode: try row.decodeRegion("village_code"),
                                    stage: try row.decode("session_stage", as: AssemblyStage.self),
                                    rankingAgreed: try row.decode(column: "ranking_agreed", as: Bool.self),
                                    lastHeartbeat: try row.decode(column: "last_heartbeat", as: Date?.self))
        return (assembly, session)
    }

    /// Assemblies not yet closed and those of the last weeks, soonest first.
    public func current(regency: RegionCode) async throws -> [AssemblyRecord] {
        try await database.sql.select().columns(AssemblyRecord.columns.map { SQLColumn($0) }).from("assemblies")
            .where("regency_code", .equal, regency.description)
            .where { $0.where("stage", .notEqual, AssemblyStage.closed.rawValue)
                .orWhere("starts_at", .greaterThan, SQLBind(Date().addingTimeInterval(-30 * 86_400))) }
            .orderBy("starts_at").limit(50).all().map(AssemblyRecord.decode)
    }

    /// The assemblies (rehearsals excluded) in which a place held a session, newest first.
    public func assemblies(withSessionAt place: RegionCode, planYear: Int? = nil) async throws -> [AssemblyRecord] {
        var select = database.sql.select().columns(AssemblyRecord.columns.map { SQLColumn($0, table: "assemblies") }).from("assemblies")
            .join("assembly_sessions", on: SQLColumn("assembly_id", table: "assembly_sessions"), .equal, SQLColumn("id", table: "assemblies"))
            .where(SQLColumn("village_code", table: "assembly_sessions"), .equal, SQLBind(place.description))
            .where(SQLColumn("rehearsal_of", table: "assemblies"), .is, SQLLiteral.null)
        if let planYear { select = select.where(SQLColumn("plan_year", table: "assemblies"), .equal, SQLBind(planYear)) }
        return try await select.orderBy(SQLOrderBy(expression: SQLColumn("starts_at", table: "assemblies"), direction: SQLDirection.descending))
            .limit(20).all().map(AssemblyRecord.decode)
    }

    public func sessions(_ id: AssemblyID) async throws -> [SessionRecord] {
        try await database.sql.select().columns(SessionRecord.columns.map { SQLColumn($0) }).from("assembly_sessions")
            .where("assembly_id", .equal, id.rawValue).orderBy("village_code").all().map(SessionRecord.decode)
    }

    public func session(_ id: AssemblyID, village: RegionCode) async throws -> SessionRecord? {
        try await database.sql.select().columns(SessionRecord.columns.map { SQLColumn($0) }).from("assembly_sessions")
            .where("assembly_id", .equal, id.rawValue).where("village_code", .equal, village.description).first()
            .map(SessionRecord.decode)
    }

    // MARK: agenda

    public func agenda(_ id: AssemblyID) async throws -> [AgendaItem] {
        try await database.sql.select().columns("title", "minutes", "speaker").from("agenda_items")
            .where("assembly_id", .equal, id.rawValue).orderBy("position").all().map {
                AgendaItem(title: try $0.decode(column: "title", as: String.self), minutes: try $0.decode(column: "minutes", as: Int.self),
                           speaker: try $0.decode(column: "speaker", as: String?.self))
            }
    }

    public func setAgenda(_ id: AssemblyID, _ items: [AgendaItem]) async throws {
        try await database.transaction { connection in try await Self.writeAgenda(connection, id, items) }
    }

    static func writeAgenda(_ connection: any SQLDatabase, _ id: AssemblyID, _ items: [AgendaItem]) async throws {
        try await connection.delete(from: "agenda_items").where("assembly_id", .equal, id.rawValue).run()
        guard !items.isEmpty else { return }
        var insert = connection.insert(into: "agenda_items").columns("assembly_id", "position", "title", "minutes", "speaker")
        for (index, item) in items.enumerated() {
            insert = insert.values(SQLBind(id.rawValue), SQLBind(index + 1), SQLBind(item.title), SQLBind(item.minutes),
                                   SQLBind(item.speaker))
        }
        try await insert.run()
    }

    // MARK: stages

    /// Moves the hub one stage on. Village sessions move themselves (their operators follow the
    /// hub when their office is ready), so the control room sees who has not started.
    public func moveHub(_ id: AssemblyID, to target: AssemblyStage, actor: UserID) async throws -> AssemblyRecord {
        let flavour = database.flavour
        try await database.transaction { connection in
            var select = connection.select().column("stage").from("assemblies").where("id", .equal, id.rawValue)
            if flavour == .postgres { select = select.for(.update) }
            guard let current = try await select.first()?.decode("stage", as: AssemblyStage.self) else { throw AssemblyError.notFound }
            if let refusal = StageRules.hub(from: current, to: target) { throw AssemblyError.stage(refusal) }
            try await connection.update("assemblies").set("stage", to: target.rawValue).where("id", .equal, id.rawValue).run()
            try await Self.logStage(connection, id, village: nil, from: current, to: target, actor: actor)
            try await Self.appendEvent(connection, id, kind: "stage", payload: ["hub": target.rawValue, "from": current.rawValue])
            // A poll still open when the assembly ends closes with it, so its results reach the minutes.
            if target == .closed { try await PollStore.closeAll(connection, id, by: actor) }
        }
        guard let moved = try await assembly(id) else { throw AssemblyError.notFound }
        return moved
    }

    public func moveSession(_ id: AssemblyID, village: RegionCode, to target: AssemblyStage, actor: UserID) async throws -> SessionRecord {
        try await database.transaction { connection in
            guard let hub = try await connection.select().column("stage").from("assemblies").where("id", .equal, id.rawValue)
                    .first()?.decode("stage", as: AssemblyStage.self),
                  let session = try await connection.select().columns(SessionRecord.columns.map { SQLColumn($0) })
                    .from("assembly_sessions").where("assembly_id", .equal, id.rawValue)
                    .where("village_code", .equal, village.description).first().map(SessionRecord.decode)
            else { throw AssemblyError.notFound }
            if let refusal = StageRules.session(from: session.stage, to: target, hub: hub, rankingAgreed: session.rankingAgreed) {
                throw AssemblyError.stage(refusal)
            }
            var update = connection.update("assembly_sessions").set("stage", to: target.rawValue).set("last_heartbeat", to: Date())
            if target == .closed { update = update.set("closed_at", to: Date()) }
            try await update.where("assembly_id", .equal, id.rawValue).where("village_code", .equal, village.description).run()
            try await Self.logStage(connection, id, village: village, from: session.stage, to: target, actor: actor)
            try await Self.appendEvent(connection, id, kind: "session",
                                       payload: ["village": village.description, "stage": target.rawValue, "from": session.stage.rawValue])
            return SessionRecord(villageCode: village, stage: target, rankingAgreed: session.rankingAgreed, lastHeartbeat: Date())
        }
    }

    public func agreeRanking(_ id: AssemblyID, village: RegionCode) async throws {
        try await database.transaction { connection in
            try await connection.update("assembly_sessions").set("ranking_agreed", to: true).set("last_heartbeat", to: Date())
                .where("assembly_id", .equal, id.rawValue).where("village_code", .equal, village.description).run()
            try await Self.appendEvent(connection, id, kind: "ranking", payload: ["village": village.description])
        }
    }

    public func heartbeat(_ id: AssemblyID, village: RegionCode) async throws {
        try await database.sql.update("assembly_sessions").set("last_heartbeat", to: Date())
            .where("assembly_id", .equal, id.rawValue).where("village_code", .equal, village.description).run()
    }

    /// The hub's transitions, timestamped.
    public func hubLog(_ id: AssemblyID) async throws -> [(from: AssemblyStage, to: AssemblyStage, at: Date)] {
        try await database.sql.select().columns("from_stage", "to_stage", "created_at").from("assembly_stage_log")
            .where("assembly_id", .equal, id.rawValue).where("village_code", .is, SQLLiteral.null).orderBy("id").all().map {
                (try $0.decode("from_stage", as: AssemblyStage.self), try $0.decode("to_stage", as: AssemblyStage.self),
                 try $0.decode(column: "created_at", as: Date.self))
            }
    }

    /// When a session opened (its own move into the opening, or the hub's) and when it closed, in one read.
    public func times(_ id: AssemblyID, village: RegionCode) async throws -> SessionTimes {
        var times = SessionTimes()
        let rows = try await database.sql.select().columns("village_code", "to_stage", "created_at").from("assembly_stage_log")
            .where("assembly_id", .equal, id.rawValue)
            .where { $0.where("village_code", .equal, village.description).orWhere("village_code", .is, SQLLiteral.null) }
            .where("to_stage", .in, [AssemblyStage.opening.rawValue, AssemblyStage.closed.rawValue])
            .orderBy("id").all()
        for row in rows {
            let at = try row.decode(column: "created_at", as: Date.self)
            let own = try row.decode(column: "village_code", as: String?.self) != nil
            switch try row.decode("to_stage", as: AssemblyStage.self) {
            case .opening: times.started = times.started ?? at
            case .closed where own: times.closed = at
            default: break
            }
        }
        return times
    }

    static func logStage(_ connection: any SQLDatabase, _ id: AssemblyID, village: RegionCode?, from: AssemblyStage, to: AssemblyStage,
                         actor: UserID) async throws {
        try await connection.insert(into: "assembly_stage_log")
            .columns("assembly_id", "village_code", "from_stage", "to_stage", "actor_id", "created_at")
            .values(SQLBind(id.rawValue), SQLBind(village?.description), SQLBind(from.rawValue), SQLBind(to.rawValue),
                    SQLBind(actor.rawValue), SQLBind(Date()))
            .run()
    }

    // MARK: attendance

    /// Who checks in: someone with an account, or a walk-in whose account the check-in creates.
    public enum CheckInPerson: Sendable {
        case account(UserID)
        case walkIn(NewCitizen)
    }

    /// Checks a person in once per assembly. A repeat returns the first record and counts nothing;
    /// so does a retry with the same idempotency key (recorded in the same transaction). A walk-in
    /// is registered in the same transaction (one commit, and no account without its check-in);
    /// one whose NIK was registered meanwhile is checked in on that account.
    /// `refreshHeartbeat` false: this node wrote the session's sign of life moments ago (the
    /// statement would change nothing), so it is not sent.
    public func checkIn(_ id: AssemblyID, village: RegionCode, person: CheckInPerson, role: AttendanceRole, gender: Gender, isGuest: Bool,
                        nameConsent: Bool = false, by actor: UserID, refreshHeartbeat: Bool = true,
                        idempotencyKey: IdempotencyKey? = nil) async throws -> (record: AttendanceRecord, isNew: Bool) {
        try await database.transaction(key: idempotencyKey, replay: { stored in
            guard let record = try await Self.attendance(database.sql, id, Int64(stored) ?? -1) else { throw StoreError.notFound }
            return (record, false)
        }) { connection in
            let userId: UserID
            var (gender, isGuest) = (gender, isGuest)
            // Staff doing it for the citizen: the citizen's log says so (with the registration, in one statement).
            var assisted: [AssistedLog.Line] = []
            switch person {
            case .account(let account): userId = account
            case .walkIn(let citizen):
                if let created = try await AccountStore.insertCitizen(connection, citizen) {
                    userId = created
                    assisted += AccountStore.registrationLine(created, citizen).map { [$0] } ?? []
                } else {
                    // The NIK was registered meanwhile: that account is who came, with its gender
                    // and where it lives, not what the walk-in form said.
                    guard let found = try await connection.select().columns("id", "gender", "region_code").from("users")
                        .where("nik_hash", .equal, citizen.nikHash).first() else { throw StoreError.notFound }
                    userId = try found.decodeID("id", as: UserID.self)
                    gender = try found.decode("gender", as: Gender?.self) ?? gender
                    isGuest = try found.decodeOptionalRegion("region_code").map { $0 != village } ?? isGuest
                }
            }
            let now = Date()
            if let row = try await connection.insert(into: "attendance")
                .columns("assembly_id", "village_code", "user_id", "role", "gender", "is_guest", "name_consent", "checked_in_by",
                         "created_at")
                .values(SQLBind(id.rawValue), SQLBind(village.description), SQLBind(userId.rawValue), SQLBind(role.rawValue),
                        SQLBind(gender.rawValue), SQLBind(isGuest), SQLBind(nameConsent), SQLBind(actor.rawValue), SQLBind(now))
                .ignoringConflicts().returning("id").first() {
                // A sign of life at most every 10 s (silence counts from 120 s): the village's
                // check-ins would otherwise queue on its session row, one whole transaction each.
                if refreshHeartbeat {
                    try await connection.update("assembly_sessions").set("last_heartbeat", to: now)
                        .where("assembly_id", .equal, id.rawValue).where("village_code", .equal, village.description)
                        .where { $0.where("last_heartbeat", .is, SQLLiteral.null).orWhere("last_heartbeat", .lessThan, now.addingTimeInterval(-10)) }
                        .run()
                }
                try await Self.appendEvent(connection, id, kind: "attendance",
                                           payload: ["village": village.description, "gender": gender.rawValue, "role": role.rawValue])
                if actor != userId {
                    assisted.append(.init(citizen: userId, staff: actor, village: village, kind: .checkIn, subject: "\(id)"))
                }
                try await AssistedLog.append(connection, assisted)
                let record = AttendanceRecord(id: try row.decode(column: "id", as: Int64.self), villageCode: village, userId: userId,
                                              role: role, gender: gender, isGuest: isGuest, createdAt: now)
                return ((record, true), "\(record.id)")
            }
            let row = try await connection.select()
                .columns("id", "village_code", "role", "gender", "is_guest", "created_at").from("attendance")
                .where("assembly_id", .equal, id.rawValue).where("user_id", .equal, userId.rawValue).first()
            guard let row else { throw StoreError.notFound }
            let record = AttendanceRecord(id: try row.decode(column: "id", as: Int64.self), villageCode: try row.decodeRegion("village_code"),
                                          userId: userId, role: try row.decode("role", as: AttendanceRole.self),
                                          gender: try row.decode("gender", as: Gender.self),
                                          isGuest: try row.decode(column: "is_guest", as: Bool.self),
                                          createdAt: try row.decode(column: "created_at", as: Date.self))
            return ((record, false), "\(record.id)")
        }
    }

    /// One attendance record by its id (what a check-in's idempotency key points to).
    public func attendance(_ id: AssemblyID, _ attendanceId: Int64) async throws -> AttendanceRecord? {
        try await Self.attendance(database.sql, id, attendanceId)
    }

    static func attendance(_ connection: any SQLDatabase, _ id: AssemblyID, _ attendanceId: Int64) async throws -> AttendanceRecord? {
        guard let row = try await connection.select()
            .columns("id", "village_code", "user_id", "role", "gender", "is_guest", "created_at").from("attendance")
            .where("assembly_id", .equal, id.rawValue).where("id", .equal, attendanceId).first() else { return nil }
        return AttendanceRecord(id: try row.decode(column: "id", as: Int64.self), villageCode: try row.decodeRegion("village_code"),
                                userId: try row.decodeID("user_id", as: UserID.self), role: try row.decode("role", as: AttendanceRole.self),
                                gender: try row.decode("gender", as: Gender.self), isGuest: try row.decode(column: "is_guest", as: Bool.self),
                                createdAt: try row.decode(column: "created_at", as: Date.self))
    }

    /// The attendance list of a session, in order of arrival, for the minutes.
    public func attendees(_ id: AssemblyID, village: RegionCode) async throws -> [Attendee] {
        try await database.sql.select()
            .column(SQLColumn("name", table: "users")).column(SQLColumn("region_code", table: "users"))
            .column(SQLColumn("role", table: "users"), as: "account_role")
            .column(SQLColumn("role", table: "attendance")).column(SQLColumn("gender", table: "attendance"))
            .column(SQLColumn("is_guest", table: "attendance")).column(SQLColumn("name_consent", table: "attendance"))
            .column(SQLColumn("created_at", table: "attendance"))
            .from("attendance").join("users", on: SQLColumn("user_id", table: "attendance"), .equal, SQLColumn("id", table: "users"))
            .where(SQLColumn("assembly_id", table: "attendance"), .equal, SQLBind(id.rawValue))
            .where(SQLColumn("village_code", table: "attendance"), .equal, SQLBind(village.description))
            .orderBy(SQLColumn("id", table: "attendance")).all().map {
                Attendee(name: try $0.decode(column: "name", as: String.self), role: try $0.decode("role", as: AttendanceRole.self),
                         gender: try $0.decode("gender", as: Gender.self), isGuest: try $0.decode(column: "is_guest", as: Bool.self),
                         residence: try $0.decodeOptionalRegion("region_code"),
                         isCitizen: try $0.decode("account_role", as: Role.self) == .citizen,
                         nameConsent: try $0.decode(column: "name_consent", as: Bool.self),
                         arrivedAt: try $0.decode(column: "created_at", as: Date.self))
            }
    }

    // MARK: proposals

    /// Attaches a proposal submitted at or for a village while its session is in `proposals`.
    /// `practice`: entered by staff, so it may also be a rehearsal's practice data. A citizen's own
    /// proposal is always real: it never joins a rehearsal, whose wiping would take it along.
    public func attachProposal(_ proposalId: ProposalID, village: RegionCode, practice: Bool) async throws -> [AssemblyID] {
        try await database.transaction { connection in
            try await Self.attach(connection, proposalId, village: village, practice: practice).assemblies
        }
    }

    /// The sessions a proposal joined, and whether joining a thematic one changed its theme.
    public struct Attachment: Sendable {
        public let assemblies: [AssemblyID]
        public let retagged: Bool
    }

    /// The same, inside the transaction that stores the proposal: a crash can never leave a
    /// proposal made during the proposal stage outside its village's session.
    public static func attach(_ connection: any SQLDatabase, _ proposalId: ProposalID, village: RegionCode,
                              practice: Bool) async throws -> Attachment {
        var query = connection.select().column(SQLColumn("assembly_id", table: "assembly_sessions"))
            .column(SQLColumn("theme", table: "assemblies")).from("assembly_sessions")
            .join("assemblies", on: SQLColumn("id", table: "assemblies"), .equal, SQLColumn("assembly_id", table: "assembly_sessions"))
            .where(SQLColumn("village_code", table: "assembly_sessions"), .equal, SQLBind(village.description))
            .where(SQLColumn("stage", table: "assembly_sessions"), .equal, SQLBind(AssemblyStage.proposals.rawValue))
        if !practice { query = query.where(SQLColumn("rehearsal_of", table: "assemblies"), .is, SQLLiteral.null) }
        let rows = try await query.orderBy(SQLColumn("assembly_id", table: "assembly_sessions")).all()
        let open = try rows.map { try $0.decodeID("assembly_id", as: AssemblyID.self) }
        let themes = try rows.map { try $0.decode("theme", as: AssemblyTheme?.self) }
        var retagged = false
        if themes.contains(where: { $0 != nil }) {
            let current = try await connection.select().column("theme").from("proposals").where("id", .equal, proposalId.rawValue)
                .first().flatMap { try $0.decode("theme", as: AssemblyTheme?.self) }
            if let tag = ThemeRules.tag(current: current, joined: themes), tag != current {
                try await connection.update("proposals").set("theme", to: SQLBind(tag.rawValue))
                    .where("id", .equal, proposalId.rawValue).run()
                retagged = true
            }
        }
        for assembly in open {
            try await connection.insert(into: "assembly_proposals").columns("assembly_id", "proposal_id", "village_code")
                .values(SQLBind(assembly.rawValue), SQLBind(proposalId.rawValue), SQLBind(village.description))
                .ignoringConflicts().run()
            try await Self.appendEvent(connection, assembly, kind: "proposal",
                                       payload: ["village": village.description, "proposal": "\(proposalId)"])
        }
        return Attachment(assemblies: open, retagged: retagged)
    }

    // MARK: questions

    public func ask(_ id: AssemblyID, village: RegionCode, author: UserID, body: String) async throws -> QuestionID {
        try await ask(id, village: village, author: author, body: body, idempotencyKey: nil).question
    }

    /// A question; a retry with the same idempotency key returns the first one and asks nothing.
    public func ask(_ id: AssemblyID, village: RegionCode, author: UserID, body: String,
                    idempotencyKey: IdempotencyKey?) async throws -> (question: QuestionID, isNew: Bool) {
        try await database.transaction(key: idempotencyKey, replay: { stored in (QuestionID(rawValue: Int64(stored) ?? -1), false) }) { connection in
            let question = try await connection.insert(into: "questions")
                .columns("assembly_id", "village_code", "author_id", "body", "status", "upvotes", "created_at")
                .values(SQLBind(id.rawValue), SQLBind(village.description), SQLBind(author.rawValue), SQLBind(body),
                        SQLBind(QuestionStatus.pending.rawValue), SQLBind(0), SQLBind(Date()))
                .returning("id").first()!.decodeID("id", as: QuestionID.self)
            try await Self.appendEvent(connection, id, kind: "question",
                                       payload: ["id": "\(question)", "village": village.description, "status": "pending"])
            return ((question, true), "\(question)")
        }
    }

    public func questions(_ id: AssemblyID, statuses: [QuestionStatus]) async throws -> [QuestionRecord] {
        guard !statuses.isEmpty else { return [] }  // `IN ()` is an error on PostgreSQL
        return try await database.sql.select().columns("id", "village_code", "author_id", "body", "status", "upvotes", "created_at")
            .from("questions").where("assembly_id", .equal, id.rawValue).where("status", .in, statuses.map(\.rawValue))
            .orderBy("upvotes", .descending).orderBy("id").all().map(Self.question)
    }

    public func question(_ id: AssemblyID, _ question: QuestionID) async throws -> QuestionRecord? {
        try await database.sql.select().columns("id", "village_code", "author_id", "body", "status", "upvotes", "created_at")
            .from("questions").where("assembly_id", .equal, id.rawValue).where("id", .equal, question.rawValue).first()
            .map(Self.question)
    }

    static func question(_ row: any SQLRow) throws -> QuestionRecord {
        QuestionRecord(id: try row.decodeID("id", as: QuestionID.self), villageCode: try row.decodeRegion("village_code"),
                       authorId: try row.decodeID("author_id", as: UserID.self), body: try row.decode(column: "body", as: String.self),
                       status: try row.decode("status", as: QuestionStatus.self),
                       upvotes: try row.decode(column: "upvotes", as: Int.self), createdAt: try row.decode(column: "created_at", as: Date.self))
    }

    public func setQuestionStatus(_ id: AssemblyID, question: QuestionID, _ status: QuestionStatus) async throws -> Bool {
        try await database.transaction { connection in
            var update = connection.update("questions").set("status", to: status.rawValue)
            if status == .answered { update = update.set("answered_at", to: Date()) }
            let changed = try await update.where("id", .equal, question.rawValue).where("assembly_id", .equal, id.rawValue)
                .returning("id").first() != nil
            if changed {
                try await Self.appendEvent(connection, id, kind: "question", payload: ["id": "\(question)", "status": status.rawValue])
            }
            return changed
        }
    }

    /// One upvote per person; returns the count, or nil when the question is not in this assembly.
    public func upvote(_ id: AssemblyID, question: QuestionID, by user: UserID) async throws -> Int? {
        try await database.transaction { connection in
            guard try await connection.select().column("id").from("questions").where("id", .equal, question.rawValue)
                .where("assembly_id", .equal, id.rawValue).first() != nil else { return nil }
            let inserted = try await connection.insert(into: "question_votes").columns("question_id", "user_id")
                .values(SQLBind(question.rawValue), SQLBind(user.rawValue)).ignoringConflicts().returning("user_id").first() != nil
            if inserted {
                try await connection.raw("UPDATE questions SET upvotes = upvotes + 1 WHERE id = \(bind: question.rawValue)").run()
                try await Self.appendEvent(connection, id, kind: "question", payload: ["id": "\(question)", "upvote": "1"])
            }
            return try await connection.select().column("upvotes").from("questions").where("id", .equal, question.rawValue)
                .first()?.decode(column: "upvotes", as: Int.self) ?? 0
        }
    }

    // MARK: minutes

    public struct StoredMinutes: Sendable {
        public let data: String
        public let finalizedAt: Date?
        public let amendments: [(reason: String, at: Date)]
    }

    public func minutes(_ id: AssemblyID, village: RegionCode) async throws -> StoredMinutes? {
        guard let row = try await database.sql.select().columns("data", "finalized_at").from("minutes")
            .where("assembly_id", .equal, id.rawValue).where("village_code", .equal, village.description).first() else { return nil }
        let finalizedAt = try row.decode(column: "finalized_at", as: Date?.self)
        // Only a final record can have been amended.
        let amendments = finalizedAt == nil ? [] : try await database.sql.select().columns("reason", "created_at").from("minutes_amendments")
            .where("assembly_id", .equal, id.rawValue).where("village_code", .equal, village.description).orderBy("id").all().map {
                (try $0.decode(column: "reason", as: String.self), try $0.decode(column: "created_at", as: Date.self))
            }
        return StoredMinutes(data: try row.decode(column: "data", as: String.self), finalizedAt: finalizedAt, amendments: amendments)
    }

    /// The latest final minutes of a place for a plan year, outside rehearsals: the record its
    /// official annexes must equal once signed.
    public func finalMinutes(of place: RegionCode, planYear: Int) async throws -> (assembly: AssemblyID, data: String)? {
        guard let row = try await database.sql.select()
            .column(SQLColumn("assembly_id", table: "minutes")).column(SQLColumn("data", table: "minutes"))
            .from("minutes").join("assemblies", on: SQLColumn("assembly_id", table: "minutes"), .equal, SQLColumn("id", table: "assemblies"))
            .where(SQLColumn("village_code", table: "minutes"), .equal, SQLBind(place.description))
            .where(SQLColumn("plan_year", table: "assemblies"), .equal, SQLBind(planYear))
            .where(SQLColumn("rehearsal_of", table: "assemblies"), .is, SQLLiteral.null)
            .where(SQLColumn("finalized_at", table: "minutes"), .isNot, SQLLiteral.null)
            .orderBy(SQLOrderBy(expression: SQLColumn("finalized_at", table: "minutes"), direction: SQLDirection.descending)).limit(1).first() else { return nil }
        return (try row.decodeID("assembly_id", as: AssemblyID.self), try row.decode(column: "data", as: String.self))
    }

    /// Whether the session's minutes are final (what decides how a save goes, by `MinutesRules`).
    public func minutesAreFinal(_ id: AssemblyID, village: RegionCode) async throws -> Bool {
        try await database.sql.select().column("finalized_at").from("minutes")
            .where("assembly_id", .equal, id.rawValue).where("village_code", .equal, village.description)
            .first()?.decode(column: "finalized_at", as: Date?.self) != nil
    }

    /// Writes what `MinutesRules` decided. If another request finalised the minutes after the
    /// decision was taken, the decision no longer holds: nothing is written and `false` returned.
    public func saveMinutes(_ id: AssemblyID, village: RegionCode, data: String, change: MinutesChange,
                            by actor: UserID) async throws -> Bool {
        try await database.transaction { connection in
            let existing = try await connection.select().column("finalized_at").from("minutes")
                .where("assembly_id", .equal, id.rawValue).where("village_code", .equal, village.description).first()
            let isFinal = try existing?.decode(column: "finalized_at", as: Date?.self) != nil
            switch change {
            case .amend(let reason):
                guard isFinal else { return false }
                try await connection.insert(into: "minutes_amendments")
                    .columns("assembly_id", "village_code", "reason", "data", "actor_id", "created_at")
                    .values(SQLBind(id.rawValue), SQLBind(village.description), SQLBind(reason), SQLBind(data),
                            SQLBind(actor.rawValue), SQLBind(Date())).run()
                try await connection.update("minutes").set("data", to: data)
                    .where("assembly_id", .equal, id.rawValue).where("village_code", .equal, village.description).run()
            case .draft, .finalize:
                guard !isFinal else { return false }
                let finalize = change == .finalize
                if existing == nil {
                    try await connection.insert(into: "minutes").columns("assembly_id", "village_code", "data", "finalized_at", "finalized_by")
                        .values(SQLBind(id.rawValue), SQLBind(village.description), SQLBind(data), SQLBind(finalize ? Date() : nil),
                                SQLBind(finalize ? actor.rawValue : nil)).run()
                } else {
                    try await connection.update("minutes").set("data", to: data)
                        .set("finalized_at", to: SQLBind(finalize ? Date() : nil)).set("finalized_by", to: SQLBind(finalize ? actor.rawValue : nil))
                        .where("assembly_id", .equal, id.rawValue).where("village_code", .equal, village.description).run()
                }
            }
            return true
        }
    }

    // MARK: live events

    /// An event that changes nothing else in the store (e.g. the video feeds changed).
    @discardableResult
    public func announce(_ id: AssemblyID, kind: String, payload: [String: String] = [:]) async throws -> Int64 {
        let text = String(decoding: try JSONEncoder.sorted.encode(payload), as: UTF8.self)
        return try await database.transaction { connection in try await Self.insertEvent(connection, id, kind: kind, text: text) }
    }

    /// Appends to the live log, as the transaction's last statement before COMMIT. On PostgreSQL,
    /// concurrent transactions could commit their ids out of order and a listener reading "after
    /// id N" would skip one; a per-assembly transaction lock, taken in the same statement before
    /// the id is drawn, makes ids commit in order. Taken last, every other writer of the assembly
    /// waits for one statement and a COMMIT, not for the whole transaction (a check-in waited for
    /// four round trips). SQLite's single writer already commits in order.
    static func appendEvent(_ connection: any SQLDatabase, _ id: AssemblyID, kind: String, payload: [String: String]) async throws {
        let text = String(decoding: try JSONEncoder.sorted.encode(payload), as: UTF8.self)
        try await TransactionTail.atCommit(of: connection) { connection in _ = try await insertEvent(connection, id, kind: kind, text: text) }
    }

    private static func insertEvent(_ connection: any SQLDatabase, _ id: AssemblyID, kind: String, text: String) async throws -> Int64 {
        let now = Date()
        let row: (any SQLRow)?
        if connection.dialect.name == "postgresql" {
            row = try await connection.raw("""
                INSERT INTO assembly_events (assembly_id, kind, payload, created_at)
                SELECT \(bind: id.rawValue), \(bind: kind), \(bind: text), \(bind: now) FROM (SELECT pg_advisory_xact_lock(\(bind: id.rawValue))) AS ordered
                RETURNING id
                """).first()
        } else {
            row = try await connection.insert(into: "assembly_events").columns("assembly_id", "kind", "payload", "created_at")
                .values(SQLBind(id.rawValue), SQLBind(kind), SQLBind(text), SQLBind(now)).returning("id").first()
        }
        guard let row else { throw StoreError.notFound }
        return try row.decode(column: "id", as: Int64.self)
    }

    /// Events after `lastId`, oldest first, for a reconnecting listener.
    public func events(_ id: AssemblyID, after lastId: Int64, limit: Int = 5000) async throws -> [LiveEvent] {
        try await database.sql.select().columns("id", "kind", "payload").from("assembly_events")
            .where("assembly_id", .equal, id.rawValue).where("id", .greaterThan, lastId).orderBy("id").limit(limit).all().map {
                LiveEvent(id: try $0.decode(column: "id", as: Int64.self), assemblyId: id,
                          kind: try $0.decode(column: "kind", as: String.self), payload: try $0.decode(column: "payload", as: String.self))
            }
    }

    /// The id of the assembly's latest event (0 when it has none): where a shared reader starts.
    public func latestEventId(_ id: AssemblyID) async throws -> Int64 {
        let row = try await database.sql.select().column(SQLFunction("coalesce", args: SQLFunction("max", args: SQLColumn("id")), SQLLiteral.numeric("0")), as: "latest")
            .from("assembly_events").where("assembly_id", .equal, id.rawValue).first()
        return try row?.decode(column: "latest", as: Int64.self) ?? 0
    }

    // MARK: summary

    public func summary(_ assembly: AssemblyRecord) async throws -> AssemblySummary {
        let id = assembly.id
        var summary = AssemblySummary(stage: assembly.stage)
        let now = Date()
        var perVillage: [RegionCode: AssemblySummary.Village] = [:]
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
        for row in try await attendanceCounts(id, village: nil) {
            summary.attendance.add(row, theme: assembly.theme)
            perVillage[row.village]?.attendance += row.count
            if row.gender == .female { perVillage[row.village]?.women += row.count }
        }
        for row in try await proposalCounts(id, village: nil) {
            summary.proposals.total += row.count
            summary.proposals.byField[row.field, default: 0] += row.count
            summary.supports += row.supports
            perVillage[row.village]?.proposals += row.count
        }
        summary.perVillage = perVillage.values.sorted { $0.villageCode < $1.villageCode }
        return summary
    }

    /// One session's figures: two grouped reads of its own rows.
    public func figures(_ id: AssemblyID, village: RegionCode, theme: AssemblyTheme? = nil) async throws -> SessionFigures {
        var figures = SessionFigures()
        for row in try await attendanceCounts(id, village: village) { figures.attendance.add(row, theme: theme) }
        figures.proposals = try await proposalCounts(id, village: village).reduce(0) { $0 + $1.count }
        return figures
    }

    struct AttendanceCount {
        let village: RegionCode
        let gender: Gender
        let role: String
        let count: Int
    }

    private func attendanceCounts(_ id: AssemblyID, village: RegionCode?) async throws -> [AttendanceCount] {
        var select = database.sql.select().columns("village_code", "gender", "role")
            .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("attendance").where("assembly_id", .equal, id.rawValue)
        if let village { select = select.where("village_code", .equal, village.description) }
        return try await select.groupBy("village_code").groupBy("gender").groupBy("role").all().map {
            AttendanceCount(village: try $0.decodeRegion("village_code"), gender: try $0.decode("gender", as: Gender.self),
                            role: try $0.decode(column: "role", as: String.self), count: try $0.decode(column: "n", as: Int.self))
        }
    }

    private func proposalCounts(_ id: AssemblyID, village: RegionCode?) async throws -> [(village: RegionCode, field: String, count: Int, supports: Int)] {
        var select = database.sql.select()
            .column(SQLColumn("village_code", table: "assembly_proposals")).column(SQLColumn("field_code", table: "proposals"))
            .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .column(SQLRaw("CAST(COALESCE(SUM(proposals.support_count), 0) AS BIGINT)"), as: "supports")
            .from("assembly_proposals")
            .join("proposals", on: SQLColumn("proposal_id", table: "assembly_proposals"), .equal, SQLColumn("id", table: "proposals"))
            .where(SQLColumn("assembly_id", table: "assembly_proposals"), .equal, SQLBind(id.rawValue))
        if let village { select = select.where(SQLColumn("village_code", table: "assembly_proposals"), .equal, SQLBind(village.description)) }
        return try await select.groupBy(SQLColumn("village_code", table: "assembly_proposals"))
            .groupBy(SQLColumn("field_code", table: "proposals")).all().map {
                (try $0.decodeRegion("village_code"), try $0.decode(column: "field_code", as: String.self),
                 try $0.decode(column: "n", as: Int.self), Int(try $0.decode(column: "supports", as: Int64.self)))
            }
    }

    /// Deletes a rehearsal and everything made in it, proposals included: its data was never real.
    public func wipeRehearsal(_ id: AssemblyID) async throws {
        try await database.transaction { connection in
            // Only what belongs to the rehearsal alone: a proposal a real assembly also holds stays.
            let proposals = try await connection.select().column("proposal_id").from("assembly_proposals")
                .where("assembly_id", .equal, id.rawValue)
                .where("proposal_id", .notIn, SQLSubquery.select {
                    $0.column(SQLColumn("proposal_id", table: "assembly_proposals")).from("assembly_proposals")
                        .join("assemblies", on: SQLColumn("id", table: "assemblies"), .equal, SQLColumn("assembly_id", table: "assembly_proposals"))
                        .where(SQLColumn("rehearsal_of", table: "assemblies"), .is, SQLLiteral.null)
                })
                .all().map { try $0.decode(column: "proposal_id", as: Int64.self) }
            // Rehearsals made of this one (possible before a rehearsal could no longer be rehearsed)
            // would hold it by `rehearsal_of`: they now name the real assembly.
            try await connection.update("assemblies")
                .set("rehearsal_of", to: SQLSubquery.select { $0.column("rehearsal_of").from("assemblies").where("id", .equal, id.rawValue) })
                .where("rehearsal_of", .equal, id.rawValue).run()
            try await connection.delete(from: "assemblies").where("id", .equal, id.rawValue)
                .where("rehearsal_of", .isNot, SQLLiteral.null).run()
            for chunk in proposals.chunked(500) where !chunk.isEmpty {
                let ids = Array(chunk)
                for table in ["proposal_history", "supports", "proposal_scores", "notifications", "proposal_photos", "realisations"] {
                    try await connection.delete(from: table).where("proposal_id", .in, ids).run()
                }
                try await connection.delete(from: "comment_flags").where("comment_id", .in, SQLSubquery.select {
                    $0.column("id").from("comments").where("proposal_id", .in, ids)
                }).run()
                try await connection.delete(from: "comments").where("proposal_id", .in, ids).run()
                try await connection.delete(from: "proposals").where("id", .in, ids).run()
            }
        }
    }
}

extension AssemblySummary.Attendance {
    mutating func add(_ row: AssemblyStore.AttendanceCount, theme: AssemblyTheme?) {
        total += row.count
        if let theme, let role = AttendanceRole(rawValue: row.role), theme.includes(role: role, gender: row.gender) {
            themeGroup += row.count
        }
        if row.gender == .female { women += row.count } else { men += row.count }
        byRole[row.role, default: 0] += row.count
    }
}
