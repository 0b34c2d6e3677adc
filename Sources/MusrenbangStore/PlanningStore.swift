import Foundation
import MusrenbangCore
import SQLKit

/// Scoring criteria, scores, the village ranking, district ceilings and realisation.
public struct PlanningStore: Sendable {
    let database: Database
    public init(_ database: Database) { self.database = database }

    // MARK: criteria and scores

    public func criteria(for kind: ProposalKind) async throws -> [Criterion] {
        let row = try await database.sql.select().column("criteria").from("scoring_criteria")
            .where("kind", .equal, kind.rawValue).first()
        guard let text = try row?.decode(column: "criteria", as: String.self) else { return Scoring.defaults(for: kind) }
        return try JSONDecoder().decode([Criterion].self, from: Data(text.utf8))
    }

    public func setCriteria(_ criteria: [Criterion], for kind: ProposalKind) async throws {
        let text = String(decoding: try JSONEncoder.sorted.encode(criteria), as: UTF8.self)
        try await database.transaction { connection in
            try await connection.delete(from: "scoring_criteria").where("kind", .equal, kind.rawValue).run()
            try await connection.insert(into: "scoring_criteria").columns("kind", "criteria", "updated_at")
                .values(SQLBind(kind.rawValue), SQLBind(text), SQLBind(Date())).run()
        }
    }

    /// Records the village team's scores and the proposal's weighted score (nil until complete).
    public func score(_ proposal: ProposalRecord, scores: [String: Int], by userId: UserID) async throws -> Double? {
        let criteria = try await criteria(for: proposal.draft.kind)
        return try await database.transaction { connection in
            for (key, value) in scores {
                try await connection.delete(from: "proposal_scores").where("proposal_id", .equal, proposal.id.rawValue)
                    .where("criterion_key", .equal, key).run()
                try await connection.insert(into: "proposal_scores")
                    .columns("proposal_id", "criterion_key", "score", "scored_by", "created_at")
                    .values(SQLBind(proposal.id.rawValue), SQLBind(key), SQLBind(value), SQLBind(userId.rawValue), SQLBind(Date())).run()
            }
            let all = try await connection.select().columns("criterion_key", "score").from("proposal_scores")
                .where("proposal_id", .equal, proposal.id.rawValue).all()
            var current: [String: Int] = [:]
            for row in all {
                current[try row.decode(column: "criterion_key", as: String.self)] = try row.decode(column: "score", as: Int.self)
            }
            let weighted = Scoring.weightedScore(current, criteria: criteria)
            try await connection.update("proposals").set("score", to: SQLBind(weighted)).where("id", .equal, proposal.id.rawValue).run()
            return weighted
        }
    }

    public func scores(_ proposalId: ProposalID) async throws -> [String: Int] {
        var result: [String: Int] = [:]
        for row in try await database.sql.select().columns("criterion_key", "score").from("proposal_scores")
            .where("proposal_id", .equal, proposalId.rawValue).all() {
            result[try row.decode(column: "criterion_key", as: String.self)] = try row.decode(column: "score", as: Int.self)
        }
        return result
    }

    // MARK: village ranking

    /// The village's proposals of a year that its forum decides or decided, in priority order:
    /// the stored priority when the team has ranked, else the computed order.
    public func ranked(village: RegionCode, year: Int) async throws -> [ProposalRecord] {
        let rows = try await database.sql.select().columns(ProposalRecord.columns.map { SQLColumn($0) }).from("proposals")
            .where("village_code", .equal, village.description).where("year", .equal, year)
            .where("source", .notIn, [ProposalSource.council.rawValue, ProposalSource.agency.rawValue])
            .where("status", .notIn, [ProposalStatus.merged.rawValue])
            .all().map(ProposalRecord.decode)
        let computed = Ranking.order(rows.map { RankEntry(id: $0.id, score: $0.score, supportCount: $0.supportCount, submittedOrder: $0.id.rawValue) })
        let position = Dictionary(uniqueKeysWithValues: computed.enumerated().map { ($1, $0) })
        return rows.sorted { a, b in
            switch (a.priority, b.priority) {
            case let (x?, y?): return x < y
            case (.some, nil): return true
            case (nil, .some): return false
            default: return position[a.id]! < position[b.id]!
            }
        }
    }

