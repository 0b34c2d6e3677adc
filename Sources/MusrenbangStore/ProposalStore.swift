import Foundation
import MusrenbangCore
import SQLKit

/// Proposals, their history and their decisions. Every change of state writes a history row
/// and the derived columns in one transaction: a proposal never half-moves, and never vanishes.
public struct ProposalStore: Sendable {
    let database: Database
    public init(_ database: Database) { self.database = database }

    public struct Created: Sendable {
        public let proposal: ProposalRecord
        /// False when an earlier request with the same idempotency key made it.
        public let isNew: Bool
        /// The assemblies whose village session it joined (in the same transaction).
        public var attachedTo: [AssemblyID] = []
        /// A new proposal's history as written (its submitted line); nil for a replay.
        public var history: [HistoryEntry]? = nil
    }

    /// One proposal to store: the validated draft, who it is for and who typed it.
    public struct NewProposal: Sendable {
        public var draft: ProposalDraft
        public var proposer: UserID?
        public var enteredBy: UserID
        public var enteredByRole: Role

        public init(draft: ProposalDraft, proposer: UserID?, enteredBy: UserID, enteredByRole: Role) {
            self.draft = draft
            self.proposer = proposer
            self.enteredBy = enteredBy
            self.enteredByRole = enteredByRole
        }
    }

    /// Stores a validated draft. With an idempotency key, a retry returns the first proposal.
    /// With `attach`, a proposal made while its village's session is at the proposal stage joins
    /// that session in the same transaction (a rehearsal's only when `practice`: entered by staff).
    public func create(_ new: NewProposal, idempotencyKey: IdempotencyKey?, attach: Bool = false,
                       practice: Bool = false) async throws -> Created {
        enum Outcome: Sendable { case made(Created), replay(ProposalID) }
        let outcome = try await database.transaction(key: idempotencyKey, status: 201, replay: { stored -> Outcome in
            guard let existing = Int64(stored) else { throw IdempotencyError.inProgress }
            return .replay(ProposalID(rawValue: existing))
        }) { connection -> (value: Outcome, answer: String) in
            var (record, submitted) = try await Self.insert(connection, [new])[0]
            var attached: [AssemblyID] = []
            if attach {
                let attachment = try await AssemblyStore.attach(connection, record.id, village: new.draft.villageCode, practice: practice)
                attached = attachment.assemblies
                // Tagged with a thematic session's theme: the row changed after it was returned.
                if attachment.retagged, let tagged = try await Self.proposal(connection, record.id) { record = tagged }
            }
            return (.made(Created(proposal: record, isNew: true, attachedTo: attached, history: [submitted])), "\(record.id)")
        }
        switch outcome {
        case .made(let created): return created
        case .replay(let id):
            guard let proposal = try await proposal(id) else { throw StoreError.notFound }
            return Created(proposal: proposal, isNew: false)
        }
    }

    /// Inserts many submitted proposals at once, each with its history line: for demo and
    /// benchmark data sets, where one transaction per proposal would take minutes.
    public func bulkInsert(_ proposals: [NewProposal]) async throws {
        for chunk in proposals.chunked(200) {
            try await database.transaction { connection in _ = try await Self.insert(connection, Array(chunk)) }
        }
    }

