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

    /// For each action and role: allowed at each of `places`.
    static let matrix: [Action: [Role: [Bool]]] = [
        .viewPublic: Dictionary(uniqueKeysWithValues: Role.allCases.map { ($0, [true, true, true, true]) }),
        .manageOwnAccount: Dictionary(uniqueKeysWithValues: Role.allCases.map { ($0, [true, true, true, true]) }),
        .registerSelf: Dictionary(uniqueKeysWithValues: Role.allCases.map { ($0, [false, false, false, false]) }),
        .registerCitizen: [
            .admin: [true, true, true, true],
            .planner: [true, true, true, false],
            .host: [false, false, false, false],
            .agency: [false, false, false, false],
            .council: [false, false, false, false],
            .districtOperator: [true, true, false, false],
            .villageOperator: [true, false, false, false],
            .citizen: [false, false, false, false],
        ],
        .manageStaff: [
            .admin: [true, true, true, true],
            .planner: [true, true, true, false],
            .host: [false, false, false, false],
            .agency: [false, false, false, false],
            .council: [false, false, false, false],
            .districtOperator: [false, false, false, false],
            .villageOperator: [false, false, false, false],
            .citizen: [false, false, false, false],
        ],
        .configurePlanning: [
            .admin: [true, true, true, true],
            .planner: [true, true, true, false],
            .host: [false, false, false, false],
            .agency: [false, false, false, false],
            .council: [false, false, false, false],
            .districtOperator: [false, false, false, false],
            .villageOperator: [false, false, false, false],
            .citizen: [false, false, false, false],
        ],
        .submitProposal: [
            .admin: [true, true, true, true],
            .planner: [true, true, true, false],
            .host: [false, false, false, false],
            .agency: [true, true, true, false],
            .council: [true, true, true, false],
            .districtOperator: [false, false, false, false],
            .villageOperator: [true, false, false, false],
            .citizen: [true, false, false, false],
        ],
        .supportProposal: [
            .admin: [false, false, false, false],
            .planner: [false, false, false, false],
            .host: [false, false, false, false],
            .agency: [false, false, false, false],
            .council: [false, false, false, false],
            .districtOperator: [false, false, false, false],
            .villageOperator: [false, false, false, false],
            .citizen: [true, false, false, false],
        ],
        .comment: Dictionary(uniqueKeysWithValues: Role.allCases.map { ($0, [true, true, true, true]) }),
        .moderate: [
            .admin: [true, true, true, true],
            .planner: [true, true, true, false],
            .host: [false, false, false, false],
            .agency: [false, false, false, false],
            .council: [false, false, false, false],
            .districtOperator: [true, true, false, false],
            .villageOperator: [true, false, false, false],
            .citizen: [false, false, false, false],
        ],
        .rankProposals: [
            .admin: [true, true, true, true],
            .planner: [true, true, true, false],
            .host: [false, false, false, false],
            .agency: [false, false, false, false],
            .council: [false, false, false, false],
            .districtOperator: [false, false, false, false],
            .villageOperator: [true, false, false, false],
            .citizen: [false, false, false, false],
        ],
        .recordRealisation: [
            .admin: [true, true, true, true],
            .planner: [true, true, true, false],
            .host: [false, false, false, false],
            .agency: [true, true, true, false],
            .council: [false, false, false, false],
            .districtOperator: [false, false, false, false],
            .villageOperator: [true, false, false, false],
            .citizen: [false, false, false, false],
        ],
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
