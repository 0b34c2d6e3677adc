import Hummingbird
import MusrenbangCore

/// `/api/v1/dashboard/*`: the dashboard's figures as JSON, public like the page (aggregates only).
struct DashboardAPI {
    let dashboard: DashboardService
    let today: @Sendable () -> CalendarDate

    struct Beneficiaries: Encodable {
        /// L, P, RTM, difabel: men, women, poor households, people with disabilities.
        let total: Int; let men: Int; let women: Int; let poorHouseholds: Int; let disabled: Int
    }
    struct Theme: Encodable {
        /// `women`, `children`, `disability`, `youth`; null for the general musrenbang's proposals.
        let theme: String?; let proposals: Int; let beneficiaries: Beneficiaries
    }
    struct Themes: Encodable { let year: Int; let items: [Theme] }

    func register(on api: RouterGroup<AppContext>) {
        api.get("dashboard/themes", use: themes)
    }

    /// Proposals and beneficiaries per theme for `year` (default: next year's plan), merged ones left out.
    @Sendable func themes(_ request: Request, context: AppContext) async throws -> Response {
        let year = try ProposalQuery.integer(request.uri.queryParameters, "year") ?? today().year + 1
        let lines = try await dashboard.themes(year: year)
        return JSON.response(Themes(year: year, items: lines.map {
            let counted = $0.beneficiaries
            return Theme(theme: $0.theme?.rawValue, proposals: $0.count,
                         beneficiaries: .init(total: counted.total, men: counted.men, women: min(counted.women, counted.total),
                                              poorHouseholds: counted.poor, disabled: counted.disabled))
        }))
    }
}