    /// The one way a proposal enters the database: its starting state comes from the Core rule
    /// (pokir and agency proposals start at the agency forum), with its first history line.
    /// The rows as stored come back from the INSERTs themselves (no read after).
    static func insert(_ connection: any SQLDatabase, _ proposals: [NewProposal]) async throws -> [(ProposalRecord, HistoryEntry)] {
        let now = Date()
        var insert = connection.insert(into: "proposals")
            .columns("village_code", "district_code", "year", "title", "problem", "activity", "field_code", "subfield_code",
                     "kind", "hamlet", "rw", "rt", "lat", "lng", "volume", "unit", "estimated_cost", "funding_source",
                     "beneficiaries_total", "beneficiaries_women", "beneficiaries_poor", "beneficiaries_disabled", "sdg",
                     "source", "group_kind", "group_name", "proposer_id", "entered_by", "show_proposer_name", "level",
                     "status", "agency_code", "current_volume", "current_cost", "progress", "support_count",
                     "search_folded", "created_at", "updated_at", "catalog_item_id", "unit_price", "catalog_agency_code")
        for new in proposals {
            let draft = new.draft
            let state = ProposalState.initial(for: draft)
            let location = draft.location
            let district = draft.villageCode.ancestor(at: .district) ?? draft.villageCode
            insert = insert.values(
                SQLBind(draft.villageCode.description), SQLBind(district.description), SQLBind(draft.year), SQLBind(draft.title),
                SQLBind(draft.problem), SQLBind(draft.activity), SQLBind(draft.fieldCode), SQLBind(draft.subfieldCode),
                SQLBind(draft.kind.rawValue), SQLBind(location.hamlet), SQLBind(location.rw), SQLBind(location.rt),
                SQLBind(location.lat), SQLBind(location.lng), SQLBind(draft.volume), SQLBind(draft.unit),
                SQLBind(draft.estimatedCost), SQLBind(draft.fundingSource.rawValue),
                SQLBind(draft.beneficiaries.total), SQLBind(draft.beneficiaries.women),
                SQLBind(draft.beneficiaries.poor), SQLBind(draft.beneficiaries.disabled), SQLBind(draft.sdg),
                SQLBind(draft.source.rawValue), SQLBind(draft.groupKind?.rawValue), SQLBind(draft.groupName),
                SQLBind(new.proposer?.rawValue), SQLBind(new.enteredBy.rawValue), SQLBind(draft.showProposerName),
                SQLBind(state.level.rawValue), SQLBind(state.status.rawValue), SQLBind(state.agencyCode),
                SQLBind(state.volume), SQLBind(state.estimatedCost), SQLBind(0), SQLBind(0),
                SQLBind(TextFolding.fold("\(draft.title) \(draft.activity)")), SQLBind(now), SQLBind(now),
                SQLBind(draft.catalog?.itemId), SQLBind(draft.catalog?.unitPrice), SQLBind(draft.catalog?.agencyCode))
        }
        // Rows come back in insertion order on both databases (a single multi-row INSERT … RETURNING).
        let records = try await insert.returning(ProposalRecord.columns.map { SQLColumn($0) }).all().map(ProposalRecord.decode)
        let ids = records.map(\.id)
        var history = connection.insert(into: "proposal_history")
            .columns("proposal_id", "event", "level", "changes", "actor_id", "actor_role", "created_at")
        for (id, new) in zip(ids, proposals) {
            let changes = String(decoding: try JSONEncoder.sorted.encode(["source": new.draft.source.rawValue]), as: UTF8.self)
            history = history.values(SQLBind(id.rawValue), SQLBind(HistoryEntry.Event.submitted.rawValue),
                                     SQLBind(ProposalState.initial(for: new.draft).level.rawValue), SQLBind(changes),
                                     SQLBind(new.enteredBy.rawValue), SQLBind(new.enteredByRole.rawValue), SQLBind(now))
        }
        let lines = try await history.returning(HistoryEntry.columns.map { SQLColumn($0) }).all().map(HistoryEntry.decode)
        // Entered by staff in a citizen's name: the citizen's log says so.
        for (id, new) in zip(ids, proposals) where new.proposer.map({ $0 != new.enteredBy }) == true {
            try await AssistedLog.append(connection, citizen: new.proposer!, staff: new.enteredBy, village: new.draft.villageCode,
                                         kind: .proposal, subject: "\(id)")
        }
        return Array(zip(records, lines))
    }

    /// How many proposals stand in each status.
    public func countByStatus() async throws -> [ProposalStatus: Int] {
        var counts: [ProposalStatus: Int] = [:]
        for row in try await database.sql.select().column("status").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from("proposals").groupBy("status").all() {
            counts[try row.decode("status", as: ProposalStatus.self)] = try row.decode(column: "n", as: Int.self)
        }
        return counts
    }

    public func proposal(_ id: ProposalID) async throws -> ProposalRecord? {
        try await Self.proposal(database.sql, id)
    }

    static func proposal(_ connection: any SQLDatabase, _ id: ProposalID) async throws -> ProposalRecord? {
        try await connection.select().columns(ProposalRecord.columns.map { SQLColumn($0) }).from("proposals")
            .where("id", .equal, id.rawValue).first().map(ProposalRecord.decode)
    }

