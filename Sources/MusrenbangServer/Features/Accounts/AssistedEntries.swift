import Foundation
import Hummingbird
import MusrenbangCore
import MusrenbangStore

/// The assisted-entry log: a citizen reads what staff did in their name (`/api/v1/me/assisted-entries`
/// and their account page); planners read it per village (`/api/v1/villages/{code}/assisted-entries`
/// and `/admin/pendampingan?desa=…`).
struct AssistedEntryService: Sendable {
    let services: AppServices
    var log: AssistedLog { AssistedLog(services.database) }

    /// One's own lines (a citizen's; staff have none).
    func mine(_ user: UserRecord?) async throws -> [AssistedEntry] {
        let user = try Access.role(user, .manageOwnAccount)
        return try await log.entries(for: user.id)
    }

    func village(_ raw: String?, _ paging: Paging, by user: UserRecord?) async throws -> (village: RegionCode, items: [AssistedEntry], total: Int) {
        _ = try Access.role(user, .readAssistedLog)
        let village = try PlanningService(services: services).village(raw)
        try Access.require(user, .readAssistedLog, in: Scope(village))
        let found = try await log.entries(village: village, paging)
        return (village, found.items, found.total)
    }

    /// "Operator Desa Bubuk (Operator desa) mendaftarkan akun Anda".
    static func sentence(_ entry: AssistedEntry, forCitizen: Bool) -> LocalizedText {
        let who = "\(entry.staffName) (\(Names.role(entry.staffRole).id))", whoEn = "\(entry.staffName) (\(Names.role(entry.staffRole).en))"
        let whom = forCitizen ? LocalizedText(id: "Anda", en: "you") : .init(id: entry.citizenName, en: entry.citizenName)
        let subject = entry.subject ?? ""
        return switch entry.kind {
        case .registration: .init(id: "\(who) mendaftarkan akun \(whom.id)", en: "\(whoEn) registered an account for \(whom.en)")
        case .checkIn: .init(id: "\(who) mencatat kehadiran \(whom.id) di musrenbang #\(subject)",
                             en: "\(whoEn) checked \(whom.en) in at assembly #\(subject)")
        case .proposal: .init(id: "\(who) mengajukan usulan #\(subject) atas nama \(whom.id)",
                              en: "\(whoEn) submitted proposal #\(subject) on behalf of \(whom.en)")
        }
    }
}

struct AssistedEntryRoutes {
    let entries: AssistedEntryService
    let pages: PageRenderer
    let places: Places

    struct Line: Encodable {
        let id: Int64; let at: Date; let kind: String; let subject: String?; let villageCode: RegionCode
        let staffId: UserID; let staffName: String; let staffRole: String; let citizenId: UserID; let text: String
    }
    struct Lines: Encodable { let items: [Line]; let total: Int? ; let page: Int?; let pageSize: Int? }

    func register(api: RouterGroup<AppContext>, pages router: Router<AppContext>) {
        api.get("me/assisted-entries", use: mine)
        api.get("villages/:code/assisted-entries", use: village)
        router.get("admin/pendampingan", use: villagePage)
    }

    static func line(_ entry: AssistedEntry, forCitizen: Bool, _ locale: LocalizedText.Locale) -> Line {
        Line(id: entry.id, at: entry.at, kind: entry.kind.rawValue, subject: entry.subject, villageCode: entry.villageCode,
             staffId: entry.staffId, staffName: entry.staffName, staffRole: entry.staffRole.rawValue, citizenId: entry.citizenId,
             text: AssistedEntryService.sentence(entry, forCitizen: forCitizen).text(locale))
    }

    @Sendable func mine(_ request: Request, context: AppContext) async throws -> Response {
        let found = try await entries.mine(context.user)
        return JSON.response(Lines(items: found.map { Self.line($0, forCitizen: true, context.locale) }, total: nil, page: nil, pageSize: nil))
    }

    func read(_ request: Request, _ context: AppContext, village raw: String?) async throws -> (RegionCode, [AssistedEntry], Int, Paging) {
        _ = try Access.role(context.user, .readAssistedLog)  // before the query is read: a stranger learns nothing from its errors
        let query = request.uri.queryParameters
        let paging = try Paging(page: try ProposalQuery.integer(query, "page") ?? 1, size: try ProposalQuery.integer(query, "pageSize") ?? 100)
        let found = try await entries.village(raw, paging, by: context.user)
        return (found.village, found.items, found.total, paging)
    }

    @Sendable func village(_ request: Request, context: AppContext) async throws -> Response {
        let (_, items, total, paging) = try await read(request, context, village: context.parameters.get("code"))
        return JSON.response(Lines(items: items.map { Self.line($0, forCitizen: false, context.locale) }, total: total,
                                   page: paging.page, pageSize: paging.size))
    }

    @Sendable func villagePage(_ request: Request, context: AppContext) async throws -> Response {
        let locale = context.locale
        let raw = request.uri.queryParameters.get("desa")
        guard let raw, !raw.isEmpty else {
            _ = try Access.person(context.user, .readAssistedLog, in: places.regency.code)
            return pages.render("assisted", title: Strings.text("assistedTitle", locale), model: AssistedPage(
                villageName: nil, villages: VillageChoice.grouped(places, selected: nil), lines: [], pager: .single), context: context)
        }
        let (village, items, total, paging) = try await read(request, context, village: raw)
        let base = "/admin/pendampingan?desa=\(village)"
        return pages.render("assisted", title: Strings.text("assistedTitle", locale), model: AssistedPage(
            villageName: Names.village(village, places.name(village)).text(locale), villages: VillageChoice.grouped(places, selected: village),
            lines: items.map { .init(at: Format.dateTime($0.at).text(locale), text: AssistedEntryService.sentence($0, forCitizen: false).text(locale)) },
            pager: PageLinks(paging, total: total) { "\(base)&page=\($0)" }), context: context)
    }
}

struct AssistedPage: Sendable {
    struct Line: Sendable { let at: String; let text: String }
    let villageName: String?
    let villages: [VillageChoice.Group]
    let lines: [Line]
    let pager: PageLinks
}
