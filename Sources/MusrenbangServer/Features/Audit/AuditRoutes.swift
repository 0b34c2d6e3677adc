import Foundation
import Hummingbird
import MusrenbangCore
import MusrenbangStore

/// The audit log, read-only for planners (their regency) and administrators (everything):
/// `GET /api/v1/audit` and the page `/admin/audit`. Nobody can change it, not even here.
struct AuditRoutes {
    let audit: AuditService
    let pages: PageRenderer

    struct Line: Encodable {
        let id: Int64; let at: Date; let actorId: UserID?; let actorName: String?; let actorRole: String?; let action: String
        let target: String?; let regionCode: RegionCode?; let address: String; let status: Int; let reason: String?
    }
    struct Page: Encodable { let items: [Line]; let total: Int; let page: Int; let pageSize: Int }

    func register(api: RouterGroup<AppContext>, pages router: Router<AppContext>) {
        api.get("audit", use: list)
        router.get("admin/audit", use: page)
    }

    func read(_ request: Request, _ context: AppContext, size: Int) async throws -> (entries: [AuditEntry], total: Int, paging: Paging) {
        _ = try Access.role(context.user, .readAudit)  // before the query is read: a stranger learns nothing from its errors
        let query = request.uri.queryParameters
        let paging = try Paging(page: try ProposalQuery.integer(query, "page") ?? 1, size: try ProposalQuery.integer(query, "pageSize") ?? size)
        let found = try await audit.entries(for: context.user, paging)
        return (found.items, found.total, paging)
    }

    @Sendable func list(_ request: Request, context: AppContext) async throws -> Response {
        let (entries, total, paging) = try await read(request, context, size: 100)
        return JSON.response(Page(items: entries.map {
            Line(id: $0.id, at: $0.at, actorId: $0.actorId, actorName: $0.actorName, actorRole: $0.actorRole?.rawValue, action: $0.action,
                 target: $0.target, regionCode: $0.regionCode, address: $0.address, status: $0.status, reason: $0.reason)
        }, total: total, page: paging.page, pageSize: paging.size))
    }

    @Sendable func page(_ request: Request, context: AppContext) async throws -> Response {
        let (entries, total, paging) = try await read(request, context, size: 100)
        let locale = context.locale
        return pages.render("audit", title: Strings.text("auditTitle", locale), model: AuditPage(
            lines: entries.map {
                .init(at: Format.dateTime($0.at).text(locale), actor: $0.actorName ?? "—", role: $0.actorRole.map { Names.role($0).text(locale) } ?? "—",
                      action: $0.action, target: $0.target ?? "", address: $0.address, reason: $0.reason ?? "")
            }, pager: PageLinks(paging, total: total) { "/admin/audit?page=\($0)" }), context: context)
    }
}

struct AuditPage: Sendable {
    struct Line: Sendable { let at: String; let actor: String; let role: String; let action: String; let target: String; let address: String; let reason: String }
    let lines: [Line]
    let pager: PageLinks
}