    public func proposals(_ ids: [ProposalID]) async throws -> [ProposalRecord] {
        guard !ids.isEmpty else { return [] }
        return try await database.sql.select().columns(ProposalRecord.columns.map { SQLColumn($0) }).from("proposals")
            .where("id", .in, ids.map(\.rawValue)).all().map(ProposalRecord.decode)
    }

    public func history(_ id: ProposalID) async throws -> [HistoryEntry] {
        try await database.sql.select().columns(HistoryEntry.columns.map { SQLColumn($0) })
            .from("proposal_history").where("proposal_id", .equal, id.rawValue).orderBy("id").all().map(HistoryEntry.decode)
    }

    /// A page of proposals, newest first; `total` counts every match.
    public func list(_ filter: ProposalFilter, _ paging: Paging) async throws -> (items: [ProposalRecord], total: Int) {
        func filtered(_ select: SQLSelectBuilder) -> SQLSelectBuilder {
            var select = select
            if let village = filter.village { select = select.where("village_code", .equal, village.description) }
            if let district = filter.district { select = select.where("district_code", .equal, district.description) }
            if let status = filter.status { select = select.where("status", .equal, status.rawValue) }
            if let level = filter.level { select = select.where("level", .equal, level.rawValue) }
            if let field = filter.field { select = select.where("field_code", .equal, field) }
            if let year = filter.year { select = select.where("year", .equal, year) }
            if let source = filter.source { select = select.where("source", .equal, source.rawValue) }
            if let agency = filter.agency { select = select.where("agency_code", .equal, agency) }
            if let theme = filter.theme { select = select.where("theme", .equal, theme.rawValue) }
            if let mine = filter.mine {
                select = select.where { $0.where("proposer_id", .equal, mine.rawValue).orWhere("entered_by", .equal, mine.rawValue) }
            }
            if let query = filter.query.map(TextFolding.fold), !query.isEmpty {
                select = select.where("search_folded", .like, "%\(query)%")
            }
            return select
        }
        let total = try await filtered(database.sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from("proposals")).first()!.decode(column: "n", as: Int.self)
        let items = try await filtered(database.sql.select().columns(ProposalRecord.columns.map { SQLColumn($0) })
            .from("proposals"))
            .orderBy("id", .descending).limit(paging.size).offset(paging.offset)
            .all().map(ProposalRecord.decode)
        return (items, total)
    }

    // MARK: decisions

    public enum DecisionError: Error, Sendable, Equatable {
        case refused(DecisionRefusal)
        case notFound
        case mergeTarget(LocalizedText)
    }

    /// Applies a decision under the routing rules, writes its history line and notifies the
    /// proposer and supporters, all in one transaction.
    public func decide(_ id: ProposalID, _ request: DecisionRequest, by principal: Principal) async throws -> ProposalRecord {
        let flavour = database.flavour
        try await database.transaction { connection in
            guard let current = try await Self.lockedProposal(connection, id, flavour: flavour) else { throw DecisionError.notFound }
            let context = ProposalContext(village: current.draft.villageCode, fundingSource: current.draft.fundingSource,
                                          subfieldCode: current.draft.subfieldCode, catalogAgency: current.draft.catalog?.agencyCode)
            let next: ProposalState
            switch Routing.decide(request, on: current.state, context: context, by: principal) {
            case .success(let state): next = state
            case .failure(let refusal): throw DecisionError.refused(refusal)
            }
            if request.outcome == .merged, let target = request.mergedInto {
                try await Self.mergeSupports(connection, from: current, into: target, flavour: flavour)
            }
            try await Self.writeState(connection, id: id, next)
            var changes: [String: String] = [:]
            if next.volume != current.state.volume { changes["volume"] = "\(current.state.volume) → \(next.volume)" }
            if next.estimatedCost != current.state.estimatedCost {
                changes["estimatedCost"] = "\(current.state.estimatedCost) → \(next.estimatedCost)"
            }
            if let target = next.mergedInto { changes["mergedInto"] = "\(target)" }
            if next.agencyCode != current.state.agencyCode, let agency = next.agencyCode { changes["agencyCode"] = agency }
            if next.level != current.state.level { changes["nextLevel"] = next.level.rawValue }
            let reason = request.reason?.trimmingCharacters(in: .whitespacesAndNewlines)
            try await Self.appendHistory(connection, proposal: id, event: .decision, level: request.level, outcome: request.outcome,
                                         reason: reason, changes: changes.isEmpty ? nil : changes, actor: principal.userId,
                                         role: principal.role)
            try await Self.notify(connection, proposal: current,
                                  .decision(current.draft.title, request.outcome, at: request.level, reason: reason))
        }
        guard let updated = try await proposal(id) else { throw DecisionError.notFound }
        return updated
    }

