/// What the proposer and every supporter are told when a proposal moves: a forum decided, or its
/// realisation progressed. Kept as facts, so each reader sees it in their own language (and an
/// SMS sender words it its own way).
public struct ProposalNotice: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable { case decision, realisation, budgeted }

    public let kind: Kind
    public let proposalTitle: String
    public var outcome: DecisionOutcome?
    public var level: DecisionLevel?
    public var reason: String?
    public var progress: Int?
    public var budgetLine: String?
    public var amount: Int64?

    public static func decision(_ title: String, _ outcome: DecisionOutcome, at level: DecisionLevel, reason: String?) -> ProposalNotice {
        ProposalNotice(kind: .decision, proposalTitle: title, outcome: outcome, level: level, reason: reason)
    }

    /// SIPD put the proposal in the budget: its budget line and amount.
    public static func budgeted(_ title: String, budgetLine: String, amount: Int64) -> ProposalNotice {
        ProposalNotice(kind: .budgeted, proposalTitle: title, budgetLine: budgetLine, amount: amount)
    }

    public static func realisation(_ title: String, progress: Int, budgetLine: String) -> ProposalNotice {
        ProposalNotice(kind: .realisation, proposalTitle: title, progress: progress, budgetLine: budgetLine)
    }
}
