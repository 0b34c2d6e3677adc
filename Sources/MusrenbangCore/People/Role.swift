/// Who someone is in the platform. The raw values are a contract with the API and the CLI.
public enum Role: String, Sendable, Codable, CaseIterable {
    /// Runs the system; not bound to a region.
    case admin
    /// Bappeda: plans for the whole regency, runs its simultaneous assembly.
    case planner
    /// The Bupati: hosts the regency's assemblies.
    case host
    /// An OPD officer, bound to one agency.
    case agency
    /// A DPRD member.
    case council
    /// Kecamatan staff, bound to one district.
    case districtOperator = "district_operator"
    /// A village official, bound to one village.
    case villageOperator = "village_operator"
    /// A resident, bound to the village they live in.
    case citizen

    /// The level of region a person with this role must be bound to; `nil` for an admin.
    public var boundLevel: RegionLevel? {
        switch self {
        case .admin: nil
        case .planner, .host, .agency, .council: .regency
        case .districtOperator: .district
        case .villageOperator, .citizen: .village
        }
    }

    public var indonesianName: String {
        switch self {
        case .admin: "Admin sistem"
        case .planner: "Bappeda (perencana)"
        case .host: "Bupati (tuan rumah)"
        case .agency: "Perangkat daerah (OPD)"
        case .council: "Anggota DPRD"
        case .districtOperator: "Operator kecamatan"
        case .villageOperator: "Operator desa"
        case .citizen: "Warga"
        }
    }

    /// Staff roles are created by an administrator or planner; citizens register.
    public var isStaff: Bool { self != .citizen }
}

/// An authenticated person as the rules see them: a role and where it applies.
public struct Principal: Sendable, Hashable {
    public let userId: UserID
    public let role: Role
    public let region: RegionCode?
    public let agencyCode: String?

    public init(userId: UserID, role: Role, region: RegionCode?, agencyCode: String? = nil) {
        self.userId = userId
        self.role = role
        self.region = region
        self.agencyCode = agencyCode
    }
}