    /// Fixes priorities 1…n from scores, support and age; earlier manual moves are replaced.
    public func rank(village: RegionCode, year: Int, by principal: Principal) async throws -> [ProposalID] {
        let records = try await ranked(village: village, year: year)
        let order = Ranking.order(records.map { RankEntry(id: $0.id, score: $0.score, supportCount: $0.supportCount, submittedOrder: $0.id.rawValue) })
        try await writePriorities(order, village: village, year: year, moved: nil, reason: nil, by: principal)
        return order
    }

    /// Moves one proposal to a priority, with the reason logged in its history.
    public func move(_ proposalId: ProposalID, to priority: Int, reason: String, village: RegionCode, year: Int,
                     by principal: Principal) async throws -> [ProposalID]? {
        let current = try await ranked(village: village, year: year).map(\.id)
        guard let order = Ranking.move(proposalId, to: priority, in: current) else { return nil }
        try await writePriorities(order, village: village, year: year, moved: proposalId, reason: reason, by: principal)
        return order
    }

    private func writePriorities(_ order: [ProposalID], village: RegionCode, year: Int, moved: ProposalID?, reason: String?,
                                 by principal: Principal) async throws {
        try await database.transaction { connection in
            // Clear first: priorities are unique per village and year at every moment.
            try await connection.update("proposals").set("priority", to: SQLLiteral.null)
                .where("village_code", .equal, village.description).where("year", .equal, year).run()
            for (index, id) in order.enumerated() {
                try await connection.update("proposals").set("priority", to: index + 1).where("id", .equal, id.rawValue).run()
            }
            if let moved, let position = order.firstIndex(of: moved) {
                try await ProposalStore.appendHistory(connection, proposal: moved, event: .priority, level: .village, outcome: nil,
                                                      reason: reason, changes: ["priority": "\(position + 1)"],
                                                      actor: principal.userId, role: principal.role)
            }
        }
    }

    // MARK: district ceilings

    public func setCeiling(district: RegionCode, year: Int, amount: Int64) async throws {
        try await database.transaction { connection in
            try await connection.delete(from: "ceilings").where("district_code", .equal, district.description)
                .where("year", .equal, year).run()
            try await connection.insert(into: "ceilings").columns("district_code", "year", "amount")
                .values(SQLBind(district.description), SQLBind(year), SQLBind(amount)).run()
        }
    }

    public struct CeilingUse: Sendable, Equatable {
        public let ceiling: Int64?
        /// The cost of the proposals the district has backed onwards (not rejected or merged there).
        public let committed: Int64
        public var remaining: Int64? { ceiling.map { $0 - committed } }
    }

    public func ceilingUse(district: RegionCode, year: Int) async throws -> CeilingUse {
        let ceiling = try await database.sql.select().column("amount").from("ceilings")
            .where("district_code", .equal, district.description).where("year", .equal, year).first()?.decode(column: "amount", as: Int64.self)
        let committed = try await database.sql.select()
            // PostgreSQL sums BIGINT into NUMERIC; the cast brings both databases to one type.
            .column(SQLRaw("CAST(COALESCE(SUM(current_cost), 0) AS BIGINT)"), as: "total")
            .from("proposals").where("district_code", .equal, district.description).where("year", .equal, year)
            .where("level", .in, [DecisionLevel.agency.rawValue, DecisionLevel.regency.rawValue])
            .where("status", .notIn, [ProposalStatus.rejected.rawValue, ProposalStatus.merged.rawValue])
            .where("source", .notIn, [ProposalSource.council.rawValue, ProposalSource.agency.rawValue])
            .first()?.decode(column: "total", as: Int64.self) ?? 0
        return CeilingUse(ceiling: ceiling, committed: committed)
    }

    // MARK: realisation

