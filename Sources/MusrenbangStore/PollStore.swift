import Foundation
import MusrenbangCore
import SQLKit

public struct PollRecord: Sendable, Equatable {
    public let id: PollID
    public let assemblyId: AssemblyID
    public let question: String
    public let audience: PollAudience
    public let status: PollStatus
    /// The options' labels in order; an answer names one by its position, from 1.
    public let options: [String]
    public let openedAt: Date
    public let closedAt: Date?
    /// How many offices were present when the poll closed (nil while it is open).
    public let officesPresentAtClose: Int?
}

public struct PollAnswerRecord: Sendable, Equatable {
    public let id: Int64
    public let pollId: PollID
    public let option: Int
    public let villageCode: RegionCode
    public let citizenId: UserID?
    public let createdAt: Date
}

/// Live polls of an assembly. Every change is one transaction that also appends the assembly's
/// live event (`poll`), so the control room, the consoles and the public page hear of it.
public struct PollStore: Sendable {
    let database: Database
    public init(_ database: Database) { self.database = database }

    public enum PollError: Error, Equatable {
        case notFound
        case refused(PollRefusal)
        /// A second answer from the same office or citizen: the first one, kept.
        case alreadyAnswered(PollAnswerRecord)
    }

    static let columns = ["id", "assembly_id", "question", "audience", "status", "opened_at", "closed_at", "offices_present"]

    public func open(_ assembly: AssemblyID, _ draft: PollDraft, by actor: UserID) async throws -> PollRecord {
        try await database.transaction { connection in
            let now = Date()
            let id = try await connection.insert(into: "polls")
                .columns("assembly_id", "question", "audience", "status", "opened_by", "opened_at")
                .values(SQLBind(assembly.rawValue), SQLBind(draft.question), SQLBind(draft.audience.rawValue),
                        SQLBind(PollStatus.open.rawValue), SQLBind(actor.rawValue), SQLBind(now))
                .returning("id").first()!.decodeID("id", as: PollID.self)
            var insert = connection.insert(into: "poll_options").columns("poll_id", "position", "label")
            for (index, label) in draft.options.enumerated() {
                insert = insert.values(SQLBind(id.rawValue), SQLBind(index + 1), SQLBind(label))
            }
            try await insert.run()
            try await AssemblyStore.appendEvent(connection, assembly, kind: "poll", payload: ["poll": "\(id)", "change": "opened"])
            return PollRecord(id: id, assemblyId: assembly, question: draft.question, audience: draft.audience, status: .open,
                              options: draft.options, openedAt: now, closedAt: nil, officesPresentAtClose: nil)
        }
    }

    /// Closes an open poll and keeps how many offices were present; closing twice is refused.
    public func close(_ assembly: AssemblyID, poll: PollID, by actor: UserID) async throws -> PollRecord {
        let flavour = database.flavour
        try await database.transaction { connection in
            var select = connection.select().column("status").from("polls")
                .where("id", .equal, poll.rawValue).where("assembly_id", .equal, assembly.rawValue)
            if flavour == .postgres { select = select.for(.update) }
            guard let status = try await select.first()?.decode("status", as: PollStatus.self) else { throw PollError.notFound }
            if let refusal = PollRules.mayClose(status) { throw PollError.refused(refusal) }
            let present = try await Self.officesPresent(connection, assembly)
            try await connection.update("polls").set("status", to: PollStatus.closed.rawValue).set("closed_at", to: Date())
                .set("closed_by", to: actor.rawValue).set("offices_present", to: present)
                .where("id", .equal, poll.rawValue).run()
            try await AssemblyStore.appendEvent(connection, assembly, kind: "poll", payload: ["poll": "\(poll)", "change": "closed"])
        }
        guard let closed = try await self.poll(assembly, poll) else { throw PollError.notFound }
        return closed
    }

    /// Closes every open poll of the assembly, inside the transaction that closes the assembly.
    static func closeAll(_ connection: any SQLDatabase, _ assembly: AssemblyID, by actor: UserID) async throws {
        let open = try await connection.select().column("id").from("polls").where("assembly_id", .equal, assembly.rawValue)
            .where("status", .equal, PollStatus.open.rawValue).all().map { try $0.decode(column: "id", as: Int64.self) }
        guard !open.isEmpty else { return }
        let present = try await officesPresent(connection, assembly)
        try await connection.update("polls").set("status", to: PollStatus.closed.rawValue).set("closed_at", to: Date())
            .set("closed_by", to: actor.rawValue).set("offices_present", to: present).where("id", .in, open).run()
        for poll in open {
            try await AssemblyStore.appendEvent(connection, assembly, kind: "poll", payload: ["poll": "\(poll)", "change": "closed"])
        }
    }

