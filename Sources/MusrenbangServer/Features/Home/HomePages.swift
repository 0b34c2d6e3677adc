import Hummingbird
import MusrenbangCore
import MusrenbangStore

/// The public pages: the regency's home, region pages, search, and the language switch.
struct HomePages {
    let services: AppServices

    func register(on router: Router<AppContext>) {
        router.get("/") { _, context in
            let districts = try await services.regions.children(of: services.configuration.regency)
            let villageCount = try await services.regions.count(level: .village, within: services.configuration.regency)
            let assemblies = try await AssemblyStore(services.database).current(regency: services.configuration.regency.description)
                .filter { $0.stage != .closed && $0.rehearsalOf == nil }
            let counts = try await ProposalStore(services.database).countByStatus()
            let statusCounts: [[String: Any]] = ProposalStatus.allCases.map {
                ["name": ProposalPages.statusLabel($0), "value": $0.rawValue, "count": counts[$0] ?? 0]
            }
            return services.pages.page("home", title: services.tenant.name, values: [
                "assemblies": assemblies.map(AssemblyPages.row),
                "statusCounts": statusCounts,
                "regency": ["name": services.tenant.name, "code": services.tenant.code],
                "districts": districts.map { ["code": $0.code, "name": $0.name] },
                "districtCount": districts.count,
                "villageCount": villageCount,
            ], context: context)
        }

        router.get("wilayah/:code") { _, context in
            guard let code = RegionCode(context.parameters.get("code") ?? ""),
                  let region = try await services.regions.region(code) else {
                throw AppError.notFound(.init(id: "Wilayah tidak ditemukan.", en: "Region not found."))
            }
            let children = try await services.regions.children(of: code)
            var trail: [[String: String]] = []
            var cursor = code.parent
            while let parent = cursor {
                if let record = try await services.regions.region(parent) {
                    trail.insert(["code": record.code, "name": record.name], at: 0)
                }
                cursor = parent.parent
            }
            return services.pages.page("region", title: region.name, values: [
                "region": ["code": region.code, "name": region.name, "levelName": region.level.indonesianName,
                           "isVillage": region.level == .village,
                           "kindName": region.kind.map { $0 == .desa ? "Desa" : "Kelurahan" } ?? ""],
                "trail": trail,
                "children": children.map {
                    ["code": $0.code, "name": $0.name,
                     "kindName": $0.kind.map { $0 == .desa ? "Desa" : "Kelurahan" } ?? ""]
                },
                "hasChildren": !children.isEmpty,
            ], context: context)
        }

        router.get("cari") { request, context in
            let q = request.uri.queryParameters.get("q") ?? ""
            let found = q.isEmpty ? [] : try await services.regions.search(q, within: services.configuration.regency)
            return services.pages.page("search", title: Strings.text("searchResults", context.locale), values: [
                "q": q, "searched": !q.isEmpty,
                "results": found.map { ["code": $0.code, "name": $0.name, "levelName": $0.level.indonesianName] },
            ], context: context)
        }

        router.get("bahasa/:lang") { request, context in
            let lang = context.parameters.get("lang") == "en" ? "en" : "id"
            var response = Response.redirect(to: "/")
            response.setCookie(Cookie(name: "lang", value: lang, maxAge: 365 * 86_400, path: "/",
                                      secure: services.configuration.behindTLS, httpOnly: true, sameSite: .lax))
            return response
        }
    }
}
