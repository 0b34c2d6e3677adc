import Foundation
import MusrenbangCore
import SQLKit

/// The proposals that go to SIPD, and SIPD's decisions applied to them: each decision in one
/// transaction (the forum decision, the budget and their history rows together, or nothing).
public struct SipdStore: Sendable {
    let database: Database
    public init(_ database: Database) { self.database = database }

    /// A proposal as the export writes it: the record, what SIPD gave it, and the last forum's reason.
    public struct Exported: Sendable {
        public let proposal: ProposalRecord
        public let budget: SipdBudget?
        public let forumReason: String?
    }

    /// The year's proposals beyond the kecamatan (the agency and regency forums), in batches by id;
    /// which of them SIPD gets is Core's rule (`SipdBridge.isExported`).
    public func exported(year: Int, batchSize: Int = 1000, _ body: ([Exported]) async throws -> Void) async throws {
        var after: Int64 = 0
        let lastReason = SQLQueryString("""
            (SELECT h.reason FROM proposal_history h WHERE h.proposal_id = proposals.id AND h.event = \(bind: HistoryEntry.Event.decision.rawValue)
             ORDER BY h.id DESC LIMIT 1)
            """)
        while true {
            let batch = try await database.sql.select()
                .columns(ProposalRecord.columns.map { SQLColumn($0, table: "proposals") })
                .columns(SQLColumn("sipd_budget_line"), SQLColumn("sipd_amount"))
                .column(SQLAlias(SQLGroupExpression(lastReason), as: SQLIdentifier("forum_reason")))
                .from("proposals")
                .where("year", .equal, year)
                .where("level", .in, [DecisionLevel.agency.rawValue, DecisionLevel.regency.rawValue])
                .where(SQLColumn("id", table: "proposals"), .greaterThan, SQLBind(after))
                .orderBy(SQLColumn("id", table: "proposals")).limit(batchSize).all()
                .map { row in
                    Exported(proposal: try ProposalRecord.decode(row), budget: try Self.budget(row),
                             forumReason: try row.decode(column: "forum_reason", as: String?.self))
                }
            guard let last = batch.last else { return }
            try await body(batch)
            after = last.proposal.id.rawValue
        }
    }

    static func budget(_ row: any SQLRow) throws -> SipdBudget? {
        guard let line = try row.decode(column: "sipd_budget_line", as: String?.self),
              let amount = try row.decode(column: "sipd_amount", as: Int64?.self) else { return nil }
        return SipdBudget(budgetLine: line, amount: amount)
    }

    /// What SIPD gave a proposal, if anything.
    public func budget(of id: ProposalID) async throws -> SipdBudget? {
        try await database.sql.select().columns("sipd_budget_line", "sipd_amount").from("proposals")
            .where("id", .equal, id.rawValue).first().flatMap(Self.budget)
    }

    /// What applying one decision did.
    public enum Applied: Sendable, Equatable {
        /// The decision is now recorded (`changed`), or was already (`unchanged`).
        case matched(changed: Bool)
        case unmatched
        case conflicting(LocalizedText)
    }

    /// Applies SIPD's decision under Core's reconciliation and routing rules, on the locked row: a
    /// decision at the regency forum (its history line and notices), the budget line and amount
    /// (their history line and notices), all or nothing.
    public func apply(_ decision: SipdBridge.Decision, by principal: Principal) async throws -> Applied {
        let flavour = database.flavour
        return try await database.transaction { connection -> Applied in
            guard let current = try await ProposalStore.lockedProposal(connection, decision.proposalId, flavour: flavour) else {
                return .unmatched
            }
            let recorded = try await connection.select().columns("sipd_budget_line", "sipd_amount").from("proposals")
                .where("id", .equal, decision.proposalId.rawValue).first().flatMap(Self.budget)
            let verdict = SipdBridge.reconcile(decision.outcome, state: current.state, recorded: recorded)
            let request: DecisionRequest
            switch (verdict, decision.outcome) {
            case (.unchanged, _): return .matched(changed: false)
            case (.conflict(let text), _): return .conflicting(text)
            case (.acceptAndBudget, .accepted(_, let note)):
                request = DecisionRequest(level: .regency, outcome: .accepted, reason: note)
            case (.refuse, .refused(let reason)):
                request = DecisionRequest(level: .regency, outcome: .rejected, reason: reason)
            case (.budgetOnly, _), (.acceptAndBudget, _), (.refuse, _):
                request = DecisionRequest(level: .regency, outcome: .accepted)
            }
            if verdict != .budgetOnly {
                let context = ProposalContext(village: current.draft.villageCode, fundingSource: current.draft.fundingSource,
                                              subfieldCode: current.draft.subfieldCode, catalogAgency: current.draft.catalog?.agencyCode)
                switch Routing.decide(request, on: current.state, context: context, by: principal) {
                case .success(let next):
                    try await ProposalStore.writeState(connection, id: current.id, next)
                case .failure(.forbidden(let text)), .failure(.conflict(let text)):
                    return .conflicting(text)
                case .failure(.invalid(let validation)):
                    return .conflicting(validation.message)
                }
                try await ProposalStore.appendHistory(connection, proposal: current.id, event: .decision, level: .regency,
                                                      outcome: request.outcome, reason: request.reason, changes: ["source": "SIPD"],
                                                      actor: principal.userId, role: principal.role)
                try await ProposalStore.notify(connection, proposal: current,
                                               .decision(current.draft.title, request.outcome, at: .regency, reason: request.reason))
            }
            if case .accepted(let budget, _) = decision.outcome {
                try await connection.update("proposals")
                    .set("sipd_budget_line", to: budget.budgetLine).set("sipd_amount", to: budget.amount)
                    .set("sipd_decided_at", to: Date()).set("updated_at", to: Date())
                    .where("id", .equal, current.id.rawValue).run()
                try await ProposalStore.appendHistory(connection, proposal: current.id, event: .budgeted, level: .regency, outcome: nil,
                                                      reason: nil, changes: ["source": "SIPD", "budgetLine": budget.budgetLine,
                                                                             "amount": "\(budget.amount)"],
                                                      actor: principal.userId, role: principal.role)
                try await ProposalStore.notify(connection, proposal: current,
                                               .budgeted(current.draft.title, budgetLine: budget.budgetLine, amount: budget.amount))
            }
            return .matched(changed: true)
        }
    }
}
