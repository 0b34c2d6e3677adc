import Testing
@testable import MusrenbangCore

/// The permission matrix: every role × action × place, written out so a change shows up here.
@Suite("Policy")
struct PolicyTests {
    static let regency = RegionCode("35.10")!
    static let district = RegionCode("35.10.13")!
    static let village = RegionCode("35.10.13.2007")!
    static let villageSameDistrict = RegionCode("35.10.13.2001")!
    static let otherDistrict = RegionCode("35.10.01")!
    static let villageOtherDistrict = RegionCode("35.10.01.2001")!
    static let otherRegency = RegionCode("35.09.01.2001")!

    static func principal(_ role: Role) -> Principal {
        let region: RegionCode? = switch role {
        case .admin: nil
        case .planner, .host, .agency, .council: regency
        case .districtOperator: district
        case .villageOperator, .citizen: village
        }
        return Principal(userId: 1, role: role, region: region, agencyCode: role == .agency ? "PUPR" : nil)
    }

    /// Places, nearest first: own village, a neighbour, another district, another regency.
    static let places = [village, villageSameDistrict, villageOtherDistrict, otherRegency]

    /// For each action and role: allowed at each of `places`. Written out, not computed, so a
    /// change of who may do what shows up here as a changed line.
    static let all4 = [true, true, true, true], regency3 = [true, true, true, false], district2 = [true, true, false, false]
    static let own1 = [true, false, false, false], none = [false, false, false, false]

    static func rows(admin: [Bool] = all4, planner: [Bool] = regency3, host: [Bool] = none, agency: [Bool] = none,
                     council: [Bool] = none, districtOperator: [Bool] = none, villageOperator: [Bool] = none,
                     citizen: [Bool] = none) -> [Role: [Bool]] {
        [.admin: admin, .planner: planner, .host: host, .agency: agency, .council: council,
         .districtOperator: districtOperator, .villageOperator: villageOperator, .citizen: citizen]
    }

    static let everyone = rows(planner: all4, host: all4, agency: all4, council: all4, districtOperator: all4,
                               villageOperator: all4, citizen: all4)
    static let planning = rows()
    static let sessionTeam = rows(districtOperator: district2, villageOperator: own1)
    static let villageTeam = rows(villageOperator: own1)
    static let hub = rows(host: regency3)

    static let matrix: [Action: [Role: [Bool]]] = [
        .viewPublic: everyone,
        .manageOwnAccount: everyone,
        .registerSelf: rows(admin: none, planner: none),
        .comment: everyone,
        .flagComment: everyone,
        .upvoteQuestion: everyone,
        .answerPoll: rows(admin: none, planner: none, citizen: all4),
        .manageStaff: planning,
        .configurePlanning: planning,
        .exchangeSipd: planning,
        .assignAgency: planning,
        .scheduleAssembly: planning,
        .registerCitizen: sessionTeam,
        .moderate: sessionTeam,
        .runSession: sessionTeam,
        .readMinutesDraft: sessionTeam,
        .submitProposal: rows(agency: regency3, council: regency3, villageOperator: own1, citizen: own1),
        .supportProposal: rows(admin: none, planner: none, citizen: own1),
        .rankProposals: villageTeam,
        .decideAtVillage: villageTeam,
        .agreeRanking: villageTeam,
        .tagTheme: villageTeam,
        .decideAtDistrict: rows(districtOperator: district2),
        // The assigned agency decides; a bare place names no agency (see `agencyBoundActions`).
        .decideAtAgency: planning,
        .verifyInField: planning,
        .decideAtRegency: hub,
        // The agency and the village act on what is theirs (see `realisationFollowsTheProposal`).
        .recordRealisation: planning,
        .addPhoto: planning,
        .leadAssembly: hub,
        .moderateFloor: hub,
        .watchWall: hub,
        .monitorStations: hub,
        .validateCloseOut: rows(districtOperator: district2),
        .readCloseOut: rows(host: regency3, districtOperator: district2, villageOperator: own1),
        .readAudit: planning,
        .readAssistedLog: planning,
        .manageCitizens: villageTeam,
        .useSecondFactor: rows(planner: all4, host: all4, agency: all4, council: all4, districtOperator: all4, villageOperator: all4),
        .answerQuestions: hub,
        .watchStage: rows(host: regency3, agency: regency3, council: regency3, districtOperator: district2, villageOperator: own1),
        .moderateQuestions: rows(host: regency3, districtOperator: district2, villageOperator: own1),
        .askQuestion: rows(districtOperator: district2, villageOperator: own1, citizen: own1),
    ]

    @Test("every action is in the matrix")
    func matrixIsComplete() {
        #expect(Set(Self.matrix.keys) == Set(Action.allCases))
        for (action, rows) in Self.matrix {
            #expect(Set(rows.keys) == Set(Role.allCases), "\(action)")
        }
    }

