/// Everything a person can ask the platform to do that needs a permission. The server asks
/// `Policy` before every one of them and pages show a form only when `Policy` would allow it.
public enum Action: String, Sendable, CaseIterable {
    // MARK: accounts
    /// Read public pages and the public API: regions, assemblies, proposals.
    case viewPublic
    /// Create an own citizen account (only when not logged in).
    case registerSelf
    /// See and change one's own account.
    case manageOwnAccount
    /// Create and disable staff accounts.
    case manageStaff
    /// Register a citizen at the village office, without a password.
    case registerCitizen

    // MARK: proposals
    /// Submit a proposal for a village (a citizen for their own; operators and pokir for their area).
    case submitProposal
    /// Support a proposal: one per citizen, in their own village.
    case supportProposal
    /// Comment on a proposal or reply to a comment.
    case comment
    /// Flag a comment for the moderators.
    case flagComment
    /// Hide a comment with a reason.
    case moderate
    /// Score, rank and reorder the village's proposals.
    case rankProposals
    /// Decide a proposal at the village forum (Musrenbang Desa).
    case decideAtVillage
    /// Decide a proposal at the district forum (Musrenbang Kecamatan).
    case decideAtDistrict
    /// Decide a proposal at the agency forum: the agency it is assigned to.
    case decideAtAgency
    /// Decide a proposal at the regency forum (Musrenbang Kabupaten).
    case decideAtRegency
    /// Send a proposal waiting at the agency forum to another agency.
    case assignAgency
    /// Record the realisation of an accepted proposal: the agency it belongs to, or the village for its own plan.
    case recordRealisation
    /// Add a photo to a proposal: its proposer, who entered it, or realisation staff.
    case addPhoto
    /// Set indicative ceilings and scoring criteria.
    case configurePlanning
    /// Apply SIPD's decisions to the regency's proposals (the import; the export is public).
    case exchangeSipd

    // MARK: assemblies
    /// Schedule an assembly, set its agenda, hold and wipe its rehearsal.
    case scheduleAssembly
    /// Lead the hub's stages from the control room.
    case leadAssembly
    /// Give, end and mute villages' turns on the floor; set its rules.
    case moderateFloor
    /// See the monitoring wall of village cameras.
    case watchWall
    /// Receive the stage in a staff view (the public watches the program instead).
    case watchStage
    /// Approve or hide the questions of a village.
    case moderateQuestions
    /// Mark questions answered.
    case answerQuestions
    /// Put a question to the host, from one's village.
    case askQuestion
    /// Add one's vote to a question.
    case upvoteQuestion
    /// Answer a live poll as a citizen checked in at the assembly (wherever they checked in:
    /// being on the attendance list, not the place, is what the answer needs).
    case answerPoll
    /// Run a session: its stages, the check-in desk, the floor request, the heartbeat and the minutes.
    case runSession
    /// Agree the session's ranking: the village team for a village, the district for a district.
    case agreeRanking
    /// Read the minutes and the attendance list, which name attendees.
    case readMinutesDraft
    /// Follow every station of the regency's assemblies: whose minutes are still to be finalised.
    case monitorStations
    /// Read the audit log of staff actions in one's region.
    case readAudit
    /// Disable, re-enable and reclaim a citizen's account in one's area (with a reason, audited).
    case manageCitizens
    /// Protect one's own staff account with a second factor (TOTP).
    case useSecondFactor
    /// Record a field verification of a proposal (the agency that would take it).
    case verifyInField
    /// Read what staff did for citizens of a village (the assisted-entry log).
    case readAssistedLog
    /// Validate a closed village station's close-out, or record an incident (the kecamatan).
    case validateCloseOut
    /// See a station's close-out and its signed scan: the session team, the kecamatan and the hub.
    case readCloseOut
    /// Tag a proposal with the theme of a thematic musrenbang (or clear it), for one's village.
    case tagTheme
}

/// What an action is about: the place, and where it matters the agency it is assigned to, the
/// forum it stands at, and the people who own it (its proposer, who entered it).
public struct Scope: Sendable, Hashable {
    public var region: RegionCode?
    public var agencyCode: String?
    public var level: DecisionLevel?
    public var owners: Set<UserID>

    public init(_ region: RegionCode?, agencyCode: String? = nil, level: DecisionLevel? = nil, owners: Set<UserID> = []) {
        self.region = region
        self.agencyCode = agencyCode
        self.level = level
        self.owners = owners
    }
}