    public func recordRealisation(_ proposalId: ProposalID, budgetLine: String, amount: Int64, year: Int, progress: Int,
                                  note: String?, by principal: Principal) async throws -> ProposalRecord {
        let flavour = database.flavour
        try await database.transaction { connection in
            guard let current = try await ProposalStore.lockedProposal(connection, proposalId, flavour: flavour) else {
                throw ProposalStore.DecisionError.notFound
            }
            let next: ProposalState
            switch Routing.recordProgress(progress, on: current.state) {
            case .success(let state): next = state
            case .failure(let refusal): throw ProposalStore.DecisionError.refused(refusal)
            }
            try await connection.insert(into: "realisations")
                .columns("proposal_id", "budget_line", "amount", "year", "progress", "note", "recorded_by", "created_at")
                .values(SQLBind(proposalId.rawValue), SQLBind(budgetLine), SQLBind(amount), SQLBind(year), SQLBind(progress),
                        SQLBind(note), SQLBind(principal.userId.rawValue), SQLBind(Date())).run()
            try await ProposalStore.writeState(connection, id: proposalId, next)
            try await ProposalStore.appendHistory(connection, proposal: proposalId, event: .realisation, level: nil, outcome: nil,
                                                  reason: note, changes: ["progress": "\(progress)", "amount": "\(amount)",
                                                                          "budgetLine": budgetLine, "year": "\(year)"],
                                                  actor: principal.userId, role: principal.role)
            try await ProposalStore.notify(connection, proposal: current,
                                           .realisation(current.draft.title, progress: progress, budgetLine: budgetLine))
        }
        guard let updated = try await ProposalStore(database).proposal(proposalId) else { throw ProposalStore.DecisionError.notFound }
        return updated
    }

    /// Reassigns a proposal waiting at the agency forum to another agency, logged.
    public func reassign(_ proposalId: ProposalID, to agency: String, by principal: Principal) async throws -> Bool {
        let flavour = database.flavour
        return try await database.transaction { connection in
            guard let current = try await ProposalStore.lockedProposal(connection, proposalId, flavour: flavour),
                  current.state.level == .agency, current.state.status == .pending else { return false }
            var next = current.state
            next.agencyCode = agency
            try await ProposalStore.writeState(connection, id: proposalId, next)
            try await ProposalStore.appendHistory(connection, proposal: proposalId, event: .agencyAssigned, level: .agency,
                                                  outcome: nil, reason: nil, changes: ["agencyCode": agency],
                                                  actor: principal.userId, role: principal.role)
            return true
        }
    }

    /// Records a field verification while the proposal waits at the kecamatan or agency forum:
    /// the proposal's columns and a history line in one transaction. False when it no longer waits there.
    public func verify(_ proposalId: ProposalID, _ verification: FieldVerification, by principal: Principal) async throws -> Bool {
        let flavour = database.flavour
        return try await database.transaction { connection in
            guard let current = try await ProposalStore.lockedProposal(connection, proposalId, flavour: flavour),
                  VerificationRules.mayVerify(at: current.state.level, status: current.state.status) else { return false }
            try await connection.update("proposals")
                .set("verification_status", to: verification.status.rawValue)
                .set("verification_reason", to: verification.reason)
                .set("verification_notes", to: verification.notes)
                .set("verified_on", to: verification.surveyedOn?.description)
                .set("verification_lat", to: verification.lat)
                .set("verification_lng", to: verification.lng)
                .set("verified_by", to: principal.userId.rawValue)
                .set("updated_at", to: Date())
                .where("id", .equal, proposalId.rawValue).run()
            var changes = ["status": verification.status.rawValue]
            changes["surveyedOn"] = verification.surveyedOn?.description
            if let lat = verification.lat, let lng = verification.lng { changes["location"] = "\(lat),\(lng)" }
            try await ProposalStore.appendHistory(connection, proposal: proposalId, event: .verified, level: current.state.level,
                                                  outcome: nil, reason: verification.reason, changes: changes,
                                                  actor: principal.userId, role: principal.role)
            return true
        }
    }
}