    /// One answer: an office's (`citizen` nil, answered by its operator) or a checked-in
    /// citizen's, who answers under the village they checked in at. The unique indexes decide a
    /// race: of two answers from one office, one goes in and the other finds it. A retry with the
    /// same idempotency key returns the first answer (not new) instead of a conflict.
    public func answer(_ assembly: AssemblyID, poll: PollID, option: Int, village office: RegionCode?, sessionStage: AssemblyStage?,
                       citizen: UserID?, by actor: UserID,
                       idempotencyKey: IdempotencyKey? = nil) async throws -> (answer: PollAnswerRecord, isNew: Bool) {
        let flavour = database.flavour
        return try await database.transaction(key: idempotencyKey, replay: { stored in
            guard let found = try await Self.answer(database.sql, id: Int64(stored) ?? -1) else { throw StoreError.notFound }
            return (found, false)
        }) { connection in
            // A share lock: answers go on side by side, but a close waits for them (and they for it).
            var select = connection.select().columns("status", "audience").from("polls")
                .where("id", .equal, poll.rawValue).where("assembly_id", .equal, assembly.rawValue)
            if flavour == .postgres { select = select.for(.share) }
            guard let row = try await select.first() else { throw PollError.notFound }
            let status = try row.decode("status", as: PollStatus.self), audience = try row.decode("audience", as: PollAudience.self)
            let count = try await connection.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("poll_options")
                .where("poll_id", .equal, poll.rawValue).first()?.decode(column: "n", as: Int.self) ?? 0
            if let refusal = PollRules.answer(option: option, status: status, optionCount: count, audience: audience,
                                              by: citizen == nil ? .office : .citizen, sessionStage: sessionStage) {
                throw PollError.refused(refusal)
            }
            let village: RegionCode
            if let citizen {
                guard let attended = try await connection.select().column("village_code").from("attendance")
                    .where("assembly_id", .equal, assembly.rawValue).where("user_id", .equal, citizen.rawValue).first()
                else { throw PollError.refused(PollRules.notCheckedIn) }
                village = try attended.decodeRegion("village_code")
            } else {
                guard let office else { throw StoreError.notFound }
                village = office
            }
            let now = Date()
            guard let inserted = try await connection.insert(into: "poll_answers")
                .columns("poll_id", "position", "village_code", "citizen_id", "answered_by", "created_at")
                .values(SQLBind(poll.rawValue), SQLBind(option), SQLBind(village.description), SQLBind(citizen?.rawValue),
                        SQLBind(actor.rawValue), SQLBind(now))
                .ignoringConflicts().returning("id").first() else {
                var existing = connection.select().columns(Self.answerColumns).from("poll_answers").where("poll_id", .equal, poll.rawValue)
                existing = citizen.map { existing.where("citizen_id", .equal, $0.rawValue) }
                    ?? existing.where("village_code", .equal, village.description).where("citizen_id", .is, SQLLiteral.null)
                guard let first = try await existing.first().map(Self.answer) else { throw StoreError.notFound }
                throw PollError.alreadyAnswered(first)
            }
            let answer = PollAnswerRecord(id: try inserted.decode(column: "id", as: Int64.self), pollId: poll, option: option,
                                          villageCode: village, citizenId: citizen, createdAt: now)
            try await AssemblyStore.appendEvent(connection, assembly, kind: "poll",
                                                payload: ["poll": "\(poll)", "change": "answered", "village": village.description])
            return ((answer, true), "\(answer.id)")
        }
    }

    static let answerColumns = ["id", "poll_id", "position", "village_code", "citizen_id", "created_at"]

    static func answer(_ row: any SQLRow) throws -> PollAnswerRecord {
        PollAnswerRecord(id: try row.decode(column: "id", as: Int64.self), pollId: try row.decodeID("poll_id", as: PollID.self),
                         option: try row.decode(column: "position", as: Int.self), villageCode: try row.decodeRegion("village_code"),
                         citizenId: try row.decodeID("citizen_id", as: UserID?.self), createdAt: try row.decode(column: "created_at", as: Date.self))
    }

    static func answer(_ connection: any SQLDatabase, id: Int64) async throws -> PollAnswerRecord? {
        try await connection.select().columns(answerColumns).from("poll_answers").where("id", .equal, id).first().map(answer)
    }

    /// The assembly's polls, newest first, with their options.
    public func polls(_ assembly: AssemblyID, status: PollStatus? = nil) async throws -> [PollRecord] {
        var select = database.sql.select().columns(Self.columns).from("polls").where("assembly_id", .equal, assembly.rawValue)
        if let status { select = select.where("status", .equal, status.rawValue) }
        let rows = try await select.orderBy("id", .descending).limit(200).all()
        return try await records(rows)
    }

    public func poll(_ assembly: AssemblyID, _ id: PollID) async throws -> PollRecord? {
        let rows = try await database.sql.select().columns(Self.columns).from("polls")
            .where("assembly_id", .equal, assembly.rawValue).where("id", .equal, id.rawValue).all()
        return try await records(rows).first
    }

