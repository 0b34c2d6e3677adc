import MusrenbangCore
import MusrenbangStore

/// What the regency's home page shows: its places, the assemblies coming or under way, and how
/// many proposals stand in each status.
struct HomeService: Sendable {
    let services: AppServices

    struct Overview: Sendable {
        let assemblies: [AssemblyRecord]
        let statusCounts: [ProposalStatus: Int]
    }

    func overview() async throws -> Overview {
        Overview(assemblies: try await AssemblyStore(services.database).current(regency: services.places.regency.code)
                    .filter { $0.stage != .closed && $0.rehearsalOf == nil },
                 statusCounts: try await ProposalStore(services.database).countByStatus())
    }
}