    @Test("role × action × place", arguments: Action.allCases, Role.allCases)
    func matrix(action: Action, role: Role) throws {
        let expected = try #require(Self.matrix[action]?[role])
        for (place, allowed) in zip(Self.places, expected) {
            #expect(Policy.allows(Self.principal(role), action, in: place) == allowed,
                    "\(role.rawValue) \(action.rawValue) at \(place)")
        }
    }

    @Test("the public may only look and register themselves")
    func anonymous() {
        for action in Action.allCases {
            let expected = action == .viewPublic || action == .registerSelf
            #expect(Policy.allows(nil, action) == expected, "\(action)")
            #expect(Policy.allows(nil, action, in: Self.village) == expected, "\(action)")
        }
    }

    @Test("a district operator reaches the district itself but not the regency")
    func reachUpwardsIsRefused() {
        let operatorOfDistrict = Self.principal(.districtOperator)
        #expect(Policy.reaches(operatorOfDistrict, Self.district))
        #expect(!Policy.reaches(operatorOfDistrict, Self.regency))
        #expect(!Policy.reaches(Self.principal(.villageOperator), Self.district))
    }

    @Test("a staff member without a region reaches nothing")
    func unboundStaff() {
        let unbound = Principal(userId: 2, role: .planner, region: nil)
        #expect(!Policy.allows(unbound, .manageStaff, in: Self.village))
    }

    @Test("the agency that would take a proposal verifies it and may add its photos; no other agency does")
    func surveyorsPhotos() {
        let pupr = Self.principal(.agency)
        #expect(Policy.allows(pupr, .addPhoto, in: Scope(Self.village, agencyCode: "PUPR", level: .district)))
        #expect(!Policy.allows(pupr, .addPhoto, in: Scope(Self.village, agencyCode: "DINKES", level: .district)))
    }

    @Test("the agency a proposal is assigned to decides and records it; no other agency does")
    func agencyBoundActions() {
        let pupr = Self.principal(.agency)
        for action in [Action.decideAtAgency, .recordRealisation, .verifyInField] {
            #expect(Policy.allows(pupr, action, in: Scope(Self.village, agencyCode: "PUPR", level: .agency)), "\(action)")
            #expect(!Policy.allows(pupr, action, in: Scope(Self.village, agencyCode: "DINKES", level: .agency)), "\(action)")
            #expect(!Policy.allows(pupr, action, in: Scope(Self.otherRegency, agencyCode: "PUPR", level: .agency)), "\(action)")
        }
    }

    @Test("a village records the realisation of its own plan only; beyond it the agencies do")
    func realisationFollowsTheProposal() {
        let village = Self.principal(.villageOperator)
        #expect(Policy.allows(village, .recordRealisation, in: Scope(Self.village, level: .village)))
        #expect(!Policy.allows(village, .recordRealisation, in: Scope(Self.village, level: .regency)))
        #expect(!Policy.allows(village, .recordRealisation, in: Scope(Self.villageSameDistrict, level: .village)))
    }

    @Test("who proposed or entered a proposal may add its photos, wherever they are")
    func ownersAddPhotos() {
        let citizen = Self.principal(.citizen)
        #expect(Policy.allows(citizen, .addPhoto, in: Scope(Self.villageOtherDistrict, owners: [citizen.userId])))
        #expect(!Policy.allows(citizen, .addPhoto, in: Scope(Self.village, owners: [UserID(rawValue: 99)])))
        #expect(Policy.allows(Self.principal(.villageOperator), .addPhoto, in: Scope(Self.village, level: .village)))
    }

    @Test("a district's own session agrees its ranking by the district; a village's by the village team")
    func rankingAgreementFollowsTheSession() {
        #expect(Policy.allows(Self.principal(.districtOperator), .agreeRanking, in: Self.district))
        #expect(!Policy.allows(Self.principal(.districtOperator), .agreeRanking, in: Self.village), "not a village's ranking")
        #expect(!Policy.allows(Self.principal(.districtOperator), .agreeRanking, in: Self.otherDistrict))
        #expect(!Policy.allows(Self.principal(.villageOperator), .agreeRanking, in: Self.district))
        #expect(Policy.allows(Self.principal(.planner), .agreeRanking, in: Self.district))
        #expect(Policy.allows(Self.principal(.villageOperator), .agreeRanking, in: Self.village))
    }

    @Test("each forum's decision is its own action")
    func decisionActions() {
        #expect(DecisionLevel.allCases.map(Policy.decision(at:)) == [.decideAtVillage, .decideAtDistrict, .decideAtAgency, .decideAtRegency])
    }

    @Test func plannersCannotMakeAdminsOrPlanners() {
        #expect(!Policy.assignableRoles(by: Self.principal(.planner)).contains(.admin))
        #expect(!Policy.assignableRoles(by: Self.principal(.planner)).contains(.planner))
        #expect(Policy.assignableRoles(by: Self.principal(.planner)).contains(.villageOperator))
        #expect(Policy.assignableRoles(by: Self.principal(.admin)).contains(.admin))
        #expect(!Policy.assignableRoles(by: Self.principal(.admin)).contains(.citizen))
        #expect(Policy.assignableRoles(by: Self.principal(.villageOperator)).isEmpty)
    }

    @Test("role identifiers are the API contract")
    func roleIdentifiers() {
        #expect(Role.allCases.map(\.rawValue) == ["admin", "planner", "host", "agency", "council",
                                                  "district_operator", "village_operator", "citizen"])
    }
}
