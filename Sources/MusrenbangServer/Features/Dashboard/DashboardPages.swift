import Hummingbird
import MusrenbangCore

/// `/dasbor`: the planning dashboard, public (aggregates only); the Bappeda and the Bupati also
/// see which stations have not finalised their minutes.
struct DashboardPages {
    let dashboard: DashboardService
    let pages: PageRenderer
    let today: @Sendable () -> CalendarDate

    func register(on router: Router<AppContext>) {
        router.get("dasbor", use: page)
    }

    @Sendable func page(_ request: Request, context: AppContext) async throws -> Response {
        let year = try ProposalQuery.integer(request.uri.queryParameters, "tahun") ?? today().year + 1
        let model = try await dashboard.dashboard(year: year, by: context.user, locale: context.locale)
        return pages.render("dashboard", title: "\(Strings.text("dashboardTitle", context.locale)) \(year)", model: model, context: context)
    }
}
