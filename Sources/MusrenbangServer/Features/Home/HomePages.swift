import Foundation
import Hummingbird
import MusrenbangCore
import MusrenbangStore

/// The public pages: the regency's home, region pages, search, and the language switch.
struct HomePages {
    let home: HomeService
    let regions: RegionService
    let places: Places
    let pages: PageRenderer
    let behindTLS: Bool

    func register(on router: Router<AppContext>) {
        router.get("/", use: homePage)
        router.get("wilayah/:code", use: regionPage)
        router.get("cari", use: searchPage)
        router.get("bahasa/:lang", use: language)
    }

    @Sendable func homePage(_ request: Request, context: AppContext) async throws -> Response {
        let overview = try await home.overview()
        let locale = context.locale
        return pages.render("home", title: places.regency.name, model: HomePage(
            regencyName: places.regency.name,
            assemblies: overview.assemblies.map { AssemblyRow($0, locale: locale) },
            statusCounts: ProposalStatus.allCases.map {
                .init(value: $0.rawValue, name: Names.status($0).text(locale), count: overview.statusCounts[$0] ?? 0)
            },
            districts: places.districts.map { .init(code: $0.description, name: places.name($0)) },
            districtCount: places.districts.count, villageCount: places.villages.count), flash: try await pages.flash(context), context: context)
    }

    @Sendable func regionPage(_ request: Request, context: AppContext) async throws -> Response {
        guard let code = RegionCode(context.parameters.get("code") ?? "") else { throw RegionService.unknown }
        let found = try await regions.detail(code)
        let locale = context.locale
        func kindName(_ region: RegionRecord) -> String? { region.kind.map { Names.villageKind($0).text(locale) } }
        return pages.render("region", title: found.region.name, model: RegionPage(
            code: found.region.code.description, name: found.region.name, levelName: Names.regionLevel(found.region.level).text(locale),
            heading: found.region.level == .village ? Names.village(found.region.code, found.region.name).text(locale) : found.region.name,
            trail: found.trail.map { .init(code: $0.code.description, name: $0.name, kindName: nil) },
            children: found.children.map { .init(code: $0.code.description, name: $0.name, kindName: kindName($0)) }), context: context)
    }

    @Sendable func searchPage(_ request: Request, context: AppContext) async throws -> Response {
        let q = try TextRules.search(request.uri.queryParameters.get("q"), maximum: RegionService.maximumSearch).orThrow()
        let found = q.isEmpty ? [] : try await regions.search(q, within: places.regency.code)
        return pages.render("search", title: Strings.text("searchResults", context.locale), model: SearchPage(
            q: q, searched: !q.isEmpty,
            results: found.map { .init(code: $0.code.description, name: $0.name, levelName: Names.regionLevel($0.level).text(context.locale)) }),
                            context: context)
    }

    @Sendable func language(_ request: Request, context: AppContext) async throws -> Response {
        let lang = context.parameters.get("lang") == "en" ? "en" : "id"
        // Back where the visitor was, when that is a page of this site.
        let back = request.headers[.referer].flatMap { URLComponents(string: $0)?.path }.flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "/"
        var response = Response.redirect(to: back)
        response.setCookie(Cookie(name: "lang", value: lang, maxAge: 365 * 86_400, path: "/", secure: behindTLS, httpOnly: true, sameSite: .lax))
        return response
    }
}

struct HomePage: Sendable {
    struct Count: Sendable { let value: String; let name: String; let count: Int }
    struct Place: Sendable { let code: String; let name: String }
    let regencyName: String
    let assemblies: [AssemblyRow]
    let statusCounts: [Count]
    let districts: [Place]
    let districtCount: Int
    let villageCount: Int
}

struct RegionPage: Sendable {
    struct Place: Sendable { let code: String; let name: String; let kindName: String? }
    let code: String
    let name: String
    let levelName: String
    let heading: String
    let trail: [Place]
    let children: [Place]
}

struct SearchPage: Sendable {
    struct Result: Sendable { let code: String; let name: String; let levelName: String }
    let q: String
    let searched: Bool
    let results: [Result]
}
