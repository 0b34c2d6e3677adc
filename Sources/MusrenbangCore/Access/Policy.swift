/// Everything a person can ask the platform to do that needs a permission.
public enum Action: String, Sendable, CaseIterable {
    /// Read public pages and the public API: regions, assemblies, proposals.
    case viewPublic
    /// Create an own citizen account (only when not logged in).
    case registerSelf
    /// Register a citizen at the village office, without a password.
    case registerCitizen
    /// See and change one's own account.
    case manageOwnAccount
    /// Create and disable staff accounts.
    case manageStaff
    /// Submit a proposal for a village (a citizen for their own; operators and pokir for their area).
    case submitProposal
    /// Support a proposal: one per citizen, in their own village.
    case supportProposal
    /// Comment on a proposal, or flag a comment.
    case comment
    /// Hide a comment with a reason; merge duplicates.
    case moderate
    /// Score and rank the village's proposals.
    case rankProposals
    /// Set indicative ceilings, scoring criteria and agency assignments.
    case configurePlanning
    /// Record the realisation of an accepted proposal.
    case recordRealisation
}

/// The one place that says who may do what, and where.
///
/// A role's reach is its region: a village operator acts in their village, a district operator
/// in their kecamatan, regency staff in their regency, an admin everywhere. An action on a region
/// is allowed only when the role may take the action at all and the region lies within its reach.
public enum Policy {
    public static func allows(_ principal: Principal?, _ action: Action, in region: RegionCode? = nil) -> Bool {
        guard let principal else {
            return action == .viewPublic || action == .registerSelf
        }
        guard roles(for: action).contains(principal.role) else { return false }
        guard let region, isRegional(action) else { return true }
        return reaches(principal, region)
    }

    /// Whether the action is bound to the place it concerns. Looking at public pages and one's
    /// own account are not: a villager may read about any village.
    public static func isRegional(_ action: Action) -> Bool {
        switch action {
        case .viewPublic, .manageOwnAccount, .registerSelf, .comment: false
        case .registerCitizen, .manageStaff, .submitProposal, .supportProposal, .moderate, .rankProposals,
             .configurePlanning, .recordRealisation: true
        }
    }

    /// Which roles may take an action at all (before looking at the region).
    public static func roles(for action: Action) -> Set<Role> {
        switch action {
        case .viewPublic, .manageOwnAccount:
            Set(Role.allCases)
        case .registerSelf:
            []
        case .registerCitizen:
            [.admin, .planner, .districtOperator, .villageOperator]
        case .manageStaff, .configurePlanning:
            [.admin, .planner]
        case .submitProposal:
            [.admin, .planner, .villageOperator, .council, .agency, .citizen]
        case .supportProposal:
            [.citizen]
        case .comment:
            Set(Role.allCases)
        case .moderate:
            [.admin, .planner, .districtOperator, .villageOperator]
        case .rankProposals:
            [.admin, .planner, .villageOperator]
        case .recordRealisation:
            [.admin, .planner, .agency, .villageOperator]
        }
    }

    /// Whether the region lies within the person's reach.
    public static func reaches(_ principal: Principal, _ region: RegionCode) -> Bool {
        if principal.role == .admin { return true }
        guard let own = principal.region else { return false }
        return own.contains(region)
    }

    /// Which roles a person may give to a new staff account: a planner staffs their regency but
    /// cannot make administrators or other planners; an admin may make anyone.
    public static func assignableRoles(by principal: Principal) -> [Role] {
        switch principal.role {
        case .admin: Role.allCases.filter(\.isStaff)
        case .planner: [.host, .agency, .council, .districtOperator, .villageOperator]
        default: []
        }
    }
}