    /// Moves the supports of a duplicate to the proposal it is merged into; a person who supported
    /// both is counted once. Whether the target may take it is Core's rule.
    static func mergeSupports(_ connection: any SQLDatabase, from source: ProposalRecord, into target: ProposalID,
                              flavour: SQLFlavour) async throws {
        let survivor = try await lockedProposal(connection, target, flavour: flavour)
        if let refusal = Routing.mergeTarget(source: source.id, district: source.districtCode, target: survivor?.id,
                                             targetDistrict: survivor?.districtCode, targetStatus: survivor?.state.status) {
            throw DecisionError.mergeTarget(refusal)
        }
        try await connection.raw("""
            INSERT INTO supports (proposal_id, user_id, created_at)
            SELECT \(bind: target.rawValue), user_id, created_at FROM supports WHERE proposal_id = \(bind: source.id.rawValue)
            ON CONFLICT DO NOTHING
            """).run()
        try await recountSupports(connection, target)
        try await appendHistory(connection, proposal: target, event: .mergedIn, level: nil, outcome: nil, reason: nil,
                                changes: ["from": "\(source.id)", "title": source.draft.title], actor: nil, role: nil)
    }

    static func recountSupports(_ connection: any SQLDatabase, _ id: ProposalID) async throws {
        try await connection.raw("""
            UPDATE proposals SET support_count = (SELECT COUNT(*) FROM supports WHERE proposal_id = \(bind: id.rawValue)) WHERE id = \(bind: id.rawValue)
            """).run()
    }

    /// The proposal row, locked for the rest of the transaction on PostgreSQL (SQLite's
    /// `BEGIN IMMEDIATE` already holds the whole database).
    static func lockedProposal(_ connection: any SQLDatabase, _ id: ProposalID, flavour: SQLFlavour) async throws -> ProposalRecord? {
        var select = connection.select().columns(ProposalRecord.columns.map { SQLColumn($0) }).from("proposals")
            .where("id", .equal, id.rawValue)
        if flavour == .postgres { select = select.for(.update) }
        return try await select.first().map(ProposalRecord.decode)
    }

    static func writeState(_ connection: any SQLDatabase, id: ProposalID, _ state: ProposalState) async throws {
        try await connection.update("proposals")
            .set("level", to: state.level.rawValue).set("status", to: state.status.rawValue)
            .set("agency_code", to: SQLBind(state.agencyCode)).set("current_volume", to: state.volume)
            .set("current_cost", to: state.estimatedCost).set("merged_into", to: SQLBind(state.mergedInto?.rawValue))
            .set("progress", to: state.progress).set("updated_at", to: Date())
            .where("id", .equal, id.rawValue).run()
    }

    static func appendHistory(_ connection: any SQLDatabase, proposal: ProposalID, event: HistoryEntry.Event, level: DecisionLevel?,
                              outcome: DecisionOutcome?, reason: String?, changes: [String: String]?, actor: UserID?,
                              role: Role?) async throws {
        let changesText = try changes.map { String(decoding: try JSONEncoder.sorted.encode($0), as: UTF8.self) }
        try await connection.insert(into: "proposal_history")
            .columns("proposal_id", "event", "level", "outcome", "reason", "changes", "actor_id", "actor_role", "created_at")
            .values(SQLBind(proposal.rawValue), SQLBind(event.rawValue), SQLBind(level?.rawValue), SQLBind(outcome?.rawValue),
                    SQLBind(reason), SQLBind(changesText), SQLBind(actor?.rawValue), SQLBind(role?.rawValue), SQLBind(Date()))
            .run()
    }

