import MusrenbangCore
import MusrenbangStore

/// The village ranking, the district desk with its indicative ceiling, and the scoring criteria.
struct PlanningService: Sendable {
    let services: AppServices
    var planning: PlanningStore { PlanningStore(services.database) }

    static let villageNotFound = AppError.notFound(.init(id: "Desa tidak ditemukan.", en: "Village not found."))
    static let districtNotFound = AppError.notFound(.init(id: "Kecamatan tidak ditemukan.", en: "District not found."))

    /// A village of the tenant, or 404.
    func village(_ raw: String?) throws -> RegionCode {
        guard let code = raw.flatMap({ RegionCode($0) }), services.places.isVillage(code) else { throw Self.villageNotFound }
        return code
    }

    /// A district of the tenant, or 404.
    func district(_ raw: String?) throws -> RegionCode {
        guard let code = raw.flatMap({ RegionCode($0) }), code.level == .district, services.places.contains(code) else {
            throw Self.districtNotFound
        }
        return code
    }

    /// The village's proposals of a year in priority order (public).
    func ranking(_ village: RegionCode, year: Int) async throws -> [ProposalRecord] {
        try await planning.ranked(village: village, year: year)
    }

    /// Fixes priorities 1…n from scores, support and age.
    func rank(_ village: RegionCode, year: Int, by user: UserRecord?) async throws -> [ProposalID] {
        let user = try Access.person(user, .rankProposals, in: village)
        return try await planning.rank(village: village, year: year, by: user.principal)
    }

    struct DistrictDesk: Sendable {
        let proposals: [ProposalRecord]
        let ceiling: PlanningStore.CeilingUse
    }

    /// What waits at the district forum, the pending ones first, most supported first.
    func desk(_ district: RegionCode, year: Int) async throws -> DistrictDesk {
        let waiting = try await ProposalStore(services.database)
            .list(.init(district: district, level: .district, year: year), .clamped(page: 1, size: Paging.maximumSize)).items
        return DistrictDesk(proposals: waiting.sorted {
            ($0.state.status == .pending ? 0 : 1, -$0.supportCount) < ($1.state.status == .pending ? 0 : 1, -$1.supportCount)
        }, ceiling: try await planning.ceilingUse(district: district, year: year))
    }

    func ceiling(_ district: RegionCode, year: Int) async throws -> PlanningStore.CeilingUse {
        try await planning.ceilingUse(district: district, year: year)
    }

    func setCeiling(_ district: RegionCode, year: Int, amount: Int64, by user: UserRecord?) async throws {
        _ = try Access.person(user, .configurePlanning, in: district)
        guard amount >= 0 else {
            throw AppError.invalid("amount", "amount.negative", id: "Pagu tidak boleh negatif.", en: "The ceiling cannot be negative.")
        }
        guard (2000...2100).contains(year) else {
            throw AppError.invalid("year", "year.range", id: "Tahun di luar jangkauan.", en: "Year out of range.")
        }
        try await planning.setCeiling(district: district, year: year, amount: amount)
    }

    func criteria(_ kind: ProposalKind) async throws -> [Criterion] {
        try await planning.criteria(for: kind)
    }

    func setCriteria(_ criteria: [Criterion], for kind: ProposalKind, by user: UserRecord?) async throws {
        _ = try Access.person(user, .configurePlanning, in: services.places.regency.code)
        if let error = Scoring.validate(criteria) { throw AppError(error) }
        try await planning.setCriteria(criteria, for: kind)
    }
}