    private func records(_ rows: [any SQLRow]) async throws -> [PollRecord] {
        guard !rows.isEmpty else { return [] }
        let ids = try rows.map { try $0.decode(column: "id", as: Int64.self) }
        var options: [Int64: [String]] = [:]
        for row in try await database.sql.select().columns("poll_id", "label").from("poll_options").where("poll_id", .in, ids)
            .orderBy("poll_id").orderBy("position").all() {
            options[try row.decode(column: "poll_id", as: Int64.self), default: []].append(try row.decode(column: "label", as: String.self))
        }
        return try rows.map { row in
            let id = try row.decodeID("id", as: PollID.self)
            return PollRecord(id: id, assemblyId: try row.decodeID("assembly_id", as: AssemblyID.self),
                              question: try row.decode(column: "question", as: String.self),
                              audience: try row.decode("audience", as: PollAudience.self), status: try row.decode("status", as: PollStatus.self),
                              options: options[id.rawValue] ?? [], openedAt: try row.decode(column: "opened_at", as: Date.self),
                              closedAt: try row.decode(column: "closed_at", as: Date?.self),
                              officesPresentAtClose: try row.decode(column: "offices_present", as: Int?.self))
        }
    }

    /// The results of the given polls, counted from the answers by GROUP BY: they always equal the rows.
    /// An open poll counts the offices present now; a closed one those present when it closed.
    public func tallies(_ assembly: AssemblyID, _ polls: [PollRecord]) async throws -> [PollID: PollTally] {
        guard !polls.isEmpty else { return [:] }
        let ids = polls.map(\.id.rawValue)
        var answers: [Int64: [(option: Int, count: Int)]] = [:]
        for row in try await database.sql.select().columns("poll_id", "position").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from("poll_answers").where("poll_id", .in, ids).groupBy("poll_id").groupBy("position").all() {
            answers[try row.decode(column: "poll_id", as: Int64.self), default: []]
                .append((try row.decode(column: "position", as: Int.self), try row.decode(column: "n", as: Int.self)))
        }
        var offices: [Int64: Int] = [:]
        for row in try await database.sql.select().column("poll_id")
            .column(SQLRaw("COUNT(DISTINCT village_code)"), as: "n")
            .from("poll_answers").where("poll_id", .in, ids).groupBy("poll_id").all() {
            offices[try row.decode(column: "poll_id", as: Int64.self)] = try row.decode(column: "n", as: Int.self)
        }
        let presentNow = polls.contains { $0.status == .open } ? try await Self.officesPresent(database.sql, assembly) : 0
        return Dictionary(uniqueKeysWithValues: polls.map { poll in
            (poll.id, PollTally(optionCount: poll.options.count, answers: answers[poll.id.rawValue] ?? [],
                                officesAnswered: offices[poll.id.rawValue] ?? 0,
                                officesPresent: poll.officesPresentAtClose ?? presentNow))
        })
    }

    /// What one office answered (office polls) or one citizen (citizen polls), by poll.
    public func answers(_ polls: [PollRecord], village: RegionCode? = nil, citizen: UserID? = nil) async throws -> [PollID: Int] {
        guard !polls.isEmpty, village != nil || citizen != nil else { return [:] }
        var select = database.sql.select().columns("poll_id", "position").from("poll_answers").where("poll_id", .in, polls.map(\.id.rawValue))
        if let citizen {
            select = select.where("citizen_id", .equal, citizen.rawValue)
        } else if let village {
            select = select.where("village_code", .equal, village.description).where("citizen_id", .is, SQLLiteral.null)
        }
        var found: [PollID: Int] = [:]
        for row in try await select.all() {
            found[try row.decodeID("poll_id", as: PollID.self)] = try row.decode(column: "position", as: Int.self)
        }
        return found
    }

    /// Whether a person is on the assembly's attendance list.
    public func checkedIn(_ assembly: AssemblyID, citizen: UserID) async throws -> Bool {
        try await database.sql.select().column("id").from("attendance").where("assembly_id", .equal, assembly.rawValue)
            .where("user_id", .equal, citizen.rawValue).first() != nil
    }

    /// An answer by its id (what an answer's idempotency key points to).
    public func answer(id: Int64) async throws -> PollAnswerRecord? {
        try await Self.answer(database.sql, id: id)
    }

    /// Offices present: sessions that have started (an office that closed its session was there).
    static func officesPresent(_ connection: any SQLDatabase, _ assembly: AssemblyID) async throws -> Int {
        try await connection.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("assembly_sessions")
            .where("assembly_id", .equal, assembly.rawValue).where("stage", .notEqual, AssemblyStage.scheduled.rawValue)
            .first()?.decode(column: "n", as: Int.self) ?? 0
    }
}
