import Foundation
import Hummingbird
import MusrenbangCore

/// `/perencanaan/sipd`: the planner's desk for SIPD — the export of the year (the same public
/// download the documents page lists) and the upload of SIPD's decisions (the page sends the file
/// to the API and shows its reconciliation report).
struct SipdPages {
    let sipd: SipdService
    let pages: PageRenderer
    let places: Places
    let today: @Sendable () -> CalendarDate

    func register(on router: Router<AppContext>) {
        router.get("perencanaan/sipd", use: page)
    }

    struct SipdPage: Sendable {
        let year: Int
        let links: [DocumentLink]
    }

    @Sendable func page(_ request: Request, context: AppContext) async throws -> Response {
        _ = try Access.person(context.user, .exchangeSipd, in: places.regency.code)
        let year = request.uri.queryParameters.get("tahun", as: Int.self).flatMap { (2000...2100).contains($0) ? $0 : nil } ?? today().year + 1
        return pages.render("sipd", title: Strings.text("sipdTitle", context.locale), model: SipdPage(
            year: year, links: [DocumentLinks.link(.sipd, base: "/dokumen/kabupaten", year: year, locale: context.locale)]), context: context)
    }
}