    /// An in-app notice to the proposer and every supporter, and an outbox row per person for
    /// SMS/WhatsApp/e-mail senders to pick up later. Stored as facts; readers word them.
    static func notify(_ connection: any SQLDatabase, proposal: ProposalRecord, _ notice: ProposalNotice) async throws {
        var people = Set(try await connection.select().column("user_id").from("supports")
            .where("proposal_id", .equal, proposal.id.rawValue).all().map { try $0.decodeID("user_id", as: UserID.self) })
        if let proposer = proposal.proposerId { people.insert(proposer) }
        let now = Date()
        let data = String(decoding: try JSONEncoder.sorted.encode(notice), as: UTF8.self)
        let payload = String(decoding: try JSONEncoder.sorted.encode(["proposalId": "\(proposal.id)", "notice": data]), as: UTF8.self)
        for chunk in people.sorted().chunked(500) {
            var notices = connection.insert(into: "notifications").columns("user_id", "proposal_id", "message", "data", "created_at")
            var outbox = connection.insert(into: "outbox").columns("channel", "user_id", "payload", "attempts", "created_at")
            for person in chunk {
                notices = notices.values(SQLBind(person.rawValue), SQLBind(proposal.id.rawValue), SQLBind(""), SQLBind(data), SQLBind(now))
                outbox = outbox.values(SQLBind("notice"), SQLBind(person.rawValue), SQLBind(payload), SQLBind(0), SQLBind(now))
            }
            try await notices.run()
            try await outbox.run()
        }
    }
}

extension ProposalStore {
    /// Tags a proposal with a theme (nil clears it), with its history line, in one transaction.
    /// Returns false when the proposal does not exist; a tag equal to the current one writes nothing.
    public func setTheme(_ id: ProposalID, _ theme: AssemblyTheme?, by principal: Principal) async throws -> Bool {
        try await database.transaction { connection in
            guard let row = try await connection.select().column("theme").from("proposals").where("id", .equal, id.rawValue).first() else {
                return false
            }
            let current = try row.decode("theme", as: AssemblyTheme?.self)
            guard current != theme else { return true }
            try await connection.update("proposals").set("theme", to: SQLBind(theme?.rawValue)).set("updated_at", to: Date())
                .where("id", .equal, id.rawValue).run()
            try await Self.appendHistory(connection, proposal: id, event: .themed, level: nil, outcome: nil, reason: nil,
                                         changes: ["theme": theme?.rawValue ?? ""], actor: principal.userId, role: principal.role)
            return true
        }
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}

extension ProposalStore {
    public struct SimilarProposal: Sendable {
        public let proposal: ProposalRecord
        public let score: Double
    }

    /// Up to `limit` proposals of the same district, this plan year or earlier, that say what
    /// `text` says ("usulan berulang"); the same village first when scores tie.
    public func similar(to text: String, village: RegionCode, year: Int, excluding: ProposalID? = nil,
                        limit: Int = 5, threshold: Double = 0.34) async throws -> [SimilarProposal] {
        let wanted = Similarity.tokens(text)
        guard !wanted.isEmpty else { return [] }
        let district = village.ancestor(at: .district) ?? village
        let rows = try await database.sql.select().columns("id", "village_code", "title", "activity").from("proposals")
            .where("district_code", .equal, district.description).where("year", .lessThanOrEqual, year).all()
        var scored: [(id: ProposalID, score: Double, sameVillage: Bool)] = []
        for row in rows {
            let id = try row.decodeID("id", as: ProposalID.self)
            if id == excluding { continue }
            let candidate = "\(try row.decode(column: "title", as: String.self)) \(try row.decode(column: "activity", as: String.self))"
            let score = Similarity.score(wanted, Similarity.tokens(candidate))
            if score >= threshold {
                scored.append((id, score, try row.decode(column: "village_code", as: String.self) == village.description))
            }
        }
        scored.sort { ($0.score, $0.sameVillage ? 1 : 0, -$0.id) > ($1.score, $1.sameVillage ? 1 : 0, -$1.id) }
        let best = Array(scored.prefix(limit))
        let records = Dictionary(uniqueKeysWithValues: try await proposals(best.map(\.id)).map { ($0.id, $0) })
        return best.compactMap { match in records[match.id].map { SimilarProposal(proposal: $0, score: match.score) } }
    }
}