/// The one place that says who may do what, and where.
///
/// A role's reach is its region: a village operator acts in their village, a district operator
/// in their kecamatan, regency staff in their regency, an admin everywhere. An action on a place
/// is allowed only when the role may take the action at all and the place lies within its reach;
/// a few actions also look at the agency, the forum or the owners in the `Scope`.
public enum Policy {
    public static func allows(_ principal: Principal?, _ action: Action, in region: RegionCode? = nil) -> Bool {
        allows(principal, action, in: Scope(region))
    }

    public static func allows(_ principal: Principal?, _ action: Action, in scope: Scope) -> Bool {
        guard let principal else {
            return action == .viewPublic || action == .registerSelf
        }
        switch action {
        case .addPhoto:
            return scope.owners.contains(principal.userId) || allows(principal, .recordRealisation, in: scope)
                || allows(principal, .verifyInField, in: scope)
        case .agreeRanking where scope.region?.level == .district:
            // A district's own session: its ranking is agreed by the district, not by a village team.
            return [Role.admin, .planner, .districtOperator].contains(principal.role) && reaches(principal, scope.region!)
        case .decideAtAgency where principal.role == .agency, .recordRealisation where principal.role == .agency,
             .verifyInField where principal.role == .agency:
            guard principal.agencyCode != nil, principal.agencyCode == scope.agencyCode else { return false }
        case .recordRealisation where principal.role == .villageOperator:
            // A village records what its own plan (RKPDes) does; beyond it the agencies do.
            guard scope.level == .village else { return false }
        default:
            break
        }
        guard roles(for: action).contains(principal.role) else { return false }
        guard let region = scope.region, isRegional(action) else { return true }
        return reaches(principal, region)
    }

    /// Whether the action is bound to the place it concerns. Looking at public pages, one's own
    /// account, the discussion and votes are not: a villager may read and talk about any village.
    public static func isRegional(_ action: Action) -> Bool {
        switch action {
        case .viewPublic, .manageOwnAccount, .registerSelf, .comment, .flagComment, .upvoteQuestion, .answerPoll, .useSecondFactor: false
        default: true
        }
    }

    /// Which roles may take an action at all (before looking at the place).
    public static func roles(for action: Action) -> Set<Role> {
        let staff = Set(Role.allCases.filter(\.isStaff))
        let sessionTeam: Set<Role> = [.admin, .planner, .districtOperator, .villageOperator]
        let hub: Set<Role> = [.admin, .planner, .host]
        return switch action {
        case .viewPublic, .manageOwnAccount, .comment, .flagComment, .upvoteQuestion: Set(Role.allCases)
        case .registerSelf: []
        case .manageStaff, .configurePlanning, .assignAgency, .scheduleAssembly, .readAudit, .exchangeSipd, .readAssistedLog: [.admin, .planner]
        case .manageCitizens: [.admin, .planner, .villageOperator]
        case .registerCitizen, .moderate, .runSession, .readMinutesDraft: sessionTeam
        case .submitProposal: [.admin, .planner, .villageOperator, .council, .agency, .citizen]
        case .supportProposal, .answerPoll: [.citizen]
        case .rankProposals, .decideAtVillage, .agreeRanking, .tagTheme: [.admin, .planner, .villageOperator]
        case .decideAtDistrict: [.admin, .planner, .districtOperator]
        case .decideAtAgency, .verifyInField: [.admin, .planner, .agency]
        case .decideAtRegency: hub
        case .recordRealisation: [.admin, .planner, .agency, .villageOperator]
        // Whoever proposed or entered a proposal, of any role, may add its photos.
        case .addPhoto: Set(Role.allCases)
        case .leadAssembly, .moderateFloor, .watchWall, .answerQuestions, .monitorStations: hub
        case .validateCloseOut: [.admin, .planner, .districtOperator]
        case .readCloseOut: sessionTeam.union(hub)
        case .watchStage, .useSecondFactor: staff
        case .moderateQuestions: sessionTeam.union(hub)
        case .askQuestion: sessionTeam.union([.citizen])
        }
    }

    /// The action that decides a proposal at a forum.
    public static func decision(at level: DecisionLevel) -> Action {
        switch level {
        case .village: .decideAtVillage
        case .district: .decideAtDistrict
        case .agency: .decideAtAgency
        case .regency: .decideAtRegency
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
